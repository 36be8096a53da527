//! The inbox refuses what it must, with the right status, and ignores replays.

use crate::harness::remote::Forgery;
use crate::harness::{TestActor, TestDatabase, TestInstance, eventually};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn bad_signatures_are_refused_with_401() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let inbox = alpha.url("/inbox");
    for (forgery, reason) in [
        (Forgery::Unsigned, "not signed"),
        (Forgery::WrongKey, "does not verify"),
        (Forgery::DateOffset(-2 * 3600), "too old"),
        (Forgery::DateOffset(2 * 3600), "future"),
        (Forgery::DigestMismatch, "does not match the body"),
    ] {
        let follow = remote.follow("ada", &alpha.actor_id());
        let (status, body) = remote.post("ada", &inbox, &follow, forgery).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{forgery:?}: {body}");
        assert!(
            body.contains(reason),
            "{forgery:?}: the reason {body:?} should say {reason:?}"
        );
    }
    assert_eq!(
        alpha.follower_count().await,
        0,
        "no forged follow may be stored"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn an_activity_whose_id_is_on_another_server_is_refused() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let mut follow = remote.follow("ada", &alpha.actor_id());
    follow["id"] = json!("http://localhost:1/activities/forged");
    let (status, body) = remote
        .post("ada", &alpha.url("/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("not on the server of its actor"), "{body}");

    // Signed by mallory, claiming to be ada.
    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, body) = remote
        .post("mallory", &alpha.url("/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("signed by"), "{body}");
    assert_eq!(alpha.follower_count().await, 0);
    alpha.stop().await;
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_clear_4xx() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let inbox = alpha.url("/inbox");

    let (status, body) = remote
        .post_bytes("ada", &inbox, b"{not json".to_vec(), Forgery::None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("not JSON"), "{body}");

    let (status, body) = remote
        .post("ada", &inbox, &json!({"hello": "world"}), Forgery::None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("not an activity"), "{body}");

    let huge = vec![b' '; 2 * 1024 * 1024];
    let (status, body) = remote.post_bytes("ada", &inbox, huge, Forgery::None).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": remote.new_id("like"),
        "type": "Like",
        "actor": remote.id("ada"),
        "object": alpha.actor_id(),
    });
    let (status, body) = remote.post("ada", &inbox, &like, Forgery::None).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "an unknown kind is accepted and ignored: {body}"
    );

    let (status, _) = remote
        .post(
            "ada",
            &alpha.url("/actors/nobody/inbox"),
            &like,
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    alpha.stop().await;
}

#[tokio::test]
async fn a_replayed_request_is_ignored() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let inbox = alpha.url("/actors/ngberlin/inbox");

    let follow = remote.follow("ada", &alpha.actor_id());
    let body = serde_json::to_vec(&follow).expect("body");
    let headers = remote.sign("ada", &inbox, &body, Forgery::None, chrono::Utc::now());
    let (status, text) = remote.send(&inbox, headers.clone(), body.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert_eq!(alpha.follower_count().await, 1);

    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": remote.new_id("undo"),
        "type": "Undo",
        "actor": remote.id("ada"),
        "object": follow,
    });
    let (status, text) = remote.post("ada", &inbox, &undo, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert_eq!(alpha.follower_count().await, 0);

    // The very same signed request again: accepted as a duplicate, with no effect.
    let (status, text) = remote.send(&inbox, headers, body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert_eq!(
        alpha.follower_count().await,
        0,
        "a replayed Follow must not come back"
    );

    // Only the first Follow was answered.
    let accepts = eventually(10, "one Accept", || async {
        let accepts = remote
            .received()
            .iter()
            .filter(|received| received.json()["type"] == "Accept")
            .count();
        (accepts >= 1).then_some(accepts)
    })
    .await;
    assert_eq!(accepts, 1);
    alpha.stop().await;
}

#[tokio::test]
async fn nobody_can_undo_another_actors_follow() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let inbox = alpha.url("/inbox");
    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, _) = remote.post("ada", &inbox, &follow, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": remote.new_id("undo"),
        "type": "Undo",
        "actor": remote.id("mallory"),
        "object": follow,
    });
    let (status, body) = remote.post("mallory", &inbox, &undo, Forgery::None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(alpha.follower_count().await, 1);
    alpha.stop().await;
}

