//! The JSON shape of each kind of local actor: one function builds every actor document from
//! its row, and the kind decides the type and the few fields that differ.
//!
//! Invariant: the collections an actor document names are minted by [`Urls`] from the actor's
//! own id, so they are the routes that serve them.

use super::pictures::Pictures;
use super::{ActorKind, LocalActor};
use crate::config::Config;
use crate::domain::accounts::profile::Profile;
use crate::federation::urls::Urls;
use crate::i18n::{Language, Translator};
use serde_json::{Value, json};

/// An `Image` for a stored picture: its URL and media type (told by the id's extension).
pub fn image_object(urls: &Urls, public_id: &str, name: &str) -> Value {
    let media_type = if public_id.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    json!({
        "type": "Image",
        "mediaType": media_type,
        "url": urls.media(public_id),
        "name": name,
    })
}

/// The JSON-LD context of our actor documents: ActivityStreams, security, the inline terms
/// Mastodon reads, and our namespace's terms for what an organization says of itself (so that a
/// JSON-LD processor expands every key we send).
pub fn actor_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
            "jisr": "https://jisr-network.github.io/ns#",
            "countries": "jisr:countries",
            "countriesOfOrigin": "jisr:countriesOfOrigin",
            "countriesOfResidence": "jisr:countriesOfResidence",
            "languages": "jisr:languages",
            "sectors": "jisr:sectors",
            "forumKind": "jisr:forumKind",
            "lemmy": "https://join-lemmy.org/ns#",
            "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
            "expertAreas": "jisr:expertAreas",
            "expertConfirmed": "jisr:expertConfirmed",
            "experts": {"@id": "jisr:experts", "@type": "@id"}
        }
    ])
}

/// The organization's Mastodon profile fields (`PropertyValue`s), in English, most useful first:
/// how to reach it, where its members come from and live, what it works on, the languages it
/// publishes in. Mastodon asks its own users for at most 4 fields but shows every field of a
/// remote actor; software that shows only the first few still shows the first ones. Each
/// value is plain text, HTML-escaped; empty ones are left out.
fn profile_fields(instance: &crate::config::Instance) -> Vec<Value> {
    let english = Translator::new(Language::En);
    let languages: Vec<String> = instance
        .languages
        .iter()
        .map(|tag| english.language(tag))
        .collect();
    [
        ("Contact", instance.contact.trim().to_string()),
        (
            "Countries of origin",
            english.countries(&instance.countries_of_origin),
        ),
        (
            "Countries of residence",
            english.countries(&instance.countries_of_residence),
        ),
        ("Sectors", instance.sectors.join(", ")),
        ("Languages", languages.join(", ")),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(name, value)| {
        json!({
            "type": "PropertyValue",
            "name": name,
            "value": crate::domain::text::escape_html(&value),
        })
    })
    .collect()
}

/// A member's Mastodon profile fields: their website (a link, as Mastodon shows and verifies
/// with `rel="me"`), the countries they live in or work between, and the languages they speak.
fn member_fields(profile: &Profile) -> Vec<Value> {
    let english = Translator::new(Language::En);
    let escape = crate::domain::text::escape_html;
    let languages: Vec<String> = profile
        .languages
        .iter()
        .map(|tag| english.language(tag))
        .collect();
    let website = profile.website.as_ref().map(|url| {
        let shown = url.as_str().trim_end_matches('/');
        let shown = shown
            .strip_prefix("https://")
            .or_else(|| shown.strip_prefix("http://"))
            .unwrap_or(shown);
        format!(
            "<a href=\"{}\" rel=\"me nofollow noopener noreferrer\" target=\"_blank\">{}</a>",
            escape(url.as_str()),
            escape(shown)
        )
    });
    [
        ("Website", website.unwrap_or_default()),
        ("Countries", escape(&english.countries(&profile.countries))),
        ("Languages", escape(&languages.join(", "))),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(name, value)| json!({"type": "PropertyValue", "name": name, "value": value}))
    .collect()
}

