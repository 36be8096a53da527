//! Discovery and documents: WebFinger, actors, NodeInfo, host-meta, collections, signed GETs.

use crate::harness::remote::Forgery;
use crate::harness::{TestActor, TestDatabase, TestInstance};
use jisr::federation::signature::PublicKey;
use reqwest::StatusCode;
use serde_json::Value;

async fn get(url: url::Url, accept: &str) -> (StatusCode, String, String) {
    let response = reqwest::Client::new()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("GET");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.text().await.unwrap_or_default(),
    )
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("not JSON ({error}): {body}"))
}

const AS_JSON: &str = "application/activity+json";

#[tokio::test]
async fn webfinger_finds_the_organization_and_the_instance_actor() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let domain = alpha.config.instance.domain.clone();

    let (status, content_type, body) = get(
        alpha.url(&format!(
            "/.well-known/webfinger?resource=acct:NGBerlin@{domain}"
        )),
        "application/jrd+json",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "application/jrd+json");
    let jrd = json(&body);
    assert_eq!(jrd["subject"], format!("acct:ngberlin@{domain}"), "{jrd}");
    let links = jrd["links"].as_array().expect("links");
    let own = links
        .iter()
        .find(|link| link["rel"] == "self")
        .expect("self link");
    assert_eq!(own["type"], AS_JSON);
    assert_eq!(own["href"], alpha.actor_id().as_str());

    let (status, _, body) = get(
        alpha.url(&format!(
            "/.well-known/webfinger?resource={}",
            alpha.url("/")
        )),
        "application/jrd+json",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "FEP-d556: {body}");
    let jrd = json(&body);
    assert_eq!(
        jrd["links"][0]["href"],
        alpha.url("/actor").as_str(),
        "{jrd}"
    );

    for (query, expected) in [
        (
            format!("resource=acct:nobody@{domain}"),
            StatusCode::NOT_FOUND,
        ),
        (
            "resource=acct:ngberlin@elsewhere.example".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (String::new(), StatusCode::BAD_REQUEST),
    ] {
        let (status, _, body) =
            get(alpha.url(&format!("/.well-known/webfinger?{query}")), "*/*").await;
        assert_eq!(status, expected, "{query}: {body}");
    }
    alpha.stop().await;
}

#[tokio::test]
async fn webfinger_answers_400_to_what_is_not_a_uri_and_404_to_what_is_not_ours() {
    // RFC 7033 §4.2: a missing or malformed resource is a bad request; a URI the server knows
    // nothing about is not found.
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let domain = alpha.config.instance.domain.clone();
    let webfinger = |resource: &str| {
        let mut url = alpha.url("/.well-known/webfinger");
        url.query_pairs_mut().append_pair("resource", resource);
        url
    };

    let actor = alpha.actor_id();
    for resource in [
        format!("acct:ngberlin@{domain}"),
        format!("acct:@NGBerlin@{domain}"),
        actor.to_string(),
        alpha.url("/").to_string(),
        alpha.url("/actor").to_string(),
    ] {
        let (status, _, body) = get(webfinger(&resource), "application/jrd+json").await;
        assert_eq!(status, StatusCode::OK, "{resource}: {body}");
    }
    let (_, _, body) = get(webfinger(actor.as_str()), "application/jrd+json").await;
    assert_eq!(json(&body)["subject"], format!("acct:ngberlin@{domain}"));

    for resource in [
        format!("ngberlin@{domain}"),
        format!("=acct:ngberlin@{domain}"),
        "acct:".to_string(),
        "acct:ngberlin".to_string(),
        format!("acct:@{domain}"),
        "acct:ngberlin@".to_string(),
        format!("acct:a@b@{domain}"),
        "/actors/ngberlin".to_string(),
    ] {
        let (status, _, body) = get(webfinger(&resource), "*/*").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{resource}: {body}");
        assert!(body.contains("resource"), "a reason for {resource}: {body}");
    }

    for resource in [
        format!("acct:nobody@{domain}"),
        "acct:ngberlin@elsewhere.example".to_string(),
        "https://elsewhere.example/actors/ngberlin".to_string(),
        alpha.url("/actors/nobody").to_string(),
        "mailto:ngberlin@elsewhere.example".to_string(),
    ] {
        let (status, _, body) = get(webfinger(&resource), "*/*").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{resource}: {body}");
    }
    let (status, _, body) = get(alpha.url("/.well-known/webfinger"), "*/*").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // URI schemes are case-insensitive (RFC 3986 §3.1), and a user part may be percent-encoded.
    for resource in [
        format!("ACCT:ngberlin@{domain}"),
        format!("acct:%6Egberlin@{domain}"),
    ] {
        let (status, _, body) = get(webfinger(&resource), "application/jrd+json").await;
        assert_eq!(status, StatusCode::OK, "{resource}: {body}");
        assert_eq!(json(&body)["subject"], format!("acct:ngberlin@{domain}"));
    }
    alpha.stop().await;
}

