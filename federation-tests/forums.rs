//! Discussion forums (FEP-1b12), on both databases: an admin makes a forum, its `Group` actor
//! is followed by the Fedify peer, a member's thread and reply reach the peer as the group's
//! two `Announce`s each (the `Create` embedded, and the object by id, which dereferences);
//! the peer posts into the forum as Mastodon does (a `Note` addressed to the group, its first
//! line the title) and replies to a thread, and both appear on the website and are announced.

use crate::harness::eventually;
use crate::harness::network::Node;
use crate::harness::remote::{Forgery, TestActor};
use crate::harness::session::Browser;
use crate::harness::{TestDatabase, TestInstance};
use crate::network::{get_json, start_peer};
use jisr::domain::forums::{self, ForumText, NewForum};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The `Announce`s the peer got whose object is, or embeds, `object` (an object's id or a
/// `Create` of it), waited for until there are `count`.
async fn announces_of(
    peer: &crate::harness::fedify_peer::FedifyPeer,
    object: &str,
    count: usize,
) -> Vec<Value> {
    eventually(30, &format!("{count} Announces of {object}"), || async {
        let found: Vec<Value> = peer
            .log()
            .await
            .into_iter()
            .filter(|record| {
                record["type"] == "Announce"
                    && (record["json"]["object"] == object
                        || record["json"]["object"]["object"]["id"] == object
                        || record["json"]["object"]["object"] == object)
            })
            .collect();
        (found.len() >= count).then_some(found)
    })
    .await
}

#[tokio::test]
async fn a_forum_is_followed_from_the_fediverse_and_announces_every_post() {
    let Some(peer) = start_peer("forums").await else {
        return;
    };
    let alpha = Node::start_with_env("alpha", &[("JISR_ACCOUNTS_REGISTRATION", "open")]).await;
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    admin.get("/admin/forums/new").await;
    let refused = admin
        .post(
            "/admin/forums",
            &[
                ("slug", "ngberlin"),
                ("kind", "discussion"),
                ("posting", "followers"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let made = admin
        .post(
            "/admin/forums",
            &[
                ("slug", "housing"),
                ("kind", "discussion"),
                ("posting", "followers"),
                ("name_en", "Housing & residency"),
                ("name_ar", "السكن والإقامة"),
                ("description_en", "Finding a flat, registering an address."),
            ],
        )
        .await;
    assert_eq!(
        made.status,
        StatusCode::SEE_OTHER,
        "{}",
        alpha.process.log()
    );
    assert_eq!(made.location.as_deref(), Some("/forums/housing"));

    // The forum is a Group with its names in every language it has.
    let group = alpha.url("/actors/housing").to_string();
    let (status, document) = get_json(&group).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["type"], "Group", "{document}");
    assert_eq!(document["nameMap"]["ar"], "السكن والإقامة", "{document}");
    assert_eq!(document["postingRestrictedToMods"], false, "{document}");

    // The peer follows it by its handle; the group accepts.
    peer.follow("bob", &format!("@housing@{}", alpha.domain))
        .await;
    eventually(20, "the peer's follow of the forum accepted", || async {
        (peer.following("bob").await[&group]["state"] == "accepted").then_some(())
    })
    .await;

    // A member starts a thread: the peer gets the group's two Announces of it.
    let mut amaka = Browser::new(&alpha);
    amaka
        .register(
            "Amaka",
            "amaka@example.org",
            &[("account_type", "individual"), ("username", "amaka")],
        )
        .await;
    amaka.get("/forums/housing/new").await;
    let posted = amaka
        .post(
            "/forums/housing/new",
            &[
                ("title", "Where do I register my address?"),
                ("body", "I moved to Berlin last week."),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let thread_path = posted.location.expect("the thread");
    let thread = alpha.url(&thread_path).to_string();
    let announces = announces_of(&peer, &thread, 2).await;
    for announce in &announces {
        assert_eq!(announce["actor"], group.as_str(), "{announce}");
        assert_eq!(announce["signature"]["verified"], true, "{announce}");
    }
    let embedded = announces
        .iter()
        .find(|announce| announce["json"]["object"]["type"] == "Create")
        .expect("the Create embedded");
    let create = &embedded["json"]["object"];
    assert_eq!(create["actor"], alpha.url("/actors/amaka").as_str());
    assert_eq!(create["object"]["type"], "Page");
    assert_eq!(create["object"]["name"], "Where do I register my address?");
    assert_eq!(create["object"]["audience"], group.as_str());
    // The Create and the Page dereference (Mastodon drops an announced Create that does not).
    let (status, fetched) = get_json(create["id"].as_str().expect("id")).await;
    assert_eq!(status, StatusCode::OK, "{fetched}");
    let (status, page) = get_json(&thread).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["type"], "Page", "{page}");
    assert_eq!(page["context"], thread.as_str(), "{page}");

    // The peer replies as Mastodon does (mentioning the group): it appears under the thread
    // and is announced.
    let reply = peer
        .reply(
            "bob",
            &thread,
            "<p>The Bürgeramt, with your lease.</p>",
            &group,
        )
        .await;
    announces_of(&peer, &reply, 2).await;
    let shown = amaka.get(&thread_path).await;
    assert!(
        shown.body.contains("The Bürgeramt, with your lease."),
        "{}",
        shown.body
    );

    // Bob edits his reply: the forum shows the new text and the group announces the Update.
    peer.update(
        "bob",
        &reply,
        "<p>The Bürgeramt, with your lease and your passport.</p>",
        &group,
    )
    .await;
    eventually(30, "the announced Update of bob's reply", || async {
        peer.log().await.into_iter().find(|record| {
            record["type"] == "Announce"
                && record["json"]["object"]["type"] == "Update"
                && record["json"]["object"]["object"]["id"] == reply.as_str()
        })
    })
    .await;
    let shown = amaka.get(&thread_path).await;
    assert!(
        shown.body.contains("with your lease and your passport."),
        "{}",
        shown.body
    );

    // The peer starts a thread the Mastodon way: a Note to the group, its first line the title.
    let note = peer
        .post_to(
            "bob",
            "Note",
            None,
            "<p>Is a sublet enough to register?</p><p>My landlord is abroad.</p>",
            &group,
        )
        .await;
    announces_of(&peer, &note, 2).await;
    let forum = amaka.get("/forums/housing").await;
    assert!(
        forum.body.contains("Is a sublet enough to register?")
            && forum.body.contains("Where do I register my address?"),
        "{}",
        forum.body
    );
    // The thread with a reply shows its count.
    assert!(forum.body.contains("Replies: 1"), "{}", forum.body);

    // A member replies on the website; the reply is announced too.
    let thread_page = amaka.get(&thread_path).await;
    assert_eq!(thread_page.status, StatusCode::OK);
    let bob = peer.actor_id("bob");
    let bob_handle = match bob.port() {
        Some(port) => format!("bob@{}:{port}", bob.host_str().expect("host")),
        None => format!("bob@{}", bob.host_str().expect("host")),
    };
    let replied = amaka
        .post(
            &format!("{thread_path}/reply"),
            &[
                ("body", format!("Thank you, @{bob_handle}!").as_str()),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER, "{}", replied.body);
    let reply_path = replied.location.expect("the reply");
    let own_reply = alpha.url(&reply_path).to_string();
    // Bob, mentioned, gets the Create itself (as Mastodon sends a mention), with his Mention
    // tag, and the text links to him.
    let mentioned = eventually(30, "the Create that mentions bob", || async {
        peer.log().await.into_iter().find(|record| {
            record["type"] == "Create" && record["json"]["object"]["id"] == own_reply.as_str()
        })
    })
    .await;
    let object = &mentioned["json"]["object"];
    assert!(
        object["tag"].as_array().is_some_and(|tags| tags
            .iter()
            .any(|tag| tag["type"] == "Mention" && tag["href"] == bob.as_str())),
        "{object}"
    );
    assert!(
        object["content"]
            .as_str()
            .is_some_and(|content| content.contains(&format!("href=\"{bob}\""))),
        "{object}"
    );
    let announced = announces_of(&peer, &own_reply, 2).await;
    let create = announced
        .iter()
        .find(|announce| announce["json"]["object"]["type"] == "Create")
        .expect("the Create embedded");
    assert_eq!(create["json"]["object"]["object"]["type"], "Note");
    assert_eq!(
        create["json"]["object"]["object"]["inReplyTo"],
        thread.as_str()
    );

    // Moderation. The admin names Amaka a moderator: the group tells its followers (`Add` to
    // its moderators collection), which lists her.
    let moderators_page = admin.get("/admin/forums").await;
    assert_eq!(moderators_page.status, StatusCode::OK);
    let named = admin
        .post(
            "/admin/forums/housing/moderators",
            &[("username", "amaka"), ("change", "add")],
        )
        .await;
    assert_eq!(named.status, StatusCode::SEE_OTHER, "{}", named.body);
    let amaka_id = alpha.url("/actors/amaka").to_string();
    let add = eventually(30, "the Add of a moderator", || async {
        peer.log()
            .await
            .into_iter()
            .find(|record| record["type"] == "Add" && record["json"]["object"] == amaka_id.as_str())
    })
    .await;
    assert_eq!(
        add["json"]["target"],
        format!("{group}/moderators").as_str(),
        "{add}"
    );
    let (_, moderators) = get_json(&format!("{group}/moderators")).await;
    assert!(
        moderators["orderedItems"]
            .as_array()
            .is_some_and(|items| items.iter().any(|item| item == amaka_id.as_str())),
        "{moderators}"
    );
    assert_eq!(
        document["attributedTo"],
        format!("{group}/moderators").as_str()
    );

    // A forum that holds other servers' posts: Amaka, its named moderator (not an editor),
    // sees Bob's post on the forum's page and approves it there.
    let made = admin
        .post(
            "/admin/forums",
            &[
                ("slug", "arrivals"),
                ("kind", "discussion"),
                ("posting", "anyone"),
                ("name_en", "New arrivals"),
                ("hold_remote", "true"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let named = admin
        .post(
            "/admin/forums/arrivals/moderators",
            &[("username", "amaka"), ("change", "add")],
        )
        .await;
    assert_eq!(named.status, StatusCode::SEE_OTHER, "{}", named.body);
    let arrivals = alpha.url("/actors/arrivals").to_string();
    let waiting = peer
        .post_to(
            "bob",
            "Note",
            None,
            "<p>Where can I learn German for free?</p>",
            &arrivals,
        )
        .await;
    let alpha_db = alpha.db().await;
    let held = eventually(30, "bob's post held", || async {
        jisr::domain::forums::find_post(&alpha_db, &waiting)
            .await
            .ok()?
            .filter(|post| post.held_at.is_some())
    })
    .await;
    let public = crate::harness::http_client()
        .get(alpha.url("/forums/arrivals"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(!public.contains("learn German for free"), "{public}");
    let page = amaka.get("/forums/arrivals").await;
    let action = format!("/forums/arrivals/held/{}", held.forum_post_id);
    assert!(
        page.body.contains("learn German for free") && page.body.contains(&action),
        "{}",
        page.body
    );
    let mut chioma = Browser::new(&alpha);
    chioma
        .register(
            "Chioma",
            "chioma@example.org",
            &[("account_type", "individual"), ("username", "chioma")],
        )
        .await;
    chioma.get("/forums/arrivals").await;
    let refused = chioma.post(&action, &[("decision", "approve")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let approved = amaka.post(&action, &[("decision", "approve")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = chioma.get("/forums/arrivals").await;
    assert!(
        page.body.contains("Where can I learn German for free?") && !page.body.contains(&action),
        "{}",
        page.body
    );

    // She removes Bob's thread with a reason: the peer gets the group's Announce of her
    // Delete, and the thread is gone from the forum.
    let note_path = url::Url::parse(&note).expect("id");
    let stored = jisr::domain::forums::find_post(&alpha.db().await, &note)
        .await
        .expect("query")
        .expect("bob's thread");
    let removed = amaka
        .post(
            &format!("/forums/housing/posts/{}/moderate", stored.public_id),
            &[("action", "remove"), ("reason", "Off topic")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let delete = eventually(30, "the announced Delete", || async {
        peer.log().await.into_iter().find(|record| {
            record["type"] == "Announce"
                && record["json"]["object"]["type"] == "Delete"
                && record["json"]["object"]["object"] == note.as_str()
        })
    })
    .await;
    assert_eq!(delete["actor"], group.as_str(), "{delete}");
    assert_eq!(delete["json"]["object"]["actor"], amaka_id.as_str());
    assert_eq!(delete["json"]["object"]["summary"], "Off topic");
    let forum = amaka.get("/forums/housing").await;
    assert!(
        !forum.body.contains("Is a sublet enough to register?"),
        "{} ({note_path})",
        forum.body
    );

    // She locks the first thread and pins it: both announced; the group's featured lists it,
    // and a reply to the locked thread is not taken.
    for action in ["lock", "pin"] {
        let done = amaka
            .post(&format!("{thread_path}/moderate"), &[("action", action)])
            .await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{action}: {}",
            done.body
        );
    }
    for kind in ["Lock", "Add"] {
        eventually(30, &format!("the announced {kind}"), || async {
            peer.log().await.into_iter().find(|record| {
                record["type"] == "Announce"
                    && record["json"]["object"]["type"] == kind
                    && record["json"]["object"]["object"] == thread.as_str()
            })
        })
        .await;
    }
    let (_, featured) = get_json(&format!("{group}/featured")).await;
    assert_eq!(
        featured["orderedItems"][0]["id"],
        thread.as_str(),
        "{featured}"
    );
    let late = peer
        .reply("bob", &thread, "<p>One more thing.</p>", &group)
        .await;
    eventually(30, "the reply to the locked thread dropped", || async {
        alpha
            .process
            .log()
            .contains("a reply in a locked thread; dropped")
            .then_some(())
    })
    .await;
    let page = amaka.get(&thread_path).await;
    assert!(
        page.body.contains("This thread is locked") && !page.body.contains("One more thing."),
        "{} ({late})",
        page.body
    );
    let refused = amaka
        .post(
            &format!("{thread_path}/reply"),
            &[("body", "And me?"), ("language", "en")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // A member who is not a moderator may not lock, but may delete their own post.
    let mut chidi = Browser::new(&alpha);
    chidi
        .register(
            "Chidi",
            "chidi@example.org",
            &[("account_type", "individual"), ("username", "chidi")],
        )
        .await;
    chidi.get(&thread_path).await;
    let forbidden = chidi
        .post(&format!("{thread_path}/moderate"), &[("action", "unlock")])
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let list = crate::harness::http_client()
        .get(alpha.url("/forums"))
        .header("accept-language", "ar")
        .send()
        .await
        .expect("forums")
        .text()
        .await
        .expect("text");
    assert!(list.contains("السكن والإقامة"), "{list}");
}

/// `fixture` rehosted on `remote` (its actor `ada`), with each of `communities` (the
/// community it was sent to, in the spellings it uses) made our group `group`.
fn aimed(fixture: &Value, remote: &TestActor, communities: &[(&str, &str)]) -> Value {
    let mut text = crate::wire::rehosted(fixture, remote).to_string();
    for (community, ours) in communities {
        text = text.replace(community, ours);
    }
    serde_json::from_str(&text).expect("JSON")
}

#[tokio::test]
async fn lemmy_and_mastodon_post_into_a_forum_as_their_own_fixtures_show() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let forum = jisr::federation::forums::create(
        alpha.state(),
        &NewForum {
            slug: "careers".to_string(),
            kind: "discussion".to_string(),
            posting: "anyone".to_string(),
            texts: [(
                "en".to_string(),
                ForumText {
                    name: "Careers".to_string(),
                    description: String::new(),
                },
            )]
            .into(),
            hold_remote: false,
        },
    )
    .await
    .expect("forum");
    let group = alpha.url("/actors/careers").to_string();
    let followers = format!("{group}/followers");
    let inbox = alpha.url("/inbox");
    let remote = TestActor::start().await;

    // Lemmy: a post to the community, then a comment on it.
    let lemmy = [
        ("http://enterprise.lemmy.ml/c/main", group.as_str()),
        ("https://enterprise.lemmy.ml/c/main", group.as_str()),
    ];
    let post = aimed(
        &crate::wire::read("lemmy/create-page.json"),
        &remote,
        &lemmy,
    );
    let (status, body) = remote.post("ada", &inbox, &post, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let comment = aimed(
        &crate::wire::read("lemmy/create-note-reply.json"),
        &remote,
        &lemmy,
    );
    let (status, body) = remote.post("ada", &inbox, &comment, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // Mastodon: a status that mentions the group (Lemmy's own copy of one), in its Create.
    let note = crate::wire::read("mastodon/note-mention-group.json");
    let create = json!({
        "@context": note["@context"],
        "id": "https://masto.qa.urbanwildlife.biz/users/mastodon/statuses/110830743680706519/activity",
        "type": "Create",
        "actor": note["attributedTo"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    });
    let status_post = aimed(
        &create,
        &remote,
        &[
            (
                "https://enterprise.lemmy.ml/c/tenforward/followers",
                followers.as_str(),
            ),
            ("https://enterprise.lemmy.ml/c/tenforward", group.as_str()),
        ],
    );
    let (status, body) = remote
        .post("ada", &inbox, &status_post, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let db = alpha.state().db();
    let threads = forums::threads(db, forum.forum_id, 10, 0)
        .await
        .expect("threads");
    let titles: Vec<&str> = threads.iter().map(|thread| thread.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Variable never resetting at refresh", "test post"],
        "the Mastodon status's first line, without the mention, and Lemmy's name"
    );
    let lemmy_thread = &threads[1];
    assert_eq!(lemmy_thread.reply_count, 1, "Lemmy's comment is a reply");
    assert_eq!(lemmy_thread.language.as_deref(), Some("ko"));
    // The group announces each as it came, unchanged.
    let announce = jisr::federation::delivery::public_activity(
        db,
        alpha
            .state()
            .urls()
            .forum_post_activity("careers", &lemmy_thread.public_id, "announce")
            .as_str(),
    )
    .await
    .expect("the announce");
    assert_eq!(announce["actor"], group.as_str());
    assert_eq!(announce["object"], post, "the Create unchanged");

    // Another actor of the same server (mallory) may not delete Ada's post; Ada deletes her comment,
    // and the group announces her Delete.
    let thread_id = lemmy_thread.ap_id.clone();
    let forged = json!({
        "id": remote.new_id("delete"),
        "type": "Delete",
        "actor": remote.id("mallory"),
        "object": thread_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let (status, body) = remote.post("mallory", &inbox, &forged, Forgery::None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let comment_id = comment["object"]["id"].as_str().expect("comment id");
    let delete = json!({
        "id": remote.new_id("delete"),
        "type": "Delete",
        "actor": remote.id("ada"),
        "object": comment_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let (status, body) = remote.post("ada", &inbox, &delete, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let threads = forums::threads(db, forum.forum_id, 10, 0)
        .await
        .expect("threads");
    assert_eq!(threads[1].reply_count, 0, "her comment is gone");
    let replies = forums::replies(db, threads[1].forum_post_id)
        .await
        .expect("replies");
    assert!(replies.is_empty());

    // Blocked by the moderators: a new post of hers is not taken.
    jisr::domain::comment::block(
        db,
        &jisr::domain::comment::Block::Actor(remote.id("ada").to_string()),
    )
    .await
    .expect("block");
    let mut again = status_post.clone();
    again["id"] = json!(remote.new_id("create"));
    again["object"]["id"] = json!(remote.new_id("status"));
    let (status, body) = remote.post("ada", &inbox, &again, Forgery::None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let threads = forums::threads(db, forum.forum_id, 10, 0)
        .await
        .expect("threads");
    assert_eq!(threads.len(), 2, "nothing new from a blocked author");

    // A forum that holds other servers' posts: the post waits, unshown and unannounced, until
    // a moderator approves it; then it is shown and announced, and its author's next post is
    // not held.
    let held_forum = jisr::federation::forums::create(
        alpha.state(),
        &NewForum {
            slug: "welcome".to_string(),
            kind: "discussion".to_string(),
            posting: "anyone".to_string(),
            texts: [(
                "en".to_string(),
                ForumText {
                    name: "Welcome".to_string(),
                    description: String::new(),
                },
            )]
            .into(),
            hold_remote: true,
        },
    )
    .await
    .expect("forum");
    let welcome = alpha.url("/actors/welcome").to_string();
    let newcomer = TestActor::start().await;
    let aimed_here = |number: usize| {
        let mut post = aimed(
            &crate::wire::read("lemmy/create-page.json"),
            &newcomer,
            &[
                ("http://enterprise.lemmy.ml/c/main", welcome.as_str()),
                ("https://enterprise.lemmy.ml/c/main", welcome.as_str()),
            ],
        );
        post["id"] = json!(newcomer.new_id(&format!("create-{number}")));
        post["object"]["id"] = json!(newcomer.new_id(&format!("post-{number}")));
        post["object"]["name"] = json!(format!("Hello number {number}"));
        post
    };
    let (status, body) = newcomer
        .post("ada", &inbox, &aimed_here(1), Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let shown = forums::threads(db, held_forum.forum_id, 10, 0)
        .await
        .expect("threads");
    assert!(shown.is_empty(), "held");
    let held = forums::held(db, None, 10).await.expect("held");
    assert_eq!(held.len(), 1);
    let (waiting, _) = &held[0];
    assert!(
        jisr::federation::delivery::public_activity(
            db,
            alpha
                .state()
                .urls()
                .forum_post_activity("welcome", &waiting.public_id, "announce")
                .as_str(),
        )
        .await
        .is_err(),
        "not announced while held"
    );
    let released = jisr::federation::forums::release(
        alpha.state(),
        &held_forum,
        waiting,
        jisr::federation::forums::Release::Approve,
    )
    .await
    .expect("release");
    assert!(released);
    let shown = forums::threads(db, held_forum.forum_id, 10, 0)
        .await
        .expect("threads");
    assert_eq!(shown.len(), 1);
    jisr::federation::delivery::public_activity(
        db,
        alpha
            .state()
            .urls()
            .forum_post_activity("welcome", &waiting.public_id, "announce")
            .as_str(),
    )
    .await
    .expect("announced once approved");
    let (status, body) = newcomer
        .post("ada", &inbox, &aimed_here(2), Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let shown = forums::threads(db, held_forum.forum_id, 10, 0)
        .await
        .expect("threads");
    assert_eq!(shown.len(), 2, "an approved author is not held again");
    alpha.stop().await;
}

/// How many `Announce`s of `object` (an activity's id) `node` received.
async fn announces_received(node: &Node, object: &str) -> i64 {
    let db = node.db().await;
    let sql = "select count(*) from received_activity where activity_type = 'Announce' \
               and object_ap_id = $1";
    match &db {
        jisr::db::Db::Postgres(pool) => sqlx::query_scalar(sql).bind(object).fetch_one(pool).await,
        jisr::db::Db::Sqlite(pool) => sqlx::query_scalar(sql).bind(object).fetch_one(pool).await,
    }
    .expect("count")
}

/// Alpha (registration open) with a forum `slug` of `kind` made by its admin (the `names` as
/// form pairs), and beta, whose organization follows that forum; returns both, alpha's admin
/// and the forum's group id.
async fn alpha_forum_followed_by_beta(
    slug: &str,
    kind: &str,
    names: &[(&str, &str)],
) -> (Node, Node, Browser, String) {
    let open = [("JISR_ACCOUNTS_REGISTRATION", "open")];
    let alpha = Node::start_with_env("alpha", &open).await;
    let beta = Node::start_with_env("beta", &open).await;
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    admin.get("/admin/forums/new").await;
    let mut pairs = vec![("slug", slug), ("kind", kind), ("posting", "followers")];
    pairs.extend_from_slice(names);
    let made = admin.post("/admin/forums", &pairs).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let group = alpha.url(&format!("/actors/{slug}")).to_string();
    beta.process
        .cli(&["follow", &format!("@{slug}@{}", alpha.domain)])
        .await;
    eventually(30, "beta's follow of the forum accepted", || async {
        let listing = beta.process.cli(&["following"]).await;
        listing
            .lines()
            .any(|line| line.starts_with(&group) && line.contains("accepted"))
            .then_some(())
    })
    .await;
    (alpha, beta, admin, group)
}

#[tokio::test]
async fn beta_follows_alphas_forum_and_its_members_take_part_from_beta() {
    let (alpha, beta, mut admin, group) = alpha_forum_followed_by_beta(
        "careers",
        "discussion",
        &[("name_en", "Careers"), ("name_fr", "Carrières")],
    )
    .await;

    // Alpha's member starts a thread: beta shows the forum, marked as alpha's, with it.
    let mut amaka = Browser::new(&alpha);
    amaka
        .register(
            "Amaka",
            "amaka@example.org",
            &[("account_type", "individual"), ("username", "amaka")],
        )
        .await;
    amaka.get("/forums/careers/new").await;
    let posted = amaka
        .post(
            "/forums/careers/new",
            &[
                ("title", "Recognition of nursing diplomas"),
                ("body", "Who has been through it in Berlin?"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let thread_path = posted.location.expect("thread");
    let thread = alpha.url(&thread_path).to_string();
    let remote_forum = format!("/forums/careers@{}", alpha.domain);
    let mut bola = Browser::new(&beta);
    bola.register(
        "Bola",
        "bola@example.org",
        &[("account_type", "individual"), ("username", "bola")],
    )
    .await;
    let listed = eventually(30, "the thread on beta", || async {
        let page = crate::harness::http_client()
            .get(beta.url(&remote_forum))
            .header("accept-language", "en")
            .send()
            .await
            .ok()?;
        let text = page.text().await.ok()?;
        text.contains("Recognition of nursing diplomas")
            .then_some(text)
    })
    .await;
    assert!(
        listed.contains(&format!("From \u{2068}{}\u{2069}", alpha.domain)),
        "{listed}"
    );
    let forums = bola.get("/forums").await;
    assert!(forums.body.contains("Careers"), "{}", forums.body);
    // A forum is not an organization: beta's directory does not list it.
    let directory = bola.get("/directory").await;
    assert!(
        !directory
            .body
            .contains(&format!("@careers@{}", alpha.domain)),
        "{}",
        directory.body
    );

    // Bola replies from beta: the reply reaches alpha's thread, and alpha announces it back.
    let db = beta.db().await;
    let copy = jisr::domain::forums::find_post(&db, &thread)
        .await
        .expect("query")
        .expect("beta's copy of the thread");
    let beta_thread = format!("{remote_forum}/posts/{}", copy.public_id);
    let page = bola.get(&beta_thread).await;
    assert!(
        page.body.contains("Who has been through it in Berlin?"),
        "{}",
        page.body
    );
    let replied = bola
        .post(
            &format!("{beta_thread}/reply"),
            &[
                ("body", "I did, in 2024: start with the Landesamt."),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(
        replied.status,
        StatusCode::SEE_OTHER,
        "{}",
        beta.process.log()
    );
    let reply_path = replied.location.expect("the reply");
    let reply_id = beta.url(&reply_path).to_string();
    let on_alpha = alpha.url(&thread_path);
    eventually(30, "bola's reply on alpha", || async {
        let page = crate::harness::http_client()
            .get(on_alpha.clone())
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (page.contains("I did, in 2024: start with the Landesamt.")
            && page.contains(&format!("@bola@{}", beta.domain)))
        .then_some(())
    })
    .await;
    let create_id = format!("{reply_id}/create");
    eventually(
        30,
        "alpha's announce of bola's reply back at beta",
        || async { (announces_received(&beta, &create_id).await > 0).then_some(()) },
    )
    .await;
    // Beta shows it once.
    let page = bola.get(&beta_thread).await;
    assert_eq!(
        page.body
            .matches("I did, in 2024: start with the Landesamt.")
            .count(),
        1,
        "{}",
        page.body
    );

    // Amaka answers Bola by her handle: Bola, on beta, is told she was mentioned.
    amaka.get(&thread_path).await;
    let answered = amaka
        .post(
            &format!("{thread_path}/reply"),
            &[
                (
                    "body",
                    format!("Thanks @bola@{}, the Landesamt it is.", beta.domain).as_str(),
                ),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let bolas = jisr::domain::accounts::find_by_email(&db, "bola@example.org")
        .await
        .expect("bola");
    eventually(30, "bola told she was mentioned", || async {
        jisr::domain::notifications::latest(&db, bolas.account_id, 10)
            .await
            .ok()?
            .iter()
            .any(|told| told.kind == "mention")
            .then_some(())
    })
    .await;
    let account = bola.get("/account").await;
    assert!(
        account.body.contains("You were mentioned in"),
        "{}",
        account.body
    );

    // Alpha's admin locks the thread: beta's copy is locked too.
    admin.get(&thread_path).await;
    let locked = admin
        .post(&format!("{thread_path}/moderate"), &[("action", "lock")])
        .await;
    assert_eq!(locked.status, StatusCode::SEE_OTHER, "{}", locked.body);
    eventually(30, "the thread locked on beta", || async {
        jisr::domain::forums::find_post(&db, &thread)
            .await
            .ok()??
            .locked_at
            .map(|_| ())
    })
    .await;

    // A post from a third server (the Fedify peer, as a Mastodon user) in alpha's forum:
    // alpha announces it, and beta fetches it from the peer's server to keep it.
    if let Some(peer) = start_peer("forums-beta").await {
        peer.follow("bob", &group).await;
        eventually(20, "the peer's follow of the forum accepted", || async {
            (peer.following("bob").await[&group]["state"] == "accepted").then_some(())
        })
        .await;
        let note = peer
            .post_to(
                "bob",
                "Note",
                None,
                "<p>Job fair in Hamburg on Saturday</p><p>Bring your CV.</p>",
                &group,
            )
            .await;
        eventually(30, "the peer's thread on beta", || async {
            jisr::domain::forums::find_post(&db, &note).await.ok()?
        })
        .await;
        let page = bola.get(&remote_forum).await;
        assert!(
            page.body.contains("Job fair in Hamburg on Saturday"),
            "{}",
            page.body
        );
    }

    // Bola deletes her reply on beta: the Delete goes to alpha's group, and alpha removes it.
    let reply_public_id = reply_id.rsplit('/').next().expect("id");
    let deleted = bola
        .post(
            &format!("{remote_forum}/posts/{reply_public_id}/moderate"),
            &[("action", "delete")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    eventually(30, "bola's reply gone from alpha", || async {
        let page = crate::harness::http_client()
            .get(on_alpha.clone())
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (!page.contains("start with the Landesamt")).then_some(())
    })
    .await;
}

#[tokio::test]
async fn an_expert_answers_a_question_the_asker_accepts_it_and_beta_shows_it_accepted() {
    let (alpha, beta, mut admin, group) = alpha_forum_followed_by_beta(
        "ask",
        "questions",
        &[("name_en", "Ask an expert"), ("name_ar", "اسأل خبيرًا")],
    )
    .await;

    // Dina declares housing and employment; an admin confirms her: her actor says so, and the
    // experts directory lists her under housing.
    let mut dina = Browser::new(&alpha);
    dina.register(
        "Dina",
        "dina@example.org",
        &[("account_type", "individual"), ("username", "dina")],
    )
    .await;
    dina.get("/account/profile").await;
    let saved = dina
        .post(
            "/account/profile",
            &[
                ("name", "Dina"),
                ("languages", "Arabic, English"),
                ("area_housing", "true"),
                ("area_employment", "true"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let dinas = jisr::domain::accounts::find_by_email(&alpha.db().await, "dina@example.org")
        .await
        .expect("dina");
    let experts = admin.get("/experts").await;
    assert!(!experts.body.contains("@dina@"), "not confirmed yet");
    admin.get("/admin/members").await;
    let confirmed = admin
        .post(
            &format!("/admin/members/{}", dinas.account_id),
            &[("change", "confirm-expert")],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    let (_, actor) = get_json(alpha.url("/actors/dina").as_str()).await;
    assert_eq!(actor["expertConfirmed"], true, "{actor}");
    assert_eq!(
        actor["expertAreas"],
        json!(["employment", "housing"]),
        "{actor}"
    );
    let housing = admin.get("/experts?area=housing").await;
    assert!(housing.body.contains("@dina@"), "{}", housing.body);
    let health = admin.get("/experts?area=health").await;
    assert!(!health.body.contains("@dina@"), "{}", health.body);
    // Beta, which follows alpha's forum, is told of her confirmation (her actor's Update)
    // and lists her among the network's experts.
    let dina_handle = format!("@dina@{}", alpha.domain);
    let beta_experts = beta.url("/experts?area=housing");
    eventually(30, "dina among beta's experts", || async {
        let page = crate::harness::http_client()
            .get(beta_experts.clone())
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        page.contains(&dina_handle).then_some(())
    })
    .await;
    // Gamma follows alpha's organization afterwards: it reads alpha's experts collection.
    let (_, collection) = get_json(&format!("{}/experts", alpha.actor_id())).await;
    assert_eq!(
        collection["orderedItems"],
        json!([alpha.url("/actors/dina").as_str()]),
        "{collection}"
    );
    let gamma = Node::start("gamma").await;
    gamma.process.cli(&["follow", &alpha.handle()]).await;
    let gamma_experts = gamma.url("/experts");
    eventually(30, "dina among gamma's experts", || async {
        let page = crate::harness::http_client()
            .get(gamma_experts.clone())
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        page.contains(&dina_handle).then_some(())
    })
    .await;
    drop(gamma);

    // Efe asks a housing question; Dina is told, and answers.
    let mut efe = Browser::new(&alpha);
    efe.register(
        "Efe",
        "efe@example.org",
        &[("account_type", "individual"), ("username", "efe")],
    )
    .await;
    efe.get("/forums/ask/new").await;
    let asked = efe
        .post(
            "/forums/ask/new",
            &[
                (
                    "title",
                    "Can my landlord refuse the Wohnungsgeberbestätigung?",
                ),
                ("body", "He says he does not sign papers."),
                ("language", "en"),
                ("area_housing", "true"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let question_path = asked.location.expect("question");
    let question = alpha.url(&question_path).to_string();
    let account = dina.get("/account").await;
    assert!(
        account.body.contains("A question in your areas")
            && account.body.contains("Can my landlord refuse"),
        "{}",
        account.body
    );
    dina.get(&question_path).await;
    let answered = dina
        .post(
            &format!("{question_path}/reply"),
            &[
                (
                    "body",
                    "No: he must confirm it within two weeks, or pay a fine.",
                ),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let answer_id = alpha.url(&answered.location.expect("answer")).to_string();
    let answer_public_id = answer_id.rsplit('/').next().expect("id").to_string();

    // Efe is told, and accepts it: shown first, marked, and the question's Update reaches
    // beta, which shows the answer accepted too.
    let account = efe.get("/account").await;
    assert!(account.body.contains("A reply in"), "{}", account.body);
    efe.get(&question_path).await;
    let accepted = efe
        .post(
            &format!("{question_path}/accept"),
            &[("answer", answer_public_id.as_str())],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let page = efe.get(&question_path).await;
    assert!(page.body.contains("Accepted answer"), "{}", page.body);
    let (_, object) = get_json(&question).await;
    assert_eq!(object["acceptedAnswer"], answer_id.as_str(), "{object}");
    assert_eq!(object["questionAreas"], json!(["housing"]), "{object}");
    let account = dina.get("/account").await;
    assert!(account.body.contains("was accepted"), "{}", account.body);
    let beta_db = beta.db().await;
    eventually(30, "the accepted answer on beta", || async {
        let copy = jisr::domain::forums::find_post(&beta_db, &question)
            .await
            .ok()??;
        (copy.accepted_answer.as_deref() == Some(answer_id.as_str())).then_some(())
    })
    .await;
    let copy = jisr::domain::forums::find_post(&beta_db, &question)
        .await
        .expect("query")
        .expect("copy");
    assert_eq!(copy.areas(), ["housing"]);
    let on_beta = crate::harness::http_client()
        .get(beta.url(&format!(
            "/forums/ask@{}/posts/{}",
            alpha.domain, copy.public_id
        )))
        .header("accept-language", "en")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        on_beta.contains("Accepted answer") && on_beta.contains("or pay a fine"),
        "{on_beta}"
    );

    // An anonymous question shows the forum as its author; moderators see who asked.
    efe.get("/forums/ask/new").await;
    let anonymous = efe
        .post(
            "/forums/ask/new",
            &[
                ("title", "My residence permit expired last month"),
                ("body", "What can I do now?"),
                ("language", "en"),
                ("area_immigration_law", "true"),
                ("anonymous", "true"),
            ],
        )
        .await;
    assert_eq!(
        anonymous.status,
        StatusCode::SEE_OTHER,
        "{}",
        anonymous.body
    );
    let anonymous_path = anonymous.location.expect("question");
    let (_, object) = get_json(alpha.url(&anonymous_path).as_str()).await;
    assert_eq!(object["attributedTo"], group.as_str(), "{object}");
    let public = dina.get(&anonymous_path).await;
    assert!(
        !public.body.contains("@efe@") && public.body.contains(&format!("@ask@{}", alpha.domain)),
        "{}",
        public.body
    );
    let moderator = admin.get(&anonymous_path).await;
    assert!(moderator.body.contains("(@efe)"), "{}", moderator.body);
}
