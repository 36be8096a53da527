//! The website: pages in four languages (Arabic right to left), the month calendar, the
//! iCalendar and Atom feeds, checked with real parsers.

use crate::harness::{TestDatabase, TestInstance};
use jisr::domain::tokens;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn page(
    url: url::Url,
    accept_language: &str,
) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let response = crate::harness::http_client()
        .get(url)
        .header("accept", "text/html")
        .header("accept-language", accept_language)
        .send()
        .await
        .expect("GET");
    let status = response.status();
    let headers = response.headers().clone();
    (status, response.text().await.unwrap_or_default(), headers)
}

/// An instance with one bilingual event on 14 March 2027 in Berlin.
async fn with_event(database: &TestDatabase) -> (TestInstance, Value) {
    let alpha = TestInstance::start(&database.url).await;
    let (_, token) = tokens::create(alpha.state().db(), "web")
        .await
        .expect("token");
    let event = json!({
        "text": {
            "en": {"title": "Diaspora Careers Fair", "summary": "Meet 30 employers."},
            "ar": {"title": "معرض الوظائف للمغتربين", "summary": "قابل ٣٠ جهة توظيف."}
        },
        "hashtags": ["Berlin"],
        "event": {"starts_at": "2027-03-14T10:00", "ends_at": "2027-03-14T16:00", "time_zone": "Europe/Berlin",
                  "place": {"name": "Rathaus Neukölln", "locality": "Berlin", "country": "DE",
                            "latitude": 52.4812, "longitude": 13.435}}
    });
    let response = crate::harness::http_client()
        .post(alpha.url("/api/v1/events"))
        .bearer_auth(&token)
        .json(&event)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("json");
    (alpha, created)
}

#[tokio::test]
async fn pages_come_in_the_readers_language_and_arabic_is_right_to_left() {
    let database = TestDatabase::create().await;
    let (alpha, created) = with_event(&database).await;
    let url = created["url"].as_str().expect("url");

    let (status, html, _) = page(alpha.url("/events"), "ar,en;q=0.5").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    assert!(html.contains("فعاليات"), "Arabic navigation: {html}");
    assert!(
        html.contains("معرض الوظائف للمغتربين"),
        "the Arabic title: {html}"
    );
    assert!(html.contains("١٤ مارس ٢٠٢٧"), "an Arabic date: {html}");

    let (_, html, _) = page(alpha.url("/events"), "en").await;
    assert!(html.contains("<html lang=\"en\" dir=\"ltr\">"));
    assert!(
        html.contains("Diaspora Careers Fair") && html.contains("Sunday 14 March 2027, 10:00"),
        "{html}"
    );

    let (_, html, headers) = page(alpha.url("/?lang=fr"), "en").await;
    assert!(
        html.contains("<html lang=\"fr\" dir=\"ltr\">") && html.contains("Événements à venir"),
        "{html}"
    );
    let cookie = headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        cookie.starts_with("jisr_lang=fr") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    // One language at a time: the reader's, with the others linked and announced.
    let (status, html, _) = page(url::Url::parse(url).expect("url"), "ar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<header lang=\"ar\" dir=\"rtl\">"), "{html}");
    assert!(html.contains("معرض الوظائف للمغتربين"), "{html}");
    assert!(
        !html.contains("Diaspora Careers Fair</h1>"),
        "one language: {html}"
    );
    assert!(
        html.contains("hreflang=\"en\"") && html.contains("lang=\"en\">English</a>"),
        "the English version linked by name: {html}"
    );
    assert!(
        html.contains("<bdi>Europe/Berlin (\u{2066}UTC+٠١:٠٠\u{2069})</bdi>"),
        "the time zone isolated: {html}"
    );
    let english = format!("{url}?lang=en");
    let (_, html, _) = page(url::Url::parse(&english).expect("url"), "ar").await;
    assert!(
        html.contains("<header lang=\"en\" dir=\"ltr\">")
            && html.contains("Diaspora Careers Fair</h1>")
            && html.contains("lang=\"ar\">العربية</a>"),
        "each version at its own URL: {html}"
    );
    assert!(html.contains("openstreetmap.org"), "a map link: {html}");
    // The event's time in the reader's own zone, on asking, without script.
    let dubai = format!("{url}?lang=en&tz=Asia/Dubai");
    let (_, html, _) = page(url::Url::parse(&dubai).expect("url"), "en").await;
    assert!(
        html.contains("In your time zone")
            && html
                .contains("Sunday 14 March 2027, 13:00 – Sunday 14 March 2027, 19:00 (Asia/Dubai)")
            && html.contains("Europe/Berlin (\u{2066}UTC+01:00\u{2069})"),
        "{html}"
    );
    assert!(html.contains("<datalist id=\"reader-zones\">"), "{html}");
    assert!(html.contains("calendar.ics"), "add to calendar: {html}");
    assert!(
        html.contains("fediverse:creator") && html.contains("og:title"),
        "{html}"
    );

    for path in [
        "/",
        "/stories",
        "/events",
        "/opportunities",
        "/resources",
        "/events/calendar",
    ] {
        for language in ["en", "ar", "fr", "es"] {
            let (status, html, _) = page(alpha.url(path), language).await;
            assert_eq!(status, StatusCode::OK, "{path} in {language}");
            assert!(
                html.contains(&format!("<html lang=\"{language}\"")),
                "{path} in {language}"
            );
        }
    }
    alpha.stop().await;
}

