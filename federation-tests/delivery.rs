//! The delivery queue under faults: a clean stop sends nothing twice, a host that was down gets
//! its queue soon after it is back, however many deliveries failed meanwhile, and slow or dead
//! hosts do not hold back the others.

use crate::durability::{add_followers, add_followers_at, creates_per_inbox};
use crate::harness::process::free_port;
use crate::harness::{TestActor, TestDatabase, TestInstance, eventually};
use std::time::Duration;

/// The inboxes that received the `Create` more than once.
fn sent_twice(remote: &TestActor) -> Vec<(String, usize)> {
    creates_per_inbox(remote)
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .collect()
}

#[tokio::test]
async fn a_clean_stop_records_what_was_in_flight_and_sends_nothing_twice() {
    let database = TestDatabase::create().await;
    let remote = TestActor::start().await;
    remote.answer_after(Duration::from_millis(1500));
    let mut alpha = TestInstance::start_with(&database.url, |config| {
        config.federation.delivery_workers = 4;
    })
    .await;
    add_followers(&database.url, &remote, 12).await;
    alpha.publish_story("Stopped in the middle").await;
    // Four deliveries are in flight (the remote answers each after 1.5 s) when the server stops.
    let queue = alpha.state().clone();
    eventually(20, "deliveries in flight", || async {
        let counts = jisr::federation::delivery::counts(&queue).await.ok()?;
        (counts.pending < 12 || !remote.received().is_empty()).then_some(())
    })
    .await;
    alpha.restart().await;

    eventually(60, "every follower's delivery", || async {
        (creates_per_inbox(&remote).len() >= 12).then_some(())
    })
    .await;
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        sent_twice(&remote),
        vec![],
        "what was in flight was recorded"
    );
    assert_eq!(creates_per_inbox(&remote).len(), 12);
    alpha.stop().await;
}

#[tokio::test]
async fn a_host_back_from_an_outage_gets_its_queue_soon_whatever_failed_meanwhile() {
    let database = TestDatabase::create().await;
    let remote = TestActor::start().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        // A wait that grew with the number of failed deliveries would reach minutes here.
        config.federation.retry_initial_seconds = 1;
        config.federation.retry_max_seconds = 600;
    })
    .await;
    add_followers(&database.url, &remote, 8).await;
    // Three rounds of four deliveries in flight fail; the host answers again from then on.
    remote.answer_next(&[503; 12]);
    alpha.publish_story("After the outage").await;

    let state = alpha.state().clone();
    eventually(30, "the queue delivered after the outage", || async {
        let counts = jisr::federation::delivery::counts(&state).await.ok()?;
        (counts.pending == 0 && counts.failed == 0).then_some(())
    })
    .await;
    assert_eq!(creates_per_inbox(&remote).len(), 8);
    alpha.stop().await;
}

#[tokio::test]
async fn a_slow_host_does_not_hold_back_the_others() {
    let database = TestDatabase::create().await;
    let slow = TestActor::start().await;
    // Inside the timeout: it never fails, so failure backoff alone would not help. Long enough
    // that the fast hosts' 40 deliveries are done before it answers on a loaded machine.
    slow.answer_after(Duration::from_secs(20));
    let fast = [TestActor::start().await, TestActor::start().await];
    let alpha = TestInstance::start_with(&database.url, |config| {
        // Fewer slots than the slow host may take (per_host_concurrency is 4).
        config.federation.delivery_workers = 4;
        config.federation.request_timeout_seconds = 25;
    })
    .await;
    // The slow host's followers come first in the queue.
    add_followers(&database.url, &slow, 8).await;
    for remote in &fast {
        add_followers(&database.url, remote, 20).await;
    }
    alpha.publish_story("Not held back").await;

    eventually(30, "every fast host's delivery", || async {
        fast.iter()
            .all(|remote| creates_per_inbox(remote).len() >= 20)
            .then_some(())
    })
    .await;
    assert!(
        slow.received().is_empty(),
        "the fast hosts' deliveries waited for the slow host's first answer"
    );
    for remote in &fast {
        assert!(sent_twice(remote).is_empty());
    }
    alpha.stop().await;
}

#[tokio::test]
async fn a_dead_hosts_backlog_does_not_hide_the_deliveries_behind_it() {
    let database = TestDatabase::create().await;
    let alive = TestActor::start().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        // Once the dead host is in backoff, it stays there for the whole test.
        config.federation.retry_initial_seconds = 120;
        config.federation.retry_max_seconds = 600;
    })
    .await;
    // More of the dead host's deliveries than one claim looks at, all older than the others.
    let dead = url::Url::parse(&format!("http://localhost:{}/", free_port())).expect("url");
    add_followers_at(&database.url, &dead, 2100).await;
    alpha.publish_story("Only for the dead host").await;
    add_followers(&database.url, &alive, 5).await;
    alpha.publish_story("Behind a dead host").await;

    eventually(30, "the live host's deliveries", || async {
        (creates_per_inbox(&alive).len() >= 5).then_some(())
    })
    .await;
    alpha.stop().await;
}