/// A reply of ada's to `story`, with `content`.
fn reply(remote: &TestActor, story: &url::Url, content: &str) -> serde_json::Value {
    let note = remote.new_id("note");
    remote.activity(
        "Create",
        json!({
            "id": note,
            "type": "Note",
            "attributedTo": remote.id("ada"),
            "inReplyTo": story,
            "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }),
    )
}

/// An instance with a story that ada has replied to once (so her key is known, and what
/// follows measures the inbox, not one fetch of her key).
async fn a_story_with_a_reply(
    database: &TestDatabase,
) -> (
    TestInstance,
    TestActor,
    jisr::domain::publication::Publication,
    url::Url,
) {
    let alpha = TestInstance::start_with(&database.url, |config| {
        // Every reply shown at once: these tests count what the inbox keeps.
        config.website.replies = "open".to_string();
    })
    .await;
    let remote = TestActor::start().await;
    let published = alpha.publish_story("A story").await;
    let story = alpha.publication_id(&published);
    let first = reply(&remote, &story, "<p>first</p>");
    let (status, body) = remote
        .post("ada", &alpha.url("/inbox"), &first, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    (alpha, remote, published, story)
}

#[tokio::test]
async fn sixty_four_replies_at_once_are_all_accepted() {
    let database = TestDatabase::create().await;
    let (alpha, remote, published, story) = a_story_with_a_reply(&database).await;
    let inbox = alpha.url("/inbox");

    let replies: Vec<_> = (0..64)
        .map(|index| reply(&remote, &story, &format!("<p>reply {index}</p>")))
        .collect();
    let answers = futures::future::join_all(
        replies
            .iter()
            .map(|activity| remote.post("ada", &inbox, activity, Forgery::None)),
    )
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::ACCEPTED, "{body}");
    }
    let comments =
        jisr::domain::comment::for_publication(alpha.state().db(), published.publication_id)
            .await
            .expect("comments");
    assert_eq!(comments.len(), 65, "every reply is kept once");
    alpha.stop().await;
}

#[tokio::test]
async fn deeply_nested_html_does_not_stall_the_inbox() {
    let database = TestDatabase::create().await;
    let (alpha, remote, published, story) = a_story_with_a_reply(&database).await;
    let inbox = alpha.url("/inbox");

    // Almost 1 MB of nesting (it took 42 s to sanitize) while mallory follows, eight times.
    let depth = 90_000;
    let nested = format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let hostile = reply(&remote, &story, &nested);
    assert!(serde_json::to_vec(&hostile).expect("body").len() < 1024 * 1024);
    let follows: Vec<_> = (0..8)
        .map(|_| remote.follow("mallory", &alpha.actor_id()))
        .collect();
    let (hostile_answer, follow_answers) = tokio::join!(
        remote.post("ada", &inbox, &hostile, Forgery::None),
        futures::future::join_all(follows.iter().map(|follow| remote.post(
            "mallory",
            &inbox,
            follow,
            Forgery::None
        )))
    );
    assert_eq!(
        hostile_answer.0,
        StatusCode::ACCEPTED,
        "{}",
        hostile_answer.1
    );
    for (status, body) in follow_answers {
        assert_eq!(
            status,
            StatusCode::ACCEPTED,
            "others are unaffected: {body}"
        );
    }
    let comments =
        jisr::domain::comment::for_publication(alpha.state().db(), published.publication_id)
            .await
            .expect("comments");
    let kept = comments
        .iter()
        .find(|comment| comment.ap_id == hostile["object"]["id"].as_str().expect("id"))
        .expect("the nested reply is kept");
    assert_eq!(kept.content_html, "<p>deep</p>", "only its words");
    alpha.stop().await;
}

#[tokio::test]
async fn a_key_that_cannot_be_fetched_is_not_fetched_again_and_again() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let actor = alpha.actor_id();
    // The test server has no `ghost`: its document answers 404.
    let ghost_key = format!("{}#main-key", remote.id("ghost"));
    for attempt in 0..3 {
        let (status, body) = remote
            .signed_get_as(&ghost_key, "ada", &actor, Forgery::None)
            .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{attempt}: {body}");
    }
    let ghost_fetches = || {
        remote
            .fetches()
            .iter()
            .filter(|fetch| fetch.path.starts_with("/users/ghost"))
            .count()
    };
    assert_eq!(ghost_fetches(), 1, "the failure is remembered");
    // A POST naming that key is answered the same way, without a fetch.
    let follow = remote.follow("ada", &actor);
    let body = serde_json::to_vec(&follow).expect("body");
    let mut headers = remote.sign(
        "ada",
        &alpha.url("/inbox"),
        &body,
        Forgery::None,
        chrono::Utc::now(),
    );
    for (name, value) in &mut headers {
        if *name == "signature" {
            *value = value.replace(&format!("{}#main-key", remote.id("ada")), &ghost_key);
        }
    }
    let (status, text) = remote.send(&alpha.url("/inbox"), headers, body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert_eq!(ghost_fetches(), 1);

    // Each new key of a host that keeps failing is tried, up to a limit per host and minute.
    for n in 0..3 * jisr::federation::remote_actors::HOST_MAX_FAILURES {
        let key = format!("{}#main-key", remote.id(&format!("ghost{n}")));
        let (status, _) = remote
            .signed_get_as(&key, "ada", &actor, Forgery::None)
            .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(
        ghost_fetches() as u32,
        jisr::federation::remote_actors::HOST_MAX_FAILURES,
        "past the limit, unknown keys of that host are not fetched"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn a_bad_signature_refreshes_a_known_key_at_most_once_a_minute() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let inbox = alpha.url("/inbox");
    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, body) = remote.post("ada", &inbox, &follow, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let before = remote.fetches().len();
    for _ in 0..5 {
        let follow = remote.follow("ada", &alpha.actor_id());
        let (status, body) = remote.post("ada", &inbox, &follow, Forgery::WrongKey).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    assert_eq!(
        remote.fetches().len() - before,
        1,
        "one refresh for five bad signatures"
    );
    // A correct signature still works.
    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, body) = remote.post("ada", &inbox, &follow, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    alpha.stop().await;
}
