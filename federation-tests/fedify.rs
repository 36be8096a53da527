//! Interoperability with Fedify, an ActivityPub implementation nobody here wrote: it verifies
//! the signatures of what we send, and signs what it sends with RFC 9421 first.

use crate::harness::fedify_peer::FedifyPeer;
use crate::harness::{TestDatabase, TestInstance, eventually};

#[tokio::test]
async fn a_fedify_actor_follows_by_handle_gets_a_verified_accept_and_unfollows() {
    let Some(peer) = FedifyPeer::start("a_fedify_actor_follows_by_handle").await else {
        return;
    };
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;

    let sent = peer.follow("bob", &format!("@{}", alpha.handle())).await;
    let actor = alpha.actor_id();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let state = loop {
        let following = peer.following("bob").await;
        if following[actor.as_str()]["state"] == "accepted" {
            break following;
        }
        if tokio::time::Instant::now() > deadline {
            let queue = jisr::federation::delivery::counts(alpha.state()).await;
            panic!(
                "the peer never saw its Follow accepted.\nfollowing: {following}\n\
                 jisr queue: {queue:?}\npeer received: {:#?}\n--- peer log ---\n{}",
                peer.log().await,
                peer.logs()
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        state[actor.as_str()]["follow"],
        sent["id"],
        "peer log:\n{}",
        peer.logs()
    );

    let log = peer.log().await;
    let accept = log
        .iter()
        .find(|record| record["type"] == "Accept")
        .unwrap_or_else(|| panic!("no Accept in the peer's log: {log:?}"));
    assert_eq!(accept["signature"]["verified"], true, "{accept}");
    assert_eq!(accept["json"]["actor"], actor.as_str(), "{accept}");
    assert_eq!(
        accept["json"]["object"]["actor"],
        peer.actor_id("bob").as_str(),
        "{accept}"
    );
    assert_eq!(alpha.follower_count().await, 1);

    peer.unfollow("bob", actor.as_str()).await;
    eventually(10, "the follower removed after Undo", || async {
        (alpha.follower_count().await == 0).then_some(())
    })
    .await;
    alpha.stop().await;
}
