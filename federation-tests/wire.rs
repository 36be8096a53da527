//! The wire format as a tested contract: what Mastodon, GoToSocial, Mobilizon, Gancio, Lemmy
//! and Misskey send (`fixtures/<software>/`, each folder's README says where every file came
//! from) is parsed by the code the inbox runs, and then sent through a real inbox.
//!
//! Every fixture file has a row in [`EXPECTED`], so a fixture added without saying what it
//! must become fails here.

use crate::harness::remote::{Forgery, TestActor};
use crate::harness::{TestDatabase, TestInstance};
use jisr::domain::comment;
use jisr::federation::activities::Incoming;
use jisr::federation::remote_actors::{ActorDocument, OneOrMany, PublicKeyDocument};
use jisr::federation::signature::PublicKey;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The software whose fixtures are the contract.
const SOFTWARE: [&str; 6] = [
    "mastodon",
    "gotosocial",
    "mobilizon",
    "gancio",
    "lemmy",
    "misskey",
];

/// What a fixture is to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// An actor document: its keys must be readable.
    Actor,
    /// A key document of its own (GoToSocial's `…/main-key`).
    Key,
    /// A bare object, as fetched: it must parse as a `Create`'s object.
    Object,
    /// An activity, parsed into this verb of [`Incoming`].
    Activity(&'static str),
    /// A WebFinger answer: its `self` link and its subscribe template must be there (the
    /// remote follow, `accounts::a_visitor_follows_…`, uses it).
    WebFinger,
    /// A collection document (a group's moderators, featured posts, outbox, followers): an
    /// `OrderedCollection` or `Collection` with an id.
    Collection,
}

