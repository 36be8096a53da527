//! Deliveries survive a SIGKILL, and several processes on one PostgreSQL database share the
//! queue without sending anything twice.

use crate::harness::process::{ProcessInstance, free_port};
use crate::harness::{TestActor, TestDatabase, eventually};
use jisr::db::Db;
use std::collections::BTreeMap;
use std::time::Duration;

/// Adds `count` followers of the organization, each with its own inbox on `remote`.
pub(crate) async fn add_followers(database_url: &str, remote: &TestActor, count: usize) {
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
            let actor = remote
                .base()
                .join(&format!("users/f{n}"))
                .expect("url")
                .to_string();
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
                     [story]\ncategory = \"social\"\n[story.consent]\nsubject_consented = true\n";

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
    alpha.cli(&["publish", "story", story.path().to_str().expect("path")]);

    eventually(30, "the first deliveries", || async {
        (creates_per_inbox(&remote).len() >= 50).then_some(())
    })
    .await;
    alpha.kill().await;
    let before = creates_per_inbox(&remote).len();
    assert!(
        before < 1000,
        "the kill came too late to test anything ({before} delivered)"
    );

    alpha.restart().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
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

#[tokio::test]
async fn two_processes_on_one_postgresql_send_each_delivery_once() {
    let database = TestDatabase::create().await;
    if !database.url.starts_with("postgres") {
        eprintln!(
            "two_processes_on_one_postgresql: runs in the PostgreSQL pass (SQLite has one process)"
        );
        return;
    }
    let remote = TestActor::start().await;
    remote.answer_after(Duration::from_millis(5));
    let domain_port = free_port();
    let settings = "delivery_workers = 8\nrequest_timeout_seconds = 2\ndelivery_lease_seconds = 30";
    let mut first = ProcessInstance::start(&database.url, domain_port, domain_port, settings).await;
    let mut second =
        ProcessInstance::start(&database.url, domain_port, free_port(), settings).await;
    add_followers(&database.url, &remote, 1000).await;
    let story = story_file();
    first.cli(&["publish", "story", story.path().to_str().expect("path")]);

    let delivered = eventually(90, "1,000 deliveries", || async {
        let counts = creates_per_inbox(&remote);
        (counts.len() >= 1000).then_some(counts)
    })
    .await;
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delivered_twice: Vec<_> = creates_per_inbox(&remote)
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .collect();
    assert!(
        delivered_twice.is_empty(),
        "sent twice: {delivered_twice:?}"
    );
    assert_eq!(delivered.len(), 1000);
    eprintln!(
        "batches recorded: first process {}, second {}",
        first.log().matches("deliveries recorded").count(),
        second.log().matches("deliveries recorded").count()
    );
    first.kill().await;
    second.kill().await;
}
