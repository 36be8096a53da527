use super::*;
use serde_json::json;

#[test]
fn the_recipient_reads_to_cc_and_audience_in_every_form() {
    let activity = json!({
        "to": "https://www.w3.org/ns/activitystreams#Public",
        "cc": ["https://a.example/users/alice/followers", {"id": "https://b.example/u/bob"}, 7],
        "audience": {"id": "https://c.example/c/housing", "type": "Group"},
    });
    let recipient = Recipient::of(Inbox::Shared, &activity);
    let addressed: Vec<&str> = recipient.addressed.iter().map(Url::as_str).collect();
    assert_eq!(
        addressed,
        [
            "https://www.w3.org/ns/activitystreams#Public",
            "https://a.example/users/alice/followers",
            "https://b.example/u/bob",
            "https://c.example/c/housing",
        ]
    );
    assert!(recipient.addresses(&Url::parse("https://b.example/u/bob").expect("parses")));
}

#[test]
fn parsing_names_the_verb_and_the_object_it_is_about() {
    let follow = json!({"id": "https://a.example/f/1", "type": "Follow", "actor": "https://a.example/u/a",
        "object": {"id": "https://us.example/actors/org", "type": "Organization"}});
    let incoming = Incoming::from_json("Follow", follow).expect("parses");
    assert!(matches!(incoming, Incoming::Follow(_)));
    assert_eq!(
        incoming.object_id().map(Url::as_str),
        Some("https://us.example/actors/org")
    );

    let undo = json!({"id": "https://a.example/u/1", "type": "Undo", "actor": "https://a.example/u/a",
        "object": "https://a.example/likes/9"});
    let incoming = Incoming::from_json("Undo", undo).expect("parses");
    assert_eq!(
        incoming.object_id().map(Url::as_str),
        Some("https://a.example/likes/9")
    );

    let by_id = json!({"id": "https://a.example/c/1", "type": "Create", "actor": "https://a.example/u/a",
        "object": "https://a.example/notes/1"});
    let incoming = Incoming::from_json("Create", by_id).expect("parses");
    assert_eq!(incoming.object_id(), None);

    let other = Incoming::from_json("Like", json!({"object": 3})).expect("parses");
    assert!(matches!(other, Incoming::Other { kind } if kind == "Like"));
}

#[test]
fn a_malformed_activity_of_a_kind_we_handle_is_refused_with_its_reason() {
    for (kind, activity) in [
        ("Follow", json!({"id": "https://a.example/f/1"})),
        ("Delete", json!({"object": 42})),
        ("Create", json!({"object": {"type": "Note"}})),
        ("Accept", json!({})),
    ] {
        match Incoming::from_json(kind, activity) {
            Err(Error::BadRequest(reason)) => assert!(reason.contains("malformed"), "{reason}"),
            other => panic!("{kind}: {other:?}"),
        }
    }
}
