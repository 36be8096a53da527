//! Deliveries survive a SIGKILL, and several processes on one PostgreSQL database share the
//! queue without sending anything twice.

use crate::harness::process::{ProcessInstance, free_port};
use crate::harness::{TestActor, TestDatabase, eventually};
use jisr::db::Db;
use std::collections::BTreeMap;
use std::time::Duration;

/// Adds `count` followers of the organization, each with its own inbox on `remote`.
pub(crate) async fn add_followers(database_url: &str, remote: &TestActor, count: usize) {
    add_followers_at(database_url, remote.base(), count).await;
}

/// Adds `count` followers of the organization, each with its own inbox under `base` (which
/// need not answer).
pub(crate) async fn add_followers_at(database_url: &str, base: &url::Url, count: usize) {
    let db = Db::connect(database_url, 2).await.expect("connect");
    db.migrate().await.expect("migrate");
    let sql = "select local_actor_id from local_actor where kind = 'organization'";
    let local_actor_id: i64 = match &db {
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
    }
    .expect("the organization exists once the server has started");
    let followers: Vec<(String, String, Option<String>)> = (0..count)
        .map(|n| {
            let actor = base.join(&format!("users/f{n}")).expect("url").to_string();
            (actor.clone(), format!("{actor}/inbox"), None)
        })
        .collect();
    jisr::federation::followers::insert_many(&db, local_actor_id, &followers)
        .await
        .expect("insert followers");
    db.close().await;
}

/// How many times each inbox path received a `Create`.
pub(crate) fn creates_per_inbox(remote: &TestActor) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for received in remote.received() {
        if received.json()["type"] == "Create" {
            *counts.entry(received.path).or_default() += 1;
        }
    }
    counts
}

const STORY: &str = "[text.en]\ntitle = \"A story for everyone\"\nsummary = \"Delivered to 1,000 inboxes.\"\n\
                     [story]\ncategory = \"social\"\n[story.consent]\nsubject_consented = true\ngiven_by = \"Amina\"\ngiven_on = \"2026-01-10\"\nform = \"written\"\nfederated = true\nindexable = true\nimages = true\n";

fn story_file() -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("file");
    std::fs::write(file.path(), STORY).expect("write");
    file
}

#[tokio::test]
async fn a_killed_server_delivers_everything_after_a_restart() {
    let database = TestDatabase::create().await;
    let remote = TestActor::start().await;
    remote.answer_after(Duration::from_millis(20));
    let port = free_port();
    let mut alpha = ProcessInstance::start(
        &database.url,
        port,
        port,
        "delivery_workers = 8\nrequest_timeout_seconds = 2\ndelivery_lease_seconds = 3",
    )
    .await;
    add_followers(&database.url, &remote, 1000).await;
    let story = story_file();
    alpha
        .cli(&["publish", "story", story.path().to_str().expect("path")])
        .await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while creates_per_inbox(&remote).len() < 50 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first deliveries did not come; log:\n{}",
            alpha.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    alpha.kill().await;
    let before = creates_per_inbox(&remote).len();
    assert!(
        before < 1000,
        "the kill came too late to test anything ({before} delivered)"
    );

    alpha.restart().await;
    // A liveness bound, not a timing: on two cores, beside the two-process PostgreSQL test (which
    // runs at the same time in the PostgreSQL pass), this fan-out has taken over 90 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    let delivered = loop {
        let counts = creates_per_inbox(&remote);
        if counts.len() >= 1000 {
            break counts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "after the restart only {} of 1000 inboxes got the story; log:\n{}",
            counts.len(),
            alpha.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(delivered.len(), 1000, "log:\n{}", alpha.log());
    eprintln!(
        "killed after {before} of 1000; after the restart every inbox got it ({} deliveries in all)",
        delivered.values().sum::<usize>()
    );
    alpha.kill().await;
}

/// Fan-outs made by the two-process test, each to every follower (the deadlock it guards
/// against showed in 2 of 10 fan-outs to 10,000 followers).
const FAN_OUTS: usize = 10;
const MANY_FOLLOWERS: usize = 10_000;
/// The hosts those followers are on.
const MANY_HOSTS: usize = 20;

// Worker threads, so that the peers answer while the test counts what they received: a peer
// that answered after the request timeout would be sent the delivery again, rightly (at least
// once), and this test is about two processes claiming one row, not about slow peers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgresql_send_each_delivery_once() {
    let database = TestDatabase::create().await;
    if !database.url.starts_with("postgres") {
        eprintln!(
            "two_processes_on_one_postgresql: runs in the PostgreSQL pass (SQLite has one process)"
        );
        return;
    }
    let mut remotes = Vec::new();
    for _ in 0..MANY_HOSTS {
        let remote = TestActor::start().await;
        remote.answer_after(Duration::from_millis(5));
        remotes.push(remote);
    }
    let domain_port = free_port();
    let settings =
        "delivery_workers = 8\nrequest_timeout_seconds = 10\ndelivery_lease_seconds = 30";
    let mut first = ProcessInstance::start(&database.url, domain_port, domain_port, settings).await;
    let mut second =
        ProcessInstance::start(&database.url, domain_port, free_port(), settings).await;
    for remote in &remotes {
        add_followers(&database.url, remote, MANY_FOLLOWERS / MANY_HOSTS).await;
    }
    let mut stories = Vec::new();
    for round in 0..FAN_OUTS {
        let story = tempfile::NamedTempFile::new().expect("story file");
        std::fs::write(
            story.path(),
            STORY.replace("everyone", &format!("everyone, {round}")),
        )
        .expect("write the story");
        // Both processes publish, so both enqueue while the other sends.
        let publisher = if round % 2 == 0 { &first } else { &second };
        publisher
            .cli(&["publish", "story", story.path().to_str().expect("path")])
            .await;
        stories.push(story);
    }

    let total = MANY_FOLLOWERS * FAN_OUTS;
    eventually(600, "every fan-out's deliveries", || async {
        let received: usize = remotes.iter().map(TestActor::received_count).sum();
        (received >= total && deliveries_per_activity_and_inbox(&remotes).len() >= total)
            .then_some(())
    })
    .await;
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let delivered = deliveries_per_activity_and_inbox(&remotes);
    let delivered_twice: Vec<_> = delivered.iter().filter(|(_, count)| **count > 1).collect();
    assert!(
        delivered_twice.is_empty(),
        "sent twice ({} of {total}): {:?}",
        delivered_twice.len(),
        delivered_twice.iter().take(10).collect::<Vec<_>>()
    );
    assert_eq!(delivered.len(), total);
    let (first_log, second_log) = (first.log(), second.log());
    for log in [&first_log, &second_log] {
        assert!(!log.contains("deadlock"), "a deadlock: {log}");
    }
    eprintln!(
        "batches recorded: first process {}, second {}; result writes retried: {}",
        first_log.matches("deliveries recorded").count(),
        second_log.matches("deliveries recorded").count(),
        first_log.matches("trying again").count() + second_log.matches("trying again").count(),
    );
    first.kill().await;
    second.kill().await;
}

/// How many times each activity reached each inbox (host and path).
fn deliveries_per_activity_and_inbox(remotes: &[TestActor]) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for remote in remotes {
        for (activity, path) in remote.deliveries() {
            *counts
                .entry((activity, format!("{}{path}", remote.base())))
                .or_default() += 1;
        }
    }
    counts
}