#[tokio::test]
async fn the_organization_actor_has_what_mastodon_needs() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let profile = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
    for accept in [AS_JSON, profile] {
        let (status, content_type, body) = get(alpha.actor_id(), accept).await;
        assert_eq!(status, StatusCode::OK, "{accept}: {body}");
        assert_eq!(content_type, AS_JSON, "{accept}");
        let actor = json(&body);
        assert_eq!(actor["id"], alpha.actor_id().as_str());
        assert_eq!(actor["type"], "Organization");
        assert_eq!(actor["preferredUsername"], "ngberlin");
        assert_eq!(actor["name"], "Nigerian Diaspora Berlin");
        for field in [
            "inbox",
            "outbox",
            "followers",
            "following",
            "url",
            "published",
            "summary",
        ] {
            assert!(actor[field].is_string(), "{field} missing: {actor}");
        }
        assert_eq!(
            actor["endpoints"]["sharedInbox"],
            alpha.url("/inbox").as_str()
        );
        assert_eq!(actor["discoverable"], true);
        assert_eq!(actor["indexable"], true);
        assert_eq!(actor["webfinger"], alpha.handle());
        let key = &actor["publicKey"];
        assert_eq!(key["id"], format!("{}#main-key", alpha.actor_id()));
        assert_eq!(key["owner"], alpha.actor_id().as_str());
        let pem = key["publicKeyPem"].as_str().expect("pem");
        assert!(
            matches!(PublicKey::from_pem(pem), Some(PublicKey::Rsa { .. })),
            "{pem}"
        );
    }

    let (status, content_type, body) =
        get(alpha.actor_id(), "text/html,application/xhtml+xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(body.contains("<html lang=\"en\" dir=\"ltr\">"), "{body}");
    assert!(
        body.contains("rel=\"alternate\" type=\"application/activity+json\""),
        "{body}"
    );

    let (status, _, _) = get(alpha.url("/actors/nobody"), AS_JSON).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    alpha.stop().await;
}

#[tokio::test]
async fn the_instance_actor_and_nodeinfo_describe_the_server() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;

    let (status, content_type, body) = get(alpha.url("/actor"), AS_JSON).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, AS_JSON);
    let actor = json(&body);
    assert_eq!(actor["type"], "Application");
    assert_eq!(actor["preferredUsername"], "localhost");
    assert!(actor["publicKey"]["publicKeyPem"].is_string());

    let (status, _, body) = get(alpha.url("/.well-known/nodeinfo"), "application/json").await;
    assert_eq!(status, StatusCode::OK);
    let links = json(&body);
    let links = links["links"].as_array().expect("links");
    let nodeinfo = links
        .iter()
        .find(|link| link["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1")
        .expect("2.1 link");
    assert!(links.iter().any(|link| link["rel"]
        == "https://www.w3.org/ns/activitystreams#Application"
        && link["href"] == alpha.url("/actor").as_str()));

    let (status, content_type, body) = get(
        url::Url::parse(nodeinfo["href"].as_str().expect("href")).expect("url"),
        "application/json",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let document = json(&body);
    assert_eq!(document["version"], "2.1");
    assert_eq!(document["software"]["name"], "jisr");
    assert_eq!(document["protocols"][0], "activitypub");
    assert!(document["usage"]["users"]["total"].is_number());

    let (status, _, body) = get(alpha.url("/.well-known/host-meta"), "application/xrd+xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("/.well-known/webfinger?resource={uri}"),
        "{body}"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn collections_are_ordered_collections_with_counts() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let outbox = alpha.url("/actors/ngberlin/outbox");
    let (status, _, body) = get(outbox.clone(), AS_JSON).await;
    assert_eq!(status, StatusCode::OK);
    let collection = json(&body);
    assert_eq!(collection["type"], "OrderedCollection");
    assert_eq!(collection["totalItems"], 0);
    let first = collection["first"].as_str().expect("first page");
    let (status, _, body) = get(url::Url::parse(first).expect("url"), AS_JSON).await;
    assert_eq!(status, StatusCode::OK);
    let page = json(&body);
    assert_eq!(page["type"], "OrderedCollectionPage");
    assert_eq!(page["partOf"], outbox.as_str());
    assert!(page["orderedItems"].as_array().is_some_and(Vec::is_empty));

    for path in ["/actors/ngberlin/followers", "/actors/ngberlin/following"] {
        let (status, content_type, body) = get(alpha.url(path), AS_JSON).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(content_type, AS_JSON);
        assert_eq!(json(&body)["totalItems"], 0, "{path}");
    }
    alpha.stop().await;
}

#[tokio::test]
async fn signed_fetches_are_verified_when_sent() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let remote = TestActor::start().await;

    let (status, body) = remote
        .signed_get("ada", &alpha.actor_id(), Forgery::None)
        .await;
    assert_eq!(status, StatusCode::OK, "a valid signed GET: {body}");
    let (status, body) = remote
        .signed_get("ada", &alpha.actor_id(), Forgery::Unsigned)
        .await;
    assert_eq!(status, StatusCode::OK, "an unsigned GET: {body}");
    for forgery in [
        Forgery::WrongKey,
        Forgery::DateOffset(-7200),
        Forgery::DateOffset(7200),
    ] {
        let (status, body) = remote.signed_get("ada", &alpha.actor_id(), forgery).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{forgery:?}: {body}");
        let followers = alpha.url("/actors/ngberlin/followers");
        let (status, body) = remote.signed_get("ada", &followers, forgery).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{forgery:?} on followers: {body}"
        );
    }
    // The instance actor is never behind a signature check (peers fetch it to verify ours).
    let (status, _) = remote
        .signed_get("ada", &alpha.url("/actor"), Forgery::WrongKey)
        .await;
    assert_eq!(status, StatusCode::OK);
    alpha.stop().await;
}

