//! Replies under our publications, with the Fedify peer (a real ActivityPub implementation
//! nobody here wrote) as the fediverse: shown at once under the open policy, only after a
//! moderator's approval under the approval policy, gone when hidden, threaded, answered by the
//! organization from the website; and the story's `replies` collection follows each step.

use crate::harness::network::{Node, publication, wait_for};
use crate::harness::session::Browser;
use crate::network::{get_json, start_peer, wait_for_peer};
use jisr::domain::comment::{self, ReplyStatus};
use reqwest::StatusCode;
use serde_json::Value;

/// A page in English.
async fn page(url: &str) -> String {
    crate::harness::page_text(url).await
}

/// The ids in the story's `replies` collection.
async fn collection(story: &str) -> Vec<String> {
    let replies = format!("{story}/replies");
    let (status, collection) = get_json(&replies).await;
    assert_eq!(status, StatusCode::OK, "{collection}");
    assert_eq!(collection["type"], "OrderedCollection", "{collection}");
    assert_eq!(
        collection["totalItems"].as_u64(),
        Some(collection["orderedItems"].as_array().map_or(0, Vec::len) as u64)
    );
    collection["orderedItems"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item.as_str().expect("an id").to_string())
        .collect()
}

#[tokio::test]
async fn replies_follow_the_policy_and_the_moderators_and_the_collection_follows_them() {
    let Some(peer) = start_peer("replies").await else {
        return;
    };
    let alpha = Node::start_with_env("alpha", &[("JISR_WEBSITE_REPLIES", "open")]).await;
    let story = alpha
        .publish("story", &publication("story", "Amaka's story"))
        .await;
    let (_, object) = get_json(&story).await;
    assert_eq!(
        object["replies"],
        Value::String(format!("{story}/replies")),
        "{object}"
    );
    assert!(collection(&story).await.is_empty());
    let db = alpha.db().await;

    // Open: the reply is under the story at once, sanitized, with its author and original.
    let first = peer
        .reply(
            "bob",
            &story,
            "<p>Congratulations, Amaka! <script>alert(1)</script></p>",
            alpha.actor_id().as_str(),
        )
        .await;
    let shown = wait_for(20, "the reply under the story", &[&alpha], || async {
        let html = page(&story).await;
        html.contains("Congratulations, Amaka!").then_some(html)
    })
    .await;
    assert!(!shown.contains("alert(1)"), "sanitized: {shown}");
    assert!(
        shown.contains(&format!(
            "@bob@{}",
            peer.actor_id("bob").host_str().expect("host")
        )),
        "its author's handle: {shown}"
    );
    assert!(shown.contains("See the original"), "{shown}");
    assert_eq!(collection(&story).await, vec![first.clone()]);

    // A moderator hides it: gone from the page and from the collection.
    let mut admin = Browser::new(&alpha);
    let answer = admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let moderation = admin.get("/admin/replies").await;
    assert_eq!(moderation.status, StatusCode::OK);
    assert!(moderation.body.contains("Congratulations, Amaka!"));
    let kept = comment::find(&db, &first)
        .await
        .expect("find")
        .expect("kept");
    let hidden = admin
        .post(
            &format!("/admin/replies/{}", kept.comment_id),
            &[("action", "hide")],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::SEE_OTHER, "{}", hidden.body);
    assert!(!page(&story).await.contains("Congratulations, Amaka!"));
    assert!(collection(&story).await.is_empty());

    // Approval, chosen on the website: the next reply waits, then shows once approved.
    admin.get("/admin/replies").await;
    let chosen = admin
        .post("/admin/replies/policy", &[("policy", "approval")])
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let second = peer
        .reply(
            "bob",
            &story,
            "<p>Welcome to Berlin!</p>",
            alpha.actor_id().as_str(),
        )
        .await;
    let held = wait_for(20, "alpha to hold the second reply", &[&alpha], || async {
        comment::find(&db, &second).await.ok().flatten()
    })
    .await;
    assert_eq!(held.status, ReplyStatus::Held);
    assert!(!page(&story).await.contains("Welcome to Berlin!"));
    assert!(collection(&story).await.is_empty());
    let moderation = admin.get("/admin/replies").await;
    assert!(
        moderation.body.contains("Welcome to Berlin!"),
        "{}",
        moderation.body
    );
    let approved = admin
        .post(
            &format!("/admin/replies/{}", held.comment_id),
            &[("action", "approve")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert!(page(&story).await.contains("Welcome to Berlin!"));
    assert_eq!(collection(&story).await, vec![second.clone()]);

    // The organization answers from the website: the peer's author gets the Note, in reply.
    let story_path = url::Url::parse(&story).expect("url").path().to_string();
    admin.get(&story_path).await;
    let answered = admin
        .post(
            &format!("{story_path}/reply"),
            &[
                ("parent", &held.comment_id.to_string()),
                ("reply", "Thank you, Bob!"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let creates = wait_for_peer(&peer, &alpha, "Create", 1).await;
    let note = &creates[0]["json"]["object"];
    assert_eq!(note["type"], "Note", "{note}");
    assert_eq!(note["inReplyTo"], second.as_str(), "{note}");
    assert!(
        note["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Thank you, Bob!"),
        "{note}"
    );
    let ours = note["id"].as_str().expect("its id").to_string();
    let (status, served) = get_json(&ours).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served["type"], "Note");
    let thread = page(&story).await;
    let (welcome, thanks) = (
        thread.find("Welcome to Berlin!").expect("the reply"),
        thread.find("Thank you, Bob!").expect("ours"),
    );
    assert!(welcome < thanks, "ours follows what it answers: {thread}");
    assert!(thread.contains("reply depth-1 ours"), "threaded: {thread}");

    // The peer answers our reply: it is kept under the story, in the thread, once approved.
    let third = peer
        .reply(
            "bob",
            &ours,
            "<p>You are welcome.</p>",
            alpha.actor_id().as_str(),
        )
        .await;
    let deeper = wait_for(20, "alpha to keep the reply to ours", &[&alpha], || async {
        comment::find(&db, &third).await.ok().flatten()
    })
    .await;
    assert_eq!(deeper.in_reply_to.as_deref(), Some(ours.as_str()));
    admin.get("/admin/replies").await;
    admin
        .post(
            &format!("/admin/replies/{}", deeper.comment_id),
            &[("action", "approve")],
        )
        .await;
    let thread = page(&story).await;
    assert!(thread.contains("reply depth-2"), "{thread}");
    // Only direct replies are in the story's collection (ours answers a reply).
    assert_eq!(collection(&story).await, vec![second.clone()]);

    // Blocking the author's server hides everything it wrote and keeps nothing new.
    admin.get("/admin/replies").await;
    let blocked = admin
        .post(
            &format!("/admin/replies/{}", deeper.comment_id),
            &[("action", "block-domain")],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER, "{}", blocked.body);
    let thread = page(&story).await;
    assert!(!thread.contains("Welcome to Berlin!") && !thread.contains("You are welcome."));
    assert!(thread.contains("Thank you, Bob!"), "ours stays: {thread}");
    // The block is the domain policy's: the server can no longer even read our actor (its
    // signed fetch is refused), and nothing it sends is kept.
    let (status, answer) = peer
        .control_raw(
            "_control/reply",
            serde_json::json!({"actor": "bob", "inReplyTo": story, "content": "<p>Still here?</p>",
                "to": alpha.actor_id().as_str()}),
        )
        .await;
    assert!(!status.is_success(), "{status} {answer}");
    assert!(collection(&story).await.is_empty(), "its reply is hidden");
}
