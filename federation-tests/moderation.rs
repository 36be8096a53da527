//! The moderation of other servers, on both databases: a blocked domain is refused (its
//! `Follow` gets 403, nothing is fetched from it), its followers removed, no delivery goes to
//! it, its content erased and its replies hidden, and every step is in the audit log and the
//! public log; a limited domain's content leaves the lists and feeds and comes back when the
//! limit is lifted; Mastodon's CSV blocklist (a fixture of its format) imports, after a preview,
//! and exports back to the same rows, from the website and the command line; allowlist mode
//! federates with the allowed domains only; a change made by one process is in force in the
//! others. Single accounts: another server's actor suspended (refused, hidden, back once
//! lifted) or limited (its replies held); a member suspended (410, the peer gets the
//! `Delete`, their thread gone, an `Update` once lifted) or limited (their post held until a
//! moderator approves it).

use crate::harness::network::Node;
use crate::harness::remote::{Forgery, TestActor};
use crate::harness::session::Browser;
use crate::harness::{TestDatabase, TestInstance, eventually};
use jisr::domain::account_policy::AccountSeverity;
use jisr::domain::audit::{self, Who};
use jisr::domain::policy::{DomainPolicy, Severity};
use jisr::federation::policy as in_force;
use jisr::federation::suspensions;
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

