//! Members as actors: each account speaks through its own actor (`Person` or
//! `Organization`), found by WebFinger, followed from the fediverse (the Fedify peer), told of
//! profile changes, a new display name among them (`Update`), and gone when the account is disabled (410 and a `Delete`).
//! Usernames are checked, unique and never collide with the server's own names.

use crate::harness::eventually;
use crate::harness::http_client;
use crate::harness::network::Node;
use crate::harness::session::Browser;
use crate::network::{get_json, start_peer, wait_for_peer};
use reqwest::StatusCode;

#[tokio::test]
async fn a_member_is_an_actor_found_followed_updated_and_gone_once_disabled() {
    let Some(peer) = start_peer("members").await else {
        return;
    };
    let alpha = Node::start_with_env("alpha", &[("JISR_ACCOUNTS_REGISTRATION", "open")]).await;
    let mut admin = Browser::new(&alpha);
    let registered = admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.body
    );

    // Usernames: the server's own names and malformed ones are refused, each with its reason.
    let mut amaka = Browser::new(&alpha);
    for (username, reason) in [
        ("admin", "kept for the server"),
        ("ngberlin", "kept for the server"),
        ("Amaka O", "lowercase letters a to z"),
    ] {
        let refused = amaka
            .register(
                "Amaka",
                "amaka@example.org",
                &[("account_type", "individual"), ("username", username)],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{username}"
        );
        assert!(
            refused.body.contains(reason),
            "{username}: {}",
            refused.body
        );
    }
    let made = amaka
        .register(
            "Amaka",
            "amaka@example.org",
            &[("account_type", "individual"), ("username", "@Amaka")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let taken = Browser::new(&alpha)
        .register("Another", "another@example.org", &[("username", "amaka")])
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken.body.contains("This username is taken"),
        "{}",
        taken.body
    );
    let account = amaka.get("/account").await;
    let handle = format!("@amaka@{}", alpha.domain);
    assert!(account.body.contains(&handle), "{}", account.body);

    // Found by WebFinger, served as a Person, shown as a page (not indexed: not discoverable).
    let webfinger = alpha.url(&format!(
        "/.well-known/webfinger?resource=acct:amaka@{}",
        alpha.domain
    ));
    let (status, found) = get_json(webfinger.as_str()).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let actor_id = alpha.url("/actors/amaka").to_string();
    assert_eq!(found["links"][0]["href"], actor_id.as_str(), "{found}");
    let (status, actor) = get_json(&actor_id).await;
    assert_eq!(status, StatusCode::OK, "{actor}");
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "amaka");
    assert_eq!(actor["name"], "Amaka");
    assert_eq!(actor["discoverable"], false, "{actor}");
    assert_eq!(actor["publicKey"]["owner"], actor_id.as_str());
    let page = http_client()
        .get(&actor_id)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(page.contains(&handle) && page.contains("noindex"), "{page}");

    // The peer follows the member, whose own actor accepts.
    peer.follow("bob", &handle).await;
    eventually(20, "the peer's follow of amaka accepted", || async {
        (peer.following("bob").await[&actor_id]["state"] == "accepted").then_some(())
    })
    .await;
    let accept = wait_for_peer(&peer, &alpha, "Accept", 1).await.remove(0);
    assert_eq!(accept["actor"], actor_id.as_str(), "{accept}");
    assert_eq!(accept["signature"]["verified"], true, "{accept}");

    // Not listed: the public list of members does not show her.
    let members = page_text(&alpha, "/members").await;
    assert!(
        !members.contains("Amaka") && members.contains("No member shows their profile yet."),
        "{members}"
    );

    // A profile change reaches the follower as an Update of the actor.
    let saved = amaka
        .post(
            "/account/profile",
            &[
                ("name", "Amaka O."),
                ("summary", "Nurse in Berlin, from Lagos"),
                ("countries", "Nigeria, Germany"),
                ("languages", "English, Yoruba"),
                ("discoverable", "true"),
                ("listed", "true"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let update = wait_for_peer(&peer, &alpha, "Update", 1).await.remove(0);
    assert_eq!(update["actor"], actor_id.as_str(), "{update}");
    assert_eq!(update["json"]["object"]["name"], "Amaka O.", "{update}");
    // Listed now: the list of members shows her, with her handle and her page.
    let members = page_text(&alpha, "/members").await;
    assert!(
        members.contains("Amaka O.")
            && members.contains(&handle)
            && members.contains(&format!("/members/{}", amakas_account(&alpha).await)),
        "{members}"
    );
    let organizations = page_text(&alpha, "/members?kind=organization").await;
    assert!(!organizations.contains("Amaka O."), "{organizations}");
    let (_, actor) = get_json(&actor_id).await;
    assert_eq!(actor["discoverable"], true, "{actor}");
    assert_eq!(
        actor["countries"],
        serde_json::json!(["NG", "DE"]),
        "{actor}"
    );
    assert_eq!(
        actor["languages"],
        serde_json::json!(["en", "yo"]),
        "{actor}"
    );
    assert!(
        actor["summary"]
            .as_str()
            .is_some_and(|summary| summary.contains("Nurse in Berlin")),
        "{actor}"
    );

    // Disabled: the actor and its handle are gone (410) and the follower is told.
    let db = alpha.db().await;
    let member = jisr::domain::accounts::find_by_email(&db, "amaka@example.org")
        .await
        .expect("amaka");
    admin.get("/admin/members").await;
    let disabled = admin
        .post(
            &format!("/admin/members/{}", member.account_id),
            &[("change", "disable")],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER, "{}", disabled.body);
    let delete = wait_for_peer(&peer, &alpha, "Delete", 1).await.remove(0);
    assert_eq!(delete["actor"], actor_id.as_str(), "{delete}");
    let (status, _) = get_json(&actor_id).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _) = get_json(webfinger.as_str()).await;
    assert_eq!(status, StatusCode::GONE);
    let members = page_text(&alpha, "/members").await;
    assert!(!members.contains("Amaka O."), "off the list: {members}");
}

/// The English text of `path` at `alpha`.
async fn page_text(alpha: &Node, path: &str) -> String {
    let response = http_client()
        .get(alpha.url(path))
        .header("accept-language", "en")
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.expect("text")
}

/// Amaka's account id at `alpha`.
async fn amakas_account(alpha: &Node) -> i64 {
    let db = alpha.db().await;
    jisr::domain::accounts::find_by_email(&db, "amaka@example.org")
        .await
        .expect("amaka")
        .account_id
}
