//! GoToSocial users follow, unfollow, like, boost and reply. GoToSocial's keys have a path of
//! their own (`<actor>/main-key`) that serves a key stub without an inbox, its actors answer
//! only signed GETs whose signature it verifies, and it signs `hs2019` over
//! `(request-target) host date digest`: the test server (`Style::GoToSocial`) does all of that,
//! and the activities are GoToSocial's own shapes (`fixtures/gotosocial/`, see its README).

use crate::harness::remote::{Forgery, TestActor};
use crate::harness::{TestDatabase, TestInstance, eventually};
use jisr::domain::comment;
use reqwest::StatusCode;
use serde_json::Value;

/// A GoToSocial fixture, moved to the test server (`ada` as the sender) and to `alpha`.
fn fixture(name: &str, gts: &TestActor, alpha: &TestInstance, story: &url::Url) -> Value {
    let path = format!(
        "{}/federation-tests/fixtures/gotosocial/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("fixture");
    let base = gts.base().as_str().trim_end_matches('/');
    let text = text
        .replace(
            "https://jisr.example/actors/acme",
            alpha.actor_id().as_str(),
        )
        .replace(
            "https://jisr.example/stories/0197282a5c009f3b2c1d",
            story.as_str(),
        )
        .replace("https://gts.example", base)
        .replace("the_mighty_zork", "ada");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// The paths the test server served to Jisr, in order.
fn fetched_paths(gts: &TestActor) -> Vec<String> {
    gts.fetches().into_iter().map(|fetch| fetch.path).collect()
}

#[tokio::test]
async fn a_gotosocial_user_follows_and_unfollows() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let gts = TestActor::start_gotosocial().await;
    let story = alpha.publish_story("A story").await;
    let story = alpha.publication_id(&story);
    let inbox = alpha.url("/actors/ngberlin/inbox");

    let follow = fixture("follow.json", &gts, &alpha, &story);
    let (status, body) = gts.post("ada", &inbox, &follow, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(alpha.follower_count().await, 1);
    // The key was read as a key: its stub first, then the actor it names, which GoToSocial
    // serves only because Jisr's signed GET verified with Jisr's instance actor key.
    assert_eq!(
        fetched_paths(&gts),
        ["/users/ada/main-key", "/users/ada"],
        "one fetch of the key and one of its owner"
    );

    let accept = eventually(10, "the Accept at ada's inbox", || async {
        gts.received()
            .into_iter()
            .find(|received| received.json()["type"] == "Accept")
    })
    .await;
    assert_eq!(
        accept.path, "/users/ada/inbox",
        "GoToSocial actors have no shared inbox"
    );
    assert_eq!(accept.json()["object"]["id"], follow["id"]);

    let undo = fixture("undo-follow.json", &gts, &alpha, &story);
    let (status, body) = gts.post("ada", &inbox, &undo, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(alpha.follower_count().await, 0);
    assert_eq!(
        fetched_paths(&gts).len(),
        2,
        "the signer is found again by its key id, without fetching anything"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn a_gotosocial_user_likes_boosts_and_replies() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        // Every reply shown at once: these tests count what the inbox keeps.
        config.website.replies = "open".to_string();
    })
    .await;
    let gts = TestActor::start_gotosocial().await;
    let published = alpha.publish_story("A story").await;
    let story = alpha.publication_id(&published);
    let inbox = alpha.url("/inbox");

    for name in ["like.json", "announce.json", "create-note-reply.json"] {
        let activity = fixture(name, &gts, &alpha, &story);
        let (status, body) = gts.post("ada", &inbox, &activity, Forgery::None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {body}");
    }
    let comments = comment::for_publication(alpha.state().db(), published.publication_id)
        .await
        .expect("comments");
    assert_eq!(comments.len(), 1, "the reply is kept as a comment");
    assert_eq!(comments[0].actor_ap_id, gts.id("ada").as_str());
    assert!(
        comments[0]
            .content_html
            .contains("thanks for sharing this story!"),
        "{}",
        comments[0].content_html
    );
    assert_eq!(fetched_paths(&gts).len(), 2, "the signer was fetched once");
    alpha.stop().await;
}

#[tokio::test]
async fn a_key_must_be_listed_by_the_actor_it_names() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let gts = TestActor::start_gotosocial().await;
    let inbox = alpha.url("/inbox");
    // Signed with mallory's key, under mallory's key id, claiming to be ada.
    let follow = gts.follow("ada", &alpha.actor_id());
    let (status, body) = gts.post("mallory", &inbox, &follow, Forgery::None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("signed by"), "{body}");
    // ada's key id, mallory's signature.
    let (status, body) = gts.post("ada", &inbox, &follow, Forgery::WrongKey).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(alpha.follower_count().await, 0);
    alpha.stop().await;
}
