//! What alpha keeps of the organizations it follows, checked activity by activity against a
//! remote actor whose every message the test writes.

use crate::harness::remote::{Forgery, TestActor};
use crate::harness::{TestDatabase, TestInstance};
use jisr::domain::network;
use jisr::federation::following;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

fn article(remote: &TestActor, name: &str, updated: &str) -> Value {
    json!({
        "id": remote.base().join("articles/1").expect("id"),
        "type": "Article",
        "attributedTo": remote.id("ada"),
        "name": name,
        "summary": "<p>A summary <script>x()</script></p>",
        "content": "<p>The text</p>",
        "contentMap": {"ar": "<p>النص</p>", "en": "<p>The text</p>"},
        "published": "2026-11-01T10:00:00Z",
        "updated": updated,
        "to": [PUBLIC],
    })
}

#[tokio::test]
async fn alpha_keeps_what_a_followed_organization_publishes_and_nothing_else() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    let stored = || async { network::list(state.db(), 10).await.expect("list") };

    // Before any follow, content is ignored.
    let create = remote.activity("Create", article(&remote, "First", "2026-11-01T10:00:00Z"));
    assert_eq!(
        remote.post("ada", &inbox, &create, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    assert!(stored().await.is_empty(), "not followed yet");

    let follow = remote.followed_by(&state, &inbox).await;
    assert_eq!(follow["object"], remote.id("ada").as_str());
    let listing = following::list(state.db(), state.actors().organization().local_actor_id)
        .await
        .expect("list");
    assert!(listing[0].accepted_at.is_some(), "{listing:?}");

    let create = remote.activity(
        "Create",
        article(&remote, "Jobs &amp; visas", "2026-11-01T10:00:00Z"),
    );
    assert_eq!(
        remote.post("ada", &inbox, &create, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    let kept = stored().await;
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].name, "Jobs and visas",
        "entities decoded, no markup characters"
    );
    assert_eq!(
        kept[0].language.as_deref(),
        Some("en"),
        "the language of `content`"
    );
    assert!(
        !kept[0].summary_html.contains("script"),
        "sanitized: {}",
        kept[0].summary_html
    );

    let older = remote.activity("Update", article(&remote, "Older", "2026-10-01T10:00:00Z"));
    assert_eq!(
        remote.post("ada", &inbox, &older, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        stored().await[0].name,
        "Jobs and visas",
        "an older update is ignored"
    );
    let newer = remote.activity("Update", article(&remote, "Newer", "2026-11-02T10:00:00Z"));
    assert_eq!(
        remote.post("ada", &inbox, &newer, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(stored().await[0].name, "Newer");

    let mut private = article(&remote, "Private", "2026-11-03T10:00:00Z");
    private["id"] = json!(remote.base().join("articles/2").expect("id"));
    private["to"] = json!([remote
        .base()
        .join("users/ada/followers")
        .expect("followers")]);
    let (status, _) = remote
        .post(
            "ada",
            &inbox,
            &remote.activity("Create", private),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        stored().await.len(),
        1,
        "a followers-only object is not kept"
    );

    let mut misattributed = article(&remote, "Not mine", "2026-11-03T10:00:00Z");
    misattributed["id"] = json!(remote.base().join("articles/3").expect("id"));
    misattributed["attributedTo"] = json!(remote.id("mallory"));
    let (status, body) = remote
        .post(
            "ada",
            &inbox,
            &remote.activity("Create", misattributed),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let delete = remote.activity(
        "Delete",
        json!(remote.base().join("articles/1").expect("id")),
    );
    assert_eq!(
        remote.post("ada", &inbox, &delete, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    assert!(stored().await.is_empty(), "erased");
    let again = remote.activity("Create", article(&remote, "Back", "2026-11-05T10:00:00Z"));
    assert_eq!(
        remote.post("ada", &inbox, &again, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    assert!(stored().await.is_empty(), "a deleted id does not come back");

    // A Delete that overtakes its Create (retries reorder activities): the Create stays out.
    let late_id = remote.base().join("articles/9").expect("id");
    let delete = remote.activity("Delete", json!(late_id));
    assert_eq!(
        remote.post("ada", &inbox, &delete, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    let mut late = article(&remote, "Late", "2026-11-06T10:00:00Z");
    late["id"] = json!(late_id);
    assert_eq!(
        remote
            .post(
                "ada",
                &inbox,
                &remote.activity("Create", late),
                Forgery::None
            )
            .await
            .0,
        StatusCode::ACCEPTED
    );
    assert!(stored().await.is_empty(), "deleted before it arrived");

    let reject = remote.activity("Reject", json!(follow["id"]));
    assert_eq!(
        remote.post("ada", &inbox, &reject, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    let listing = following::list(state.db(), state.actors().organization().local_actor_id)
        .await
        .expect("list");
    assert_eq!(listing.len(), 1, "{listing:?}");
    assert_eq!(
        listing[0].state(),
        following::FollowState::Rejected,
        "a Reject ends the follow, which admins still see: {listing:?}"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn a_tombstone_stops_its_own_actors_late_create_only() {
    // On a shared host, one account's early Delete of an id must not block another account's
    // object with that id; its own late Create stays out.
    let database = TestDatabase::create().await;
    let db = jisr::db::Db::connect(&database.url, 2).await.expect("db");
    db.migrate().await.expect("migrate");
    let publication = |id: &str, actor: &str| network::RemotePublication {
        ap_id: id.to_string(),
        actor_ap_id: actor.to_string(),
        object_type: "Article".to_string(),
        kind: jisr::domain::publication::Kind::Story,
        name: "A story".to_string(),
        summary_html: String::new(),
        content_html: "<p>text</p>".to_string(),
        url: id.to_string(),
        language: Some("en".to_string()),
        starts_at: None,
        ends_at: None,
        deadline: None,
        details: Default::default(),
        published_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    };
    let (ada, mallory) = (
        "https://shared.example/users/ada",
        "https://shared.example/users/mallory",
    );
    let mut tx = db.begin().await.expect("tx");
    network::tombstone(&mut tx, "https://shared.example/notes/1", ada)
        .await
        .expect("tombstone");
    network::tombstone(&mut tx, "https://shared.example/notes/2", mallory)
        .await
        .expect("tombstone");
    assert!(
        !network::store(&mut tx, &publication("https://shared.example/notes/1", ada))
            .await
            .expect("store")
    );
    assert!(
        network::store(&mut tx, &publication("https://shared.example/notes/2", ada))
            .await
            .expect("store")
    );
    tx.commit().await.expect("commit");
    let kept = network::list(&db, 10).await.expect("list");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].ap_id, "https://shared.example/notes/2");
    assert_eq!(kept[0].actor_ap_id, ada);
}

#[tokio::test]
async fn every_stored_field_of_network_content_is_bounded_and_clean() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    remote.followed_by(&state, &inbox).await;

    // A 500 KB title with NUL and control characters, a language tag that is markup.
    let mut huge = article(
        &remote,
        &format!("Jobs\u{0}\u{7} {}", "x".repeat(500_000)),
        "2026-11-01T10:00:00Z",
    );
    huge["contentMap"] = json!({"en\"><script>": "<p>The text\u{0}</p>"});
    huge["content"] = json!("<p>The text\u{0}</p>");
    huge["url"] = json!(format!("https://a.example/{}", "y".repeat(10_000)));
    let (status, body) = remote
        .post(
            "ada",
            &inbox,
            &remote.activity("Create", huge),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let kept = network::list(state.db(), 10).await.expect("list");
    assert_eq!(kept.len(), 1);
    let kept = &kept[0];
    assert!(kept.name.starts_with("Jobs x"), "{:.40}", kept.name);
    assert!(kept.name.chars().count() <= 500, "{}", kept.name.len());
    assert!(!kept.name.contains('\u{0}') && !kept.name.contains('\u{7}'));
    assert_eq!(kept.language, None, "not a BCP 47 tag");
    assert_eq!(kept.content_html, "<p>The text</p>");
    assert_eq!(
        kept.url,
        remote.base().join("articles/1").expect("id").as_str(),
        "an overlong url falls back to the id"
    );

    // A 900 KB language tag is dropped too, and the page that lists it stays small.
    let mut long_language = article(&remote, "Second", "2026-11-02T10:00:00Z");
    long_language["id"] = json!(remote.base().join("articles/2").expect("id"));
    long_language["inLanguage"] = json!("e".repeat(900_000));
    long_language
        .as_object_mut()
        .expect("object")
        .remove("contentMap");
    let (status, body) = remote
        .post(
            "ada",
            &inbox,
            &remote.activity("Create", long_language),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let kept = network::list(state.db(), 10).await.expect("list");
    assert!(
        kept.iter()
            .all(|item| item.language.as_deref().is_none_or(|tag| tag.len() <= 35))
    );
    let search = reqwest::get(alpha.url("/search?q=Second"))
        .await
        .expect("search");
    assert_eq!(search.status(), StatusCode::OK);
    assert!(search.text().await.expect("page").len() < 100_000);
    alpha.stop().await;
}

#[tokio::test]
async fn a_remote_organizations_countries_filter_its_posts_in_and_out_of_a_corridor_list() {
    // A Mastodon account that speaks for one community: its profile fields say which, its
    // articles say nothing of countries.
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await.with_profile(json!({
        "type": "Organization",
        "name": "Sudanese Diaspora Berlin",
        "attachment": [
            {"type": "PropertyValue", "name": "Country of origin", "value": "Sudan"},
            {"type": "PropertyValue", "name": "Countries", "value": "Germany"},
        ],
    }));
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    remote.followed_by(&state, &inbox).await;
    let create = remote.activity(
        "Create",
        article(
            &remote,
            "Arabic classes for children",
            "2026-11-01T10:00:00Z",
        ),
    );
    assert_eq!(
        remote.post("ada", &inbox, &create, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    let page = |path: &'static str| {
        let url = alpha.url(path);
        async move {
            reqwest::get(url)
                .await
                .expect("GET")
                .text()
                .await
                .expect("text")
        }
    };
    for (path, shown) in [
        ("/stories?origin=SD&residence=DE", true),
        ("/stories?source=network&origin=SD", true),
        ("/stories?residence=DE", true),
        ("/stories?origin=SY&residence=DE", false),
        ("/stories?origin=SD&residence=FR", false),
        ("/stories.atom?origin=SD&residence=DE", true),
        ("/stories.atom?origin=NG", false),
    ] {
        let html = page(path).await;
        assert_eq!(
            html.contains("Arabic classes for children"),
            shown,
            "{path}: {html}"
        );
    }
    // Its card names it, as its profile does.
    assert!(page("/stories").await.contains("Sudanese Diaspora Berlin"));
    alpha.stop().await;
}
