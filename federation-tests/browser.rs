//! The website in a real browser (headless Chromium, federation-tests/browser/run.mjs): full-page
//! screenshots of the main pages (the directory among them) and of a publication of each kind
//! in English, Arabic, French and Spanish at desktop and phone widths, axe-core with no serious
//! or critical violation, no sideways scrolling at 390 and 320 px, no message key, untranslated
//! message or language or country code on any page, Arabic right to left; and an
//! organization that registers, logs in and publishes a bilingual event through the forms, which
//! then shows in the month calendar and as an iCalendar file. And run.mjs's one retry of a
//! screenshot Chromium refused, on made-up errors (no browser needed).
//!
//! The screenshots, `result.json` and Chromium's log `chromium.log` stay in
//! `$CARGO_TARGET_TMPDIR/browser/<database>/` for a person to look at; the test prints that path.
//! A screenshot Chromium refused once and gave the second time is announced as RETRIED.

use crate::harness::remote::{Forgery, TestActor};
use crate::harness::{TestDatabase, TestInstance, browser};
use chrono::{Duration, NaiveDateTime, TimeZone, Utc};
use jisr::domain::tokens;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;

const TEST: &str = "browser::the_website_in_a_browser";

/// Whether the account and publishing flow runs too (always, unless `JISR_BROWSER_FLOW=0`
/// while working on the pages alone).
fn flow_enabled() -> bool {
    std::env::var("JISR_BROWSER_FLOW").map_or(true, |value| value != "0")
}

/// Members' price reports of Germany → Nigeria on the network, for its corridor page: two
/// providers, one with an outlier.
async fn price_reports(alpha: &TestInstance) {
    use jisr::domain::remittances::reports::{self, NewReport, ReportInput, Transfer};
    let db = alpha.state().db();
    let day = Utc::now().date_naive() - Duration::days(3);
    jisr::domain::remittances::rates::set_admin_rate(db, day, "NGN", 1_750.0)
        .await
        .expect("rate");
    let mut tx = db.begin_write().await.expect("tx");
    for (index, (provider, channel, received)) in [
        ("Lemfi", "online", "343000"),
        ("Lemfi", "online", "344500"),
        ("Lemfi", "online", "342000"),
        ("Lemfi", "online", "280000"),
        ("Western Union", "cash", "330000"),
        ("Western Union", "bank", "332500"),
    ]
    .into_iter()
    .enumerate()
    {
        let transfer = Transfer::check(
            &ReportInput {
                provider: provider.to_string(),
                channel: channel.to_string(),
                sending: "DE".to_string(),
                receiving: "NG".to_string(),
                send_currency: "EUR".to_string(),
                receive_currency: "NGN".to_string(),
                amount_sent: "200".to_string(),
                fee: "2.50".to_string(),
                amount_received: received.to_string(),
                sent_on: day.to_string(),
                duration: "minutes".to_string(),
            },
            Utc::now().date_naive(),
        )
        .expect("a report");
        let cost = jisr::domain::remittances::rates::total_cost_percent(
            200.0,
            2.5,
            transfer.amount_received,
            1_750.0,
        );
        let ap_id = format!("https://beta.jisr.test/remittances/reports/{index}");
        reports::store(
            &mut tx,
            &NewReport {
                ap_id: &ap_id,
                public_id: None,
                account_id: None,
                actor_ap_id: "https://beta.jisr.test/actors/awa",
                transfer: &transfer,
                mid_rate: 1_750.0,
                total_cost: cost,
                published_at: Utc::now(),
                updated_at: Utc::now(),
            },
        )
        .await
        .expect("store");
    }
    tx.commit().await.expect("commit");
}

