//! Follow, Accept and Undo with a remote actor, durable across restarts and failures.

use crate::harness::remote::{Forgery, verify_fetch, verify_received};
use crate::harness::{TestActor, TestDatabase, TestInstance, eventually};
use jisr::federation::delivery;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn actor_key(alpha: &TestInstance) -> String {
    key_of(alpha.actor_id()).await
}

async fn actor_document(actor: url::Url) -> Value {
    reqwest::Client::new()
        .get(actor)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET actor")
        .json()
        .await
        .expect("actor JSON")
}

async fn key_of(actor: url::Url) -> String {
    let actor = actor_document(actor).await;
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

#[tokio::test]
async fn an_actor_added_as_a_row_is_found_served_followed_and_unfollowed() {
    use jisr::federation::actors::{self, ActorKind};
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let state = alpha.state();
    let forum = actors::create(
        state.db(),
        state.actors(),
        ActorKind::Group,
        "housing",
        "Housing & residency",
        "Questions about permits and flats",
    )
    .await
    .expect("a new actor");
    assert_eq!(forum.id, alpha.url("/actors/housing"));

    let domain = alpha
        .handle()
        .split_once('@')
        .expect("handle")
        .1
        .to_string();
    let finger: Value = reqwest::get(alpha.url(&format!(
        "/.well-known/webfinger?resource=acct:housing@{domain}"
    )))
    .await
    .expect("webfinger")
    .json()
    .await
    .expect("JRD");
    assert_eq!(finger["links"][0]["href"], forum.id.as_str(), "{finger}");

    let document = actor_document(forum.id.clone()).await;
    assert_eq!(document["type"], "Group");
    assert_eq!(document["name"], "Housing & residency");
    assert_eq!(
        document["inbox"],
        alpha.url("/actors/housing/inbox").as_str()
    );
    assert_eq!(
        document["followers"],
        alpha.url("/actors/housing/followers").as_str()
    );
    assert_eq!(
        document["publicKey"]["id"],
        format!("{}#main-key", forum.id)
    );

    // Followed at its own inbox; the Accept is its own, signed with its own key.
    let follow = remote.follow("ada", &forum.id);
    let (status, body) = remote
        .post(
            "ada",
            &alpha.url("/actors/housing/inbox"),
            &follow,
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let db = state.db().clone();
    let count = |local_actor_id| {
        let db = db.clone();
        async move {
            jisr::federation::followers::count(&db, local_actor_id)
                .await
                .expect("count")
        }
    };
    assert_eq!(count(forum.local_actor_id).await, 1);
    assert_eq!(
        alpha.follower_count().await,
        0,
        "the organization has no new follower"
    );
    let accept = accepts(&remote, 1).await.remove(0);
    let key_id = verify_received(&accept, &key_of(forum.id.clone()).await)
        .unwrap_or_else(|error| panic!("the Accept's signature: {error}"));
    assert_eq!(key_id, format!("{}#main-key", forum.id));
    assert_eq!(accept.json()["actor"], forum.id.as_str());

    // An Undo naming the Follow by its id only: resolved through the recorded activity.
    let undo = remote.activity("Undo", follow["id"].clone());
    let (status, body) = remote
        .post("ada", &alpha.url("/inbox"), &undo, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(count(forum.local_actor_id).await, 0);

    // The instance actor takes no followers, and unknown names are not found.
    let follow = remote.follow("ada", &alpha.url("/actor"));
    let (status, _) = remote
        .post("ada", &alpha.url("/actor/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let instance = state.actors().instance().local_actor_id;
    assert_eq!(count(instance).await, 0);
    let missing = reqwest::Client::new()
        .post(alpha.url("/actors/nobody/inbox"))
        .body("{}")
        .send()
        .await
        .expect("POST");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    alpha.stop().await;
}
