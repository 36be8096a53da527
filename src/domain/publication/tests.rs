use super::*;
use crate::error::Error;

fn languages() -> Vec<String> {
    vec!["en".to_string(), "ar".to_string()]
}

const EVENT: &str = r###"
hashtags = ["#Berlin", "JobFair", "berlin"]
gcm_objectives = [18, 5, 18]
countries_of_origin = ["ng"]

[text.en]
title = "Diaspora Careers Fair 2026"
summary = "Meet 30 employers looking for bilingual staff."
body = "## Programme\n\nTalks & **workshops**."

[text.ar]
title = "معرض الوظائف للمغتربين ٢٠٢٦"
summary = "قابل ٣٠ جهة توظيف تبحث عن موظفين ثنائيي اللغة."

[event]
starts_at = "2026-03-14T10:00"
ends_at = "2026-03-14T16:00"
time_zone = "Europe/Berlin"
category = "networking"
online_url = "https://stream.example/fair"

[event.place]
name = "Rathaus Neukölln"
street_address = "Karl-Marx-Straße 83"
postal_code = "12043"
locality = "Berlin"
country = "de"
latitude = 52.4812
longitude = 13.435
"###;

#[test]
fn a_multilingual_event_validates_with_its_offset_and_normalised_fields() {
    let input = Input::from_toml(EVENT).expect("parses");
    let draft = input.validate(Kind::Event, &languages()).expect("valid");
    assert_eq!(draft.default_language, "en");
    assert_eq!(draft.texts[0].language, "en");
    assert_eq!(draft.texts[1].language, "ar");
    assert!(
        draft.texts[0].body_html.contains("<h2>Programme</h2>"),
        "{}",
        draft.texts[0].body_html
    );
    assert_eq!(draft.hashtags, ["Berlin", "JobFair"]);
    assert_eq!(draft.gcm_objectives, [5, 18]);
    assert_eq!(draft.countries_of_origin, ["NG"]);
    let Details::Event(event) = &draft.details else {
        panic!("an event");
    };
    assert_eq!(event.starts().to_rfc3339(), "2026-03-14T10:00:00+01:00");
    assert_eq!(event.ends().to_rfc3339(), "2026-03-14T16:00:00+01:00");
    assert_eq!(event.category, "NETWORKING");
    assert_eq!(event.status, "confirmed");
    assert_eq!(
        event
            .place
            .as_ref()
            .and_then(|place| place.country.clone())
            .as_deref(),
        Some("DE")
    );
}

#[test]
fn summer_time_gives_another_offset_and_a_skipped_hour_is_refused() {
    let summer = EVENT
        .replace("2026-03-14T10:00", "2026-07-14T10:00")
        .replace("2026-03-14T16:00", "2026-07-14T16:00");
    let draft = Input::from_toml(&summer)
        .expect("parses")
        .validate(Kind::Event, &languages())
        .expect("valid");
    let Details::Event(event) = &draft.details else {
        panic!("an event")
    };
    assert_eq!(event.starts().to_rfc3339(), "2026-07-14T10:00:00+02:00");

    let gap = EVENT.replace("2026-03-14T10:00", "2026-03-29T02:30");
    let error = Input::from_toml(&gap)
        .expect("parses")
        .validate(Kind::Event, &languages())
        .expect_err("gap");
    assert!(error.to_string().contains("event.starts_at"), "{error}");
}

fn fields(error: Error) -> Vec<String> {
    match error {
        Error::Invalid(fields) => fields.into_iter().map(|field| field.field).collect(),
        other => panic!("not a validation error: {other}"),
    }
}

