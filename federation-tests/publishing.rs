//! Publishing through the API reaches followers as Create, Update and Delete, in the wire shape
//! INTEROP.md asks for; bad input is refused field by field and leaves nothing behind.

use crate::harness::remote::{Forgery, Received, verify_received};
use crate::harness::{TestActor, TestDatabase, TestInstance, eventually};
use jisr::domain::tokens;
use reqwest::StatusCode;
use serde_json::{Value, json};

const AS_JSON: &str = "application/activity+json";

/// An instance with one follower (ada on the test server) and an API token.
async fn followed_instance(database: &TestDatabase) -> (TestInstance, TestActor, String) {
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;
    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, body) = remote
        .post("ada", &alpha.url("/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (_, token) = tokens::create(alpha.state().db(), "tests")
        .await
        .expect("token");
    (alpha, remote, token)
}

async fn api(
    method: reqwest::Method,
    url: url::Url,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("API request");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn get_json(url: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(url)
        .header("accept", AS_JSON)
        .send()
        .await
        .expect("GET");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The activities of `kind` the remote server received, in order.
async fn received(remote: &TestActor, kind: &str, count: usize) -> Vec<Received> {
    eventually(
        15,
        &format!("{count} {kind} at the remote server"),
        || async {
            let found: Vec<Received> = remote
                .received()
                .into_iter()
                .filter(|received| received.json()["type"] == kind)
                .collect();
            (found.len() >= count).then_some(found)
        },
    )
    .await
}

fn event_input() -> Value {
    json!({
        "hashtags": ["Berlin", "JobFair"],
        "gcm_objectives": [18],
        "text": {
            "en": {"title": "Diaspora Careers Fair 2026", "summary": "Meet 30 employers.", "body": "## Programme\n\nTalks."},
            "ar": {"title": "معرض الوظائف للمغتربين", "summary": "قابل ٣٠ جهة توظيف."}
        },
        "event": {
            "starts_at": "2026-03-14T10:00",
            "ends_at": "2026-03-14T16:00",
            "time_zone": "Europe/Berlin",
            "category": "networking",
            "online_url": "https://stream.example/fair",
            "place": {"name": "Rathaus Neukölln", "street_address": "Karl-Marx-Straße 83",
                      "postal_code": "12043", "locality": "Berlin", "country": "DE",
                      "latitude": 52.4812, "longitude": 13.435}
        }
    })
}

#[tokio::test]
async fn publish_edit_and_delete_reach_a_follower_signed_and_exact() {
    let database = TestDatabase::create().await;
    let (alpha, remote, token) = followed_instance(&database).await;
    let organization_key = alpha.state().actors().organization().public_key_pem.clone();

    let (status, created) = api(
        reqwest::Method::POST,
        alpha.url("/api/v1/events"),
        Some(&token),
        Some(event_input()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["url"].as_str().expect("url").to_string();

    let create = received(&remote, "Create", 1).await.remove(0);
    assert_eq!(
        create.path, "/inbox",
        "delivered to the follower's shared inbox"
    );
    verify_received(&create, &organization_key)
        .unwrap_or_else(|error| panic!("Create signature: {error}"));
    let activity = create.json();
    let (status, fetched) = get_json(&id).await;
    assert_eq!(status, StatusCode::OK);
    let mut object = fetched.clone();
    object.as_object_mut().expect("object").remove("@context");
    assert_eq!(
        activity["object"], object,
        "the Create carries exactly the object served at its id"
    );
    assert_eq!(activity["actor"], alpha.actor_id().as_str());
    assert_eq!(activity["to"], object["to"]);
    assert_eq!(activity["cc"], object["cc"]);

    let mut edited = event_input();
    edited["text"]["en"]["title"] = json!("Diaspora Careers Fair 2026 (new hall)");
    let public_id = created["public_id"].as_str().expect("public id");
    let (status, body) = api(
        reqwest::Method::PUT,
        alpha.url(&format!("/api/v1/events/{public_id}")),
        Some(&token),
        Some(edited),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let update = received(&remote, "Update", 1).await.remove(0);
    verify_received(&update, &organization_key).expect("Update signature");
    let update = update.json();
    assert_eq!(
        update["object"]["name"],
        "Diaspora Careers Fair 2026 (new hall)"
    );
    assert!(
        update["object"]["updated"].as_str() > object["published"].as_str(),
        "{update}"
    );
    assert_ne!(update["id"], activity["id"], "each activity has its own id");

    let (status, served) = get_json(activity["id"].as_str().expect("id")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "activities we published are served at their ids"
    );
    assert_eq!(served["type"], "Create");
    let (status, _) = api(
        reqwest::Method::DELETE,
        alpha.url(&format!("/api/v1/events/{public_id}")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let delete = received(&remote, "Delete", 1).await.remove(0);
    verify_received(&delete, &organization_key).expect("Delete signature");
    assert_eq!(delete.json()["object"]["id"], id.as_str());
    let (status, tombstone) = get_json(&id).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(tombstone["type"], "Tombstone");
    let (status, _) = api(
        reqwest::Method::DELETE,
        alpha.url(&format!("/api/v1/events/{public_id}")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::GONE, "deleting twice");

    // Once deleted, the earlier activities are withdrawn too: nothing of the content stays.
    let (status, _) = get_json(activity["id"].as_str().expect("id")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the Create is withdrawn");
    let (status, served) = get_json(delete.json()["id"].as_str().expect("id")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served["type"], "Delete");
    alpha.stop().await;
}

#[tokio::test]
async fn each_kind_has_its_wire_shape() {
    let database = TestDatabase::create().await;
    let (alpha, remote, token) = followed_instance(&database).await;
    let inputs = [
        (
            "stories",
            json!({"text": {"en": {"title": "From asylum seeker to ICU nurse", "summary": "Amaka's story."}},
            "hashtags": ["MigrationStories"], "story": {"category": "individual_journey", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}}),
            "Article",
        ),
        ("events", event_input(), "Event"),
        (
            "opportunities",
            json!({"text": {"en": {"title": "Volunteer mentors", "summary": "Help newcomers."}},
            "opportunity": {"kind": "volunteering", "place": "Berlin", "remote": true, "deadline": "2026-11-30",
                            "apply_url": "https://ngb.example/apply"}}),
            "Page",
        ),
        (
            "resources",
            json!({"text": {"en": {"title": "Senegal's national migration policy", "summary": "The 2018 policy."}},
            "gcm_objectives": [23], "resource": {"topic": "migration governance", "country": "SN", "year": 2018,
                                                 "document_url": "https://gov.example/policy.pdf"}}),
            "Article",
        ),
    ];
    for (kinds, input, expected_type) in &inputs {
        let (status, created) = api(
            reqwest::Method::POST,
            alpha.url(&format!("/api/v1/{kinds}")),
            Some(&token),
            Some(input.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{kinds}: {created}");
        if *kinds == "stories" {
            // The consent record: the editor who published it sees it; anyone else does not.
            assert!(
                created["details"]["story"]["consent"].is_object(),
                "{created}"
            );
            let public_id = created["public_id"].as_str().expect("public_id");
            let (status, shown) =
                get_json(alpha.url(&format!("/api/v1/stories/{public_id}")).as_str()).await;
            assert_eq!(status, StatusCode::OK, "{shown}");
            assert!(shown["details"]["story"].is_object(), "{shown}");
            assert!(
                shown["details"]["story"].get("consent").is_none(),
                "{shown}"
            );
            let (_, listed) = get_json(alpha.url("/api/v1/stories").as_str()).await;
            assert!(
                !listed.to_string().contains("subject_consented"),
                "{listed}"
            );
        }
        let (status, object) = get_json(created["url"].as_str().expect("url")).await;
        assert_eq!(status, StatusCode::OK, "{kinds}: {created}");
        assert_eq!(object["type"], *expected_type, "{kinds}: {object}");
        assert_eq!(
            object["to"],
            json!(["https://www.w3.org/ns/activitystreams#Public"])
        );
        assert_eq!(
            object["cc"],
            json!([alpha.url("/actors/ngberlin/followers").as_str()])
        );
        assert_eq!(object["attributedTo"], alpha.actor_id().as_str());
        assert_eq!(object["url"], object["id"]);
        // What a follower sees (FEDERATION.md): no plain `summary` (GoToSocial would make it a
        // content warning hiding the title); `summaryMap` with the default language first,
        // which Mastodon shows; `content` opens with the same summary and ends with a link to
        // our page, and does not repeat the title.
        assert!(object.get("summary").is_none(), "{kinds}: {object}");
        let default_language = object["inLanguage"].as_str().expect("inLanguage");
        let summary_map = object["summaryMap"].as_object().expect("summaryMap");
        assert_eq!(
            summary_map.keys().next().map(String::as_str),
            Some(default_language),
            "{kinds}: the default language first, for Mastodon"
        );
        let summary = summary_map[default_language].as_str().expect("summary");
        assert!(
            !summary.contains("<a "),
            "{kinds}: the summary is link-free: {summary}"
        );
        let content = object["content"].as_str().expect("content");
        assert!(content.starts_with(summary), "{kinds}: {content}");
        assert!(
            content.contains(&format!(
                "<a href=\"{}\">Read it on Nigerian Diaspora Berlin</a>",
                object["id"].as_str().expect("id")
            )),
            "{kinds}: a link to our page: {content}"
        );
        assert!(
            !content.contains(&format!(">{}<", object["name"].as_str().expect("name"))),
            "{kinds}: the title is not repeated: {content}"
        );
        for attachment in object["attachment"].as_array().expect("attachments") {
            assert!(attachment["mediaType"].is_string(), "{kinds}: {attachment}");
        }
        assert!(
            !object["name"]
                .as_str()
                .expect("name")
                .contains(['<', '>', '&'])
        );
        assert!(
            object["contentMap"].is_object()
                && object["nameMap"].is_object()
                && object["summaryMap"].is_object()
        );
    }
    let (_, event) = get_json(&latest(&alpha, "events").await).await;
    assert_eq!(event["startTime"], "2026-03-14T10:00:00+01:00");
    assert_eq!(event["endTime"], "2026-03-14T16:00:00+01:00");
    assert_eq!(event["timezone"], "Europe/Berlin");
    assert_eq!(event["location"]["type"], "Place", "one location object");
    assert_eq!(event["location"]["latitude"], 52.4812);
    assert_eq!(event["location"]["address"]["addressCountry"], "DE");
    assert_eq!(event["status"], "CONFIRMED");
    assert_eq!(event["category"], "NETWORKING");
    assert_eq!(event["nameMap"]["ar"], "معرض الوظائف للمغتربين");
    let summary = event["summaryMap"]["en"].as_str().expect("summary");
    assert!(
        summary.contains("Saturday 14 March 2026, 10:00–16:00")
            && summary.contains("Rathaus Neukölln"),
        "{summary}"
    );
    // The other language is a link away, named in that language, in the reader's language.
    let event_id = event["id"].as_str().expect("id");
    let english = event["contentMap"]["en"].as_str().expect("English content");
    assert!(
        english.contains(&format!(
            "Also in: <a href=\"{event_id}?lang=ar\">العربية</a>"
        )),
        "{english}"
    );
    let arabic_content = event["contentMap"]["ar"].as_str().expect("Arabic content");
    assert!(
        arabic_content.contains(&format!(
            "متوفر أيضًا بـ: <a href=\"{event_id}?lang=en\">English</a>"
        )),
        "{arabic_content}"
    );
    // The lines we add are in each text's language, with its digits.
    let arabic = event["summaryMap"]["ar"].as_str().expect("Arabic summary");
    assert!(
        arabic.contains("السبت ١٤ مارس ٢٠٢٦، ١٠:٠٠–١٦:٠٠") && arabic.contains("وعبر الإنترنت أيضًا"),
        "{arabic}"
    );
    assert!(
        event["attachment"]
            .as_array()
            .expect("attachments")
            .iter()
            .any(|a| a["name"] == "Website")
    );
    assert_eq!(
        event["tag"][0],
        json!({"type": "Hashtag", "name": "#Berlin", "href": alpha.url("/tags/berlin").as_str()})
    );

    let (_, page) = get_json(&latest(&alpha, "opportunities").await).await;
    assert_eq!(page["opportunity"]["type"], "JobPosting");
    assert_eq!(page["opportunity"]["employmentType"], "VOLUNTEER");
    assert_eq!(page["endTime"], "2026-11-30T23:59:59Z");
    assert!(
        page["summaryMap"]["en"]
            .as_str()
            .expect("summary")
            .contains("Volunteering · Berlin or online · Apply by 30 November 2026")
    );

    // The outbox lists all four, newest first, and each dereferences.
    let (status, outbox) = get_json(alpha.url("/actors/ngberlin/outbox").as_str()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outbox["totalItems"], 4);
    let (_, first) = get_json(outbox["first"].as_str().expect("first")).await;
    let items = first["orderedItems"].as_array().expect("items");
    assert_eq!(items.len(), 4);
    assert_eq!(
        items[0]["object"]["type"], "Article",
        "newest first: the resource"
    );
    assert_eq!(
        items[3]["object"]["name"],
        "From asylum seeker to ICU nurse"
    );
    for item in items {
        let (status, _) = get_json(item["object"]["id"].as_str().expect("id")).await;
        assert_eq!(status, StatusCode::OK);
    }
    received(&remote, "Create", 4).await;
    alpha.stop().await;
}

async fn latest(alpha: &TestInstance, kinds: &str) -> String {
    let (_, list) = api(
        reqwest::Method::GET,
        alpha.url(&format!("/api/v1/{kinds}")),
        None,
        None,
    )
    .await;
    list["items"][0]["url"].as_str().expect("url").to_string()
}

#[tokio::test]
async fn bad_input_gets_422_naming_each_field_and_nothing_is_written() {
    let database = TestDatabase::create().await;
    let (alpha, remote, token) = followed_instance(&database).await;
    let bad = json!({
        "gcm_objectives": [0],
        "text": {"en": {"title": "", "summary": "x"}},
        "event": {"starts_at": "soon", "ends_at": "2026-03-14T16:00", "time_zone": "Europe/Nowhere"}
    });
    let (status, body) = api(
        reqwest::Method::POST,
        alpha.url("/api/v1/events"),
        Some(&token),
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("field"))
        .collect();
    for field in [
        "gcm_objectives[0]",
        "text.en.title",
        "event.starts_at",
        "event.time_zone",
        "event.place",
    ] {
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
    let (status, body) = api(
        reqwest::Method::POST,
        alpha.url("/api/v1/events"),
        Some(&token),
        Some(json!({"text": "no"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["field"], "text");

    let response = reqwest::Client::new()
        .post(alpha.url("/api/v1/events"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let (status, _) = api(
        reqwest::Method::POST,
        alpha.url("/api/v1/posts"),
        Some(&token),
        Some(event_input()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, list) = api(
        reqwest::Method::GET,
        alpha.url("/api/v1/events"),
        None,
        None,
    )
    .await;
    assert_eq!(list["total"], 0, "nothing was written");
    let counts = jisr::federation::delivery::counts(alpha.state())
        .await
        .expect("counts");
    assert_eq!(
        counts.pending + counts.failed,
        0,
        "nothing was queued: {counts:?}"
    );
    assert!(
        remote
            .received()
            .iter()
            .all(|r| r.json()["type"] != "Create")
    );
    alpha.stop().await;
}

#[tokio::test]
async fn the_api_needs_a_live_token() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let url = alpha.url("/api/v1/stories");
    let input = json!({"text": {"en": {"title": "t", "summary": "s"}}, "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}});
    let (status, body) = api(
        reqwest::Method::POST,
        url.clone(),
        None,
        Some(input.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = api(
        reqwest::Method::POST,
        url.clone(),
        Some("jisr_not-a-token"),
        Some(input.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (id, token) = tokens::create(alpha.state().db(), "editor")
        .await
        .expect("token");
    let (status, _) = api(
        reqwest::Method::POST,
        url.clone(),
        Some(&token),
        Some(input.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    tokens::revoke(alpha.state().db(), id)
        .await
        .expect("revoke");
    let (status, _) = api(reqwest::Method::POST, url, Some(&token), Some(input)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token");
    alpha.stop().await;
}

#[tokio::test]
async fn a_host_that_keeps_failing_is_marked_unreachable_and_others_go_on() {
    let database = TestDatabase::create().await;
    let (alpha, broken, token) = followed_instance(&database).await;
    let healthy = TestActor::start().await;
    let follow = healthy.follow("ada", &alpha.actor_id());
    let (status, _) = healthy
        .post("ada", &alpha.url("/inbox"), &follow, Forgery::None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    received(&broken, "Accept", 1).await;
    received(&healthy, "Accept", 1).await;
    broken.answer_next(&[503; 20]);

    let input = json!({"text": {"en": {"title": "t", "summary": "s"}},
                       "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}});
    let (status, _) = api(
        reqwest::Method::POST,
        alpha.url("/api/v1/stories"),
        Some(&token),
        Some(input),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    received(&healthy, "Create", 1).await;

    let state = alpha.state().clone();
    let host = format!("localhost:{}", broken.base().port().expect("port"));
    let status = eventually(20, "the failing host marked unreachable", || async {
        let hosts = jisr::federation::delivery::status(state.db())
            .await
            .expect("status");
        hosts
            .into_iter()
            .find(|entry| entry.host == host && entry.unreachable_since.is_some())
    })
    .await;
    assert_eq!(
        status.pending, 1,
        "the Create waits for the host: {status:?}"
    );
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|error| error.contains("503")),
        "{status:?}"
    );
    alpha.stop().await;
}
