//! The moderation of other servers, on both databases: a blocked domain is refused (its
//! `Follow` gets 403, nothing is fetched from it), its followers removed, no delivery goes to
//! it, its content erased and its replies hidden, and every step is in the audit log and the
//! public log; a limited domain's content leaves the lists and feeds and comes back when the
//! limit is lifted; Mastodon's CSV blocklist (a fixture of its format) imports, after a preview,
//! and exports back to the same rows, from the website and the command line; allowlist mode
//! federates with the allowed domains only; a change made by one process is in force in the
//! others.

use crate::harness::network::Node;
use crate::harness::remote::{Forgery, TestActor};
use crate::harness::session::Browser;
use crate::harness::{TestDatabase, TestInstance, eventually};
use jisr::domain::audit::{self, Who};
use jisr::domain::policy::{DomainPolicy, Severity};
use jisr::federation::policy as in_force;
use reqwest::StatusCode;
use serde_json::json;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// An instance that resolves `hosts` to this machine.
async fn alpha_resolving(database: &TestDatabase, hosts: &[&str]) -> TestInstance {
    let hosts: Vec<String> = hosts.iter().map(|host| host.to_string()).collect();
    TestInstance::start_with(&database.url, move |config| {
        for host in hosts {
            config
                .federation
                .resolve
                .insert(host, std::net::IpAddr::from([127, 0, 0, 1]));
        }
    })
    .await
}

/// `remote`'s public `Article` `name`, and its `Create`.
fn article(remote: &TestActor, slug: &str, name: &str) -> serde_json::Value {
    remote.activity(
        "Create",
        json!({
            "id": remote.base().join(&format!("articles/{slug}")).expect("id"),
            "type": "Article",
            "attributedTo": remote.id("ada"),
            "name": name,
            "content": "<p>The text</p>",
            "published": "2026-11-01T10:00:00Z",
            "to": [PUBLIC],
        }),
    )
}

