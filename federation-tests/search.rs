//! Search: words in any language (Arabic, English, French without its accents), the text in
//! the reader's language, edits and deletions seen at once, what followed organizations
//! publish, and queries written to break it.

use crate::harness::remote::{Forgery, TestActor};
use crate::harness::{TestDatabase, TestInstance};
use jisr::domain::tokens;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `GET /search?q=query` read by someone whose browser prefers `language`.
async fn search(alpha: &TestInstance, query: &str, language: &str) -> (StatusCode, String) {
    let mut url = alpha.url("/search");
    url.query_pairs_mut().append_pair("q", query);
    let response = crate::harness::http_client()
        .get(url)
        .header("accept", "text/html")
        .header("accept-language", language)
        .send()
        .await
        .expect("GET /search");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The list of results of a search page ("" when there is none).
fn results(html: &str) -> &str {
    match (html.find("<ol class=\"results\">"), html.find("</ol>")) {
        (Some(start), Some(end)) if start < end => &html[start..end],
        _ => "",
    }
}

async fn api(
    method: reqwest::Method,
    url: url::Url,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = crate::harness::http_client()
        .request(method, url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("API request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn instance(database: &TestDatabase) -> (TestInstance, String) {
    let alpha = TestInstance::start(&database.url).await;
    let (_, token) = tokens::create(alpha.state().db(), "search")
        .await
        .expect("token");
    (alpha, token)
}

async fn publish(alpha: &TestInstance, token: &str, kinds: &str, input: Value) -> Value {
    let (status, created) = api(
        reqwest::Method::POST,
        alpha.url(&format!("/api/v1/{kinds}")),
        token,
        Some(input),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

/// A story in English (the default), Arabic and French.
fn trilingual_story() -> Value {
    json!({
        "default_language": "en",
        "text": {
            "en": {"title": "Diaspora careers fair",
                   "summary": "Meet employers looking for bilingual staff.",
                   "body": "Workshops on **visas** and the recognition of diplomas."},
            "ar": {"title": "معرض الوظائف للمغتربين",
                   "summary": "قابل أصحاب العمل الباحثين عن موظفين ثنائيي اللغة.",
                   "body": "ورشات عمل حول التأشيرات والعمل في إسبانيا."},
            "fr": {"title": "Salon de l’emploi de la diaspora",
                   "summary": "Rencontrez des employeurs.",
                   "body": "Ateliers sur la reconnaissance des diplômes étrangers."}
        },
        "story": {"category": "economic", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}
    })
}

#[tokio::test]
async fn search_finds_words_in_every_language_and_shows_the_readers_text() {
    let database = TestDatabase::create().await;
    let (alpha, token) = instance(&database).await;
    let story = publish(&alpha, &token, "stories", trilingual_story()).await;
    let story_url = story["url"].as_str().expect("url");
    publish(
        &alpha,
        &token,
        "events",
        json!({
            "text": {"en": {"title": "Coding workshop for newcomers", "summary": "Bring a laptop."}},
            "event": {"starts_at": "2027-05-02T10:00", "ends_at": "2027-05-02T13:00",
                      "time_zone": "Europe/Berlin", "online_url": "https://meet.example/coding"}
        }),
    )
    .await;

    // An Arabic word, in Arabic text, for an Arabic reader.
    let (status, html) = search(&alpha, "الوظائف", "ar").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    let found = results(&html);
    assert!(found.contains("معرض الوظائف للمغتربين"), "{html}");
    assert!(found.contains("<div lang=\"ar\" dir=\"rtl\">"), "{found}");
    assert!(found.contains(&format!("href=\"{story_url}\"")), "{found}");
    assert!(!found.contains("Coding workshop"), "{found}");
    // Short vowels, and hamza on the alef, do not stop a match.
    for query in ["الوَظَائِف", "اسبانيا", "إسبانيا"] {
        let (status, html) = search(&alpha, query, "ar").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            results(&html).contains("معرض الوظائف للمغتربين"),
            "{query}: {html}"
        );
    }

    // An English word, for an English reader.
    let (_, html) = search(&alpha, "employers", "en").await;
    let found = results(&html);
    assert!(found.contains("Diaspora careers fair"), "{html}");
    assert!(found.contains("<div lang=\"en\" dir=\"ltr\">"), "{found}");
    assert_eq!(found.matches("<li").count(), 1, "found once: {found}");

    // The match was in English, but the Arabic reader reads the Arabic text.
    let (_, html) = search(&alpha, "employers", "ar").await;
    let found = results(&html);
    assert!(
        found.contains("معرض الوظائف للمغتربين") && !found.contains("Diaspora careers fair"),
        "{found}"
    );
    // No Spanish text: the default language's.
    let (_, html) = search(&alpha, "employers", "es").await;
    assert!(results(&html).contains("Diaspora careers fair"), "{html}");

    // A French word without its accents (and in capitals) finds « diplômes ».
    for query in ["diplomes", "DIPLÔMES", "etrangers"] {
        let (_, html) = search(&alpha, query, "fr").await;
        let found = results(&html);
        assert!(
            found.contains("Salon de l’emploi de la diaspora")
                && found.contains("<div lang=\"fr\" dir=\"ltr\">"),
            "{query}: {html}"
        );
    }

    // All the words must match; the event is found by its own.
    let (_, html) = search(&alpha, "laptop", "en").await;
    let found = results(&html);
    assert!(
        found.contains("Coding workshop for newcomers") && !found.contains("Diaspora"),
        "{found}"
    );
    let (status, html) = search(&alpha, "laptop employers", "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(results(&html).is_empty(), "{html}");
    assert!(html.contains("Nothing matches"), "{html}");

    // The form is in every page's header, labelled.
    let (_, home) = search(&alpha, "", "en").await;
    assert!(home.contains("Type one or more words"), "{home}");
    assert!(
        home.contains("<form class=\"search\" role=\"search\" action=\"/search\"")
            && home.contains("<label for=\"site-search\"")
            && home.contains("id=\"site-search\" type=\"search\" name=\"q\""),
        "{home}"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn edited_and_deleted_publications_are_found_as_they_are_now() {
    let database = TestDatabase::create().await;
    let (alpha, token) = instance(&database).await;
    let input = |title: &str| {
        json!({"text": {"en": {"title": title, "summary": "For the community."}},
               "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}})
    };
    let created = publish(
        &alpha,
        &token,
        "stories",
        input("Mentoring programme for engineers"),
    )
    .await;
    let public_id = created["public_id"].as_str().expect("id");
    let (_, html) = search(&alpha, "mentoring", "en").await;
    assert!(results(&html).contains("Mentoring programme"), "{html}");

    let (status, body) = api(
        reqwest::Method::PUT,
        alpha.url(&format!("/api/v1/stories/{public_id}")),
        &token,
        Some(input("Apprenticeships for young migrants")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, html) = search(&alpha, "apprenticeships", "en").await;
    assert!(
        results(&html).contains("Apprenticeships for young migrants"),
        "found by its new words: {html}"
    );
    let (_, html) = search(&alpha, "mentoring", "en").await;
    assert!(results(&html).is_empty(), "not by its old ones: {html}");

    let (status, _) = api(
        reqwest::Method::DELETE,
        alpha.url(&format!("/api/v1/stories/{public_id}")),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for query in ["apprenticeships", "community", "migrants"] {
        let (status, html) = search(&alpha, query, "en").await;
        assert_eq!(status, StatusCode::OK);
        assert!(results(&html).is_empty(), "deleted: {query}: {html}");
    }
    alpha.stop().await;
}

#[tokio::test]
async fn hostile_queries_are_only_words() {
    let database = TestDatabase::create().await;
    let (alpha, token) = instance(&database).await;
    publish(&alpha, &token, "stories", trilingual_story()).await;
    let long = "employers ".repeat(1024);
    let queries = [
        "\"",
        "\"\"",
        "\"employers",
        "*",
        "employ*",
        "a OR",
        "OR",
        "AND(",
        "NOT",
        "NEAR(",
        "NEAR(employers fair, 2)",
        "title:employers",
        "^employers",
        "-employers",
        "(employers",
        "{title}: x",
        "'; drop table publication; --",
        "%_\\",
        "a\u{0}b",
        "<script>alert(1)</script>",
        long.as_str(),
    ];
    for query in queries {
        let (status, html) = search(&alpha, query, "en").await;
        let shown: String = query.chars().take(40).collect();
        assert!(
            status == StatusCode::OK || status.is_client_error(),
            "{shown:?}: {status}\n{html}"
        );
        if status.is_client_error() {
            assert!(html.contains("too long"), "{shown:?}: a reason: {html}");
        }
        assert!(!html.contains("<script>alert"), "{shown:?}: escaped");
    }
    let (status, html) = search(&alpha, &long, "en").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "10 KB: {html}");
    assert!(html.contains("at most 200 characters"), "{html}");
    let (_, html) = search(&alpha, "\"employers\" OR zanzibar", "en").await;
    assert!(
        results(&html).is_empty(),
        "OR is not an operator: all the words must match: {html}"
    );

    for page in ["abc", "-5", "0", "99999999999999999999", "1e9"] {
        let mut url = alpha.url("/search");
        url.query_pairs_mut()
            .append_pair("q", "employers")
            .append_pair("page", page);
        let response = crate::harness::http_client()
            .get(url)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), StatusCode::OK, "page={page}");
    }

    // Nothing was broken or dropped.
    let (status, html) = search(&alpha, "employers", "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(results(&html).contains("Diaspora careers fair"), "{html}");
    alpha.stop().await;
}

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[tokio::test]
async fn what_followed_organizations_publish_is_found_and_has_a_page_linking_to_their_server() {
    let database = TestDatabase::create().await;
    let (alpha, token) = instance(&database).await;
    publish(&alpha, &token, "stories", trilingual_story()).await;
    let remote = TestActor::start().await;
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    remote.followed_by(&state, &inbox).await;

    let id = remote.base().join("articles/radio").expect("id");
    let page = remote.base().join("@ada/radio").expect("url");
    let article = json!({
        "id": id,
        "type": "Article",
        "attributedTo": remote.id("ada"),
        "name": "Community radio for the diaspora",
        "summary": "<p>Weekly shows &amp; podcasts for <strong>employers</strong> and workers</p>",
        "content": "<p>Voices from Lagos, Accra and Dakar.</p>",
        "contentMap": {"en": "<p>Voices from Lagos, Accra and Dakar.</p>"},
        "url": page,
        "published": "2026-11-01T10:00:00Z",
        "to": [PUBLIC],
    });
    let create = remote.activity("Create", article);
    assert_eq!(
        remote.post("ada", &inbox, &create, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );

    let (_, html) = search(&alpha, "podcasts", "en").await;
    let found = results(&html);
    assert!(
        found.contains("Community radio for the diaspora")
            && found.contains("href=\"/network/")
            && found.contains("class=\"card remote\"")
            && found.contains("From localhost"),
        "a network result, linking to its page here: {html}"
    );
    // Which links to the original, its canonical address, and is not indexed as ours.
    let start = found.find("href=\"/network/").expect("a link") + "href=\"".len();
    let path = &found[start..start + found[start..].find('"').expect("its end")];
    let item = reqwest::get(alpha.url(path))
        .await
        .expect("the network page")
        .text()
        .await
        .expect("its text");
    assert!(
        item.contains(&format!("<link rel=\"canonical\" href=\"{page}\">"))
            && item.contains("<meta name=\"robots\" content=\"noindex\">")
            && item.contains(&format!("href=\"{page}\" rel=\"nofollow noopener\"")),
        "{item}"
    );
    assert!(
        found.contains("podcasts for employers and workers") && !found.contains("strong"),
        "its summary as text: {found}"
    );
    // Ours and the network's together, each marked.
    let (_, html) = search(&alpha, "employers", "en").await;
    let found = results(&html);
    assert!(
        found.contains("Diaspora careers fair")
            && found.contains("Community radio")
            && found.matches("class=\"card remote\"").count() == 1,
        "{found}"
    );
    for markup in ["strong", "nofollow", "href"] {
        let (_, html) = search(&alpha, markup, "en").await;
        assert!(
            results(&html).is_empty(),
            "markup is not searched: {markup}"
        );
    }

    let delete = remote.activity("Delete", json!(id));
    assert_eq!(
        remote.post("ada", &inbox, &delete, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    let (_, html) = search(&alpha, "podcasts", "en").await;
    assert!(results(&html).is_empty(), "erased by its author: {html}");
    alpha.stop().await;
}

#[tokio::test]
async fn long_texts_in_many_languages_are_saved_and_found() {
    // PostgreSQL keeps at most 1 MB in one tsvector: twelve long bodies once made the
    // publication impossible to save. Only the start of each body is searched.
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let (_, token) = tokens::create(alpha.state().db(), "long")
        .await
        .expect("token");
    let mut text = serde_json::Map::new();
    for (index, language) in [
        "en", "ar", "fr", "es", "de", "it", "pt", "tr", "ru", "fa", "so", "sw",
    ]
    .into_iter()
    .enumerate()
    {
        let body: String = (0..9_000)
            .map(|word| format!("w{index}x{word} "))
            .collect::<String>();
        text.insert(
            language.to_string(),
            json!({"title": format!("Long {language}"), "summary": "Many words.", "body": body}),
        );
    }
    let (status, body) = api(
        reqwest::Method::POST,
        alpha.url("/api/v1/resources"),
        &token,
        Some(json!({"text": text, "resource": {"topic": "long reads"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, html) = search(&alpha, "w3x10", "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        results(&html).contains("Long"),
        "a word near the start is found"
    );
    alpha.stop().await;
}
