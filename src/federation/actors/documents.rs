//! The JSON shape of each kind of local actor: one function builds every actor document from
//! its row, and the kind decides the type and the few fields that differ.
//!
//! Invariant: the collections an actor document names are minted by [`Urls`] from the actor's
//! own id, so they are the routes that serve them.

use super::pictures::Pictures;
use super::{ActorKind, LocalActor};
use crate::config::Config;
use crate::federation::urls::Urls;
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

/// The JSON-LD context of our actor documents: ActivityStreams, security, and the inline terms
/// Mastodon reads (so that a JSON-LD processor expands every key we send).
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
            "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger"
        }
    ])
}

/// The actor document of `actor`, whatever its kind.
pub fn document(config: &Config, urls: &Urls, actor: &LocalActor, pictures: &Pictures) -> Value {
    let instance = &config.instance;
    let username = &actor.username;
    let published = actor
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let summary = format!(
        "<p>{}</p>",
        crate::domain::text::escape_html(&actor.summary)
    );
    let mut document = json!({
        "@context": actor_context(),
        "id": actor.id,
        "type": actor.kind.activity_type(),
        "preferredUsername": username,
        "name": actor.display_name,
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
        ActorKind::Organization | ActorKind::Person | ActorKind::Group => {
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
        if !instance.contact.is_empty() {
            document["attachment"] = json!([{
                "type": "PropertyValue",
                "name": "Contact",
                "value": crate::domain::text::escape_html(&instance.contact),
            }]);
        }
    }
    if let Some(icon) = &pictures.icon_image {
        document["icon"] = image_object(urls, icon, &actor.display_name);
    }
    if let Some(header) = &pictures.header_image {
        document["image"] = image_object(urls, header, &actor.display_name);
    }
    document
}