/// Something on every main page, in English and Arabic: an event from today to the day after
/// tomorrow, a story, an
/// opportunity and a resource.
async fn publish_some(alpha: &TestInstance) {
    let (_, token) = tokens::create(alpha.state().db(), "browser")
        .await
        .expect("token");
    // From today to the day after tomorrow: upcoming, and in this month's calendar.
    let today = Utc::now().date_naive();
    let (first, last) = (today, today + Duration::days(2));
    let items = [
        (
            "events",
            json!({
                "text": {
                    "en": {"title": "Diaspora Careers Fair", "summary": "Meet 30 employers."},
                    "ar": {"title": "معرض الوظائف للمغتربين", "summary": "قابل ٣٠ جهة توظيف."}
                },
                "hashtags": ["Berlin"],
                "gcm_objectives": [6, 18],
                "countries_of_origin": ["NG", "GH"],
                "event": {"starts_at": format!("{first}T10:00"), "ends_at": format!("{last}T16:00"),
                          "time_zone": "Europe/Berlin",
                          "place": {"name": "Rathaus Neukölln", "locality": "Berlin", "country": "DE",
                                    "latitude": 52.4812, "longitude": 13.435},
                          // Drawn by run.mjs, like the map tiles.
                          "image_url": "https://pictures.jisr.test/fair.svg",
                          "image_alt": "Stands of employers in a town hall"}
            }),
        ),
        (
            "stories",
            json!({
                "text": {
                    "en": {"title": "Amaka the nurse", "summary": "From Lagos to a Berlin hospital.",
                           "body": "Amaka arrived in 2019 and now trains new nurses."},
                    "ar": {"title": "أماكا الممرضة", "summary": "من لاغوس إلى مستشفى في برلين."}
                },
                "countries_of_origin": ["NG"],
                "countries_of_residence": ["DE"],
                "gcm_objectives": [18, 19],
                "gcm_categories": [2, 7],
                "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true},
                          "image_url": "https://pictures.jisr.test/amaka.svg",
                          "image_alt": "Amaka in her nurse's uniform"}
            }),
        ),
        (
            "opportunities",
            json!({
                "text": {
                    "en": {"title": "Remote mentor", "summary": "One hour a week with a newcomer."},
                    "ar": {"title": "مرشد عن بعد", "summary": "ساعة في الأسبوع مع قادم جديد."}
                },
                "gcm_objectives": [16, 19],
                "gcm_categories": [9],
                "countries_of_origin": ["SY"],
                "opportunity": {"kind": "volunteering", "remote": true,
                                "apply_url": "https://ngb.example/apply"}
            }),
        ),
        (
            "resources",
            json!({
                "text": {
                    "en": {"title": "Skilled Immigration Act", "summary": "What changed in 2020."},
                    "ar": {"title": "قانون هجرة العمالة الماهرة", "summary": "ما الذي تغير في ٢٠٢٠."}
                },
                "resource": {"topic": "work", "year": 2020}
            }),
        ),
    ];
    for (kinds, body) in items {
        let response = crate::harness::http_client()
            .post(alpha.url(&format!("/api/v1/{kinds}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{kinds}: {}",
            response.text().await.unwrap_or_default()
        );
    }
}

/// What the network shows: an organization alpha follows (a test actor, which says of itself
/// what the directory shows, its logo drawn by run.mjs) publishes an event of its own, in
/// English and Arabic, in its own time zone, and a story; and replies to alpha's story, which
/// alpha shows at once (its policy is `open` here).
async fn network_content(alpha: &TestInstance) {
    const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
    let remote = TestActor::start().await;
    let remote = remote.clone().with_profile(json!({
        "type": "Organization",
        "name": "Sudanese Diaspora Berlin",
        "summary": "<p>Sudanese families in Berlin: language classes, health advice and festivals.</p>",
        "url": remote.base().join("@ada").expect("page"),
        "icon": {"type": "Image", "mediaType": "image/svg+xml", "url": "https://pictures.jisr.test/sdb.svg"},
        "countriesOfOrigin": ["SD"],
        "countriesOfResidence": ["DE"],
        "languages": ["ar", "de"],
        "sectors": ["health", "culture"],
        "attachment": [{"type": "PropertyValue", "name": "Website",
                        "value": "<a href=\"https://sdb.example/\">sdb.example</a>"}],
    }));
    let inbox = alpha.url("/inbox");
    remote.followed_by(alpha.state(), &inbox).await;
    let tomorrow = Utc::now().date_naive() + Duration::days(1);
    let event = json!({
        "id": remote.base().join("events/iftar").expect("id"),
        "type": "Event",
        "attributedTo": remote.id("ada"),
        "name": "Sudanese community iftar",
        "nameMap": {"en": "Sudanese community iftar", "ar": "إفطار الجالية السودانية"},
        "summary": "<p>Dinner together after sunset; everyone is welcome.</p>",
        "summaryMap": {"en": "<p>Dinner together after sunset; everyone is welcome.</p>",
                       "ar": "<p>عشاء معًا بعد الغروب؛ الجميع مدعوون.</p>"},
        "content": "<p>Bring a dish if you can.</p>",
        "contentMap": {"en": "<p>Bring a dish if you can.</p>", "ar": "<p>أحضر طبقًا إن استطعت.</p>"},
        "startTime": format!("{tomorrow}T18:30:00+01:00"),
        "endTime": format!("{tomorrow}T22:00:00+01:00"),
        "timezone": "Europe/Berlin",
        "location": {"type": "Place", "name": "Nachbarschaftshaus",
                     "address": {"type": "PostalAddress", "addressLocality": "Berlin", "addressCountry": "DE"}},
        "countriesOfOrigin": ["SD"],
        "tag": [{"type": "Hashtag", "name": "#Berlin"}],
        "published": Utc::now().to_rfc3339(),
        "to": [PUBLIC],
    });
    let story = json!({
        "id": remote.base().join("articles/school").expect("id"),
        "type": "Article",
        "attributedTo": remote.id("ada"),
        "name": "A Saturday school in Arabic",
        "nameMap": {"en": "A Saturday school in Arabic", "ar": "مدرسة السبت بالعربية"},
        "summary": "<p>Forty children learn to read and write Arabic every week.</p>",
        "summaryMap": {"en": "<p>Forty children learn to read and write Arabic every week.</p>",
                       "ar": "<p>أربعون طفلًا يتعلمون القراءة والكتابة بالعربية كل أسبوع.</p>"},
        "content": "<p>Volunteers teach in a community centre.</p>",
        "countriesOfOrigin": ["SD"],
        "countriesOfResidence": ["DE"],
        "gcmObjectives": [16, 19],
        "gcmCategories": [6],
        "published": Utc::now().to_rfc3339(),
        "to": [PUBLIC],
    });
    for object in [event, story] {
        let (status, body) = remote
            .post(
                "ada",
                &inbox,
                &remote.activity("Create", object),
                Forgery::None,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    // A reply to alpha's story, in Arabic.
    let ours = jisr::domain::publication::list(
        alpha.state().db(),
        Some(jisr::domain::publication::Kind::Story),
        0,
        1,
    )
    .await
    .expect("stories");
    let story_id = alpha
        .state()
        .urls()
        .publication(ours[0].kind, &ours[0].public_id);
    let reply = json!({
        "id": remote.base().join("notes/congratulations").expect("id"),
        "type": "Note",
        "attributedTo": remote.id("ada"),
        "inReplyTo": story_id,
        "content": "<p>مبروك يا أماكا! قصة ملهمة.</p>",
        "contentMap": {"ar": "<p>مبروك يا أماكا! قصة ملهمة.</p>"},
        "published": Utc::now().to_rfc3339(),
        "to": [PUBLIC],
    });
    let (status, body) = remote
        .post(
            "ada",
            &inbox,
            &remote.activity("Create", reply),
            Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    forum_content(alpha, &remote).await;
    moderation_content(alpha).await;
}

/// A block and a limit with their public reasons (one obfuscated), for `/admin/domains`,
/// `/admin/log` and the public log; an account suspended and one limited, for
/// `/admin/accounts`.
async fn moderation_content(alpha: &TestInstance) {
    use jisr::domain::policy::{DomainPolicy, Severity};
    let mut block = DomainPolicy::new("spam.example", Severity::Block);
    block.public_comment = "Spam and harassment".to_string();
    block.private_comment = "Reported by three members in March".to_string();
    let mut limit = DomainPolicy::new("noisy.example", Severity::Limit);
    limit.public_comment = "Unmoderated; many reports".to_string();
    limit.obfuscate = true;
    // A report from a visitor about the forum's Arabic thread, for the queue.
    let thread = jisr::domain::forums::threads(alpha.state().db(), 1, 1, 0)
        .await
        .expect("threads");
    if let Some(thread) = thread.first() {
        jisr::federation::reports::file(
            alpha.state(),
            &jisr::domain::reports::NewReport {
                reporter: jisr::domain::reports::Reporter::Visitor,
                target_actor: thread.author_ap_id.clone(),
                objects: vec![thread.ap_id.clone()],
                target_kind: jisr::domain::reports::TargetKind::ForumPost,
                reason: jisr::domain::reports::Reason::Misinformation,
                comment: "المعلومات عن المواعيد غير صحيحة.".to_string(),
                forward: false,
            },
        )
        .await
        .expect("report");
    }
    for policy in [block, limit] {
        jisr::federation::policy::set(
            alpha.state(),
            &jisr::domain::audit::Who::command_line(),
            &policy,
        )
        .await
        .expect("policy");
    }
    // Two accounts of other servers, one suspended and one limited, for `/admin/accounts`.
    use jisr::domain::account_policy::AccountSeverity;
    for (id, severity, reason) in [
        (
            "https://social.example/users/troll",
            AccountSeverity::Suspend,
            "تهديدات متكررة لأعضاء المنتدى",
        ),
        (
            "https://mastodon.example/users/a-very-long-username-that-must-wrap-on-phones",
            AccountSeverity::Limit,
            "Off-topic advertising in three threads",
        ),
    ] {
        let subject = jisr::federation::suspensions::subject(alpha.state(), id)
            .await
            .expect("subject");
        jisr::federation::suspensions::set(
            alpha.state(),
            &jisr::domain::audit::Who::command_line(),
            &subject,
            severity,
            reason,
        )
        .await
        .expect("account policy");
    }
}

/// A forum in four languages with a thread in Arabic and a reply in English, both from the
/// organization alpha follows, as Mastodon users post into a group.
async fn forum_content(alpha: &TestInstance, remote: &TestActor) {
    const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
    let texts = [
        (
            "en",
            "Housing & residency",
            "Finding a flat, registering an address, residence permits.",
        ),
        (
            "ar",
            "السكن والإقامة",
            "البحث عن شقة، وتسجيل العنوان، وتصاريح الإقامة.",
        ),
        (
            "fr",
            "Logement et séjour",
            "Trouver un logement, déclarer son adresse, titres de séjour.",
        ),
        (
            "es",
            "Vivienda y residencia",
            "Buscar piso, empadronarse, permisos de residencia.",
        ),
    ];
    jisr::federation::forums::create(
        alpha.state(),
        &jisr::domain::forums::NewForum {
            slug: "majlis".to_string(),
            kind: "discussion".to_string(),
            posting: "anyone".to_string(),
            texts: texts
                .iter()
                .map(|(language, name, description)| {
                    (
                        language.to_string(),
                        jisr::domain::forums::ForumText {
                            name: name.to_string(),
                            description: description.to_string(),
                        },
                    )
                })
                .collect(),
            hold_remote: false,
        },
    )
    .await
    .expect("forum");
    let group = alpha.url("/actors/majlis");
    let inbox = alpha.url("/inbox");
    let thread_id = remote.base().join("notes/anmeldung").expect("id");
    let thread = json!({
        "id": thread_id,
        "type": "Note",
        "attributedTo": remote.id("ada"),
        "content": "<p>كيف أسجّل عنواني في برلين؟</p><p>انتقلت الأسبوع الماضي ولا أعرف من أين أبدأ.</p>",
        "contentMap": {"ar": "<p>كيف أسجّل عنواني في برلين؟</p><p>انتقلت الأسبوع الماضي ولا أعرف من أين أبدأ.</p>"},
        "tag": [{"type": "Mention", "href": group, "name": "@majlis"}],
        "published": Utc::now().to_rfc3339(),
        "to": [PUBLIC, group],
    });
    let reply = json!({
        "id": remote.base().join("notes/anmeldung-answer").expect("id"),
        "type": "Note",
        "attributedTo": remote.id("ada"),
        "inReplyTo": thread_id,
        "content": "<p>Book an appointment at any Bürgeramt and bring your lease and the landlord's confirmation.</p>",
        "contentMap": {"en": "<p>Book an appointment at any Bürgeramt and bring your lease and the landlord's confirmation.</p>"},
        "published": Utc::now().to_rfc3339(),
        "to": [PUBLIC, group],
    });
    // A forum that holds other servers' posts, with one waiting: its moderators see it, with
    // their buttons, on the forum's page and on /admin/replies.
    jisr::federation::forums::create(
        alpha.state(),
        &jisr::domain::forums::NewForum {
            slug: "arrivals".to_string(),
            kind: "discussion".to_string(),
            posting: "anyone".to_string(),
            texts: [
                ("en", "New arrivals", "Your first weeks."),
                ("ar", "الوافدون الجدد", "أسابيعك الأولى."),
                ("fr", "Nouveaux arrivants", "Vos premières semaines."),
                ("es", "Recién llegados", "Tus primeras semanas."),
            ]
            .iter()
            .map(|(language, name, description)| {
                (
                    language.to_string(),
                    jisr::domain::forums::ForumText {
                        name: name.to_string(),
                        description: description.to_string(),
                    },
                )
            })
            .collect(),
            hold_remote: true,
        },
    )
    .await
    .expect("forum");
    let arrivals = alpha.url("/actors/arrivals");
    let held = json!({
        "id": remote.base().join("notes/german-courses").expect("id"),
        "type": "Note",
        "attributedTo": remote.id("ada"),
        "content": "<p>أين أتعلم الألمانية مجانًا؟</p><p>أبحث عن دورة مسائية.</p>",
        "contentMap": {"ar": "<p>أين أتعلم الألمانية مجانًا؟</p><p>أبحث عن دورة مسائية.</p>"},
        "tag": [{"type": "Mention", "href": arrivals, "name": "@arrivals"}],
        "published": Utc::now().to_rfc3339(),
        "to": [PUBLIC, arrivals],
    });
    for object in [thread, reply, held] {
        let (status, body) = remote
            .post(
                "ada",
                &inbox,
                &remote.activity("Create", object),
                Forgery::None,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
}

/// The event the flow published, from `event.ics`: its summary and UTC start and end are those
/// of the form (18:00 to 20:00 in Berlin on the date run.mjs reports).
fn check_event_ics(out: &std::path::Path, flow: &Value) {
    let path = out.join("event.ics");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let event = crate::harness::ics::first_event(&text);
    let utc = |local: &str| {
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M")
            .unwrap_or_else(|error| panic!("{local}: {error}"));
        chrono_tz::Europe::Berlin
            .from_local_datetime(&naive)
            .single()
            .expect("one instant in Berlin")
            .with_timezone(&Utc)
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
    };
    let starts = flow["starts"].as_str().expect("starts");
    let ends = flow["ends"].as_str().expect("ends");
    // 18:00 in Berlin is 17:00 UTC in winter, 16:00 UTC in summer: the file's own VTIMEZONE
    // must say the same as the time zone database.
    assert_eq!(event.tzid, "Europe/Berlin", "{text}");
    assert_eq!(event.starts_utc, utc(starts), "{text}");
    assert_eq!(event.ends_utc, utc(ends), "{text}");
    assert_eq!(
        Some(event.summary.as_str()),
        flow["titles"]["en"].as_str(),
        "{text}"
    );
}

#[tokio::test]
async fn the_website_in_a_browser() {
    let started = std::time::Instant::now();
    let database = TestDatabase::create().await;
    let kind = if database.url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.instance.languages = vec!["en".into(), "ar".into()];
        config.instance.contact = "info@ngb.example".to_string();
        config.instance.countries_of_origin = vec!["NG".to_string(), "SY".to_string()];
        config.instance.countries_of_residence = vec!["DE".to_string()];
        config.instance.sectors = vec!["education".to_string(), "health".to_string()];
        // Answered by the browser test itself (run.mjs draws the tiles): no tile server.
        config.website.map_tiles = "https://tiles.jisr.test/{z}/{x}/{y}.png".to_string();
        config.website.replies = "open".to_string();
    })
    .await;
    publish_some(&alpha).await;
    network_content(&alpha).await;
    price_reports(&alpha).await;

    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(kind);
    let flow = flow_enabled();
    let Some(result) = browser::run(TEST, &alpha.url("/"), &out, flow).await else {
        alpha.stop().await;
        return;
    };
    eprintln!(
        "{TEST}: {} screenshots and result.json in {} (browser {} s, test {:.1} s)",
        result["screenshots"].as_array().map_or(0, Vec::len),
        out.display(),
        result["seconds"],
        started.elapsed().as_secs_f64()
    );
    // Shown even though the test passes: a retry is a sign of trouble, not to be hidden.
    for retry in result["retries"].as_array().into_iter().flatten() {
        crate::harness::notice(&format!(
            "RETRIED {TEST}: {}",
            retry.as_str().unwrap_or_default()
        ));
    }
    let notes = browser::notes(&result);
    if !notes.is_empty() {
        eprintln!("{TEST}: notes (not failures):\n{notes}");
    }
    let failures = browser::failures(&result);
    assert!(
        failures.is_empty() && result["ok"] == json!(true),
        "{TEST}: the website in Chromium ({}):\n{failures}",
        out.display()
    );
    assert!(
        result["screenshots"].as_array().map_or(0, Vec::len) >= 112,
        "14 pages × 4 languages × 2 widths: {result}"
    );
    if flow {
        assert_eq!(result["flow"]["ok"], json!(true), "{result}");
        check_event_ics(&out, &result["flow"]);
    } else {
        eprintln!("{TEST}: the account and publishing flow did not run (JISR_BROWSER_FLOW=0)");
    }
    alpha.stop().await;
}

/// run.mjs takes a screenshot again only when Chromium answered "Unable to capture screenshot",
/// only once, and lets every other error (a timeout, another protocol error) and a second
/// refusal fail the run.
#[tokio::test]
async fn a_refused_screenshot_is_retried_once_and_then_fails() {
    const TEST: &str = "browser::a_refused_screenshot_is_retried_once_and_then_fails";
    let Some((exited_ok, report)) = browser::self_test(TEST).await else {
        return;
    };
    let cases = report["cases"].as_array().cloned().unwrap_or_default();
    let wrong: Vec<&Value> = cases
        .iter()
        .filter(|case| case["ok"] != json!(true))
        .collect();
    assert!(
        exited_ok && report["ok"] == json!(true) && wrong.is_empty(),
        "cases that did not behave: {wrong:#?}\nreport: {report:#}"
    );
    // The cases that make the retry narrow, by name, so that none goes missing unnoticed.
    for name in [
        "refused, then a picture: one retry, success",
        "refused twice: one retry, then the second refusal fails",
        "a timeout: no retry, it fails",
        "another protocol error of the capture: no retry, it fails",
    ] {
        assert!(
            cases.iter().any(|case| case["name"] == json!(name)),
            "no case {name:?}: {report:#}"
        );
    }
}
