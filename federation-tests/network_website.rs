//! The network on the website, between two Jisr processes: beta's admin follows alpha from
//! `/admin/network`; alpha's event then shows on beta's list, calendar, feeds and its own page
//! with alpha's name, narrowed by the filters like beta's own; alpha's edit and delete reach
//! every one of those.

use crate::harness::http_client;
use crate::harness::network::{Node, publication, wait_for};
use crate::harness::session::Browser;
use reqwest::StatusCode;

const ALPHA_NAME: &str = "Sudanese Diaspora Germany";

/// A page of `node` in English, as text.
async fn text(node: &Node, path: &str) -> (StatusCode, String) {
    let response = http_client()
        .get(node.url(path))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {path}: {error}"));
    let status = response.status();
    (status, response.text().await.expect("body"))
}

/// An event of alpha's: in Berlin, for the Sudanese diaspora.
fn event(title: &str) -> String {
    publication("event", title).replace(
        "hashtags = [\"Berlin\"]\n",
        "hashtags = [\"Berlin\"]\ncountries_of_origin = [\"SD\"]\n",
    )
}

#[tokio::test]
async fn beta_follows_alpha_from_its_website_and_shows_alphas_event_everywhere_until_deleted() {
    let alpha = Node::start_with_env("alpha", &[("JISR_INSTANCE_NAME", ALPHA_NAME)]).await;
    let beta = Node::start("beta").await;
    let nodes = [&alpha, &beta];

    // Beta's first account is its admin; it follows alpha by handle from the website.
    let mut admin = Browser::new(&beta);
    let answer = admin
        .register("Beta's admin", "admin@beta.example", &[])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let page = admin.get("/admin/network").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("We follow nobody yet."), "{}", page.body);
    let unknown = admin
        .post("/admin/network/follow", &[("target", "not a handle")])
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("id=\"follow-error\""),
        "the reason is on the page: {}",
        unknown.body
    );
    let sent = admin
        .post("/admin/network/follow", &[("target", &alpha.handle())])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("Follow request sent"), "{}", sent.body);
    let cookie = admin.cookie_header();
    wait_for(20, "alpha to accept beta's follow", &nodes, || async {
        let page = http_client()
            .get(beta.url("/admin/network"))
            .header("cookie", &cookie)
            .header("accept-language", "en")
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (page.contains("class=\"state accepted\"") && page.contains(ALPHA_NAME)).then_some(())
    })
    .await;

    // Alpha publishes an event; beta shows it in its list with alpha's name and logo line.
    let event_id = alpha
        .publish("event", &event("Diaspora Careers Fair"))
        .await;
    let list = wait_for(20, "alpha's event on beta's list", &nodes, || async {
        let (_, html) = text(&beta, "/events").await;
        html.contains("Diaspora Careers Fair").then_some(html)
    })
    .await;
    assert!(list.contains(ALPHA_NAME), "whose it is: {list}");
    assert!(
        list.contains(&format!("@ngberlin@{}", alpha.domain)),
        "its handle: {list}"
    );
    let start = list.find("href=\"/network/").expect("a link to its page") + "href=\"".len();
    let item_path = list[start..start + list[start..].find('"').expect("end")].to_string();

    // Alpha is in beta's directory, as an organization beta follows.
    let (_, directory) = text(&beta, "/directory").await;
    assert!(
        directory.contains(ALPHA_NAME) && directory.contains("We follow"),
        "{directory}"
    );

    // Its page: the original is canonical, the time is in the event's own zone.
    let (status, item) = text(&beta, &item_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        item.contains(&format!("<link rel=\"canonical\" href=\"{event_id}\">")),
        "{item}"
    );
    assert!(item.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(item.contains("Europe/Berlin"), "its own zone: {item}");
    assert!(item.contains("10:00"), "at 10:00 Berlin time: {item}");

    // The calendar of its month, and the feeds, with alpha's name.
    let (_, calendar) = text(&beta, "/events/calendar?month=2027-03").await;
    assert!(calendar.contains("Diaspora Careers Fair"), "{calendar}");
    assert!(calendar.contains("class=\"network\""), "{calendar}");
    let (_, ics) = text(&beta, "/events.ics").await;
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("SUMMARY;LANGUAGE=en:Diaspora Careers Fair"),
        "{unfolded}"
    );
    assert!(
        unfolded.contains(&format!(
            "ORGANIZER;CN=\"{ALPHA_NAME}\":{}",
            alpha.actor_id()
        )),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("DTSTART;TZID=Europe/Berlin:20270314T100000"),
        "{unfolded}"
    );
    let (_, atom) = text(&beta, "/events.atom?source=network").await;
    assert!(
        atom.contains("Diaspora Careers Fair") && atom.contains(ALPHA_NAME),
        "{atom}"
    );

    // The filters narrow network content as they narrow ours: the Sudanese diaspora in
    // Germany, from the network, is one URL, for the list and for the feed.
    for (path, shown) in [
        ("/events?source=network&origin=SD&residence=DE", true),
        ("/events?origin=SD", true),
        ("/events?country=DE", true),
        ("/events?origin=SY", false),
        ("/events?residence=FR", false),
        ("/events?source=ours", false),
        ("/events?tag=berlin", true),
        ("/events.ics?source=network&origin=SD&residence=DE", true),
        ("/events.ics?origin=NG", false),
    ] {
        let (status, html) = text(&beta, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            html.contains("Diaspora Careers Fair"),
            shown,
            "{path}: {html}"
        );
    }

    // Alpha edits it: beta shows the edit.
    let public_id = event_id.rsplit('/').next().expect("id").to_string();
    let file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("file");
    std::fs::write(file.path(), event("Diaspora Careers Fair 2027")).expect("write");
    alpha
        .process
        .cli(&[
            "edit",
            "event",
            &public_id,
            file.path().to_str().expect("path"),
        ])
        .await;
    wait_for(20, "alpha's edit on beta's page", &nodes, || async {
        let (_, html) = text(&beta, &item_path).await;
        html.contains("Diaspora Careers Fair 2027").then_some(())
    })
    .await;

    // Alpha deletes it: gone from beta's pages and feeds.
    alpha.process.cli(&["delete", "event", &public_id]).await;
    wait_for(20, "alpha's delete on beta's page", &nodes, || async {
        let (status, _) = text(&beta, &item_path).await;
        (status == StatusCode::NOT_FOUND).then_some(())
    })
    .await;
    for path in [
        "/events",
        "/events/calendar?month=2027-03",
        "/events.ics",
        "/events.atom",
        "/",
        "/tags/berlin",
    ] {
        let (_, html) = text(&beta, path).await;
        assert!(!html.contains("Diaspora Careers Fair"), "{path}: {html}");
    }

    // Unfollowing from the website: alpha loses its follower.
    let page = admin.get("/admin/network").await;
    assert!(page.body.contains(alpha.actor_id().as_str()));
    let answer = admin
        .post(
            "/admin/network/unfollow",
            &[("actor", alpha.actor_id().as_str())],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    wait_for(20, "alpha to lose beta as a follower", &nodes, || async {
        let response = http_client()
            .get(alpha.url("/actors/ngberlin/followers"))
            .header("accept", "application/activity+json")
            .send()
            .await
            .ok()?;
        let collection: serde_json::Value = response.json().await.ok()?;
        (collection["totalItems"] == 0).then_some(())
    })
    .await;
    let page = admin.get("/admin/network").await;
    assert!(page.body.contains("We follow nobody yet."), "{}", page.body);
}