/// Every fixture and what it must parse into.
const EXPECTED: &[(&str, Shape)] = &[
    ("gancio/actor.json", Shape::Actor),
    ("gancio/create-event.json", Shape::Activity("Create")),
    ("gotosocial/actor.json", Shape::Actor),
    ("gotosocial/announce.json", Shape::Activity("Announce")),
    (
        "gotosocial/create-note-reply.json",
        Shape::Activity("Create"),
    ),
    ("gotosocial/create-note.json", Shape::Activity("Create")),
    ("gotosocial/delete-note.json", Shape::Activity("Delete")),
    ("gotosocial/flag.json", Shape::Activity("Flag")),
    ("gotosocial/follow.json", Shape::Activity("Follow")),
    ("gotosocial/key-stub.json", Shape::Key),
    ("gotosocial/like.json", Shape::Activity("Other")),
    ("gotosocial/undo-follow.json", Shape::Activity("Undo")),
    ("gotosocial/update-actor.json", Shape::Activity("Create")),
    ("lemmy/accept-follow.json", Shape::Activity("Answer")),
    ("lemmy/actor-group.json", Shape::Actor),
    ("lemmy/actor-instance.json", Shape::Actor),
    ("lemmy/actor.json", Shape::Actor),
    ("lemmy/add-featured-post.json", Shape::Activity("Other")),
    ("lemmy/add-mod.json", Shape::Activity("Other")),
    ("lemmy/announce.json", Shape::Activity("Announce")),
    ("lemmy/block-user.json", Shape::Activity("Other")),
    ("lemmy/collection-featured.json", Shape::Collection),
    ("lemmy/collection-followers.json", Shape::Collection),
    ("lemmy/collection-moderators.json", Shape::Collection),
    ("lemmy/collection-outbox.json", Shape::Collection),
    ("lemmy/comment.json", Shape::Object),
    ("lemmy/create-note-reply.json", Shape::Activity("Create")),
    ("lemmy/create-note.json", Shape::Activity("Create")),
    ("lemmy/create-page.json", Shape::Activity("Create")),
    ("lemmy/delete-actor.json", Shape::Activity("Delete")),
    ("lemmy/delete-page.json", Shape::Activity("Delete")),
    ("lemmy/dislike.json", Shape::Activity("Other")),
    ("lemmy/flag.json", Shape::Activity("Flag")),
    ("lemmy/follow.json", Shape::Activity("Follow")),
    ("lemmy/like.json", Shape::Activity("Other")),
    ("lemmy/lock-note.json", Shape::Activity("Other")),
    ("lemmy/lock-page.json", Shape::Activity("Other")),
    ("lemmy/page-image-and-link.json", Shape::Object),
    ("lemmy/page.json", Shape::Object),
    ("lemmy/remove-featured-post.json", Shape::Activity("Other")),
    ("lemmy/remove-mod.json", Shape::Activity("Other")),
    ("lemmy/remove-note.json", Shape::Activity("Delete")),
    ("lemmy/resolve-flag.json", Shape::Activity("Other")),
    ("lemmy/tombstone.json", Shape::Object),
    ("lemmy/undo-block-user.json", Shape::Activity("Undo")),
    ("lemmy/undo-delete-page.json", Shape::Activity("Undo")),
    ("lemmy/undo-dislike.json", Shape::Activity("Undo")),
    ("lemmy/undo-follow.json", Shape::Activity("Undo")),
    ("lemmy/undo-like.json", Shape::Activity("Undo")),
    ("lemmy/undo-lock-note.json", Shape::Activity("Undo")),
    ("lemmy/undo-lock-page.json", Shape::Activity("Undo")),
    ("lemmy/undo-remove-note.json", Shape::Activity("Undo")),
    ("lemmy/update-group.json", Shape::Activity("Create")),
    ("lemmy/update.json", Shape::Activity("Create")),
    ("lemmy/warn.json", Shape::Activity("Other")),
    ("mastodon/actor-deleted.json", Shape::Actor),
    ("mastodon/actor.json", Shape::Actor),
    ("mastodon/announce.json", Shape::Activity("Announce")),
    ("mastodon/collection-featured.json", Shape::Collection),
    ("mastodon/create-note-reply.json", Shape::Activity("Create")),
    ("mastodon/create-note.json", Shape::Activity("Create")),
    ("mastodon/delete-actor.json", Shape::Activity("Delete")),
    ("mastodon/delete-note.json", Shape::Activity("Delete")),
    ("mastodon/flag.json", Shape::Activity("Flag")),
    ("mastodon/follow.json", Shape::Activity("Follow")),
    ("mastodon/like.json", Shape::Activity("Other")),
    ("mastodon/note-mention-group.json", Shape::Object),
    ("mastodon/note-reply-mention-group.json", Shape::Object),
    ("mastodon/undo-follow.json", Shape::Activity("Undo")),
    ("mastodon/undo-like.json", Shape::Activity("Undo")),
    ("mastodon/update.json", Shape::Activity("Create")),
    ("mastodon/webfinger.json", Shape::WebFinger),
    ("misskey/actor.json", Shape::Actor),
    ("misskey/create-note-reply.json", Shape::Activity("Create")),
    ("misskey/delete-note.json", Shape::Activity("Delete")),
    ("misskey/follow.json", Shape::Activity("Follow")),
    ("misskey/note.json", Shape::Object),
    ("misskey/reject-follow.json", Shape::Activity("Answer")),
    ("misskey/undo-follow.json", Shape::Activity("Undo")),
    ("mobilizon/actor-group.json", Shape::Actor),
    ("mobilizon/actor.json", Shape::Actor),
    ("mobilizon/create-event.json", Shape::Activity("Create")),
    ("mobilizon/event.json", Shape::Object),
    ("mobilizon/join.json", Shape::Activity("Join")),
    ("mobilizon/leave.json", Shape::Activity("Leave")),
];

/// Fixtures refused with 403 once rehosted: a moderator's action on what is on neither its
/// server nor ours.
const REFUSED: [&str; 2] = ["lemmy/remove-note.json", "lemmy/update-group.json"];

