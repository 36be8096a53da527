//! What sending money home costs, on both databases: the World Bank's files import as they come
//! (the DataBank export with its byte-order mark, `..` and footer; the long files of flows and
//! stocks), saying what they read, skipped and replaced, and a changed copy updates in place;
//! a new instance has the shipped data without any command; the corridor pages show the latest
//! figures against the SDG 10.c lines, the comparisons, the flow, the migrant stock and the
//! estimated yearly cost, in English and Arabic; the series downloads as CSV with its
//! attribution, and the same figures are JSON.

use crate::harness::network::Node;
use crate::harness::{TestDatabase, TestInstance, http_client, page_text};
use jisr::domain::remittances::{self, Dataset, shipped};
use reqwest::StatusCode;

/// France → Senegal in 2020Q3, as the shipped export has it.
const FR_SN_2020Q3: f64 = 4.238_947_391_510_01;

#[tokio::test]
async fn the_world_banks_files_import_as_they_come_and_a_newer_copy_updates_in_place() {
    let alpha = Node::start("alpha").await;
    let folder = tempfile::tempdir().expect("folder");
    let prices = folder.path().join("rpw_corridors_databank.csv");
    let text = shipped::text(Dataset::Prices);
    std::fs::write(&prices, &text).expect("write");
    let path = prices.to_str().expect("path");
    let said = alpha
        .process
        .cli_stdout(&["data", "import", "rpw", path])
        .await;
    assert!(
        said.contains("5328 rows read")
            && said.contains("377 corridors with figures; 4951 pairs without any")
            && said.contains("0 skipped")
            && said.contains("0 replaced"),
        "{said}"
    );

    // A newer export: one quarter revised, the same file otherwise.
    let revised = text.replacen("4.23894739151001", "3.5", 1);
    assert_ne!(revised, text);
    std::fs::write(&prices, &revised).expect("write");
    let said = alpha
        .process
        .cli_stdout(&["data", "import", "rpw", path])
        .await;
    assert!(said.contains("0 values added, 1 replaced"), "{said}");
    let db = alpha.db().await;
    let series = remittances::series(&db, "FR", "SN").await.expect("series");
    assert_eq!(series.len(), 35);
    assert_eq!(series.last().expect("latest").cost, 3.5);

    // Flows and stocks, their year from the file's name; a file that is not one is refused.
    for (dataset, name, kept) in [
        (
            Dataset::Flows,
            "bilateral_remittances_2017.csv",
            "11901 rows read",
        ),
        (
            Dataset::Stocks,
            "bilateral_migrant_stocks_2017.csv",
            "14382 rows read",
        ),
    ] {
        let file = folder.path().join(name);
        std::fs::write(&file, shipped::text(dataset)).expect("write");
        let said = alpha
            .process
            .cli_stdout(&[
                "data",
                "import",
                dataset.as_str(),
                file.to_str().expect("path"),
            ])
            .await;
        assert!(said.contains(kept), "{said}");
        // The Channel Islands have no ISO code: skipped, and said.
        assert!(said.contains("no country has the code CHI"), "{said}");
    }
    assert_eq!(
        remittances::flow(&db, "FR", "SN").await.expect("flow"),
        Some((2017, 646.894))
    );
    assert_eq!(
        remittances::stock(&db, "SY", "DE").await.expect("stock"),
        Some((2017, 637_845))
    );
    let wrong = folder.path().join("wrong.csv");
    std::fs::write(&wrong, "a,b\n1,2\n").expect("write");
    let error = alpha
        .process
        .cli_error(&["data", "import", "rpw", wrong.to_str().expect("path")])
        .await;
    assert!(error.contains("not a DataBank export"), "{error}");
}

/// The English (or `language`) text of `path`.
async fn page(alpha: &TestInstance, path: &str, language: &str) -> String {
    let response = http_client()
        .get(alpha.url(path))
        .header("accept-language", language)
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.expect("text")
}

