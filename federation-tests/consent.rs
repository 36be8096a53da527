//! Stories told with consent, on both databases: a hidden name and place show as the pseudonym
//! and the country only on the page, in the feed, in search, in the `Article` the Fedify peer
//! receives and on beta; a website-only story sends nothing; a no-index story is unlisted,
//! carries `noindex` and is absent from alpha's and beta's search; withdrawing consent sends
//! the peer a `Delete`, beta erases its copy, and only the fact of the withdrawal stays.

use crate::harness::fedify_peer::FedifyPeer;
use crate::harness::network::{Node, wait_for};
use crate::harness::page_text;
use crate::harness::session::Browser;
use crate::network::{get_json, peer_follows, start_peer, wait_for_peer};
use jisr::domain::network;
use reqwest::StatusCode;
use serde_json::Value;

/// A story titled `title`, about a person living in Germany, with `consent` (TOML lines of
/// `[story.consent]` after who, when and how) and `story` (lines of `[story]`).
fn story(title: &str, body: &str, story: &str, consent: &str) -> String {
    format!(
        "countries_of_residence = [\"DE\"]\n[text.en]\ntitle = \"{title}\"\nsummary = \"About {title}.\"\n\
         body = \"{body}\"\n[story]\ncategory = \"individual_journey\"\n{story}\n[story.consent]\n\
         subject_consented = true\ngiven_by = \"The person\"\ngiven_on = \"2026-02-01\"\n\
         form = \"recorded\"\n{consent}\n"
    )
}

/// The activities of `kind` the peer received about `object`.
async fn received(peer: &FedifyPeer, kind: &str, object: &str) -> Vec<Value> {
    peer.log()
        .await
        .into_iter()
        .filter(|record| {
            record["type"] == kind
                && (record["json"]["object"]["id"] == object || record["json"]["object"] == object)
        })
        .collect()
}

/// Replaces alpha's story `id` (its URL) with `toml`, through the command line.
async fn edit(alpha: &Node, id: &str, toml: &str) {
    let file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("file");
    std::fs::write(file.path(), toml).expect("write");
    let public_id = id.rsplit('/').next().expect("id");
    let path = file.path().to_str().expect("path");
    alpha.process.cli(&["edit", "story", public_id, path]).await;
}

/// The Fedify peer and beta, both following alpha; `None` when the peer cannot run (the
/// harness says why).
async fn network(test: &str) -> Option<(FedifyPeer, Node, Node)> {
    let peer = start_peer(test).await?;
    let alpha = Node::start("alpha").await;
    let beta = Node::start("beta").await;
    peer_follows(&peer, &alpha).await;
    beta.follows(&alpha).await;
    Some((peer, alpha, beta))
}