pub(crate) fn read(name: &str) -> Value {
    let path = format!(
        "{}/federation-tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn verb(incoming: &Incoming) -> &'static str {
    match incoming {
        Incoming::Follow(_) => "Follow",
        Incoming::Undo(_) => "Undo",
        Incoming::Answer(_) => "Answer",
        Incoming::Create(_) => "Create",
        Incoming::Delete(_) => "Delete",
        Incoming::Join(_) => "Join",
        Incoming::Leave(_) => "Leave",
        Incoming::Announce(_) => "Announce",
        Incoming::Flag(_) => "Flag",
        Incoming::Other { .. } => "Other",
    }
}

#[test]
fn every_fixture_has_an_expectation() {
    let mut found = Vec::new();
    for software in SOFTWARE {
        let folder = format!(
            "{}/federation-tests/fixtures/{software}",
            env!("CARGO_MANIFEST_DIR")
        );
        for entry in std::fs::read_dir(&folder).unwrap_or_else(|error| panic!("{folder}: {error}"))
        {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            if name.ends_with(".json") {
                found.push(format!("{software}/{name}"));
            }
        }
        let readme = format!("{folder}/README.md");
        assert!(
            std::path::Path::new(&readme).exists(),
            "{readme} says where each file came from"
        );
    }
    found.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|(name, _)| name.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "fixtures on disk against EXPECTED");
}

#[test]
fn every_fixture_parses_into_what_it_is() {
    for (name, shape) in EXPECTED {
        let value = read(name);
        match shape {
            Shape::Actor => {
                let actor: ActorDocument =
                    serde_json::from_value(value).unwrap_or_else(|error| panic!("{name}: {error}"));
                let keys = match &actor.public_key {
                    OneOrMany::One(key) => vec![key.clone()],
                    OneOrMany::Many(keys) => keys.clone(),
                };
                assert!(!keys.is_empty(), "{name}: no key");
                for key in keys {
                    assert!(
                        PublicKey::from_pem(&key.public_key_pem).is_some(),
                        "{name}: key {}",
                        key.id
                    );
                    assert_eq!(key.owner, actor.id, "{name}: the key's owner is the actor");
                }
            }
            Shape::WebFinger => {
                let links = value["links"].as_array().expect("links");
                let rel = |rel: &str| links.iter().any(|link| link["rel"] == rel);
                assert!(
                    rel("self") && rel("http://ostatus.org/schema/1.0/subscribe"),
                    "{name}"
                );
            }
            Shape::Key => {
                let key: PublicKeyDocument = serde_json::from_value(value["publicKey"].clone())
                    .unwrap_or_else(|error| panic!("{name}: {error}"));
                assert!(PublicKey::from_pem(&key.public_key_pem).is_some(), "{name}");
            }
            Shape::Collection => {
                let kind = value["type"].as_str().unwrap_or_default();
                assert!(
                    kind.ends_with("Collection") && value["id"].is_string(),
                    "{name}: a collection"
                );
            }
            Shape::Object => {
                let create =
                    json!({"type": "Create", "actor": value["attributedTo"], "object": value});
                let incoming = Incoming::from_json("Create", create)
                    .unwrap_or_else(|error| panic!("{name}: {error}"));
                assert!(incoming.object_id().is_some(), "{name}: the object is read");
            }
            Shape::Activity(expected) => {
                let kind = value["type"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name}: no type"));
                let incoming = Incoming::from_json(kind, value.clone())
                    .unwrap_or_else(|error| panic!("{name}: {error}"));
                assert_eq!(verb(&incoming), *expected, "{name}");
                if *expected != "Other" {
                    // An array (a `Flag`'s): its first id.
                    let object = match &value["object"] {
                        serde_json::Value::Array(items) => items.first().unwrap_or(&Value::Null),
                        other => other,
                    };
                    let named = object.as_str().or_else(|| object["id"].as_str());
                    assert_eq!(
                        incoming.object_id().map(|id| id.as_str()),
                        named,
                        "{name}: object id"
                    );
                }
            }
        }
    }
}

/// `fixture` moved onto the test server: its actor becomes `ada`, its actor's server the test
/// server (the origin rules hold as they did), and an activity GoToSocial sends with an id it
/// adds only when sending gets one.
pub(crate) fn rehosted(fixture: &Value, remote: &TestActor) -> Value {
    let actor = fixture["actor"].as_str().expect("actor");
    let origin = url::Url::parse(actor)
        .expect("actor URL")
        .origin()
        .ascii_serialization();
    let base = remote.base().as_str().trim_end_matches('/').to_string();
    let text = fixture
        .to_string()
        .replace(actor, remote.id("ada").as_str())
        .replace(&origin, &base);
    let mut moved: Value = serde_json::from_str(&text).expect("JSON");
    if moved.get("id").is_none() {
        moved["id"] = json!(remote.new_id("sent"));
    }
    moved
}