#[tokio::test]
async fn the_actor_document_follows_its_pictures_and_its_profile() {
    use jisr::federation::actors::Picture;
    use jisr::federation::profile;
    let database = TestDatabase::create().await;
    let mut alpha = TestInstance::start(&database.url).await;
    let (_, _, first) = get(alpha.actor_id(), AS_JSON).await;
    assert!(json(&first)["icon"].is_null(), "no logo yet: {first}");
    let (_, _, again) = get(alpha.actor_id(), AS_JSON).await;
    assert_eq!(again, first, "the same document, as kept");

    // A picture changes the document at once, each time.
    let icon = |body: &str| json(body)["icon"]["url"].as_str().map(str::to_string);
    profile::set(
        alpha.state(),
        Picture::Icon,
        Some(crate::harness::png(32, 32)),
    )
    .await
    .expect("a logo");
    let (_, _, body) = get(alpha.actor_id(), AS_JSON).await;
    let logo = icon(&body).unwrap_or_else(|| panic!("the logo: {body}"));
    profile::set(
        alpha.state(),
        Picture::Icon,
        Some(crate::harness::png(48, 48)),
    )
    .await
    .expect("another logo");
    let (_, _, body) = get(alpha.actor_id(), AS_JSON).await;
    let other = icon(&body).unwrap_or_else(|| panic!("the other logo: {body}"));
    assert_ne!(other, logo);
    profile::set(
        alpha.state(),
        Picture::Header,
        Some(crate::harness::png(90, 30)),
    )
    .await
    .expect("a header");
    let (_, _, body) = get(alpha.actor_id(), AS_JSON).await;
    assert_eq!(json(&body)["image"]["type"], "Image", "{body}");
    profile::set(alpha.state(), Picture::Icon, None)
        .await
        .expect("no logo");
    let (_, _, body) = get(alpha.actor_id(), AS_JSON).await;
    assert!(json(&body)["icon"].is_null(), "the logo removed: {body}");

    // The profile comes from the configuration: a new name shows once the instance starts
    // with it.
    alpha.config.instance.name = "Nigerian Diaspora Berlin e.V.".to_string();
    alpha.config.instance.summary = "Advice and events in Berlin.".to_string();
    alpha.restart().await;
    let (_, _, body) = get(alpha.actor_id(), AS_JSON).await;
    let actor = json(&body);
    assert_eq!(actor["name"], "Nigerian Diaspora Berlin e.V.");
    assert_eq!(actor["summary"], "<p>Advice and events in Berlin.</p>");
    assert_eq!(actor["image"]["type"], "Image", "the pictures stay: {body}");
    alpha.stop().await;
}

#[tokio::test]
async fn a_publications_document_shows_an_edit_and_a_delete_at_once() {
    use jisr::domain::publication::{Input, Kind};
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let story = alpha.publish_story("Before the edit").await;
    let id = alpha.publication_id(&story);
    for _ in 0..2 {
        let (status, _, body) = get(id.clone(), AS_JSON).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json(&body)["name"], "Before the edit");
    }

    let input = serde_json::json!({
        "text": {"en": {"title": "After the edit", "summary": "A summary", "body": "The story."}},
        "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}},
    });
    let draft = Input::from_json(input.to_string().as_bytes())
        .expect("input")
        .validate(Kind::Story, &alpha.config.instance.languages)
        .expect("a valid story");
    jisr::federation::outbox::edit(alpha.state(), Kind::Story, &story.public_id, &draft)
        .await
        .expect("edit");
    let (status, _, body) = get(id.clone(), AS_JSON).await;
    assert_eq!(status, StatusCode::OK);
    let object = json(&body);
    assert_eq!(object["name"], "After the edit", "{body}");
    assert!(object["updated"].is_string(), "{body}");

    jisr::federation::outbox::remove(alpha.state(), Kind::Story, &story.public_id)
        .await
        .expect("delete");
    let (status, _, body) = get(id, AS_JSON).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(json(&body)["type"], "Tombstone", "{body}");
    alpha.stop().await;
}