/// The actor document of `actor`, whatever its kind; a member's actor shows `member`, their
/// profile as it is now (the actor's row may be older).
pub fn document(
    config: &Config,
    urls: &Urls,
    actor: &LocalActor,
    pictures: &Pictures,
    member: Option<&Profile>,
) -> Value {
    let instance = &config.instance;
    let username = &actor.username;
    let published = actor
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (name, summary) = match member {
        Some(profile) => (profile.account.name.as_str(), profile.summary.as_str()),
        None => (actor.display_name.as_str(), actor.summary.as_str()),
    };
    let summary = format!("<p>{}</p>", crate::domain::text::escape_html(summary));
    let mut document = json!({
        "@context": actor_context(),
        "id": actor.id,
        "type": actor.kind.activity_type(),
        "preferredUsername": username,
        "name": name,
        "summary": summary,
        "inbox": urls.inbox(&actor.id),
        "outbox": urls.outbox(&actor.id),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "publicKey": {
            "id": actor.key_id,
            "owner": actor.id,
            "publicKeyPem": actor.public_key_pem,
        },
        "published": published,
        "webfinger": format!("{username}@{}", instance.domain),
    });
    match actor.kind {
        ActorKind::Application => {
            // The server actor: it signs requests, follows nobody and is not listed.
            document["url"] = json!(urls.base());
            document["manuallyApprovesFollowers"] = json!(true);
            document["discoverable"] = json!(false);
            document["indexable"] = json!(false);
        }
        ActorKind::Organization
        | ActorKind::Person
        | ActorKind::MemberOrganization
        | ActorKind::Group => {
            document["url"] = json!(actor.id);
            document["followers"] = json!(urls.followers(&actor.id));
            document["following"] = json!(urls.following(&actor.id));
            document["featured"] = json!(urls.featured(&actor.id));
            document["manuallyApprovesFollowers"] = json!(false);
            document["discoverable"] = json!(true);
            document["indexable"] = json!(true);
        }
    }
    if actor.kind == ActorKind::Organization {
        document["attributionDomains"] = json!([instance.domain]);
        document["experts"] = json!(urls.experts(&actor.id));
        for (term, values) in [
            ("countriesOfOrigin", &instance.countries_of_origin),
            ("countriesOfResidence", &instance.countries_of_residence),
            ("languages", &instance.languages),
            ("sectors", &instance.sectors),
        ] {
            if !values.is_empty() {
                document[term] = json!(values);
            }
        }
        let fields = profile_fields(instance);
        if !fields.is_empty() {
            document["attachment"] = Value::Array(fields);
        }
    }
    if let Some(profile) = member {
        // Suggested and indexed by other servers only if the member said so.
        document["discoverable"] = json!(profile.discoverable);
        document["indexable"] = json!(profile.discoverable);
        if !profile.countries.is_empty() {
            document["countries"] = json!(profile.countries);
        }
        if !profile.languages.is_empty() {
            document["languages"] = json!(profile.languages);
        }
        if profile.expert_confirmed && !profile.expert_areas.is_empty() {
            document["expertAreas"] = json!(profile.expert_areas);
            document["expertConfirmed"] = json!(true);
        }
        let fields = member_fields(profile);
        if !fields.is_empty() {
            document["attachment"] = Value::Array(fields);
        }
    }
    if let Some(icon) = &pictures.icon_image {
        document["icon"] = image_object(urls, icon, name);
    }
    if let Some(header) = &pictures.header_image {
        document["image"] = image_object(urls, header, name);
    }
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_fields_name_countries_and_languages_in_english_most_useful_first() {
        let mut instance = crate::config::Instance {
            contact: "a&b@example.org".to_string(),
            countries_of_origin: vec!["SD".to_string(), "SY".to_string()],
            languages: vec!["ar".to_string(), "en".to_string()],
            sectors: vec!["education".to_string(), "health".to_string()],
            ..crate::config::Instance::default()
        };

        let fields = profile_fields(&instance);

        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|field| {
                assert_eq!(field["type"], "PropertyValue");
                (
                    field["name"].as_str().unwrap_or_default(),
                    field["value"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                ("Contact", "a&amp;b@example.org"),
                ("Countries of origin", "Sudan, Syria"),
                ("Sectors", "education, health"),
                ("Languages", "Arabic, English"),
            ],
            "no residence: no field"
        );

        instance.contact = String::new();
        instance.sectors.clear();
        instance.countries_of_origin.clear();
        let names: Vec<Value> = profile_fields(&instance)
            .into_iter()
            .map(|field| field["name"].clone())
            .collect();
        assert_eq!(names, [json!("Languages")]);
    }
}