#[tokio::test]
async fn every_activity_fixture_goes_through_the_inbox_and_does_what_it_says() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        // Every reply shown at once: these tests count what the inbox keeps.
        config.website.replies = "open".to_string();
    })
    .await;
    let story = alpha.publish_story("A story").await;
    let story_id = alpha.publication_id(&story);
    let event = alpha
        .publish_event("A fair", json!({"capacity": 10, "join_mode": "free"}))
        .await;
    let event_id = alpha.publication_id(&event);
    let inbox = alpha.url("/inbox");

    for software in SOFTWARE {
        // A fresh sender per software, so that each one's Delete of its actor affects only it.
        let remote = TestActor::start().await;
        let activities = EXPECTED.iter().filter(|(name, shape)| {
            name.starts_with(&format!("{software}/")) && matches!(shape, Shape::Activity(_))
        });
        // Follows first and the actor's own Delete last, so each has something to act on.
        let mut ordered: Vec<_> = activities.collect();
        ordered.sort_by_key(|(name, _)| match () {
            _ if name.contains("/follow") => 0,
            _ if name.contains("delete-actor") => 2,
            _ => 1,
        });
        for (name, shape) in ordered {
            let mut activity = rehosted(&read(name), &remote);
            // Aimed at us: follows of our organization, replies to our story.
            match shape {
                Shape::Activity("Follow") => activity["object"] = json!(alpha.actor_id()),
                Shape::Activity("Undo") if activity["object"].is_object() => {
                    activity["object"]["object"] = json!(alpha.actor_id());
                }
                Shape::Activity("Create") if name.contains("reply") => {
                    activity["object"]["inReplyTo"] = json!(story_id);
                }
                // RSVP to our event; Mobilizon's Leave fixture reuses its Join's id.
                Shape::Activity("Join") => activity["object"] = json!(event_id),
                Shape::Activity("Leave") => {
                    activity["object"] = json!(event_id);
                    activity["id"] = json!(remote.new_id("leave"));
                }
                _ => {}
            }
            let (status, body) = remote.post("ada", &inbox, &activity, Forgery::None).await;
            // Lemmy's moderators act on another server's community (a comment removed, the
            // community's profile updated): the sender moderates nothing of ours, so it may
            // delete or update only what is on its own server.
            let expected = if REFUSED.contains(name) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::ACCEPTED
            };
            assert_eq!(status, expected, "{name}: {body}\n{activity:#}");
            if status != StatusCode::ACCEPTED {
                continue;
            }
            match *shape {
                Shape::Activity("Follow") => {
                    assert_eq!(alpha.follower_count().await, 1, "{name}");
                }
                Shape::Activity("Undo") if activity["object"]["type"] == "Follow" => {
                    assert_eq!(alpha.follower_count().await, 0, "{name}");
                }
                Shape::Activity(verb @ ("Join" | "Leave")) => {
                    let participants = jisr::domain::participation::of_event(
                        alpha.state().db(),
                        event.publication_id,
                    )
                    .await
                    .expect("participants");
                    let theirs = participants
                        .iter()
                        .find(|found| found.participant_ap_id == remote.id("ada").as_str())
                        .unwrap_or_else(|| panic!("{name}: no participation"));
                    let expected = if verb == "Join" { "going" } else { "cancelled" };
                    assert_eq!(theirs.status().as_str(), expected, "{name}");
                }
                // Checked at once: the sender's own `Delete` (a later fixture) takes its
                // replies with it.
                Shape::Activity("Create") if name.contains("reply") => {
                    let replies =
                        comment::for_publication(alpha.state().db(), story.publication_id)
                            .await
                            .expect("comments");
                    let from_this_sender = replies
                        .iter()
                        .filter(|reply| reply.actor_ap_id == remote.id("ada").as_str())
                        .count();
                    assert_eq!(
                        from_this_sender, 1,
                        "{software}: its reply is kept as a comment"
                    );
                }
                _ => {}
            }
        }
    }
    alpha.stop().await;
}