#[test]
fn every_bad_field_is_named_at_once() {
    let input = Input::from_toml(
        r###"
hashtags = ["two words"]
gcm_objectives = [0, 24]
gcm_categories = [10]
countries_of_residence = ["Germany"]
[text.en]
title = ""
[text.xx-toolongsubtag]
title = "x"
summary = "x"
[event]
starts_at = "tomorrow"
ends_at = "2026-03-14T16:00"
time_zone = "Mars/Olympus"
join_mode = "external"
"###,
    )
    .expect("parses");
    let named = fields(
        input
            .validate(Kind::Event, &languages())
            .expect_err("invalid"),
    );
    for field in [
        "hashtags[0]",
        "gcm_objectives[0]",
        "gcm_objectives[1]",
        "gcm_categories[0]",
        "countries_of_residence[0]",
        "text.en.title",
        "text.en.summary",
        "text.xx-toolongsubtag",
        "event.starts_at",
        "event.time_zone",
        "event.place",
        "event.external_url",
    ] {
        assert!(
            named.contains(&field.to_string()),
            "{field} not in {named:?}"
        );
    }
}

#[test]
fn the_section_must_match_the_kind() {
    let input = Input::from_toml(EVENT).expect("parses");
    let named = fields(
        input
            .validate(Kind::Story, &languages())
            .expect_err("wrong kind"),
    );
    assert!(named.contains(&"story".to_string()), "{named:?}");
    assert!(named.contains(&"event".to_string()), "{named:?}");
}