#[tokio::test]
async fn the_calendar_shows_events_on_their_day() {
    let database = TestDatabase::create().await;
    let (alpha, _) = with_event(&database).await;
    let (status, html, _) = page(alpha.url("/events/calendar?month=2027-03"), "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("March 2027"), "{html}");
    let day = html
        .find("<span class=\"day\">14</span>")
        .expect("the 14th");
    let next = html[day..]
        .find("<span class=\"day\">15</span>")
        .expect("the 15th")
        + day;
    assert!(
        html[day..next].contains("Diaspora Careers Fair"),
        "the event on the 14th: {}",
        &html[day..next]
    );
    let (_, html, _) = page(alpha.url("/events/calendar?month=2027-04"), "en").await;
    assert!(!html.contains("Diaspora Careers Fair"), "not in April");
    let (status, _, _) = page(alpha.url("/events/calendar?month=soon"), "en").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    alpha.stop().await;
}

#[tokio::test]
async fn the_calendar_feeds_are_valid_icalendar_with_exact_times() {
    let database = TestDatabase::create().await;
    let (alpha, created) = with_event(&database).await;
    let public_id = created["public_id"].as_str().expect("id");
    for path in [
        "/events.ics".to_string(),
        format!("/events/{public_id}/calendar.ics"),
    ] {
        let response = crate::harness::http_client()
            .get(alpha.url(&path))
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/calendar")
        );
        let text = response.text().await.expect("body");
        assert!(
            text.lines().all(|line| line.len() <= 76),
            "lines folded at 75 octets"
        );
        assert!(text.contains("\r\n"), "CRLF line endings");
        // Written in Berlin time, with Berlin's VTIMEZONE: 10:00 in March 2027 (UTC+1, before
        // the clocks change on the 28th) is 09:00 UTC.
        let event = crate::harness::ics::first_event(&text);
        assert_eq!(event.tzid, "Europe/Berlin");
        assert!(
            text.contains("DTSTART;TZID=Europe/Berlin:20270314T100000"),
            "{text}"
        );
        assert_eq!(event.starts_utc, "20270314T090000Z", "{text}");
        assert_eq!(event.ends_utc, "20270314T150000Z");
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"), "{text}");
        assert_eq!(event.summary, "Diaspora Careers Fair");
        assert_eq!(Some(event.uid.as_str()), created["url"].as_str());
        assert_eq!(event.geo.as_deref(), Some("52.4812;13.435"));
    }
    alpha.stop().await;
}

