//! The directory of organizations (`/directory`) on a real instance: ourselves with our
//! configured countries, an organization we follow and one that follows us, each with what its
//! actor document says of itself (our terms), narrowed by country, sector and language, on a
//! world map whose table is its accessible alternative; in Arabic, right to left but for the
//! map.

use crate::harness::remote::{Forgery, TestActor};
use crate::harness::{TestDatabase, TestInstance};
use reqwest::StatusCode;
use serde_json::json;

async fn page(alpha: &TestInstance, path: &str) -> String {
    let response = crate::harness::http_client()
        .get(alpha.url(path))
        .header("accept", "text/html")
        .header("accept-language", "en")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.expect("body")
}

/// A remote server whose `ada` is an organization saying this of itself.
async fn organization(
    kind: &str,
    name: &str,
    residence: &str,
    sectors: &[&str],
    languages: &[&str],
) -> TestActor {
    let remote = TestActor::start().await;
    let page = remote.base().join("@ada").expect("page");
    remote.with_profile(json!({
        "type": kind,
        "name": name,
        "summary": format!("<p>{name} brings people together.</p>"),
        "url": page,
        "icon": {"type": "Image", "mediaType": "image/png", "url": "https://pictures.example/logo.png"},
        "countriesOfOrigin": ["SD"],
        "countriesOfResidence": [residence],
        "languages": languages,
        "sectors": sectors,
        "attachment": [{"type": "PropertyValue", "name": "Website",
                        "value": "<a href=\"https://sdb.example/\" rel=\"me\">sdb.example</a>"}],
    }))
}

/// The host and port of a test server, as its handle shows them.
fn host(remote: &TestActor) -> String {
    format!(
        "{}:{}",
        remote.base().host_str().expect("host"),
        remote.base().port().expect("port")
    )
}