#[tokio::test]
async fn a_suspended_remote_account_is_refused_and_hidden_and_a_limited_ones_replies_wait() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.website.replies = "open".to_string();
        config.federation.resolve.insert(
            "rude.test".to_string(),
            std::net::IpAddr::from([127, 0, 0, 1]),
        );
    })
    .await;
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    let rude = TestActor::start_as("rude.test").await;
    let organization = alpha.actor_id();
    let (status, body) = rude
        .post(
            "ada",
            &inbox,
            &rude.follow("ada", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let story = alpha.publish_story("Amaka the nurse").await;
    let story_page = alpha.url(&format!("/stories/{}", story.public_id));
    let reply = |n: u32, text: &str| {
        rude.activity(
            "Create",
            json!({
                "id": rude.base().join(&format!("notes/{n}")).expect("id"),
                "type": "Note",
                "attributedTo": rude.id("ada"),
                "inReplyTo": alpha.publication_id(&story),
                "content": format!("<p>{text}</p>"),
                "to": [PUBLIC],
            }),
        )
    };
    let (status, body) = rude
        .post("ada", &inbox, &reply(1, "You are all fools"), Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let page = crate::harness::page_text(story_page.clone()).await;
    assert!(page.contains("You are all fools"), "{page}");

    // Suspended, by its id: its follow removed, its reply hidden, its activities refused; the
    // other accounts of its server are not concerned.
    let ada = rude.id("ada").to_string();
    let who = Who::command_line();
    let subject = suspensions::subject(&state, &ada).await.expect("subject");
    assert!(subject.member.is_none());
    let effects = suspensions::set(
        &state,
        &who,
        &subject,
        AccountSeverity::Suspend,
        "Insults under every story",
    )
    .await
    .expect("suspend");
    assert_eq!(effects.follows_removed, 1, "{effects:?}");
    assert_eq!(effects.hidden.replies, 1, "{effects:?}");
    assert_eq!(alpha.follower_count().await, 0);
    let page = crate::harness::page_text(story_page.clone()).await;
    assert!(!page.contains("You are all fools"), "{page}");
    let (status, body) = rude
        .post(
            "ada",
            &inbox,
            &rude.follow("ada", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("suspended"), "{body}");
    let (status, body) = rude
        .post(
            "mallory",
            &inbox,
            &rude.follow("mallory", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "another account of the server: {body}"
    );

    // Our own actors are not accounts to suspend; a name nobody has is said so.
    for (text, why) in [
        (organization.as_str(), "this server's own actor"),
        ("nobody", "no account we know"),
    ] {
        match suspensions::subject(&state, text).await {
            Err(jisr::error::Error::Invalid(errors)) => {
                assert!(errors[0].reason.contains(why), "{text}: {errors:?}")
            }
            other => panic!("{text}: {other:?}"),
        }
    }

    // Lifted: the reply is back as it was, and it may follow again.
    assert!(
        suspensions::lift(&state, &who, &subject, "Apologized")
            .await
            .expect("lift")
    );
    let page = crate::harness::page_text(story_page.clone()).await;
    assert!(page.contains("You are all fools"), "{page}");
    let (status, body) = rude
        .post(
            "ada",
            &inbox,
            &rude.follow("ada", &organization),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // Limited: its next reply waits for a moderator.
    suspensions::set(
        &state,
        &who,
        &subject,
        AccountSeverity::Limit,
        "On probation",
    )
    .await
    .expect("limit");
    let (status, body) = rude
        .post("ada", &inbox, &reply(2, "Still fools"), Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let second = rude.base().join("notes/2").expect("id").to_string();
    let held = jisr::domain::comment::find(state.db(), &second)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(held.status, jisr::domain::comment::ReplyStatus::Held);
    let page = crate::harness::page_text(story_page.clone()).await;
    assert!(!page.contains("Still fools"), "{page}");

    // A report about its first reply, resolved by suspending the account.
    let first = rude.base().join("notes/1").expect("id").to_string();
    let target = jisr::federation::reports::target(&state, &first)
        .await
        .expect("target")
        .expect("a reply");
    let report = jisr::federation::reports::file(
        &state,
        &jisr::domain::reports::NewReport {
            reporter: jisr::domain::reports::Reporter::Visitor,
            target_actor: target.actor.clone(),
            objects: vec![first.clone()],
            target_kind: target.kind,
            reason: jisr::domain::reports::Reason::Harassment,
            comment: "Again".to_string(),
            forward: false,
        },
    )
    .await
    .expect("report");
    assert!(
        jisr::federation::reports::resolve(
            &state,
            &who,
            None,
            report,
            jisr::federation::reports::Resolution::SuspendAccount,
            "Third time",
        )
        .await
        .expect("resolve")
    );
    let page = crate::harness::page_text(story_page).await;
    assert!(!page.contains("You are all fools"), "{page}");
    let (status, body) = rude
        .post("ada", &inbox, &reply(3, "Let me in"), Forgery::None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Every decision is in the audit log, with its reason.
    let entries = audit::entries(state.db(), Some("account."), 10, 0)
        .await
        .expect("log");
    let actions: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|entry| {
            (
                entry.action.as_str(),
                entry.target.as_str(),
                entry.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            (
                "account.suspend",
                ada.as_str(),
                &*format!("report {report}: Third time")
            ),
            ("account.limit", ada.as_str(), "On probation"),
            ("account.lift", ada.as_str(), "Apologized"),
            ("account.suspend", ada.as_str(), "Insults under every story"),
        ]
    );
    let resolved = audit::entries(state.db(), Some("report."), 10, 0)
        .await
        .expect("log");
    assert_eq!(resolved[0].action, "report.suspend-account");

    // Visitors together file at most so many reports an hour: past it, 429 with a reason.
    let again = jisr::domain::reports::NewReport {
        reporter: jisr::domain::reports::Reporter::Visitor,
        target_actor: ada.clone(),
        objects: vec![ada.clone()],
        target_kind: jisr::domain::reports::TargetKind::Actor,
        reason: jisr::domain::reports::Reason::Spam,
        comment: String::new(),
        forward: false,
    };
    for _ in 1..jisr::domain::reports::MAX_FROM_VISITORS_PER_HOUR {
        jisr::federation::reports::file(&state, &again)
            .await
            .expect("within the bound");
    }
    match jisr::federation::reports::file(&state, &again).await {
        Err(jisr::error::Error::TooManyRequests { reason, .. }) => {
            assert!(reason.contains("visitors"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_suspended_member_is_gone_for_the_fediverse_and_back_once_lifted_and_a_limited_ones_posts_wait()
 {
    let Some(peer) = crate::network::start_peer("suspensions").await else {
        return;
    };
    let alpha = Node::start_with_env("alpha", &[("JISR_ACCOUNTS_REGISTRATION", "open")]).await;
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    admin.get("/admin/forums/new").await;
    let made = admin
        .post(
            "/admin/forums",
            &[
                ("slug", "housing"),
                ("kind", "discussion"),
                ("posting", "members"),
                ("name_en", "Housing"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let mut amaka = Browser::new(&alpha);
    amaka
        .register(
            "Amaka",
            "amaka@example.org",
            &[("account_type", "individual"), ("username", "amaka")],
        )
        .await;
    let posted = new_thread(&mut amaka, "Flats near Wedding", "Who knows a landlord?").await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let thread = posted.location.expect("the thread");
    let handle = format!("@amaka@{}", alpha.domain);
    let actor_id = alpha.url("/actors/amaka").to_string();
    peer.follow("bob", &handle).await;
    eventually(20, "the peer's follow of amaka accepted", || async {
        (peer.following("bob").await[&actor_id]["state"] == "accepted").then_some(())
    })
    .await;

    // Suspended on /admin/accounts: her actor is gone (410), the peer gets its Delete, her
    // thread is gone from the forum and she is logged out.
    admin.get("/admin/accounts").await;
    let unknown = admin
        .post(
            "/admin/accounts",
            &[("account", "nobody"), ("severity", "suspend")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("no account we know"),
        "{}",
        unknown.body
    );
    let suspended = admin
        .post(
            "/admin/accounts",
            &[
                ("account", handle.as_str()),
                ("severity", "suspend"),
                ("reason", "Threats to another member"),
            ],
        )
        .await;
    assert_eq!(
        suspended.status,
        StatusCode::SEE_OTHER,
        "{}",
        suspended.body
    );
    let delete = crate::network::wait_for_peer(&peer, &alpha, "Delete", 1)
        .await
        .remove(0);
    assert_eq!(delete["actor"], actor_id.as_str(), "{delete}");
    assert_eq!(delete["json"]["object"], actor_id.as_str(), "{delete}");
    assert_eq!(delete["signature"]["verified"], true, "{delete}");
    let (status, _) = crate::network::get_json(&actor_id).await;
    assert_eq!(status, StatusCode::GONE);
    let thread_status = crate::harness::http_client()
        .get(alpha.url(&thread))
        .send()
        .await
        .expect("thread")
        .status();
    assert_eq!(thread_status, StatusCode::GONE);
    let forum = crate::harness::page_text(alpha.url("/forums/housing")).await;
    assert!(!forum.contains("Flats near Wedding"), "{forum}");
    let account = amaka.get("/account").await;
    assert_ne!(account.status, StatusCode::OK, "logged out");
    let listed = admin.get("/admin/accounts").await;
    assert!(
        listed.body.contains(&handle)
            && listed.body.contains("Suspend")
            && listed.body.contains("Threats to another member"),
        "{}",
        listed.body
    );

    // Lifted from the members page: her actor and her thread are back, and the peer gets
    // an Update of her actor.
    let account_id = jisr::domain::accounts::find_by_email(&alpha.db().await, "amaka@example.org")
        .await
        .expect("amaka")
        .account_id;
    admin.get("/admin/members").await;
    let lifted = admin
        .post(
            &format!("/admin/members/{account_id}"),
            &[("change", "enable")],
        )
        .await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    let update = crate::network::wait_for_peer(&peer, &alpha, "Update", 1)
        .await
        .remove(0);
    assert_eq!(
        update["json"]["object"]["id"],
        actor_id.as_str(),
        "{update}"
    );
    let (status, _) = crate::network::get_json(&actor_id).await;
    assert_eq!(status, StatusCode::OK);
    let forum = crate::harness::page_text(alpha.url("/forums/housing")).await;
    assert!(forum.contains("Flats near Wedding"), "{forum}");

    // Limited from the command line: her next post waits for a moderator, who approves it.
    let said = alpha
        .process
        .cli_stdout(&["account", "limit", "amaka", "--reason", "Cooling down"])
        .await;
    assert!(said.contains("limit"), "{said}");
    let moderated = alpha.process.cli_stdout(&["account", "moderated"]).await;
    assert!(
        moderated.contains(&actor_id) && moderated.contains("Cooling down"),
        "{moderated}"
    );
    let db = alpha.db().await;
    eventually(10, "the limit in force in the server", || async {
        jisr::domain::account_policy::all(&db)
            .await
            .ok()
            .filter(|all| !all.is_empty())
    })
    .await;
    tokio::time::sleep(jisr::federation::policy::RELOAD_EVERY * 3).await;
    amaka
        .login("amaka@example.org", "a long enough passphrase")
        .await;
    let waiting = new_thread(&mut amaka, "Sorry for last week", "I was angry.").await;
    assert_eq!(waiting.status, StatusCode::ACCEPTED, "{}", waiting.body);
    assert!(
        waiting.body.contains("waits for a moderator"),
        "{}",
        waiting.body
    );
    let forum = crate::harness::page_text(alpha.url("/forums/housing")).await;
    assert!(!forum.contains("Sorry for last week"), "{forum}");
    let held = jisr::domain::forums::held(&db, None, 10)
        .await
        .expect("held");
    assert_eq!(held.len(), 1);
    let (post, _) = &held[0];
    let page = admin.get("/forums/housing").await;
    let action = format!("/forums/housing/held/{}", post.forum_post_id);
    assert!(page.body.contains(&action), "{}", page.body);
    let approved = admin.post(&action, &[("decision", "approve")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let forum = crate::harness::page_text(alpha.url("/forums/housing")).await;
    assert!(forum.contains("Sorry for last week"), "{forum}");
    let create = format!("{}/create", post.ap_id);
    let (status, fetched) = crate::network::get_json(&create).await;
    assert_eq!(status, StatusCode::OK, "{fetched}");
    assert_eq!(fetched["object"]["name"], "Sorry for last week");

    // The audit log names each decision.
    let log = admin.get("/admin/log").await;
    for said in [
        "Account suspended",
        "Account’s suspension or limit lifted",
        "Account limited",
        "Threats to another member",
        "Cooling down",
    ] {
        assert!(log.body.contains(said), "{said}: {}", log.body);
    }
}

/// `member`'s new thread in English in the forum `housing`.
async fn new_thread(
    member: &mut Browser,
    title: &str,
    body: &str,
) -> crate::harness::session::Answer {
    member.get("/forums/housing/new").await;
    member
        .post(
            "/forums/housing/new",
            &[("title", title), ("body", body), ("language", "en")],
        )
        .await
}

#[tokio::test]
async fn a_registration_waiting_for_approval_is_approved_or_rejected_not_suspended() {
    let alpha = Node::start("alpha").await;
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    let waiting = Browser::new(&alpha)
        .register(
            "Chidi",
            "chidi@example.org",
            &[("account_type", "individual"), ("username", "chidi")],
        )
        .await;
    assert_eq!(waiting.status, StatusCode::OK, "{}", waiting.body);
    // Lifting a suspension makes an account active: it would skip the approval.
    let refused = alpha
        .process
        .cli_error(&["account", "suspend", "chidi", "--reason", "spam"])
        .await;
    assert!(refused.contains("waits for approval"), "{refused}");
    admin.get("/admin/accounts").await;
    let page = admin
        .post(
            "/admin/accounts",
            &[
                ("account", "chidi"),
                ("severity", "suspend"),
                ("reason", "spam"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("waits for approval"), "{}", page.body);
}