#[tokio::test]
async fn a_blocked_domain_is_refused_forgotten_and_logged() {
    let database = TestDatabase::create().await;
    let alpha = alpha_resolving(&database, &["spam.test", "friend.test"]).await;
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    let spam = TestActor::start_as("spam.test").await;
    let friend = TestActor::start_as("friend.test").await;
    let organization = alpha.actor_id();

    // Both follow us; we follow spam, which publishes and replies to our story.
    for remote in [&spam, &friend] {
        let (status, body) = remote
            .post(
                "ada",
                &inbox,
                &remote.follow("ada", &organization),
                Forgery::None,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    assert_eq!(alpha.follower_count().await, 2);
    spam.followed_by(&state, &inbox).await;
    let (status, body) = spam
        .post(
            "ada",
            &inbox,
            &article(&spam, "1", "Cheap pills"),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        jisr::domain::network::list(state.db(), 10)
            .await
            .expect("list")
            .len(),
        1
    );
    let story = alpha.publish_story("Amaka the nurse").await;
    let reply = spam.activity(
        "Create",
        json!({
            "id": spam.base().join("notes/1").expect("id"),
            "type": "Note",
            "attributedTo": spam.id("ada"),
            "inReplyTo": alpha.publication_id(&story),
            "content": "<p>Buy now!</p>",
            "to": [PUBLIC],
        }),
    );
    let (status, body) = spam.post("ada", &inbox, &reply, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // The admin blocks spam.test, with a public reason and a note.
    let mut policy = DomainPolicy::new("Spam.Test", Severity::Block);
    policy.public_comment = "Spam, and more spam".to_string();
    policy.private_comment = "Reported by three members".to_string();
    let effects = in_force::set(&state, &Who::command_line(), &policy)
        .await
        .expect("block");
    assert_eq!(effects.followers_removed, 1, "{effects:?}");
    assert_eq!(effects.follows_forgotten, 1, "{effects:?}");
    assert_eq!(effects.content_erased, 1, "{effects:?}");
    assert_eq!(effects.replies_hidden, 1, "{effects:?}");
    assert_eq!(alpha.follower_count().await, 1);
    assert!(
        jisr::domain::network::list(state.db(), 10)
            .await
            .expect("list")
            .is_empty()
    );
    let page = crate::harness::page_text(alpha.url(&format!("/stories/{}", story.public_id))).await;
    assert!(!page.contains("Buy now!"), "{page}");

    // It is refused from now on, before any fetch; nothing is delivered there.
    let fetched_before = spam.fetches().len();
    let (status, body) = spam
        .post(
            "ada",
            &inbox,
            &spam.follow("ada", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("spam.test"), "{body}");
    assert_eq!(spam.fetches().len(), fetched_before);
    let received_before = spam.received_count();
    let second = alpha.publish_story("Bola the engineer").await;
    let second_id = alpha.publication_id(&second).to_string();
    eventually(20, "the friend gets the new story", || async {
        friend
            .deliveries()
            .iter()
            .any(|(id, _)| id.starts_with(&second_id))
            .then_some(())
    })
    .await;
    assert_eq!(spam.received_count(), received_before);
    assert!(
        jisr::federation::following::follow(&state, spam.id("ada").as_str())
            .await
            .is_err(),
        "nothing is fetched from a blocked domain"
    );

    // The audit log and the public log say so.
    let entries = audit::entries(state.db(), Some("domain."), 10, 0)
        .await
        .expect("log");
    assert_eq!(entries[0].action, "domain.block");
    assert_eq!(entries[0].target, "spam.test");
    assert_eq!(entries[0].reason, "Spam, and more spam");
    assert!(entries[0].details.contains("Reported by three members"));
    let public = crate::harness::page_text(alpha.url("/about/moderation")).await;
    assert!(
        public.contains("spam.test") && public.contains("Spam, and more spam"),
        "{public}"
    );
    assert!(!public.contains("Reported by three members"), "{public}");

    // Lifted: it may follow again.
    assert!(
        in_force::remove(&state, &Who::command_line(), "spam.test")
            .await
            .expect("remove")
    );
    let (status, body) = spam
        .post(
            "ada",
            &inbox,
            &spam.follow("ada", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let entries = audit::entries(state.db(), None, 10, 0).await.expect("log");
    assert_eq!(entries[0].action, "domain.remove");
}

#[tokio::test]
async fn a_limited_domains_content_leaves_the_lists_until_the_limit_is_lifted() {
    let database = TestDatabase::create().await;
    let alpha = alpha_resolving(&database, &["noisy.test"]).await;
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    let noisy = TestActor::start_as("noisy.test").await;
    noisy.followed_by(&state, &inbox).await;
    let (status, body) = noisy
        .post(
            "ada",
            &inbox,
            &article(&noisy, "1", "Loud news"),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let listed = || async { crate::harness::page_text(alpha.url("/stories?source=network")).await };
    assert!(listed().await.contains("Loud news"));

    let effects = in_force::set(
        &state,
        &Who::command_line(),
        &DomainPolicy::new("noisy.test", Severity::Limit),
    )
    .await
    .expect("limit");
    assert_eq!(effects.content_hidden, 1, "{effects:?}");
    assert!(!listed().await.contains("Loud news"));
    let feed = crate::harness::page_text(alpha.url("/stories.atom?source=network")).await;
    assert!(!feed.contains("Loud news"), "{feed}");
    // What it sends meanwhile is kept, hidden; still followed, it is not refused.
    let (status, body) = noisy
        .post(
            "ada",
            &inbox,
            &article(&noisy, "2", "Louder news"),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert!(!listed().await.contains("Louder news"));
    // Its replies wait for a moderator.
    let story = alpha.publish_story("A quiet story").await;
    let reply = noisy.activity(
        "Create",
        json!({
            "id": noisy.base().join("notes/1").expect("id"),
            "type": "Note",
            "attributedTo": noisy.id("ada"),
            "inReplyTo": alpha.publication_id(&story),
            "content": "<p>FIRST!!!</p>",
            "to": [PUBLIC],
        }),
    );
    let (status, body) = noisy.post("ada", &inbox, &reply, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let held = jisr::domain::comment::with_status(
        state.db(),
        jisr::domain::comment::ReplyStatus::Held,
        10,
    )
    .await
    .expect("held");
    assert_eq!(held.len(), 1, "{held:?}");

    // Lifted: both are listed again.
    assert!(
        in_force::remove(&state, &Who::command_line(), "noisy.test")
            .await
            .expect("remove")
    );
    let page = listed().await;
    assert!(
        page.contains("Loud news") && page.contains("Louder news"),
        "{page}"
    );
}

/// The rows of a blocklist, sorted, without its header.
fn rows(csv: &str) -> Vec<String> {
    let mut rows: Vec<String> = csv
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(str::to_string)
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn mastodons_blocklist_imports_after_a_preview_and_exports_back() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let fixture = include_str!("fixtures/mastodon/domain_blocks.csv");
    // A limit too, which Mastodon calls `silence`.
    let csv = format!("{fixture}quiet.example,silence,false,false,Unmoderated,true\n");
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    admin.get("/admin/domains").await;
    let preview = admin
        .post("/admin/domains/import", &[("csv", csv.as_str())])
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("What this import changes")
            && preview.body.contains("peepee.poopoo")
            && preview.body.contains("Apply these changes"),
        "{}",
        preview.body
    );
    assert!(
        jisr::domain::policy::all(alpha.state().db())
            .await
            .expect("policies")
            .is_empty(),
        "nothing is applied before the confirmation"
    );
    let applied = admin
        .post(
            "/admin/domains/import",
            &[("csv", csv.as_str()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert!(
        applied.body.contains("Domains imported: 4"),
        "{}",
        applied.body
    );
    let exported = admin.get("/admin/domains.csv").await;
    assert_eq!(exported.status, StatusCode::OK);
    assert!(exported.body.starts_with(
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    ));
    assert_eq!(rows(&exported.body), rows(&csv));
    // Importing it again changes nothing.
    let again = admin
        .post("/admin/domains/import", &[("csv", exported.body.as_str())])
        .await;
    assert!(
        again
            .body
            .contains("Nothing: every domain it names already has that policy."),
        "{}",
        again.body
    );
    // Every import is in the audit log; the public log hides an obfuscated domain.
    let log = admin.get("/admin/log").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(
        log.body.contains("Domain blocked") && log.body.contains("bumfaces.net"),
        "{}",
        log.body
    );
    let public = admin.get("/about/moderation").await;
    assert!(
        public.body.contains("big jerks") && public.body.contains("q*i*t.example"),
        "{}",
        public.body
    );
    // A single policy from the form; a bad domain is said, not stored.
    let refused = admin
        .post(
            "/admin/domains",
            &[("domain", "https://bad domain/"), ("severity", "block")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let set = admin
        .post(
            "/admin/domains",
            &[
                ("domain", "partner.example"),
                ("severity", "allow"),
                ("public_comment", "A member organization"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let page = admin.get("/admin/domains").await;
    assert!(
        page.body.contains("partner.example") && page.body.contains("A member organization"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_command_line_imports_and_exports_the_same_rows() {
    let alpha = Node::start("alpha").await;
    let file = std::env::temp_dir().join(format!("jisr-blocklist-{}.csv", std::process::id()));
    std::fs::write(&file, include_str!("fixtures/mastodon/domain_blocks.csv")).expect("write");
    let path = file.display().to_string();
    let preview = alpha.process.cli(&["domain", "import", &path]).await;
    assert!(
        preview.contains("+ bumfaces.net block")
            && preview.contains("3 to add, 0 to change, 0 unchanged, 0 lines skipped")
            && preview.contains("run again with --yes"),
        "{preview}"
    );
    assert!(
        !alpha
            .process
            .cli(&["domain", "list"])
            .await
            .contains("bumfaces.net")
    );
    alpha
        .process
        .cli(&["domain", "import", &path, "--yes"])
        .await;
    let exported = alpha.process.cli_stdout(&["domain", "export"]).await;
    assert!(exported.starts_with("#domain,#severity,"), "{exported}");
    assert_eq!(
        rows(&exported),
        rows(include_str!("fixtures/mastodon/domain_blocks.csv"))
    );
    let blocked = alpha
        .process
        .cli(&[
            "domain",
            "limit",
            "loud.example",
            "--public-reason",
            "Noise",
        ])
        .await;
    assert!(blocked.contains("loud.example: limit"), "{blocked}");
    // Not on ourselves.
    let own = alpha.domain.split(':').next().expect("host").to_string();
    let refused = alpha.process.cli_error(&["domain", "block", &own]).await;
    assert!(refused.contains("domain"), "{refused}");
    let listed = alpha.process.cli(&["domain", "list"]).await;
    assert!(
        listed.contains("loud.example\tlimit\tadmin\tNoise"),
        "{listed}"
    );
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn allowlist_mode_federates_with_the_allowed_domains_only() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.federation.mode = "allowlist".to_string();
        config.federation.allowed_domains = vec!["partner.test".to_string()];
        for host in ["partner.test", "stranger.test", "later.test"] {
            config
                .federation
                .resolve
                .insert(host.to_string(), std::net::IpAddr::from([127, 0, 0, 1]));
        }
    })
    .await;
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    let organization = alpha.actor_id();
    let partner = TestActor::start_as("partner.test").await;
    let stranger = TestActor::start_as("stranger.test").await;
    let later = TestActor::start_as("later.test").await;
    let (status, body) = partner
        .post(
            "ada",
            &inbox,
            &partner.follow("ada", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, body) = stranger
        .post(
            "ada",
            &inbox,
            &stranger.follow("ada", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(stranger.fetches().is_empty(), "nothing fetched from it");
    assert!(
        jisr::federation::following::follow(&state, stranger.id("ada").as_str())
            .await
            .is_err()
    );
    // An admin allows another domain: it is in at once.
    in_force::set(
        &state,
        &Who::command_line(),
        &DomainPolicy::new("later.test", Severity::Allow),
    )
    .await
    .expect("allow");
    let (status, body) = later
        .post(
            "ada",
            &inbox,
            &later.follow("ada", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(alpha.follower_count().await, 2);
}

#[tokio::test]
async fn a_block_made_by_one_process_is_in_force_in_the_others() {
    let alpha = Node::start_processes("alpha", 2).await;
    let mallory = TestActor::start_as("mallory.test").await;
    let inbox = alpha.url("/inbox");
    let organization = alpha.actor_id();
    let follow = || mallory.follow("ada", &organization);
    let (status, body) = mallory.post("ada", &inbox, &follow(), Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let said = alpha
        .process
        .cli(&["domain", "block", "mallory.test"])
        .await;
    assert!(said.contains("mallory.test: block"), "{said}");
    // Every process refuses it within a moment (the balancer hands each request to the next
    // process: four in a row reach both).
    eventually(10, "every process refuses mallory.test", || async {
        let mut refused = 0;
        for _ in 0..4 {
            let (status, _) = mallory.post("ada", &inbox, &follow(), Forgery::None).await;
            if status == StatusCode::FORBIDDEN {
                refused += 1;
            }
        }
        (refused == 4).then_some(())
    })
    .await;
}

#[tokio::test]
async fn reports_reach_the_queue_and_the_reported_server_and_flags_arrive_in_it() {
    let Some(peer) = crate::network::start_peer("moderation").await else {
        return;
    };
    let alpha = Node::start_with_env("alpha", &[("JISR_WEBSITE_REPLIES", "open")]).await;
    let story = alpha
        .publish(
            "story",
            &crate::harness::network::publication("story", "Amaka's story"),
        )
        .await;
    let reply = peer
        .reply(
            "bob",
            &story,
            "<p>Visit cheap-pills.example now!</p>",
            alpha.actor_id().as_str(),
        )
        .await;
    let db = alpha.db().await;
    eventually(20, "the peer's reply kept", || async {
        jisr::domain::comment::find(&db, &reply).await.ok()?
    })
    .await;

    // A visitor reports it, asking that it be sent on to the peer's server.
    let mut visitor = Browser::new(&alpha);
    let form = visitor.get(&jisr::web::reports::link(&reply)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body.contains("A reply") && form.body.contains("cheap-pills.example"),
        "{}",
        form.body
    );
    let missing = visitor
        .post(
            "/report",
            &[("object", reply.as_str()), ("comment", "Spam")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = visitor
        .post(
            "/report",
            &[
                ("object", reply.as_str()),
                ("reason", "spam"),
                ("comment", "An advertisement, again"),
                ("forward", "true"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("Thank you"), "{}", sent.body);

    // The peer receives a Flag from alpha's instance actor, naming bob and his reply.
    let bob = peer.actor_id("bob").to_string();
    let flag = eventually(30, "the Flag at the peer", || async {
        peer.log()
            .await
            .into_iter()
            .find(|record| record["type"] == "Flag")
    })
    .await;
    assert_eq!(flag["actor"], alpha.url("/actor").as_str(), "{flag}");
    assert_eq!(flag["signature"]["verified"], true, "{flag}");
    assert_eq!(
        flag["json"]["object"],
        json!([bob.as_str(), reply.as_str()]),
        "{flag}"
    );
    assert_eq!(flag["json"]["content"], "An advertisement, again");

    // The peer reports our story back: its Flag joins the queue, its origin shown.
    peer.flag(
        "bob",
        &[alpha.actor_id().as_str(), story.as_str()],
        "<p>This story is misleading</p>",
        alpha.actor_id().as_str(),
    )
    .await;
    let reports = eventually(30, "the peer's report in the queue", || async {
        let open = jisr::domain::reports::open(&db, 10).await.ok()?;
        (open.len() == 2).then_some(open)
    })
    .await;
    let theirs = reports
        .iter()
        .find(|report| report.reporter_ap_id.is_some())
        .expect("the peer's report");
    assert_eq!(theirs.target_kind, "publication");
    assert_eq!(theirs.comment, "This story is misleading");
    assert_eq!(
        theirs.objects(),
        [alpha.actor_id().to_string(), story.clone()]
    );

    // A moderator sees both, the reporter hidden from nobody but the reported, and removes
    // the reply: hidden under the story, in the audit log.
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    let queue = admin.get("/admin/reports").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(
        queue.body.contains("A visitor")
            && queue.body.contains("An advertisement, again")
            && queue.body.contains("This story is misleading")
            && queue.body.contains(&format!(
                "From {}",
                peer.actor_id("bob").host_str().expect("host")
            ))
            && queue.body.contains("Sent to its server"),
        "{}",
        queue.body
    );
    let ours = reports
        .iter()
        .find(|report| report.reporter_ap_id.is_none())
        .expect("the visitor's report");
    let resolved = admin
        .post(
            &format!("/admin/reports/{}", ours.report_id),
            &[("resolution", "remove"), ("note", "Spam")],
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    let hidden = jisr::domain::comment::find(&db, &reply)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(hidden.status, jisr::domain::comment::ReplyStatus::Hidden);
    let log = admin.get("/admin/log").await;
    assert!(
        log.body.contains("Reported content removed"),
        "{}",
        log.body
    );
    let queue = admin.get("/admin/reports").await;
    assert!(queue.body.contains("Remove the content"), "{}", queue.body);
}

/// Waits, when the minute is about to end, for the next one: the inbox counts by the minute.
async fn a_fresh_minute() {
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 45 {
        tokio::time::sleep(std::time::Duration::from_secs(
            u64::try_from(61 - second).unwrap_or(1),
        ))
        .await;
    }
}

#[tokio::test]
async fn a_noisy_actor_or_domain_is_told_to_wait_in_every_process() {
    let alpha = Node::start_processes_with_env(
        "alpha",
        2,
        &[
            ("JISR_MODERATION_INBOX_PER_ACTOR_PER_MINUTE", "4"),
            ("JISR_MODERATION_INBOX_PER_DOMAIN_PER_MINUTE", "6"),
        ],
    )
    .await;
    let mallory = TestActor::start_as("mallory.test").await;
    let inbox = alpha.url("/inbox");
    let organization = alpha.actor_id();
    // A follow by `signer`, signed and sent as it is: its status, `Retry-After` and text.
    let send = |signer: &'static str| {
        let body = serde_json::to_vec(&mallory.follow(signer, &organization)).expect("body");
        let headers = mallory.sign(signer, &inbox, &body, Forgery::None, chrono::Utc::now());
        let request = crate::harness::http_client()
            .post(inbox.clone())
            .header("content-type", "application/activity+json");
        let request = headers.into_iter().fold(request, |request, (name, value)| {
            request.header(name, value)
        });
        async move {
            let response = request.body(body).send().await.expect("post");
            let status = response.status();
            let retry = response
                .headers()
                .get("retry-after")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<u64>().ok());
            (status, retry, response.text().await.unwrap_or_default())
        }
    };
    a_fresh_minute().await;
    // Four from ada (spread over both processes on PostgreSQL): accepted; the fifth waits.
    for _ in 0..4 {
        let (status, _, text) = send("ada").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    }
    let (status, retry, text) = send("ada").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{text}");
    assert!(text.contains("this minute"), "{text}");
    assert!(
        retry.is_some_and(|seconds| (1..=60).contains(&seconds)),
        "{retry:?}"
    );
    // Another actor of that domain: one more fits in the domain's six, then it waits too.
    let (status, _, text) = send("mallory").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    let (status, _, text) = send("mallory").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{text}");
    assert!(text.contains("mallory.test"), "{text}");
}
