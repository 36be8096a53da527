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
