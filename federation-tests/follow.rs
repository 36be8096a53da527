//! Follow, Accept and Undo with a remote actor, durable across restarts and failures.

use crate::harness::remote::{Forgery, verify_fetch, verify_received};
use crate::harness::{TestActor, TestDatabase, TestInstance, eventually};
use jisr::federation::delivery;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn actor_key(alpha: &TestInstance) -> String {
    key_of(alpha.actor_id()).await
}

async fn key_of(actor: url::Url) -> String {
    let actor: Value = reqwest::Client::new()
        .get(actor)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET actor")
        .json()
        .await
        .expect("actor JSON");
    actor["publicKey"]["publicKeyPem"]
        .as_str()
        .expect("pem")
        .to_string()
}

async fn accepts(remote: &TestActor, count: usize) -> Vec<crate::harness::remote::Received> {
    eventually(
        15,
        &format!("{count} Accept(s) at the remote inbox"),
        || async {
            let accepts: Vec<_> = remote
                .received()
                .into_iter()
                .filter(|received| received.json()["type"] == "Accept")
                .collect();
            (accepts.len() >= count).then_some(accepts)
        },
    )
    .await
}

#[tokio::test]
async fn a_follow_is_answered_with_a_signed_accept_and_undo_removes_it() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;

    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, body) = remote
        .post("ada", &alpha.url("/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(alpha.follower_count().await, 1);

    let accept = accepts(&remote, 1).await.remove(0);
    assert_eq!(
        accept.path, "/users/ada/inbox",
        "the Accept goes to the follower's own inbox"
    );
    let key_id = verify_received(&accept, &actor_key(&alpha).await)
        .unwrap_or_else(|error| panic!("the Accept's signature: {error}\n{accept:?}"));
    assert_eq!(key_id, format!("{}#main-key", alpha.actor_id()));
    let activity = accept.json();
    assert_eq!(activity["actor"], alpha.actor_id().as_str());
    assert_eq!(activity["object"]["id"], follow["id"], "{activity}");
    assert_eq!(activity["object"]["actor"], follow["actor"]);
    assert_eq!(activity["object"]["object"], follow["object"]);
    assert!(
        activity["id"]
            .as_str()
            .expect("id")
            .starts_with(alpha.actor_id().as_str())
    );

    // To check the Follow, alpha fetched ada's actor document, signed by its instance actor.
    let fetch = remote
        .fetches()
        .into_iter()
        .next()
        .expect("alpha fetched ada");
    let fetch_key = verify_fetch(&fetch, &key_of(alpha.url("/actor")).await)
        .unwrap_or_else(|error| panic!("the fetch's signature: {error}\n{fetch:?}"));
    assert_eq!(fetch_key, format!("{}#main-key", alpha.url("/actor")));

    // Undo naming the Follow by id only.
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": remote.new_id("undo"),
        "type": "Undo",
        "actor": remote.id("ada"),
        "object": follow["id"],
    });
    let (status, body) = remote
        .post("ada", &alpha.url("/inbox"), &undo, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(alpha.follower_count().await, 0);
    alpha.stop().await;
}

#[tokio::test]
async fn a_restart_keeps_the_keys_and_the_followers() {
    let database = TestDatabase::create().await;
    let mut alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let key_before = actor_key(&alpha).await;
    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, _) = remote
        .post("ada", &alpha.url("/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    alpha.restart().await;

    assert_eq!(
        actor_key(&alpha).await,
        key_before,
        "the actor key must survive a restart"
    );
    assert_eq!(
        alpha.follower_count().await,
        1,
        "the follower must survive a restart"
    );
    let accept = accepts(&remote, 1).await.remove(0);
    verify_received(&accept, &key_before).expect("signed with the same key");
    alpha.stop().await;
}

#[tokio::test]
async fn a_delivery_that_fails_with_500_is_retried_until_it_succeeds() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    remote.answer_next(&[500, 500]);

    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, _) = remote
        .post("ada", &alpha.url("/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let accepts = accepts(&remote, 3).await;
    assert_eq!(accepts.len(), 3, "two refusals, then the delivery");
    for accept in &accepts {
        assert_eq!(accept.json()["object"]["id"], follow["id"]);
    }
    let state = alpha.state().clone();
    eventually(5, "an empty queue", || async {
        let counts = delivery::counts(&state).await.expect("counts");
        (counts.pending == 0 && counts.failed == 0).then_some(())
    })
    .await;
    alpha.stop().await;
}

#[tokio::test]
async fn a_delivery_refused_with_400_is_not_retried() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    remote.answer_next(&[400]);

    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, _) = remote
        .post("ada", &alpha.url("/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let state = alpha.state().clone();
    eventually(10, "the delivery marked failed", || async {
        let counts = delivery::counts(&state).await.expect("counts");
        (counts.failed == 1 && counts.pending == 0).then_some(())
    })
    .await;
    assert_eq!(
        remote.received().len(),
        1,
        "a 400 is final: no second attempt"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn a_peer_on_the_federation_crate_follows_and_verifies_our_accept() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let peer = crate::harness::crate_peer::CratePeer::start().await;

    let follow_id = peer.follow(&alpha.actor_id(), &alpha.url("/inbox")).await;
    assert_eq!(
        alpha.follower_count().await,
        1,
        "our verifier accepted the crate's signature"
    );

    let accept = eventually(15, "the crate peer to verify our Accept", || async {
        peer.received()
            .into_iter()
            .find(|activity| activity["type"] == "Accept")
    })
    .await;
    assert_eq!(accept["actor"], alpha.actor_id().as_str());
    assert_eq!(accept["object"]["id"], follow_id.as_str());
    assert_eq!(accept["object"]["actor"], peer.actor_id.as_str());
    alpha.stop().await;
}