#[tokio::test]
async fn corridor_pages_show_the_latest_figures_the_targets_and_the_yearly_cost() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.instance.countries_of_residence = vec!["DE".to_string(), "FR".to_string()];
        config.instance.countries_of_origin = vec!["SY".to_string(), "SN".to_string()];
    })
    .await;

    // A new instance: the shipped data, loaded on first use; our corridors first.
    let index = page(&alpha, "/remittances", "en").await;
    assert!(
        index.contains("Germany → Syria")
            && index.contains("not surveyed")
            && index.contains("France → Senegal")
            && index.contains("4.2 %")
            && index.contains("Corridors with a figure: 377"),
        "{index}"
    );

    // France → Senegal: 4.2 % in Q3 2020, under the 5 % ceiling; 646.9 million US$ in 2017,
    // 119,661 people; fees of 646.894 × 4.239 % = 27.4 million US$ a year.
    let corridor = page(&alpha, "/remittances/fr-sn", "en").await;
    for said in [
        "Sending money from France to Senegal",
        "Average total cost in Q3 2020: 4.2 % of the amount sent.",
        "under the SDG 10.c ceiling of 5 %",
        "role=\"img\"",
        "SDG 10.c: 3 % on average",
        "no corridor above 5 %",
        "US$ 646.9 million",
        "119,661",
        "Estimated yearly cost of fees and margins",
        "US$ 27.4 million",
        "at this corridor’s latest average cost, 4.2 %",
        "last updated 12/07/2020",
        "These are estimates.",
    ] {
        assert!(corridor.contains(said), "{said}: {corridor}");
    }
    assert!((remittances::yearly_cost(646.894, FR_SN_2020Q3) - 27.42).abs() < 0.01);

    // Germany → Syria is not surveyed: its yearly cost at Germany's average, said so; the
    // corridors into Syria that are surveyed (Saudi Arabia's, Jordan's) compared.
    let corridor = page(&alpha, "/remittances/de-sy", "en").await;
    let (_, json) = crate::network::get_json(alpha.url("/api/v1/remittances/de-sy").as_str()).await;
    let average = json["cost_basis"]["percent"].as_f64().expect("basis");
    assert_eq!(json["cost_basis"]["from"], "sending_country_average");
    assert_eq!(json["flow"]["usd_millions"], 27.147);
    assert_eq!(json["migrants"]["people"], 637_845);
    let estimated = json["estimated_yearly_cost_usd_millions"]
        .as_f64()
        .expect("estimate");
    assert!((estimated - 27.147 * average / 100.0).abs() < 1e-9);
    for said in [
        "has no price for this corridor",
        "US$ 27.1 million",
        "637,845",
        &format!("US$ {estimated:.1} million"),
        "the average of the 24 corridors surveyed from Germany",
        "Saudi Arabia",
        "Jordan",
    ] {
        assert!(corridor.contains(said), "{said}: {corridor}");
    }
    assert!(
        !corridor.contains("role=\"img\""),
        "no chart without figures"
    );

    // In Arabic: Arabic-Indic digits and their decimal mark, right to left.
    let arabic = page(&alpha, "/remittances/fr-sn", "ar").await;
    assert!(
        arabic.contains("dir=\"rtl\"") && arabic.contains("٤٫٢٪") && arabic.contains("١١٩٬٦٦١"),
        "{arabic}"
    );

    // Other spellings of a corridor lead to its page; a code that is no country is not one.
    let direct = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = direct
        .get(alpha.url("/remittances/FRA-SEN"))
        .send()
        .await
        .expect("redirect");
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers()["location"], "/remittances/fr-sn");
    let chosen = direct
        .get(alpha.url("/remittances?from=FR&to=SN"))
        .send()
        .await
        .expect("choice");
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    let missing = http_client()
        .get(alpha.url("/remittances/jj-sy"))
        .send()
        .await
        .expect("missing");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // The series as CSV, the attribution on each row; the same figures as JSON.
    let csv = page_text(alpha.url("/remittances/fr-sn.csv")).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "sending,receiving,quarter,average_total_cost_percent,source"
    );
    assert_eq!(lines.len(), 36, "{csv}");
    assert!(
        lines[35].starts_with("FR,SN,2020Q3,4.23894739151001,")
            && lines[35].contains("Remittance Prices Worldwide")
            && lines[35].contains("CC BY 4.0"),
        "{csv}"
    );
    let (_, json) = crate::network::get_json(alpha.url("/api/v1/remittances/fr-sn").as_str()).await;
    assert_eq!(json["latest"]["quarter"], "2020Q3");
    assert_eq!(json["series"].as_array().map(Vec::len), Some(35));
    assert_eq!(json["targets"]["sdg_10c_ceiling_percent"], 5.0);
    let (_, all) = crate::network::get_json(alpha.url("/api/v1/remittances").as_str()).await;
    assert_eq!(all["corridors"].as_array().map(Vec::len), Some(377));
}