#[tokio::test]
async fn a_hidden_name_and_place_show_the_pseudonym_and_the_country_everywhere() {
    let Some((peer, alpha, beta)) = network("consent_hidden").await else {
        return;
    };
    let id = alpha
        .publish(
            "story",
            &story(
                "A nurse in intensive care",
                "A. O. arrived in 2019 and now works nights.",
                "subject_name = \"Amaka Obi\"\nsubject_place = \"Leipzig\"",
                "federated = true\nindexable = true\nhide_name = true\npseudonym = \"A. O.\"\nhide_place = true",
            ),
        )
        .await;
    let hidden = |what: &str, text: &str| {
        for secret in ["Amaka", "Obi", "Leipzig"] {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    };
    let path = url::Url::parse(&id).expect("URL").path().to_string();
    let page = page_text(alpha.url(&path)).await;
    assert!(page.contains("A. O.") && page.contains("Germany"), "{page}");
    hidden("the page", &page);

    let feed = page_text(alpha.url("/stories.atom")).await;
    assert!(feed.contains("A. O.") && feed.contains("Germany"), "{feed}");
    hidden("the feed", &feed);

    let search = page_text(alpha.url("/search?q=nurse")).await;
    assert!(search.contains("A nurse in intensive care"), "{search}");
    hidden("search", &search);
    let by_name = page_text(alpha.url("/search?q=Amaka")).await;
    assert!(!by_name.contains("A nurse in intensive care"), "{by_name}");

    let (_, api) = get_json(alpha.url(&format!("/api/v1{path}")).as_str()).await;
    hidden("the API", &api.to_string());

    let create = wait_for_peer(&peer, &alpha, "Create", 1).await.remove(0);
    let object = &create["json"]["object"];
    assert_eq!(object["id"], id.as_str(), "{create}");
    assert!(
        object["content"]
            .as_str()
            .is_some_and(|content| content.contains("A. O.") && content.contains("Germany")),
        "{object}"
    );
    hidden("the Article", &create["json"].to_string());
    assert_eq!(
        object["license"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    assert_eq!(object["indexable"], true);
    assert_eq!(
        object["consentTerms"]["href"],
        format!("{id}#consent"),
        "{object}"
    );
    assert_eq!(
        create["json"]["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );

    let db = beta.db().await;
    let stored = wait_for(20, "beta to store the story", &[&alpha, &beta], || async {
        network::list(&db, 10)
            .await
            .ok()?
            .into_iter()
            .find(|item| item.ap_id == id)
    })
    .await;
    assert!(
        stored.content_html.contains("A. O."),
        "{}",
        stored.content_html
    );
    hidden("beta's copy", &format!("{stored:?}"));
    let on_beta = page_text(beta.url("/search?q=nurse")).await;
    assert!(on_beta.contains("A nurse in intensive care"), "{on_beta}");
    hidden("beta's search", &on_beta);
}

#[tokio::test]
async fn a_website_only_story_sends_nothing_and_a_no_index_story_stays_out_of_search() {
    let Some((peer, alpha, beta)) = network("consent_scope").await else {
        return;
    };
    let at_home = alpha
        .publish(
            "story",
            &story(
                "Kept at home",
                "Only here.",
                "",
                "federated = false\nindexable = true",
            ),
        )
        .await;
    let quiet = alpha
        .publish(
            "story",
            &format!(
                "hashtags = [\"Welcome\"]\n{}",
                story(
                    "Quiet harbour",
                    "Not to be searched.",
                    "",
                    "federated = true\nindexable = false",
                )
            ),
        )
        .await;
    let open = alpha
        .publish(
            "story",
            &format!(
                "hashtags = [\"Welcome\"]\n{}",
                story(
                    "Open door",
                    "Anyone may find it.",
                    "",
                    "federated = true\nindexable = true",
                )
            ),
        )
        .await;

    // Queued in order: once the last one has arrived, the first would have too.
    let creates = wait_for_peer(&peer, &alpha, "Create", 2).await;
    let db = beta.db().await;
    wait_for(
        20,
        "beta to store both stories",
        &[&alpha, &beta],
        || async {
            let stored = network::list(&db, 10).await.ok()?;
            (stored.iter().any(|item| item.ap_id == quiet)
                && stored.iter().any(|item| item.ap_id == open))
            .then_some(())
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(
        received(&peer, "Create", &at_home).await.is_empty(),
        "{creates:#?}"
    );
    assert_eq!(
        peer.log()
            .await
            .iter()
            .filter(|record| record["type"] == "Create")
            .count(),
        2
    );
    assert!(
        network::list(&db, 10)
            .await
            .expect("list")
            .iter()
            .all(|item| item.ap_id != at_home),
        "beta has the website-only story"
    );
    let (status, _) = get_json(&at_home).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a website-only story has no ActivityStreams form"
    );
    let at_home_path = url::Url::parse(&at_home).expect("URL").path().to_string();
    assert!(
        page_text(alpha.url(&at_home_path))
            .await
            .contains("Kept at home")
    );
    let (_, outbox) = get_json(alpha.url("/actors/ngberlin/outbox?page=1").as_str()).await;
    assert!(!outbox.to_string().contains(&at_home), "{outbox}");

    // The no-index story: unlisted, `indexable: false`, `noindex` on its page, out of search.
    let quiet_create = received(&peer, "Create", &quiet).await.remove(0);
    assert_eq!(
        quiet_create["json"]["to"],
        serde_json::json!([alpha.url("/actors/ngberlin/followers").as_str()])
    );
    assert_eq!(
        quiet_create["json"]["cc"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    assert_eq!(quiet_create["json"]["object"]["indexable"], false);
    let quiet_path = url::Url::parse(&quiet).expect("URL").path().to_string();
    let response = crate::harness::http_client()
        .get(alpha.url(&quiet_path))
        .send()
        .await
        .expect("GET");
    let html = response.text().await.expect("text");
    assert!(
        html.contains("<meta name=\"robots\" content=\"noindex\">"),
        "{html}"
    );
    for node in [&alpha, &beta] {
        let found = page_text(node.url("/search?q=harbour")).await;
        assert!(!found.contains("Quiet harbour"), "{found}");
        let found = page_text(node.url("/search?q=door")).await;
        assert!(found.contains("Open door"), "{found}");
    }
    // Nor on the hashtag's page (Mastodon leaves unlisted posts off hashtag timelines).
    let tagged = page_text(alpha.url("/tags/welcome")).await;
    assert!(
        tagged.contains("Open door") && !tagged.contains("Quiet harbour"),
        "{tagged}"
    );

    // The person takes back consent to go elsewhere, and to show the picture given now: the
    // peer receives a `Delete`, beta erases its copy, the page stays, without the image.
    edit(
        &alpha,
        &open,
        &story(
            "Open door",
            "Anyone may find it.",
            "image_url = \"https://photos.example/door.jpg\"\nimage_alt = \"A blue door.\"",
            "federated = false\nindexable = true\nimages = false",
        ),
    )
    .await;
    let deletes = wait_for_peer(&peer, &alpha, "Delete", 1).await;
    assert_eq!(
        deletes[0]["json"]["object"]["id"],
        open.as_str(),
        "{deletes:#?}"
    );
    wait_for(
        20,
        "beta to erase the story taken back",
        &[&alpha, &beta],
        || async {
            network::list(&db, 10)
                .await
                .ok()?
                .iter()
                .all(|item| item.ap_id != open)
                .then_some(())
        },
    )
    .await;
    let open_path = url::Url::parse(&open).expect("URL").path().to_string();
    let html = crate::harness::http_client()
        .get(alpha.url(&open_path))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("text");
    assert!(
        html.contains("Open door") && !html.contains("photos.example"),
        "{html}"
    );
    let (status, _) = get_json(&open).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The organization's reply under a story kept on this website stays here too.
    let mut editor = Browser::new(&alpha);
    editor.register("Amina", "amina@example.org", &[]).await;
    editor.get(&at_home_path).await;
    let answer = editor
        .post(
            &format!("{at_home_path}/reply"),
            &[("reply", "Thank you for telling it."), ("language", "en")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(
        page_text(alpha.url(&at_home_path))
            .await
            .contains("Thank you for telling it.")
    );
    let (status, _) = get_json(&format!("{at_home}/replies")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "its replies have no ActivityStreams form"
    );

    // Allowed to go again: a new `Create` (its id new), which the peer receives.
    edit(
        &alpha,
        &open,
        &story(
            "Open door",
            "Anyone may find it.",
            "",
            "federated = true\nindexable = true",
        ),
    )
    .await;
    let creates = wait_for_peer(&peer, &alpha, "Create", 3).await;
    let again = &creates.last().expect("a Create")["json"];
    assert_eq!(again["object"]["id"], open.as_str(), "{again}");
    assert!(
        again["id"]
            .as_str()
            .is_some_and(|id| id.contains("/activities/create-")),
        "{again}"
    );
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(
        peer.log().await.iter().all(|record| !record["json"]
            .to_string()
            .contains("Thank you for telling it.")),
        "the reply under the website-only story reached the peer"
    );
}

#[tokio::test]
async fn withdrawing_consent_deletes_the_story_at_the_peer_and_on_beta() {
    let Some((peer, mut alpha, beta)) = network("consent_withdrawal").await else {
        return;
    };
    let id = alpha
        .publish(
            "story",
            &story(
                "Withdrawn tale",
                "Told, then withdrawn.",
                "",
                "federated = true\nindexable = true",
            ),
        )
        .await;
    wait_for_peer(&peer, &alpha, "Create", 1).await;
    let db = beta.db().await;
    wait_for(20, "beta to store the story", &[&alpha, &beta], || async {
        network::list(&db, 10)
            .await
            .ok()?
            .into_iter()
            .find(|item| item.ap_id == id)
    })
    .await;
    assert!(
        page_text(beta.url("/search?q=withdrawn"))
            .await
            .contains("Withdrawn tale")
    );

    // An editor (the first account is an admin) withdraws it from the website, after a
    // confirmation.
    let public_id = id.rsplit('/').next().expect("id");
    let mut editor = Browser::new(&alpha);
    let answer = editor.register("Amina", "amina@example.org", &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    // The organization had replied under it; the reply goes with it.
    let path = url::Url::parse(&id).expect("URL").path().to_string();
    editor.get(&path).await;
    let answer = editor
        .post(
            &format!("{path}/reply"),
            &[("reply", "Thank you, A."), ("language", "en")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let creates = wait_for_peer(&peer, &alpha, "Create", 2).await;
    let note = creates
        .iter()
        .find(|record| record["json"]["object"]["type"] == "Note")
        .unwrap_or_else(|| panic!("no Note: {creates:#?}"))["json"]["object"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let story_page = editor.get(&format!("/publish/story/{public_id}")).await;
    let withdraw = format!("/publish/story/{public_id}/withdraw");
    assert!(story_page.body.contains(&withdraw), "{}", story_page.body);
    let confirm = editor.get(&withdraw).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Withdrawn tale"), "{}", confirm.body);
    let answer = editor.post(&withdraw, &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);

    let deletes = wait_for_peer(&peer, &alpha, "Delete", 2).await;
    for deleted in [id.as_str(), note.as_str()] {
        assert!(
            deletes
                .iter()
                .any(|record| record["json"]["object"]["id"] == deleted),
            "no Delete of {deleted}: {deletes:#?}"
        );
    }
    wait_for(20, "beta to erase its copy", &[&alpha, &beta], || async {
        network::list(&db, 10)
            .await
            .ok()?
            .iter()
            .all(|item| item.ap_id != id)
            .then_some(())
    })
    .await;
    assert!(
        !page_text(beta.url("/search?q=withdrawn"))
            .await
            .contains("Withdrawn tale")
    );
    let (status, _) = get_json(&id).await;
    assert_eq!(status, StatusCode::GONE);
    // The fact stays, not the story.
    let alpha_db = alpha.db().await;
    let withdrawals = jisr::domain::consent::withdrawals(&alpha_db, 10)
        .await
        .expect("read");
    assert_eq!(withdrawals.len(), 1, "{withdrawals:?}");
    assert_eq!(withdrawals[0].public_id, public_id);
    assert_eq!(withdrawals[0].form.as_deref(), Some("recorded"));
    assert!(!withdrawals[0].scheduled);
    assert_eq!(withdrawals[0].by.as_deref(), Some("Amina"));
    let publisher = editor.get("/publish").await;
    assert!(
        publisher.body.contains(public_id) && publisher.body.contains("Withdrawn consent"),
        "{}",
        publisher.body
    );
    assert!(
        !publisher.body.contains("Withdrawn tale"),
        "the text is gone"
    );

    // Consent that ends today: withdrawn when alpha looks (at start, then every minute).
    let today = chrono::Utc::now().date_naive().to_string();
    let ending = alpha
        .publish(
            "story",
            &story(
                "A story for a while",
                "Told until today.",
                "",
                &format!("federated = true\nindexable = true\nwithdraw_on = \"{today}\""),
            ),
        )
        .await;
    wait_for_peer(&peer, &alpha, "Create", 3).await;
    alpha.process.restart().await;
    let deletes = wait_for_peer(&peer, &alpha, "Delete", 3).await;
    assert!(
        deletes
            .iter()
            .any(|record| record["json"]["object"]["id"] == ending.as_str()),
        "{deletes:#?}"
    );
    let withdrawals = jisr::domain::consent::withdrawals(&alpha_db, 10)
        .await
        .expect("read");
    assert_eq!(withdrawals.len(), 2, "{withdrawals:?}");
    assert!(withdrawals[0].scheduled, "{withdrawals:?}");

    // An admin withdraws one with the command line.
    let told = alpha
        .publish(
            "story",
            &story(
                "Told once",
                "Withdrawn by the admin.",
                "",
                "federated = true",
            ),
        )
        .await;
    wait_for_peer(&peer, &alpha, "Create", 4).await;
    let told_id = told.rsplit('/').next().expect("id");
    let output = alpha.process.cli(&["withdraw-consent", told_id]).await;
    assert!(output.contains("consent withdrawn"), "{output}");
    let deletes = wait_for_peer(&peer, &alpha, "Delete", 4).await;
    assert!(
        deletes
            .iter()
            .any(|record| record["json"]["object"]["id"] == told.as_str()),
        "{deletes:#?}"
    );
    let (status, _) = get_json(&told).await;
    assert_eq!(status, StatusCode::GONE);
}