#[tokio::test]
async fn the_atom_feeds_list_what_was_published() {
    let database = TestDatabase::create().await;
    let (alpha, created) = with_event(&database).await;
    let response = crate::harness::http_client()
        .get(alpha.url("/events.atom"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    let feed = response.text().await.expect("feed");
    assert!(feed.starts_with("<?xml"), "{feed}");
    assert!(
        feed.contains(&format!(
            "<id>{}</id>",
            created["url"].as_str().expect("url")
        )),
        "{feed}"
    );
    assert!(
        feed.contains("<title>Diaspora Careers Fair</title>"),
        "{feed}"
    );
    let response = crate::harness::http_client()
        .get(alpha.url("/stories.atom"))
        .send()
        .await
        .expect("GET");
    assert!(
        !response.text().await.expect("feed").contains("<entry"),
        "no stories yet"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn the_about_page_comes_from_the_configuration() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.instance.contact = "info@ngb.example".to_string();
        config.instance.countries_of_origin = vec!["NG".to_string()];
        config.instance.countries_of_residence = vec!["DE".to_string()];
        config.instance.languages = vec!["en".to_string(), "de".to_string()];
    })
    .await;
    let (status, html, _) = page(alpha.url("/about"), "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("About Nigerian Diaspora Berlin"), "{html}");
    assert!(
        html.contains(&format!("@ngberlin@{}", alpha.config.instance.domain)),
        "the handle to follow: {html}"
    );
    assert!(html.contains("href=\"mailto:info@ngb.example\""), "{html}");
    // Countries and languages by name in the reader's language, never by code.
    assert!(
        html.contains("Nigeria") && html.contains("Germany") && html.contains("English, German"),
        "{html}"
    );
    let (_, html, _) = page(alpha.url("/about"), "ar").await;
    assert!(
        html.contains("<html lang=\"ar\" dir=\"rtl\">") && html.contains("بلدان الأصل"),
        "{html}"
    );
    assert!(
        html.contains("نيجيريا") && html.contains("ألمانيا") && html.contains("الألمانية"),
        "{html}"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn list_pages_filter_by_country_objective_language_and_kind() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let (_, token) = tokens::create(alpha.state().db(), "web")
        .await
        .expect("token");
    let publish = |kinds: &'static str, body: Value| {
        let url = alpha.url(&format!("/api/v1/{kinds}"));
        let token = token.clone();
        async move {
            let response = crate::harness::http_client()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("POST");
            assert_eq!(
                response.status(),
                StatusCode::CREATED,
                "{}",
                response.text().await.unwrap_or_default()
            );
        }
    };
    let consent = json!({"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true});
    publish("stories", json!({"text": {"en": {"title": "Amaka the nurse", "summary": "s"}}, "countries_of_origin": ["NG"],
        "gcm_objectives": [18], "story": {"category": "social", "consent": consent}})).await;
    publish(
        "stories",
        json!({"text": {"ar": {"title": "قصة سلمى", "summary": "s"}}, "countries_of_origin": ["SY"],
        "gcm_objectives": [5, 16], "story": {"category": "economic", "consent": consent}}),
    )
    .await;
    publish("opportunities", json!({"text": {"en": {"title": "Remote mentor", "summary": "s"}},
        "opportunity": {"kind": "volunteering", "remote": true, "apply_url": "https://a.example/apply"}})).await;
    publish(
        "opportunities",
        json!({"text": {"en": {"title": "Nurse in Berlin", "summary": "s"}},
        "opportunity": {"kind": "job", "place": "Berlin", "apply_url": "https://a.example/apply"}}),
    )
    .await;
    publish(
        "opportunities",
        json!({"text": {"en": {"title": "Closed grant", "summary": "s"}},
        "opportunity": {"kind": "grant", "remote": true, "deadline": "2020-01-31", "apply_url": "https://a.example/apply"}}),
    )
    .await;
    publish("resources", json!({"text": {"en": {"title": "Policy 2018", "summary": "s"}}, "resource": {"topic": "labour migration", "year": 2018}})).await;
    publish("resources", json!({"text": {"en": {"title": "Policy 2020", "summary": "s"}}, "resource": {"topic": "t", "year": 2020}})).await;

    for (path, present, absent) in [
        ("/stories?country=ng", "Amaka the nurse", "قصة سلمى"),
        ("/stories?gcm=5", "قصة سلمى", "Amaka the nurse"),
        ("/stories?gcm=1", "", "Amaka the nurse"),
        ("/stories?language=ar", "قصة سلمى", "Amaka the nurse"),
        ("/stories?category=social", "Amaka the nurse", "قصة سلمى"),
        (
            "/opportunities?remote=1",
            "Remote mentor",
            "Nurse in Berlin",
        ),
        (
            "/opportunities?kind=job",
            "Nurse in Berlin",
            "Remote mentor",
        ),
        ("/resources?year=2018", "Policy 2018", "Policy 2020"),
        (
            "/resources?topic=labour+migration",
            "Policy 2018",
            "Policy 2020",
        ),
        ("/opportunities", "Remote mentor", "Closed grant"),
        (
            "/opportunities?closed=1&remote=1",
            "Closed grant",
            "Nurse in Berlin",
        ),
        (
            "/stories?country=&gcm=&category=nonsense",
            "Amaka the nurse",
            "no-such-text",
        ),
    ] {
        let (status, html, _) = page(alpha.url(path), "en").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(present), "{path} should list {present:?}");
        assert!(!html.contains(absent), "{path} should not list {absent:?}");
    }
    let (_, html, _) = page(alpha.url("/stories?category=social"), "fr").await;
    assert!(
        html.contains("<option value=\"social\" selected>Social</option>"),
        "{html}"
    );
    alpha.stop().await;
}

#[tokio::test]
async fn hashtag_pages_list_what_carries_the_tag() {
    let database = TestDatabase::create().await;
    let (alpha, created) = with_event(&database).await;
    let url = created["url"].as_str().expect("url");
    let (_, html, _) = page(url.parse().expect("url"), "en").await;
    assert!(html.contains("href=\"/tags/berlin\""), "{html}");
    for path in ["/tags/berlin", "/tags/BERLIN", "/tags/%23Berlin"] {
        let (status, html, _) = page(alpha.url(path), "en").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("Diaspora Careers Fair"), "{path}: {html}");
    }
    let (status, html, _) = page(alpha.url("/tags/lagos"), "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Diaspora Careers Fair"));
    let (status, _, _) = page(alpha.url("/tags/not%20a%20tag"), "en").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The calendar feed takes the list's filters, a hashtag among them.
    let (_, html, _) = page(alpha.url("/tags/berlin"), "en").await;
    assert!(html.contains("href=\"/events.ics?tag=berlin\""), "{html}");
    let (_, html, _) = page(alpha.url("/events?country=de"), "en").await;
    assert!(html.contains("href=\"/events.ics?country=de\""), "{html}");
    for (path, present) in [
        ("/events.ics?tag=berlin", true),
        ("/events.ics?tag=lagos", false),
        ("/events.ics?country=DE", true),
        ("/events.ics?country=NG", false),
        ("/events.ics", true),
    ] {
        let (status, ics, _) = page(alpha.url(path), "en").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(ics.contains("BEGIN:VEVENT"), present, "{path}:\n{ics}");
    }
    // Capitals beyond ASCII are matched too (SQLite's lower() knows only ASCII).
    let (_, token) = tokens::create(alpha.state().db(), "tags")
        .await
        .expect("token");
    let response = crate::harness::http_client()
        .post(alpha.url("/api/v1/stories"))
        .bearer_auth(&token)
        .json(
            &json!({"text": {"fr": {"title": "Nos parcours", "summary": "Trois vies."}},
                      "hashtags": ["Émigrés"],
                      "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}}),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::CREATED);
    for path in ["/tags/%C3%A9migr%C3%A9s", "/tags/%C3%89migr%C3%A9s"] {
        let (status, html, _) = page(alpha.url(path), "fr").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("Nos parcours"), "{path}: {html}");
    }
    alpha.stop().await;
}

#[tokio::test]
async fn list_pages_page_through_everything_with_their_filters() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let (_, token) = tokens::create(alpha.state().db(), "pages")
        .await
        .expect("token");
    for number in 1..=26 {
        let response = crate::harness::http_client()
            .post(alpha.url("/api/v1/stories"))
            .bearer_auth(&token)
            .json(&json!({"text": {"en": {"title": format!("Story number {number}."), "summary": "s"}},
                          "countries_of_origin": ["NG"],
                          "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}}))
            .send()
            .await
            .expect("POST");
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let (_, first, _) = page(alpha.url("/stories?country=NG"), "en").await;
    assert!(first.contains("Story number 26."), "newest first");
    assert!(!first.contains("Story number 1."), "24 a page");
    assert!(
        first.contains("href=\"/stories?country=NG&#38;page=2\" rel=\"next\""),
        "{first}"
    );
    assert!(!first.contains("rel=\"prev\""));
    let (status, second, _) = page(alpha.url("/stories?country=NG&page=2"), "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(second.contains("Story number 1.") && second.contains("Story number 2."));
    assert!(
        second.contains("href=\"/stories?country=NG&#38;page=1\" rel=\"prev\""),
        "{second}"
    );
    assert!(!second.contains("rel=\"next\""));
    let (status, _, _) = page(alpha.url("/stories?page=99999999999"), "en").await;
    assert_eq!(status, StatusCode::OK, "a page far away is just empty");
    alpha.stop().await;
}

/// The headers every page a browser shows must carry (see `web::headers`).
fn assert_document_headers(what: &str, headers: &reqwest::header::HeaderMap) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name} in {headers:?}"))
    };
    let policy = header("content-security-policy");
    let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
    for directive in [
        "default-src 'none'",
        "style-src 'self'",
        // A story's image may be on the organization's own website (`image_url`).
        "img-src 'self' https:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(directives.contains(&directive), "{what}: {policy}");
    }
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("script-src"),
        "{what}: no script at all, nothing inline: {policy}"
    );
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("referrer-policy"), "same-origin", "{what}");
}

async fn get_with(url: url::Url, accept: &str) -> (StatusCode, reqwest::header::HeaderMap) {
    let response = crate::harness::http_client()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("GET");
    (response.status(), response.headers().clone())
}

#[tokio::test]
async fn every_page_has_the_security_headers_and_data_is_not_sniffed() {
    let database = TestDatabase::create().await;
    let (alpha, created) = with_event(&database).await;
    let publication = url::Url::parse(created["url"].as_str().expect("url")).expect("url");

    for (path, expected) in [
        ("/", StatusCode::OK),
        ("/stories", StatusCode::OK),
        ("/events", StatusCode::OK),
        ("/events/calendar", StatusCode::OK),
        ("/events/calendar?month=2027-03", StatusCode::OK),
        ("/opportunities", StatusCode::OK),
        ("/resources", StatusCode::OK),
        ("/about", StatusCode::OK),
        ("/search?q=careers", StatusCode::OK),
        ("/login", StatusCode::OK),
        ("/register", StatusCode::OK),
        ("/tags/berlin", StatusCode::OK),
        (publication.path(), StatusCode::OK),
        (
            "/events/calendar?month=soon",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/events/no-such-event", StatusCode::NOT_FOUND),
    ] {
        let (status, headers) = get_with(alpha.url(path), "text/html").await;
        assert_eq!(status, expected, "{path}");
        assert_document_headers(path, &headers);
        assert!(
            headers.get("strict-transport-security").is_none(),
            "{path}: no HSTS over http: {headers:?}"
        );
    }
    let (_, headers) = get_with(publication.clone(), "text/html").await;
    assert!(
        headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html"),
        "{headers:?}"
    );

    // Data for programs: never sniffed, and no page policy.
    let webfinger = format!(
        "/.well-known/webfinger?resource=acct:ngberlin@{}",
        alpha.config.instance.domain
    );
    for (path, accept) in [
        (publication.path(), "application/activity+json"),
        ("/actors/ngberlin", "application/activity+json"),
        (webfinger.as_str(), "application/jrd+json"),
        ("/nodeinfo/2.1", "application/json"),
        ("/events.ics", "text/calendar"),
        ("/events.atom", "application/atom+xml"),
        ("/static/style.css", "text/css"),
    ] {
        let (status, headers) = get_with(alpha.url(path), accept).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(
            headers.get("content-security-policy").is_none(),
            "{path}: {headers:?}"
        );
    }
    alpha.stop().await;
}

#[tokio::test]
async fn an_https_instance_asks_for_https_only() {
    let database = TestDatabase::create().await;
    // Behind its TLS proxy; the test talks to it in plain http, as the proxy does.
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.instance.scheme = Some(jisr::config::Scheme::Https);
    })
    .await;
    for (path, accept) in [
        ("/", "text/html"),
        ("/login", "text/html"),
        ("/no/such/page", "text/html"),
        ("/actors/ngberlin", "application/activity+json"),
    ] {
        let (_, headers) = get_with(alpha.url(path), accept).await;
        assert_eq!(
            headers
                .get("strict-transport-security")
                .and_then(|value| value.to_str().ok()),
            Some("max-age=31536000"),
            "{path}: {headers:?}"
        );
    }
    let (_, headers) = get_with(alpha.url("/"), "text/html").await;
    assert_document_headers("/ over https", &headers);
    alpha.stop().await;
}

/// The public ids of the stories `filters` finds, newest first.
async fn stories_found(
    db: &jisr::db::Db,
    filters: &jisr::domain::publication::Filters,
) -> Vec<String> {
    use jisr::domain::publication::{self, Kind, Listing};
    publication::list_filtered(db, Listing::Newest(Some(Kind::Story)), filters, 0, 10)
        .await
        .expect("list")
        .into_iter()
        .map(|found| found.public_id)
        .collect()
}

#[tokio::test]
async fn list_filters_follow_edits_and_deletes_and_a_failed_write_changes_nothing() {
    use jisr::domain::publication::{self, Filters, Input, Kind};
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let db = alpha.state().db();
    let draft = |body: Value| {
        Input::from_json(body.to_string().as_bytes())
            .expect("input")
            .validate(Kind::Story, &["en".to_string()])
            .expect("valid")
    };
    let story = |country: &str, tag: &str, gcm: u8, category: &str| {
        draft(json!({"text": {"en": {"title": "Amaka", "summary": "s"}},
            "countries_of_origin": [country], "hashtags": [tag], "gcm_objectives": [gcm],
            "story": {"category": category, "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true},
                      "image_url": "https://alpha.example/media/0199aa00bb11cc22dd33.jpg",
                      "image_alt": "Amaka"}}))
    };
    let filters = |country: &str, tag: &str, gcm: u8, category: &str| {
        [
            Filters {
                country: Some(country.to_string()),
                ..Filters::default()
            },
            Filters {
                hashtag: Some(tag.to_string()),
                ..Filters::default()
            },
            Filters {
                gcm: Some(gcm),
                ..Filters::default()
            },
            Filters {
                fields: vec![("category", Value::String(category.to_string()))],
                ..Filters::default()
            },
        ]
    };
    let now = chrono::Utc::now();
    let mut tx = db.begin_write().await.expect("begin");
    let created = publication::create(&mut tx, &story("NG", "Berlin", 5, "social"), now)
        .await
        .expect("create");
    tx.commit().await.expect("commit");
    let id = vec![created.public_id.clone()];
    for found in filters("ng", "BERLIN", 5, "social") {
        assert_eq!(stories_found(db, &found).await, id, "{found:?}");
    }

    let mut tx = db.begin_write().await.expect("begin");
    let edited = publication::update(&mut tx, &created, &story("SY", "Lagos", 7, "economic"), now)
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    for gone in filters("NG", "berlin", 5, "social") {
        assert!(stories_found(db, &gone).await.is_empty(), "{gone:?}");
    }
    for found in filters("SY", "lagos", 7, "economic") {
        assert_eq!(stories_found(db, &found).await, id, "{found:?}");
    }

    // An edit whose transaction is dropped leaves the rows as they were.
    let mut tx = db.begin_write().await.expect("begin");
    publication::update(&mut tx, &edited, &story("NG", "Berlin", 5, "social"), now)
        .await
        .expect("update");
    drop(tx);
    for found in filters("SY", "lagos", 7, "economic") {
        assert_eq!(stories_found(db, &found).await, id, "{found:?}");
    }

    let mut tx = db.begin_write().await.expect("begin");
    publication::delete(&mut tx, &edited, now)
        .await
        .expect("delete");
    tx.commit().await.expect("commit");
    let left = "select (select count(*) from publication_country) \
        + (select count(*) from publication_gcm_objective) \
        + (select count(*) from publication_hashtag) \
        + (select count(*) from publication_field) \
        + (select count(*) from publication_image)";
    let rows: i64 = match db {
        jisr::db::Db::Sqlite(pool) => sqlx::query_scalar(left).fetch_one(pool).await,
        jisr::db::Db::Postgres(pool) => sqlx::query_scalar(left).fetch_one(pool).await,
    }
    .expect("count");
    assert_eq!(rows, 0, "a deleted publication has no filter rows");
    alpha.stop().await;
}

#[tokio::test]
async fn errors_on_pages_are_pages_in_the_readers_language_and_federation_keeps_plain_answers() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;

    // A page route and an unknown path: a page in Arabic, right to left, with the status kept.
    for (path, status) in [
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/events/no-such-event", StatusCode::NOT_FOUND),
        ("/tags/not%20a%20tag", StatusCode::NOT_FOUND),
        (
            "/events/calendar?month=soon",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (got, body, headers) = page(alpha.url(path), "ar").await;
        assert_eq!(got, status, "{path}");
        assert!(
            headers["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/html"),
            "{path}: {headers:?}"
        );
        assert!(body.contains("dir=\"rtl\""), "{path}: {body}");
        assert!(
            body.contains("<header class=\"site\">"),
            "{path}: the site's frame"
        );
        if status == StatusCode::NOT_FOUND {
            assert!(body.contains("غير موجود"), "{path}: {body}");
        }
    }
    let (_, body, _) = page(alpha.url("/no/such/page"), "fr").await;
    assert!(body.contains("Il n’y a pas de page"), "{body}");

    // ActivityPub clients and federation routes keep their plain answers.
    let response = crate::harness::http_client()
        .get(alpha.url("/actors/nobody"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain"),
        "{:?}",
        response.headers()
    );
    let response = crate::harness::http_client()
        .post(alpha.url("/inbox"))
        .header("accept", "text/html")
        .header("content-type", "application/activity+json")
        .body("{not json")
        .send()
        .await
        .expect("POST");
    assert!(response.status().is_client_error(), "{}", response.status());
    assert!(
        !response.text().await.unwrap_or_default().contains("<html"),
        "the inbox answers in plain words"
    );
    alpha.stop().await;
}

/// The embeddable calendar: any site may frame it, and only it; it lists the next events of
/// the same selection as `/events`, opens every link in a new tab and holds no form.
#[tokio::test]
async fn the_calendar_can_be_embedded_and_nothing_else_can() {
    let database = TestDatabase::create().await;
    let (alpha, _) = with_event(&database).await;

    let response = crate::harness::http_client()
        .get(alpha.url("/embed/events?lang=ar"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let html = response.text().await.expect("body");
    let policy = headers
        .get("content-security-policy")
        .and_then(|value| value.to_str().ok())
        .expect("a policy");
    let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
    for directive in [
        "default-src 'none'",
        "frame-ancestors *",
        "form-action 'none'",
        "base-uri 'none'",
    ] {
        assert!(directives.contains(&directive), "{policy}");
    }
    assert!(headers.get("x-frame-options").is_none(), "{headers:?}");
    assert!(html.contains("معرض الوظائف للمغتربين"), "{html}");
    assert!(html.contains("dir=\"rtl\""), "in the language asked for");
    assert!(
        !html.contains("<form"),
        "nothing to post from a framed page"
    );
    assert!(
        html.matches("<a ").count() == html.matches("target=\"_blank\"").count(),
        "every link leaves the frame: {html}"
    );

    let (status, html, _) = page(alpha.url("/embed/events?tag=nowhere"), "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("Diaspora Careers Fair"),
        "filtered like /events"
    );

    for path in ["/events", "/embed/nothing", "/about"] {
        let (_, headers) = get_with(alpha.url(path), "text/html").await;
        assert_document_headers(path, &headers);
    }
    let (_, about, _) = page(alpha.url("/about"), "en").await;
    assert!(
        about.contains(&alpha.url("/embed/events").to_string()),
        "the about page gives the code to paste: {about}"
    );
    alpha.stop().await;
}

/// An event with a point shows it on a map of the configured tiles (OpenStreetMap's by
/// default) with their attribution; without tiles, the address and a map link remain.
#[tokio::test]
async fn an_event_with_a_point_is_on_a_map_and_without_tiles_still_has_its_address() {
    let database = TestDatabase::create().await;
    let (alpha, created) = with_event(&database).await;
    let event = url::Url::parse(created["url"].as_str().expect("url")).expect("url");
    let (status, html, _) = page(event.clone(), "ar").await;
    assert_eq!(status, StatusCode::OK);
    // Rathaus Neukölln (52.4812, 13.435) is in tile 35213/21504 at zoom 16.
    assert!(
        html.contains("src=\"https://tile.openstreetmap.org/16/35213/21504.png\""),
        "{html}"
    );
    assert!(html.contains("referrerpolicy=\"strict-origin\""));
    assert!(html.contains("class=\"map\" dir=\"ltr\" role=\"img\" aria-label=\""));
    assert!(html.contains("© OpenStreetMap contributors"));
    assert!(
        html.contains("https://www.openstreetmap.org/?mlat=52.4812&amp;mlon=13.435")
            || html.contains("https://www.openstreetmap.org/?mlat=52.4812&#38;mlon=13.435"),
        "{html}"
    );
    alpha.stop().await;

    let bare = TestInstance::start_with(&database.url, |config| {
        config.website.map_tiles = String::new();
    })
    .await;
    let (status, html, _) = page(bare.url(event.path()), "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("class=\"map\""), "no tiles, no map");
    assert!(html.contains("Rathaus Neukölln") && html.contains("www.openstreetmap.org/?mlat="));
    bare.stop().await;
}

/// A GET of `path` with `headers`: its status, headers and body as sent.
async fn get_with_headers(
    alpha: &TestInstance,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = crate::harness::http_client().get(alpha.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("GET");
    let status = response.status();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .map(|value| value.to_str().expect("text").to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn feeds_answer_conditional_requests_and_come_gzipped() {
    let database = TestDatabase::create().await;
    let (alpha, created) = with_event(&database).await;
    for path in ["/events.ics", "/events.atom"] {
        let (status, headers, plain) = get_with_headers(&alpha, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let etag = header(&headers, "etag");
        let modified = header(&headers, "last-modified");
        assert!(etag.starts_with("W/\""), "{path}: {etag}");
        assert!(modified.ends_with(" GMT"), "{path}: {modified}");
        assert!(
            header(&headers, "vary").contains("Accept-Language"),
            "{path}"
        );

        // The client's copy is current: 304, nothing sent, the same validators.
        let (status, headers, body) =
            get_with_headers(&alpha, path, &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(body.is_empty());
        assert_eq!(header(&headers, "etag"), etag);
        let (status, _, _) =
            get_with_headers(&alpha, path, &[("if-modified-since", &modified)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        let (status, _, _) =
            get_with_headers(&alpha, path, &[("if-none-match", "W/\"another\"")]).await;
        assert_eq!(status, StatusCode::OK, "{path}");

        // Gzipped for a client that accepts it, the same document; under a kilobyte, as it is.
        let (status, headers, packed) =
            get_with_headers(&alpha, path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(status, StatusCode::OK);
        if plain.len() < 1024 {
            assert_eq!(header(&headers, "content-encoding"), "", "{path}");
            assert_eq!(packed, plain, "{path}");
            continue;
        }
        assert_eq!(header(&headers, "content-encoding"), "gzip", "{path}");
        assert!(packed.len() < plain.len(), "{path}");
        assert_eq!(
            crate::harness::gunzip(&packed),
            String::from_utf8(plain).expect("UTF-8"),
            "{path}"
        );
    }
    // Pages are gzipped too.
    let (_, headers, packed) = get_with_headers(
        &alpha,
        "/events",
        &[("accept", "text/html"), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert!(crate::harness::gunzip(&packed).contains("Diaspora Careers Fair"));

    // An edit: the old validator gets the new feed, under a new one.
    let (_, headers, _) = get_with_headers(&alpha, "/events.ics", &[]).await;
    let etag = header(&headers, "etag");
    let (_, token) = tokens::create(alpha.state().db(), "edit")
        .await
        .expect("token");
    let public_id = created["public_id"].as_str().expect("id");
    let response = crate::harness::http_client()
        .put(alpha.url(&format!("/api/v1/events/{public_id}")))
        .bearer_auth(&token)
        .json(&json!({
            "text": {"en": {"title": "Diaspora Careers Fair, new hall", "summary": "Meet 30 employers."}},
            "event": {"starts_at": "2027-03-14T10:00", "ends_at": "2027-03-14T16:00",
                      "time_zone": "Europe/Berlin",
                      "place": {"name": "Rathaus Neukölln", "locality": "Berlin", "country": "DE"}}
        }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), StatusCode::OK);
    let (status, headers, body) =
        get_with_headers(&alpha, "/events.ics", &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(header(&headers, "etag"), etag);
    assert!(
        String::from_utf8_lossy(&body).contains("new hall"),
        "the edit"
    );
    alpha.stop().await;
}

/// Publishes an online event called `title` from `starts` for `hours`, in UTC; returns it.
async fn event_at(
    alpha: &TestInstance,
    token: &str,
    title: &str,
    starts: chrono::DateTime<chrono::Utc>,
    hours: i64,
) -> Value {
    let local = |moment: chrono::DateTime<chrono::Utc>| moment.format("%Y-%m-%dT%H:%M").to_string();
    let response = crate::harness::http_client()
        .post(alpha.url("/api/v1/events"))
        .bearer_auth(token)
        .json(&json!({
            "text": {"en": {"title": title, "summary": "An event."}},
            "event": {"starts_at": local(starts), "ends_at": local(starts + chrono::Duration::hours(hours)),
                      "time_zone": "UTC", "online_url": "https://meet.example/room"}
        }))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::CREATED, "{title}");
    response.json().await.expect("json")
}

#[tokio::test]
async fn the_calendar_feed_holds_a_window_of_events() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let (_, token) = tokens::create(alpha.state().db(), "web")
        .await
        .expect("token");
    let now = chrono::Utc::now();
    let days = chrono::Duration::days;
    event_at(&alpha, &token, "Forty days ago", now - days(40), 2).await;
    event_at(&alpha, &token, "Ten days ago", now - days(10), 2).await;
    event_at(
        &alpha,
        &token,
        "Running for two months",
        now - days(50),
        60 * 24,
    )
    .await;
    event_at(&alpha, &token, "In two hundred days", now + days(200), 2).await;
    event_at(&alpha, &token, "In four hundred days", now + days(400), 2).await;
    let summaries = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|line| line.strip_prefix("SUMMARY;LANGUAGE=en:"))
            .map(|summary| summary.trim_end().to_string())
            .collect()
    };

    // From 30 days ago to a year ahead, the first first.
    let (status, headers, body) = get_with_headers(&alpha, "/events.ics", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        summaries(&String::from_utf8_lossy(&body)),
        [
            "Running for two months",
            "Ten days ago",
            "In two hundred days"
        ]
    );
    assert!(headers.get("link").is_none(), "all of it fits");

    // Another window, by day or by moment.
    let day = |moment: chrono::DateTime<chrono::Utc>| moment.format("%Y-%m-%d").to_string();
    let path = format!(
        "/events.ics?from={}&to={}",
        day(now - days(45)),
        day(now - days(35))
    );
    let (_, _, body) = get_with_headers(&alpha, &path, &[]).await;
    assert_eq!(
        summaries(&String::from_utf8_lossy(&body)),
        ["Running for two months", "Forty days ago"]
    );
    let from = (now + days(300)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let path = format!("/events.ics?from={}", from.replace('+', "%2B"));
    let (_, _, body) = get_with_headers(&alpha, &path, &[]).await;
    assert_eq!(
        summaries(&String::from_utf8_lossy(&body)),
        ["In four hundred days"]
    );
    let (status, _, _) = get_with_headers(&alpha, "/events.ics?from=soon", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    alpha.stop().await;
}

#[tokio::test]
async fn events_are_listed_while_they_run() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start(&database.url).await;
    let (_, token) = tokens::create(alpha.state().db(), "web")
        .await
        .expect("token");
    let now = chrono::Utc::now();
    let days = chrono::Duration::days;
    let hours = chrono::Duration::hours;
    event_at(&alpha, &token, "Over yesterday", now - days(2), 24).await;
    event_at(&alpha, &token, "Two days of talks", now - hours(20), 48).await;
    event_at(&alpha, &token, "A season of films", now - days(40), 24 * 60).await;
    event_at(&alpha, &token, "Next week's fair", now + days(7), 3).await;
    let titles = |html: &str| -> Vec<&str> {
        [
            "Over yesterday",
            "Two days of talks",
            "A season of films",
            "Next week's fair",
        ]
        .into_iter()
        .filter(|title| html.contains(&title.replace('\'', "&#39;")))
        .collect()
    };
    // A short event and a long one running now, then what comes; not what is over.
    let (_, html, _) = page(alpha.url("/events"), "en").await;
    assert_eq!(
        titles(&html),
        ["Two days of talks", "A season of films", "Next week's fair"]
    );
    let first = html.find("A season of films").expect("listed");
    assert!(
        first < html.find("Two days of talks").expect("listed"),
        "the one that started first comes first"
    );
    let (_, html, _) = page(alpha.url("/"), "en").await;
    assert!(html.contains("A season of films"), "on the home page too");
    // This month's calendar shows the long one (it runs through the whole month or part of it).
    let (_, html, _) = page(alpha.url("/events/calendar"), "en").await;
    assert!(html.contains("A season of films"), "{html}");
    alpha.stop().await;
}
