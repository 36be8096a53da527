use super::*;
use crate::domain::network::ProfileDetails;

fn entry(
    name: &str,
    origin: &[&str],
    residence: &[&str],
    sectors: &[&str],
    languages: &[&str],
) -> Entry {
    let strings = |values: &[&str]| values.iter().map(|value| value.to_string()).collect();
    Entry {
        profile: Profile {
            ap_id: format!("https://{}.example/actor", name.to_lowercase()),
            actor_type: "Organization".to_string(),
            name: name.to_string(),
            details: ProfileDetails {
                countries_of_origin: strings(origin),
                countries_of_residence: strings(residence),
                sectors: strings(sectors),
                languages: strings(languages),
                website: None,
                expert_areas: Vec::new(),
                experts: None,
            },
            ..Profile::default()
        },
        ..Entry::default()
    }
}

fn names(entries: &[&Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|entry| entry.profile.name.clone())
        .collect()
}

fn sample() -> Vec<Entry> {
    vec![
        entry(
            "Sudanese Berlin",
            &["SD"],
            &["DE"],
            &["Education", "health"],
            &["ar", "de"],
        ),
        entry(
            "Syrians of Paris",
            &["SY"],
            &["FR"],
            &["culture"],
            &["ar-SY", "fr"],
        ),
        entry(
            "Nigerians in Germany",
            &["NG"],
            &["DE", "AT"],
            &["health"],
            &["en"],
        ),
        entry("Everywhere", &[], &[], &[], &[]),
    ]
}

#[test]
fn a_country_matches_origin_or_residence() {
    let entries = sample();
    let filters = |country: &str| Filters {
        country: Some(country.to_string()),
        ..Filters::default()
    };

    assert_eq!(
        names(&select(&entries, &filters("DE"))),
        ["Sudanese Berlin", "Nigerians in Germany"]
    );
    assert_eq!(
        names(&select(&entries, &filters("SY"))),
        ["Syrians of Paris"]
    );
    assert!(select(&entries, &filters("JP")).is_empty());
    assert_eq!(
        select(&entries, &Filters::default()).len(),
        4,
        "no filter: all"
    );
}

#[test]
fn sectors_ignore_case_and_languages_compare_primary_subtags() {
    let entries = sample();

    let health = Filters {
        sector: Some(" HEALTH ".to_string()),
        ..Filters::default()
    };
    assert_eq!(
        names(&select(&entries, &health)),
        ["Sudanese Berlin", "Nigerians in Germany"]
    );
    let education = Filters {
        sector: Some("education".to_string()),
        ..Filters::default()
    };
    assert_eq!(names(&select(&entries, &education)), ["Sudanese Berlin"]);

    let arabic = Filters {
        language: Some("ar".to_string()),
        ..Filters::default()
    };
    assert_eq!(
        names(&select(&entries, &arabic)),
        ["Sudanese Berlin", "Syrians of Paris"],
        "ar matches ar-SY"
    );
    let all = Filters {
        country: Some("DE".to_string()),
        sector: Some("health".to_string()),
        language: Some("en".to_string()),
    };
    assert_eq!(names(&select(&entries, &all)), ["Nigerians in Germany"]);
}

#[test]
fn the_map_counts_each_organization_once_per_country_ignoring_the_country_filter() {
    let mut entries = sample();
    entries.push(entry(
        "Twice",
        &["SD", "sd"],
        &["DE", "de"],
        &["health"],
        &["en"],
    ));
    let in_germany = Filters {
        country: Some("DE".to_string()),
        ..Filters::default()
    };

    let residence = country_counts(&entries, &in_germany, Basis::Residence);
    assert_eq!(
        residence,
        BTreeMap::from([
            ("AT".to_string(), 1),
            ("DE".to_string(), 3),
            ("FR".to_string(), 1)
        ]),
        "France is on the map although the list shows Germany's"
    );
    let origin = country_counts(&entries, &Filters::default(), Basis::Origin);
    assert_eq!(origin.get("SD"), Some(&2));
    assert_eq!(origin.get("NG"), Some(&1));

    let health = Filters {
        sector: Some("health".to_string()),
        ..Filters::default()
    };
    let residence = country_counts(&entries, &health, Basis::Residence);
    assert_eq!(
        residence.get("FR"),
        None,
        "the sector filter narrows the map"
    );
    assert_eq!(residence.get("DE"), Some(&3));
}

#[test]
fn the_sector_choices_are_each_sector_once() {
    let mut entries = sample();
    entries.push(entry(
        "Health again",
        &[],
        &[],
        &["Health", " health "],
        &[],
    ));

    assert_eq!(sectors(&entries), ["culture", "Education", "health"]);

    let many: Vec<Entry> = (0..MAX_SECTOR_CHOICES + 10)
        .map(|index| {
            let sector = format!("sector {index:03}");
            entry(&sector, &[], &[], &[&sector, "common"], &[])
        })
        .collect();
    let choices = sectors(&many);
    assert_eq!(choices.len(), MAX_SECTOR_CHOICES);
    assert!(
        choices.contains(&"common".to_string()),
        "the most common stays"
    );
}

#[test]
fn we_come_first_then_those_we_follow_then_by_name() {
    let mut entries = sample();
    entries[3].is_us = true;
    entries[2].we_follow = true;
    entries[0].follows_us = true;

    sort(&mut entries);

    let order: Vec<&str> = entries
        .iter()
        .map(|entry| entry.profile.name.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "Everywhere",
            "Nigerians in Germany",
            "Sudanese Berlin",
            "Syrians of Paris"
        ]
    );
}

#[test]
fn the_map_basis_is_read_from_its_name() {
    assert_eq!(Basis::parse("origin"), Some(Basis::Origin));
    assert_eq!(Basis::parse(" Residence"), Some(Basis::Residence));
    assert_eq!(Basis::parse("elsewhere"), None);
    assert_eq!(Basis::default(), Basis::Residence);
}