#[tokio::test]
async fn the_directory_lists_us_those_we_follow_and_organizations_that_follow_us_on_a_map() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.instance.countries_of_origin = vec!["SD".to_string()];
        config.instance.countries_of_residence = vec!["FR".to_string()];
        config.instance.sectors = vec!["education".to_string()];
    })
    .await;
    let state = alpha.state().clone();
    let inbox = alpha.url("/inbox");
    let our_name = state.config().instance.name.clone();

    // An organization we follow, in Germany.
    let followed = organization(
        "Organization",
        "Sudanese Diaspora Berlin",
        "DE",
        &["Health"],
        &["ar", "de"],
    )
    .await;
    followed.followed_by(&state, &inbox).await;
    // A group that follows us, in France; and a person who does, who is not an organization.
    let follower = organization("Group", "Syrian Collective", "FR", &["culture"], &["fr"]).await;
    let person = TestActor::start().await;
    for remote in [&follower, &person] {
        let follow = remote.follow("ada", &alpha.actor_id());
        let (status, body) = remote.post("ada", &inbox, &follow, Forgery::None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }

    let html = page(&alpha, "/directory").await;
    assert!(
        html.contains("<a href=\"/directory\">Directory</a>"),
        "the header links it"
    );
    assert!(html.contains(&our_name), "{html}");
    assert!(html.contains("This is us"));
    assert!(html.contains("<dd>Sudan</dd>"), "our country of origin");
    assert!(html.contains("<dd>France</dd>"), "our country of residence");
    assert!(
        html.contains("<li dir=\"auto\" data-content>education</li>"),
        "our sector"
    );
    assert!(html.contains("Sudanese Diaspora Berlin"), "{html}");
    assert!(html.contains("We follow"));
    assert!(html.contains(&format!("<bdi dir=\"ltr\">@ada@{}</bdi>", host(&followed))));
    assert!(html.contains(
        "src=\"https://pictures.example/logo.png\" alt=\"\" width=\"48\" height=\"48\" loading=\"lazy\" referrerpolicy=\"no-referrer\""
    ));
    assert!(html.contains("Sudanese Diaspora Berlin brings people together."));
    assert!(html.contains("<dd>Arabic, German</dd>"));
    assert!(html.contains(
        "<a href=\"https://sdb.example/\" rel=\"nofollow noopener\" dir=\"ltr\">sdb.example</a>"
    ));
    assert!(
        html.contains(&format!(
            "<a href=\"{}\" rel=\"nofollow\">Sudanese Diaspora Berlin</a>",
            followed.base().join("@ada").expect("page")
        )),
        "the name links to its page"
    );
    assert!(
        html.contains("Syrian Collective"),
        "an organization that follows us"
    );
    assert!(html.contains("Follows us"));
    assert!(
        !html.contains(&host(&person)),
        "a person who follows us is not an organization"
    );

    // The map: Germany and France linked, shaded; the table names them with their counts.
    assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"world-map\""));
    assert!(html.contains(
        "<a href=\"/directory?country=DE\" aria-label=\"Germany: 1\"><path class=\"map-country map-"
    ));
    assert!(html.contains("<title>Germany: 1</title>"));
    assert!(
        html.contains("<title>France: 2</title>"),
        "ourselves and the group"
    );
    assert!(
        html.contains("<tr><th scope=\"row\"><a href=\"/directory?country=DE\">Germany</a></th><td>1</td></tr>"),
        "{html}"
    );
    let france = html
        .find("<a href=\"/directory?country=FR\">France</a></th><td>2</td>")
        .expect("France's row");
    let germany = html.find(">Germany</a></th>").expect("Germany's row");
    assert!(france < germany, "sorted by count");
    assert!(html.contains("Organizations listed: 3"));

    // A country: of residence or of origin.
    let germany = page(&alpha, "/directory?country=DE").await;
    assert!(germany.contains("Sudanese Diaspora Berlin"));
    assert!(!germany.contains("Syrian Collective"));
    assert!(!germany.contains("This is us"));
    assert!(germany.contains("Organizations linked to Germany: 1"));
    assert!(
        germany.contains("<title>France: 2</title>"),
        "the map still shows where else to click"
    );
    let france = page(&alpha, "/directory?country=FR").await;
    assert!(!france.contains("Sudanese Diaspora Berlin"));
    assert!(france.contains("Syrian Collective"));
    assert!(france.contains("This is us"));
    let sudan = page(&alpha, "/directory?country=sd").await;
    assert!(
        sudan.contains("Organizations linked to Sudan: 3"),
        "a country of origin, in any case"
    );

    // A sector, whatever its case; a language.
    let health = page(&alpha, "/directory?sector=HEALTH").await;
    assert!(health.contains("Sudanese Diaspora Berlin"));
    assert!(!health.contains("Syrian Collective"));
    assert!(!health.contains("This is us"));
    assert!(health.contains("<option value=\"Health\" dir=\"auto\" data-content selected>"));
    assert!(
        health.contains("<a href=\"/directory?country=DE&amp;sector=HEALTH\" aria-label="),
        "the map keeps the sector: {health}"
    );
    assert!(
        health.contains("<title>France: 0</title>"),
        "nor counts what it leaves out"
    );
    let french = page(&alpha, "/directory?language=fr").await;
    assert!(french.contains("Syrian Collective"));
    assert!(!french.contains("Sudanese Diaspora Berlin"));

    // Where they come from.
    let origin = page(&alpha, "/directory?map=origin").await;
    assert!(origin.contains("<title>Sudan: 3</title>"));
    assert!(origin.contains("<a href=\"/directory?country=SD&amp;map=origin\" aria-label="));
    assert!(origin.contains("<input type=\"hidden\" name=\"map\" value=\"origin\">"));

    // In Arabic: right to left, names and digits in Arabic, the map never mirrored.
    let arabic = page(&alpha, "/directory?lang=ar").await;
    assert!(arabic.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(arabic.contains(" direction=\"ltr\""));
    assert!(arabic.contains("<title>ألمانيا: ١</title>"));
    assert!(arabic.contains(">ألمانيا</a></th><td>١</td></tr>"));
    assert!(arabic.contains("<h3 dir=\"auto\" data-content>"));
    assert!(arabic.contains("نتابعها"));

    alpha.stop().await;
}