#[tokio::test]
async fn a_transfers_total_cost_is_computed_against_the_ecbs_rates_and_an_admins() {
    let alpha = Node::start("alpha").await;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/federation-tests/fixtures/ecb/eurofxref-hist.csv"
    );
    let said = alpha
        .process
        .cli_stdout(&["data", "import", "ecb", fixture])
        .await;
    assert!(said.contains("ecb: 3 days, 90 rates, 0 skipped"), "{said}");
    // The CFA franc is not among the ECB's currencies: an admin enters its fixed parity.
    let said = alpha
        .process
        .cli_stdout(&["data", "rate", "xof", "655.957", "--day", "2025-04-25"])
        .await;
    assert!(
        said.contains("XOF: 655.957 per euro on 2025-04-25"),
        "{said}"
    );
    let db = alpha.db().await;
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2025, 4, d).expect("day");

    // 200 EUR to Senegal on Saturday 26 April (Friday's rates), a 4.99 EUR fee, 127,000 XOF
    // received: at 655.957 XOF per euro they are worth 193.61 EUR, so the margin took 6.39 EUR
    // and the transfer cost 4.99 + 6.39 = 11.38 EUR, 5.69 % of what was sent.
    let mid = remittances::rates::mid_rate(&db, "EUR", "XOF", day(26))
        .await
        .expect("rate")
        .expect("Friday's");
    assert_eq!(mid, 655.957);
    let cost = remittances::rates::total_cost_percent(200.0, 4.99, 127_000.0, mid);
    assert!((cost - 5.689_8).abs() < 0.000_1, "{cost}");

    // Across the euro: 500 USD to the United Kingdom on 25 April, 0.8531 / 1.1357 GBP per
    // USD; 370 GBP received for a 5 USD fee are worth 492.57 USD at mid: 5 + 7.43 USD, 2.49 %.
    let mid = remittances::rates::mid_rate(&db, "USD", "GBP", day(25))
        .await
        .expect("rate")
        .expect("crossed");
    assert!((mid - 0.8531 / 1.1357).abs() < 1e-12, "{mid}");
    let cost = remittances::rates::total_cost_percent(500.0, 5.0, 370.0, mid);
    assert!((cost - 2.4866).abs() < 0.0001, "{cost}");

    // No rate within a week before: none, rather than a stale one.
    assert_eq!(
        remittances::rates::mid_rate(&db, "USD", "GBP", day(25) + chrono::Duration::days(10))
            .await
            .expect("rate"),
        None
    );
    assert_eq!(
        remittances::rates::mid_rate(&db, "EUR", "SYP", day(25))
            .await
            .expect("rate"),
        None
    );
    let error = alpha
        .process
        .cli_error(&["data", "import", "ecb", env!("CARGO_MANIFEST_DIR")])
        .await;
    assert!(error.contains("reading"), "{error}");
}

/// The ECB fixture with its three days moved to the three days before yesterday (the same
/// rates): a report may be of the past year only, and a corridor page counts 90 days.
fn recent_ecb_fixture(folder: &std::path::Path) -> (std::path::PathBuf, chrono::NaiveDate) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/federation-tests/fixtures/ecb/eurofxref-hist.csv"
    ))
    .expect("fixture");
    let latest = chrono::Utc::now().date_naive() - chrono::Duration::days(2);
    let mut moved = text;
    for (back, day) in ["2025-04-25", "2025-04-24", "2025-04-23"]
        .iter()
        .enumerate()
    {
        let to = latest - chrono::Duration::days(back as i64);
        moved = moved.replace(day, &to.to_string());
    }
    let path = folder.join("eurofxref-hist.csv");
    std::fs::write(&path, moved).expect("write");
    (path, latest)
}