#[test]
fn type_errors_and_unknown_keys_name_their_field() {
    let error = Input::from_json(
        br###"{"text": {"en": {"title": "x", "summary": "y"}}, "gcm_objectives": ["five"]}"###,
    )
    .expect_err("type error");
    assert_eq!(fields(error), ["gcm_objectives[0]"]);
    let error =
        Input::from_json(br###"{"text": {"en": {"titel": "x"}}}"###).expect_err("unknown key");
    let named = fields(error);
    assert!(named[0].starts_with("text.en"), "{named:?}");
    assert!(matches!(
        Input::from_json(b"{not json"),
        Err(Error::BadRequest(_))
    ));
    let error = Input::from_toml("[story]\ncategory = 3").expect_err("type error");
    assert_eq!(fields(error), ["story.category"]);
}

#[test]
fn stories_need_consent_and_alt_text() {
    let input = Input::from_toml(
        r###"
[text.fr]
title = "De demandeuse d'asile à infirmière"
summary = "Le parcours d'Amaka."
[story]
category = "individual journey"
image_url = "https://ngb.example/media/amaka.jpg"
"###,
    )
    .expect("parses");
    let named = fields(
        input
            .validate(Kind::Story, &languages())
            .expect_err("invalid"),
    );
    assert_eq!(
        named,
        [
            "story.image_alt",
            "story.consent.subject_consented",
            "story.consent.given_by",
            "story.consent.given_on",
            "story.consent.form"
        ]
    );
}

#[test]
fn a_hidden_name_or_place_may_not_stay_in_the_texts() {
    let input = Input::from_toml(
        r###"
hashtags = ["Nursing", "LeipzigLife"]
[text.en]
title = "Amaka Obi, nurse"
summary = "From Lagos to a hospital in Leipzig."
body = "She lives in *Leipzig* now."
[text.fr]
title = "A. O., infirmière"
summary = "De Lagos à l'hôpital."
[story]
category = "individual_journey"
subject_name = "Amaka Obi"
subject_place = "Leipzig"
image_url = "https://ngb.example/media/a.jpg"
image_alt = "Amaka at the hospital door."
[story.consent]
subject_consented = true
given_by = "Amaka Obi"
given_on = "2026-03-01"
form = "recorded"
hide_name = true
pseudonym = "A. O."
hide_place = true
"###,
    )
    .expect("parses");
    let named = fields(
        input
            .validate(Kind::Story, &languages())
            .expect_err("invalid"),
    );
    assert_eq!(
        named,
        [
            "text.en.title",
            "story.image_alt",
            "text.en.summary",
            "text.en.body",
            "hashtags"
        ],
        "the name (a word of it is enough) and the place, in any case, in the texts, the \
         image's description and the hashtags"
    );
}

#[test]
fn a_pseudonym_may_not_hold_the_name() {
    let input = Input::from_toml(
        r###"
[text.en]
title = "A nurse"
summary = "From Lagos."
[story]
category = "individual_journey"
subject_name = "Amaka Obi"
[story.consent]
subject_consented = true
given_by = "Amaka Obi"
given_on = "2026-03-01"
form = "oral"
hide_name = true
pseudonym = "Amaka O."
"###,
    )
    .expect("parses");
    let named = fields(
        input
            .validate(Kind::Story, &languages())
            .expect_err("invalid"),
    );
    assert_eq!(named, ["story.consent.pseudonym"]);
}

#[test]
fn a_story_about_the_organization_needs_no_record_and_goes_everywhere() {
    let input = Input::from_toml(
        r###"
[text.en]
title = "Ten years of our association"
summary = "What we did."
[story]
category = "social"
[story.consent]
about = "organization"
"###,
    )
    .expect("parses");
    let draft = input.validate(Kind::Story, &languages()).expect("valid");
    let Details::Story(story) = draft.details else {
        panic!("a story");
    };
    assert!(story.federated() && story.indexable() && story.consent.images);
    assert_eq!(story.licence.as_deref(), Some("cc_by"));
}

#[test]
fn opportunities_say_how_to_apply_and_only_courses_have_course_fields() {
    let input = Input::from_toml(
        r###"
[text.en]
title = "Volunteer mentors"
summary = "Help newcomers."
[opportunity]
kind = "volunteering"
remote = true
provider = "VHS"
deadline = "2026-11-30"
"###,
    )
    .expect("parses");
    let named = fields(
        input
            .validate(Kind::Opportunity, &languages())
            .expect_err("invalid"),
    );
    assert_eq!(named, ["opportunity.apply_url", "opportunity.provider"]);

    let course = Input::from_toml(
        r###"
[text.de]
title = "Deutsch B1 für Pflegekräfte"
summary = "12 Wochen, online."
[opportunity]
kind = "course"
remote = true
apply_email = "kurse@vhs.example"
provider = "Volkshochschule Neukölln"
course_language = "de"
cost = "free"
certificate = true
deadline = "2027-01-04T23:59:59+01:00"
"###,
    )
    .expect("parses");
    let draft = course
        .validate(Kind::Opportunity, &languages())
        .expect("valid");
    assert_eq!(draft.default_language, "de", "the only language given");
    let Details::Opportunity(opportunity) = &draft.details else {
        panic!("an opportunity")
    };
    assert_eq!(
        opportunity.deadline.map(|d| d.to_rfc3339()).as_deref(),
        Some("2027-01-04T22:59:59+00:00")
    );
    assert!(
        opportunity
            .course
            .as_ref()
            .is_some_and(|course| course.certificate)
    );
}

#[test]
fn kinds_parse_from_singular_and_plural() {
    for kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        assert_eq!(Kind::parse(kind.plural()), Some(kind));
    }
    assert_eq!(Kind::parse("posts"), None);
}

#[test]
fn a_language_given_twice_is_refused() {
    let input = Input::from_json(
        br#"{"text": {"en": {"title": "a", "summary": "b"}, "EN": {"title": "c", "summary": "d"}},
             "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}}"#,
    )
    .expect("parses");
    let named = fields(
        input
            .validate(Kind::Story, &languages())
            .expect_err("twice"),
    );
    assert_eq!(named, ["text.en"]);
}

#[test]
fn a_category_of_objective_19_chooses_objective_19() {
    let input = Input::from_toml(
        r###"
gcm_objectives = [5]
gcm_categories = [7, 2, 7]
[text.en]
title = "Investing back home"
summary = "A fund of the diaspora."
[story]
category = "economic"
consent = { subject_consented = true, given_by = "Amina", given_on = "2026-01-10", form = "written", federated = true, indexable = true, images = true }
"###,
    )
    .expect("parses");
    let draft = input.validate(Kind::Story, &languages()).expect("valid");
    assert_eq!(draft.gcm_objectives, [5, 19]);
    assert_eq!(draft.gcm_categories, [2, 7]);
}
