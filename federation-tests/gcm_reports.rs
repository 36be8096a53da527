//! The Global Compact for Migration report, on both databases: our publications and beta's
//! (received as network content) tagged with objectives and Objective 19's categories give the
//! expected counts, each count linked to the items behind it; the counts and the items are CSV;
//! the report renders in Arabic, right to left, with the organization's name and the period.

use crate::harness::network::{Node, wait_for};
use crate::harness::{http_client, page_text};
use chrono::Datelike;
use reqwest::StatusCode;

/// A publication of `kind` titled `title` serving `objectives` (and for 19, `categories`),
/// about the diaspora from `origin` living in Germany.
fn tagged(kind: &str, title: &str, objectives: &[u8], categories: &[u8], origin: &str) -> String {
    let list = |numbers: &[u8]| {
        numbers
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "gcm_objectives = [{}]\ngcm_categories = [{}]\ncountries_of_origin = [\"{origin}\"]\n\
         countries_of_residence = [\"DE\"]\n{}",
        list(objectives),
        list(categories),
        crate::harness::network::publication(kind, title)
    )
}

async fn text(url: url::Url) -> (StatusCode, String) {
    let response = http_client().get(url).send().await.expect("GET");
    let status = response.status();
    (status, response.text().await.expect("text"))
}

#[tokio::test]
async fn a_years_publications_are_counted_by_objective_category_kind_and_country() {
    let alpha = Node::start("alpha").await;
    let beta = Node::start("beta").await;
    alpha.follows(&beta).await;
    // Ours: a story for objectives 19 (categories 2 and 7) and 3, an event for 19 (7), a
    // resource for 16, and an opportunity with no objective (not counted).
    alpha
        .publish(
            "story",
            &tagged("story", "Amaka's bakery", &[19, 3], &[2, 7], "NG"),
        )
        .await;
    alpha
        .publish(
            "event",
            &tagged("event", "Investors' evening", &[19], &[7], "GH"),
        )
        .await;
    alpha
        .publish(
            "resource",
            &tagged("resource", "Inclusion policy", &[16], &[], "NG"),
        )
        .await;
    alpha
        .publish(
            "opportunity",
            &crate::harness::network::publication("opportunity", "A job"),
        )
        .await;
    // Beta's, which alpha receives: two stories for 19, category 7, and one for 20.
    beta.publish(
        "story",
        &tagged("story", "Remittances for schools", &[19, 20], &[7], "SN"),
    )
    .await;
    beta.publish("story", &tagged("story", "Mentors", &[19], &[9], "SN"))
        .await;
    wait_for(
        30,
        "alpha to receive beta's stories",
        &[&alpha, &beta],
        || async {
            let list = page_text(alpha.url("/stories?show=network")).await;
            (list.contains("Remittances for schools") && list.contains("Mentors")).then_some(())
        },
    )
    .await;

    let year = chrono::Utc::now().year();
    let (status, csv) = text(alpha.url(&format!("/reports/gcm.csv?period={year}"))).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let expected = [
        format!("{year},all,,publications serving an objective,3,2"),
        format!(
            "{year},objective,3,Provide accurate and timely information at all stages of migration,1,0"
        ),
        format!(
            "{year},objective,16,Empower migrants and societies to realize full inclusion and social cohesion,1,0"
        ),
        format!(
            "{year},objective,19,Create conditions for migrants and diasporas to fully contribute to sustainable development in all countries,2,2"
        ),
        format!("{year},objective,20,\"Promote faster, safer and cheaper"),
        format!("{year},category,2,Institutionalisation of diaspora engagement,1,0"),
        format!("{year},category,7,Economic contributions,2,1"),
        format!("{year},category,9,International partnerships for skills transfer,0,1"),
        format!("{year},kind,story,Story,1,2"),
        format!("{year},kind,event,Event,1,0"),
        format!("{year},origin,NG,Nigeria,2,0"),
        format!("{year},origin,SN,Senegal,0,2"),
        format!("{year},residence,DE,Germany,3,2"),
    ];
    for line in &expected {
        assert!(csv.contains(line.as_str()), "{line} in:\n{csv}");
    }
    assert!(!csv.contains("A job"), "{csv}");

    // The items behind a count: the network's category 7 is beta's story on remittances.
    let (status, items) = text(alpha.url(&format!(
        "/reports/gcm/items.csv?period={year}&source=network&category=7"
    )))
    .await;
    assert_eq!(status, StatusCode::OK, "{items}");
    let rows: Vec<&str> = items.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{items}");
    assert!(
        rows[0].starts_with("network,story,Remittances for schools,")
            && rows[0].ends_with(",19 20,7,SN,DE"),
        "{items}"
    );
    let page = page_text(alpha.url(&format!("/reports/gcm?period={year}"))).await;
    let link = format!("/reports/gcm/items?period={year}&#38;source=ours&#38;objective=19");
    assert!(page.contains(&link), "{page}");
    let list = page_text(alpha.url(&link.replace("&#38;", "&"))).await;
    assert!(list.contains("Amaka&#39;s bakery"), "{list}");
    assert!(list.contains("Investors"), "{list}");

    // A quarter, a range, the chooser's fields; a period that is not one is a 400.
    let (status, _) = text(alpha.url(&format!("/reports/gcm?period={year}-Q1"))).await;
    assert_eq!(status, StatusCode::OK);
    let chosen = http_client()
        .get(alpha.url(&format!("/reports/gcm?year={year}&quarter=4")))
        .send()
        .await
        .expect("GET");
    assert_eq!(
        chosen.url().query(),
        Some(format!("period={year}-Q4").as_str())
    );
    let (status, said) = text(alpha.url("/reports/gcm?period=2026-13-01..2026-14-01")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{said}");

    // In Arabic: right to left, the organization's name and the period, in Arabic digits.
    let (status, arabic) = text(alpha.url(&format!("/reports/gcm?period={year}&lang=ar"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(arabic.contains("dir=\"rtl\""), "{arabic}");
    assert!(
        arabic.contains("عملنا من أجل الميثاق العالمي للهجرة"),
        "{arabic}"
    );
    assert!(arabic.contains("Jisr Community"), "{arabic}");
    assert!(arabic.contains("الهدف ١٩"), "{arabic}");
    assert!(arabic.contains("role=\"img\""), "{arabic}");
}
