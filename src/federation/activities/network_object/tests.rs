use super::*;
use serde_json::json;

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/federation-tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let activity: Value = serde_json::from_str(&text).expect("JSON");
    activity["object"].clone()
}

fn start(object: &Value) -> Option<DateTime<FixedOffset>> {
    object["startTime"]
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
}

#[test]
fn a_mobilizon_event_gives_its_place_and_country_by_name() {
    let object = fixture("mobilizon/create-event.json");
    assert_eq!(kind(&object, "Event"), Kind::Event);
    let details = details(&object, Kind::Event, start(&object));
    assert_eq!(
        details.place.as_deref(),
        Some("Locaux de Framasoft, 10 Rue Jangot, 69007, Lyon, Auvergne Rhône Alpes"),
        "its country is named in the reader's language, not as sent"
    );
    assert_eq!(
        details.place_country.as_deref(),
        Some("FR"),
        "France, by name"
    );
    assert_eq!(details.countries, vec!["FR".to_string()]);
    assert_eq!(details.utc_offset_minutes, Some(0));
    assert!(details.hashtags.is_empty(), "a Mention is no hashtag");
}

#[test]
fn a_gancio_event_gives_its_offset_tag_and_image() {
    let object = fixture("gancio/create-event.json");
    let details = details(&object, Kind::Event, start(&object));
    assert_eq!(details.place.as_deref(), Some("Colosseo"));
    assert_eq!(details.utc_offset_minutes, Some(120), "+02:00 as sent");
    assert_eq!(details.time_zone, None, "Gancio sends no zone");
    assert_eq!(details.hashtags, vec!["test".to_string()]);
    assert_eq!(
        details.image.as_ref().map(|(url, _)| url.as_str()),
        Some("https://demo.gancio.org/media/7215892e7326a9b326b6bcad5b57642e.jpg")
    );
}

#[test]
fn a_jisr_object_gives_our_terms_and_bad_values_are_dropped() {
    let object = json!({
        "type": "Page",
        "opportunityKind": "job",
        "opportunity": {
            "type": "JobPosting",
            "jobLocationType": "TELECOMMUTE",
            "applicantLocationRequirements": [{"type": "Country", "name": "DE"}, {"name": "Atlantis"}],
            "validThrough": "2027-01-31T23:00:00Z"
        },
        "countriesOfOrigin": ["SD", "xx", 7, "Syria"],
        "countriesOfResidence": ["DE"],
        "gcmObjectives": [19, 0, 24, 5, 19],
        "tag": [
            {"type": "Hashtag", "name": "#Diaspora"},
            {"type": "Hashtag", "name": "#no spaces"},
            {"type": "Hashtag", "name": "#diaspora"}
        ],
        "location": {"type": "Place", "name": "Online"},
    });
    assert_eq!(kind(&object, "Page"), Kind::Opportunity);
    let details = details(&object, Kind::Opportunity, None);
    assert_eq!(details.countries_of_origin, vec!["SD", "SY"]);
    assert_eq!(details.countries_of_residence, vec!["DE"]);
    assert_eq!(details.countries, vec!["DE"]);
    assert_eq!(details.gcm_objectives, vec![5, 19]);
    assert_eq!(details.hashtags, vec!["Diaspora"]);
    assert_eq!(details.opportunity_kind.as_deref(), Some("job"));
    assert!(details.online);
    assert_eq!(
        deadline(&object).map(|moment| moment.to_rfc3339()),
        Some("2027-01-31T23:00:00+00:00".to_string())
    );
}

#[test]
fn kinds_follow_the_type_and_our_terms() {
    assert_eq!(kind(&json!({}), "Article"), Kind::Story);
    assert_eq!(
        kind(&json!({"library": {"topic": "visas"}}), "Article"),
        Kind::Resource
    );
    assert_eq!(kind(&json!({}), "Page"), Kind::Story);
    assert_eq!(kind(&json!({}), "Event"), Kind::Event);
}

#[test]
fn a_zone_must_be_in_the_tz_database() {
    let object = json!({"timezone": "Mars/Olympus", "startTime": "2027-01-01T10:00:00+01:00"});
    assert_eq!(
        details(&object, Kind::Event, start(&object)).time_zone,
        None
    );
    let object = json!({"timezone": "Africa/Khartoum"});
    assert_eq!(
        details(&object, Kind::Event, None).time_zone.as_deref(),
        Some("Africa/Khartoum")
    );
}