/// The providers of a corridor's community reports, as `node`'s JSON gives them.
async fn community(node: &Node, pair: &str) -> Vec<serde_json::Value> {
    let (status, json) =
        crate::network::get_json(node.url(&format!("/api/v1/remittances/{pair}")).as_str()).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    json["community_reports"]["providers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn members_price_reports_federate_and_count_across_the_network_but_not_blocked_ones() {
    use crate::harness::network::wait_for;
    use crate::harness::session::Browser;
    let alpha = Node::start("alpha").await;
    let beta = Node::start_with_env("beta", &[("JISR_ACCOUNTS_REGISTRATION", "open")]).await;
    let folder = tempfile::tempdir().expect("folder");
    let (rates, day) = recent_ecb_fixture(folder.path());
    let said = beta
        .process
        .cli_stdout(&["data", "import", "ecb", rates.to_str().expect("path")])
        .await;
    assert!(said.contains("ecb: 3 days, 90 rates"), "{said}");
    alpha.follows(&beta).await;

    // Beta's admin, then Awa, a member, who reports a transfer to Senegal.
    let mut admin = Browser::new(&beta);
    admin
        .register("Beta's admin", "admin@beta.example", &[])
        .await;
    let mut awa = Browser::new(&beta);
    let made = awa
        .register(
            "Awa",
            "awa@example.org",
            &[("account_type", "individual"), ("username", "awa")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let form = awa.get("/remittances/report?from=fr&to=sn").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body.contains("Report what a transfer cost you"),
        "{}",
        form.body
    );
    let sent_on = day.to_string();
    let report = |received: &'static str| {
        vec![
            ("sending", "France"),
            ("receiving", "SN"),
            ("provider", "Sendwave"),
            ("channel", "mobile"),
            ("send_currency", "EUR"),
            ("amount_sent", "200"),
            ("fee", "4.99"),
            ("receive_currency", "XOF"),
            ("amount_received", received),
            ("duration", "minutes"),
        ]
    };
    // Numbers that cannot be a transfer are refused, each field with its reason.
    let mut wrong = report("127000");
    wrong.retain(|(name, _)| *name != "fee");
    wrong.push(("fee", "250"));
    wrong.push(("sent_on", sent_on.as_str()));
    let refused = awa.post("/remittances/report", &wrong).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("The fee must be less than the amount sent."),
        "{}",
        refused.body
    );

    // 200 EUR sent for a 4.99 EUR fee, 127,000 XOF received: the CFA franc is fixed at 655.957
    // to the euro, so they are worth 193.61 EUR; the margin took 6.39 EUR, and the transfer
    // cost 4.99 + 6.39 = 11.38 EUR, 5.69 % of what was sent.
    let mut first = report("127000");
    first.push(("sent_on", sent_on.as_str()));
    let saved = awa.post("/remittances/report", &first).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location.as_deref(),
        Some("/remittances/fr-sn#community")
    );
    let ours = community(&beta, "fr-sn").await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0]["provider"], "Sendwave");
    assert_eq!(ours[0]["reports"], 1);
    assert_eq!(ours[0]["median_total_cost_percent"], 5.69);
    // Across the euro with the fixture's rates: 500 USD to Nigeria is not the ECB's, but
    // USD to GBP is (0.8531 / 1.1357 GBP per USD on the fixture's last day).
    let mut crossed = report("370");
    crossed.retain(|(name, _)| {
        !matches!(
            *name,
            "send_currency" | "amount_sent" | "fee" | "receive_currency" | "receiving"
        )
    });
    crossed.extend([
        ("receiving", "GB"),
        ("send_currency", "USD"),
        ("amount_sent", "500"),
        ("fee", "5"),
        ("receive_currency", "GBP"),
        ("sent_on", sent_on.as_str()),
    ]);
    crossed.retain(|(name, value)| !(*name == "sending" && *value == "France"));
    crossed.push(("sending", "US"));
    let saved = awa.post("/remittances/report", &crossed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let us_gb = community(&beta, "us-gb").await;
    assert_eq!(us_gb[0]["median_total_cost_percent"], 2.49, "{us_gb:?}");

    // Its object: a Page of Awa's actor, a line Mastodon shows, its numbers in our terms.
    let mine = awa.get("/remittances/report").await;
    let edit = mine
        .body
        .split("href=\"/remittances/reports/")
        .nth(2)
        .and_then(|rest| rest.split('/').next())
        .expect("the first report in the member's list")
        .to_string();
    let object = awa
        .activity_json(&format!("/remittances/reports/{edit}"))
        .await;
    assert_eq!(object["type"], "Page", "{object}");
    assert_eq!(object["attributedTo"], beta.url("/actors/awa").as_str());
    assert_eq!(
        object["summary"], "<p>Sent 200 EUR to Senegal with Sendwave: 5.7 % total cost</p>",
        "{object}"
    );
    assert_eq!(object["priceReport"]["totalCost"], 5.69, "{object}");
    assert_eq!(object["priceReport"]["midRate"], 655.957, "{object}");

    // Alpha, which follows beta, receives it and counts it with its own (computed again there:
    // the CFA franc's parity is built in).
    let counted = wait_for(
        30,
        "alpha to count beta's report",
        &[&alpha, &beta],
        || async {
            let found = community(&alpha, "fr-sn").await;
            (found.len() == 1 && found[0]["reports"] == 1).then_some(found)
        },
    )
    .await;
    assert_eq!(counted[0]["median_total_cost_percent"], 5.69);

    // Three more: 5.31 % and 6.07 %, and one at 26.27 % (100,000 XOF received), an outlier:
    // listed, not in the median or the count.
    let mut outlier_id = String::new();
    for received in ["127500", "126500", "100000"] {
        let mut more = report(received);
        more.push(("sent_on", sent_on.as_str()));
        let saved = awa.post("/remittances/report", &more).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        if received == "100000" {
            let mine = awa.get("/remittances/report").await;
            outlier_id = mine
                .body
                .split("href=\"/remittances/reports/")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .expect("the latest report")
                .to_string();
        }
    }
    let counted = wait_for(
        30,
        "alpha to count four reports",
        &[&alpha, &beta],
        || async {
            let found = community(&alpha, "fr-sn").await;
            (found.len() == 1
                && found[0]["outliers_total_cost_percent"]
                    .as_array()
                    .map(Vec::len)
                    == Some(1))
            .then_some(found)
        },
    )
    .await;
    assert_eq!(counted[0]["reports"], 3, "{counted:?}");
    assert_eq!(counted[0]["median_total_cost_percent"], 5.69, "{counted:?}");
    let outlier = counted[0]["outliers_total_cost_percent"][0]
        .as_f64()
        .expect("cost");
    assert!((outlier - 26.27).abs() < 0.01, "{outlier}");
    let page = page_text(alpha.url("/remittances/fr-sn")).await;
    assert!(
        page.contains("Cheapest reported recently: Sendwave, 5.7 % (the median of 3 reports).")
            && page.contains("26.3 %"),
        "{page}"
    );

    // Its author deletes the outlier: gone here and there.
    awa.get(&format!("/remittances/reports/{outlier_id}/delete"))
        .await;
    let deleted = awa
        .post(&format!("/remittances/reports/{outlier_id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    wait_for(
        30,
        "alpha to forget the deleted report",
        &[&alpha, &beta],
        || async {
            let found = community(&alpha, "fr-sn").await;
            (found.len() == 1 && found[0]["outliers_total_cost_percent"] == serde_json::json!([]))
                .then_some(())
        },
    )
    .await;

    // Its author edits the first: another provider now, and alpha follows the Update.
    let form = awa.get(&format!("/remittances/reports/{edit}/edit")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("value=\"Sendwave\""), "{}", form.body);
    let mut changed = report("127000");
    changed.retain(|(name, _)| *name != "provider");
    changed.extend([("provider", "Wave"), ("sent_on", sent_on.as_str())]);
    let saved = awa
        .post(&format!("/remittances/reports/{edit}/edit"), &changed)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // Another member cannot touch it.
    let mut other = Browser::new(&beta);
    other
        .register(
            "Other",
            "other@example.org",
            &[("account_type", "individual"), ("username", "other")],
        )
        .await;
    other.get("/remittances/report").await;
    let refused = other
        .post(&format!("/remittances/reports/{edit}/edit"), &changed)
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let split = wait_for(30, "alpha to follow the edit", &[&alpha, &beta], || async {
        let found = community(&alpha, "fr-sn").await;
        (found.len() == 2).then_some(found)
    })
    .await;
    let wave = split
        .iter()
        .find(|provider| provider["provider"] == "Wave")
        .expect("Wave");
    assert_eq!(wave["reports"], 1, "{split:?}");

    // Suspending Awa's account on alpha takes her reports out; lifting brings them back.
    let awa_actor = beta.url("/actors/awa").to_string();
    alpha
        .process
        .cli(&["account", "suspend", &awa_actor, "--reason", "test"])
        .await;
    wait_for(
        10,
        "a suspended account's reports out",
        &[&alpha],
        || async { community(&alpha, "fr-sn").await.is_empty().then_some(()) },
    )
    .await;
    alpha.process.cli(&["account", "lift", &awa_actor]).await;
    wait_for(10, "a lifted account's reports back", &[&alpha], || async {
        (community(&alpha, "fr-sn").await.len() == 2).then_some(())
    })
    .await;

    // Blocking beta's domain takes every report of its members out of alpha's pages.
    alpha
        .process
        .cli(&["domain", "block", "beta.test", "--public-reason", "test"])
        .await;
    wait_for(10, "a blocked domain's reports out", &[&alpha], || async {
        community(&alpha, "fr-sn").await.is_empty().then_some(())
    })
    .await;
    let page = page_text(alpha.url("/remittances/fr-sn")).await;
    assert!(
        page.contains("No one has reported a transfer on this corridor in the last 90 days."),
        "{page}"
    );
    // Beta still counts its own: Wave's one and Sendwave's two.
    let own = community(&beta, "fr-sn").await;
    assert_eq!(own.len(), 2, "{own:?}");
}

#[tokio::test]
async fn the_ecbs_rates_are_fetched_from_the_configured_url() {
    // The ECB's daily file, served from this test at a name the instance resolves to here.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let xml = include_str!("fixtures/ecb/eurofxref-daily.xml");
    let app = axum::Router::new().route(
        "/stats/eurofxref/eurofxref-daily.xml",
        axum::routing::get(move || async move { ([("content-type", "text/xml")], xml) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://gamma.test:{port}/stats/eurofxref/eurofxref-daily.xml");
    let alpha = Node::start_with_env("alpha", &[("JISR_REMITTANCES_ECB_URL", url.as_str())]).await;
    let db = alpha.db().await;
    let day = chrono::NaiveDate::from_ymd_opt(2025, 4, 25).expect("day");
    let mid =
        crate::harness::network::wait_for(20, "the ECB's rates fetched", &[&alpha], || async {
            remittances::rates::mid_rate(&db, "EUR", "USD", day)
                .await
                .expect("rate")
        })
        .await;
    assert_eq!(mid, 1.1357);
    assert!(
        alpha.process.log().contains("ECB reference rates fetched"),
        "{}",
        alpha.process.log()
    );
}

#[tokio::test]
async fn a_price_report_reaches_the_organizations_followers_on_the_fediverse() {
    use crate::harness::session::Browser;
    use crate::network::{start_peer, wait_for_peer};
    let Some(peer) = start_peer("price_reports").await else {
        return;
    };
    let beta = Node::start_with_env("beta", &[("JISR_ACCOUNTS_REGISTRATION", "open")]).await;
    // A Mastodon-like follower of the organization, not of the member.
    peer.follow("bob", &beta.handle()).await;
    let organization = beta.actor_id().to_string();
    crate::harness::eventually(20, "the peer's follow accepted", || async {
        (peer.following("bob").await[&organization]["state"] == "accepted").then_some(())
    })
    .await;
    let mut admin = Browser::new(&beta);
    admin
        .register("Beta's admin", "admin@beta.example", &[])
        .await;
    let mut awa = Browser::new(&beta);
    awa.register(
        "Awa",
        "awa@example.org",
        &[("account_type", "individual"), ("username", "awa")],
    )
    .await;
    awa.get("/remittances/report").await;
    let day = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let saved = awa
        .post(
            "/remittances/report",
            &[
                ("sending", "FR"),
                ("receiving", "SN"),
                ("provider", "Wave"),
                ("channel", "mobile"),
                ("send_currency", "EUR"),
                ("amount_sent", "100"),
                ("fee", "0"),
                ("receive_currency", "XOF"),
                ("amount_received", "64000"),
                ("sent_on", day.as_str()),
                ("duration", "minutes"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // The member's Create, signed by the member's key, and the organization's Announce of it.
    let create = wait_for_peer(&peer, &beta, "Create", 1).await.remove(0);
    assert_eq!(create["signature"]["verified"], true, "{create}");
    let object = &create["json"]["object"];
    assert_eq!(create["json"]["actor"], beta.url("/actors/awa").as_str());
    assert_eq!(object["type"], "Page", "{object}");
    // 64,000 XOF are worth 97.57 EUR at 655.957: 2.43 % went in the margin, no fee.
    assert_eq!(
        object["summary"], "<p>Sent 100 EUR to Senegal with Wave: 2.4 % total cost</p>",
        "{object}"
    );
    assert_eq!(object["priceReport"]["totalCost"], 2.43, "{object}");
    let announce = wait_for_peer(&peer, &beta, "Announce", 1).await.remove(0);
    assert_eq!(announce["signature"]["verified"], true, "{announce}");
    assert_eq!(announce["json"]["actor"], organization.as_str());
    assert_eq!(announce["json"]["object"], object["id"], "{announce}");
    // What the peer fetches for the announced id: the same Page.
    let (status, fetched) = crate::network::get_json(object["id"].as_str().expect("id")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["summary"], object["summary"]);
}
