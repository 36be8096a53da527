//! The federation scenarios of issue 4: three Jisr processes (alpha, beta, gamma) under their
//! own host names, and a Fedify peer nobody here wrote. Each scenario prints what each side
//! sent and received when it fails.

use crate::harness::eventually;
use crate::harness::fedify_peer::FedifyPeer;
use crate::harness::network::{HOSTS, Node, publication, wait_for};
use crate::harness::remote::{Forgery, TestActor};
use jisr::domain::publication::Kind;
use jisr::domain::{comment, network};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const AS_JSON: &str = "application/activity+json";

pub(crate) async fn get_json(url: &str) -> (StatusCode, Value) {
    let response = crate::harness::http_client()
        .get(url)
        .header("accept", AS_JSON)
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn follower_count(node: &Node) -> u64 {
    let (_, collection) = get_json(node.url("/actors/ngberlin/followers").as_str()).await;
    collection["totalItems"].as_u64().expect("totalItems")
}

/// The peer's log records of activities of `kind`.
async fn peer_records(peer: &FedifyPeer, kind: &str) -> Vec<Value> {
    peer.log()
        .await
        .into_iter()
        .filter(|record| record["type"] == kind)
        .collect()
}

/// Waits for `count` records of `kind` at the peer, printing both sides if they never come.
pub(crate) async fn wait_for_peer(
    peer: &FedifyPeer,
    alpha: &Node,
    kind: &str,
    count: usize,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let records = peer_records(peer, kind).await;
        if records.len() >= count {
            return records;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "the peer got {} of {count} {kind}.\n--- peer received ---\n{:#?}\n--- peer log ---\n{}\n--- alpha log ---\n{}",
                records.len(),
                peer.log().await,
                peer.logs(),
                alpha.process.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn peer_follows(peer: &FedifyPeer, alpha: &Node) {
    peer.follow("bob", &alpha.handle()).await;
    let actor = alpha.actor_id().to_string();
    eventually(20, "the peer's follow of alpha accepted", || async {
        (peer.following("bob").await[&actor]["state"] == "accepted").then_some(())
    })
    .await;
}

pub(crate) async fn start_peer(test: &str) -> Option<FedifyPeer> {
    FedifyPeer::start_with(test, "peer.test", &HOSTS).await
}

#[tokio::test]
async fn scenario_1_the_peer_follows_by_handle_and_undo_removes_it() {
    let Some(peer) = start_peer("scenario_1").await else {
        return;
    };
    let alpha = Node::start("alpha").await;
    peer_follows(&peer, &alpha).await;
    assert_eq!(
        follower_count(&alpha).await,
        1,
        "alpha log:\n{}",
        alpha.process.log()
    );
    let accept = wait_for_peer(&peer, &alpha, "Accept", 1).await.remove(0);
    assert_eq!(accept["signature"]["verified"], true, "{accept}");
    assert!(
        alpha.process.log().contains("signature=Rfc9421"),
        "Fedify knocks with RFC 9421 first; alpha should have accepted that:\n{}",
        alpha.process.log()
    );

    peer.unfollow("bob", alpha.actor_id().as_str()).await;
    eventually(20, "alpha to drop the follower after Undo", || async {
        (follower_count(&alpha).await == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn scenario_2_3_publications_reach_the_peer_parse_with_fedify_and_expand_as_json_ld() {
    let Some(peer) = start_peer("scenario_2").await else {
        return;
    };
    let alpha = Node::start("alpha").await;
    peer_follows(&peer, &alpha).await;

    let mut ids = BTreeMap::new();
    for (kind, title) in [
        ("story", "From asylum seeker to ICU nurse"),
        ("event", "Diaspora Careers Fair"),
        ("opportunity", "Bilingual nurse"),
        ("resource", "Skilled Immigration Act"),
    ] {
        ids.insert(kind, alpha.publish(kind, &publication(kind, title)).await);
    }
    let creates = wait_for_peer(&peer, &alpha, "Create", 4).await;
    let parsed = |id: &str| -> Value {
        creates
            .iter()
            .find(|record| record["parsed"]["id"] == id)
            .unwrap_or_else(|| panic!("no Create of {id}: {creates:#?}"))["parsed"]
            .clone()
    };
    for (kind, class, title) in [
        ("story", "Article", "From asylum seeker to ICU nurse"),
        ("event", "Event", "Diaspora Careers Fair"),
        ("opportunity", "Page", "Bilingual nurse"),
        ("resource", "Article", "Skilled Immigration Act"),
    ] {
        let object = parsed(&ids[kind]);
        assert_eq!(object["class"], class, "{kind}: {object}");
        assert_eq!(object["name"], title, "{kind}: {object}");
        assert_eq!(object["url"], ids[kind].as_str(), "{kind}: {object}");
        assert!(
            object["summary"]
                .as_str()
                .is_some_and(|s| s.contains(&format!("About {title}."))),
            "{kind}: {object}"
        );
        assert_eq!(object["attributedTo"], alpha.actor_id().as_str());
    }
    let event = parsed(&ids["event"]);
    assert_eq!(event["startTime"], "2027-03-14T09:00:00Z", "{event}");
    assert_eq!(event["location"]["name"], "Rathaus Neukölln", "{event}");
    assert!(
        creates
            .iter()
            .all(|record| record["signature"]["verified"] == true)
    );

    let (_, outbox) = get_json(alpha.url("/actors/ngberlin/outbox").as_str()).await;
    assert_eq!(outbox["totalItems"], 4);
    let (_, page) = get_json(outbox["first"].as_str().expect("first")).await;
    let mut documents = vec![page.clone()];
    for id in ids.values() {
        let (status, object) = get_json(id).await;
        assert_eq!(status, StatusCode::OK, "{id}");
        documents.push(object);
    }
    for path in [
        "/actors/ngberlin",
        "/actor",
        "/actors/ngberlin/followers",
        "/actors/ngberlin/outbox",
    ] {
        documents.push(get_json(alpha.url(path).as_str()).await.1);
    }
    documents.extend(creates.iter().map(|record| record["json"].clone()));
    documents.extend(
        peer_records(&peer, "Accept")
            .await
            .iter()
            .map(|record| record["json"].clone()),
    );

    // Scenario 3: an edit and a deletion propagate.
    let story_id = ids["story"].rsplit('/').next().expect("id").to_string();
    let edited = publication("story", "From asylum seeker to head nurse");
    let file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("file");
    std::fs::write(file.path(), edited).expect("write");
    alpha
        .process
        .cli(&[
            "edit",
            "story",
            &story_id,
            file.path().to_str().expect("path"),
        ])
        .await;
    let update = wait_for_peer(&peer, &alpha, "Update", 1).await.remove(0);
    assert_eq!(
        update["parsed"]["name"], "From asylum seeker to head nurse",
        "{update}"
    );
    documents.push(update["json"].clone());
    alpha.process.cli(&["delete", "story", &story_id]).await;
    let delete = wait_for_peer(&peer, &alpha, "Delete", 1).await.remove(0);
    assert_eq!(
        delete["json"]["object"]["id"],
        ids["story"].as_str(),
        "{delete}"
    );
    documents.push(delete["json"].clone());
    // The delete was the CLI's, another process: the server's copy of the document it served
    // lasts a few seconds at most (`federation::document_cache::OBJECT_TTL`).
    let tombstone = crate::harness::eventually(10, "the story gone", || async {
        let (status, tombstone) = get_json(&ids["story"]).await;
        (status == StatusCode::GONE).then_some(tombstone)
    })
    .await;
    documents.push(tombstone);

    // Every document we served or sent expands with no term left undefined.
    let results = peer.expand(&documents).await;
    for (result, document) in results.iter().zip(&documents) {
        // Our Accept embeds the peer's Follow as received; the LD signature inside it is the
        // peer's (Fedify's `RsaSignature2017` is not in its own preloaded contexts), not ours.
        let ours: Vec<&Value> = result["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .filter(|problem| {
                let path = problem["path"].as_str().unwrap_or_default();
                !(document["type"] == "Accept" && path.starts_with("$.object.signature"))
            })
            .collect();
        assert!(
            ours.is_empty(),
            "JSON-LD problems {ours:?}\nin {document:#}"
        );
    }
    assert_eq!(results.len(), documents.len());
}

#[tokio::test]
async fn scenario_4_beta_follows_alpha_and_stores_its_event() {
    let alpha = Node::start("alpha").await;
    let beta = Node::start("beta").await;
    beta.follows(&alpha).await;
    let event = alpha
        .publish("event", &publication("event", "Diaspora Careers Fair"))
        .await;

    let db = beta.db().await;
    let stored = wait_for(
        20,
        "beta to store alpha's event",
        &[&alpha, &beta],
        || async {
            network::list(&db, 10)
                .await
                .ok()?
                .into_iter()
                .find(|p| p.ap_id == event)
        },
    )
    .await;
    assert_eq!(stored.object_type, "Event");
    assert_eq!(stored.name, "Diaspora Careers Fair");
    assert_eq!(stored.actor_ap_id, alpha.actor_id().as_str());
    assert_eq!(
        stored.starts_at.map(|at| at.to_rfc3339()).as_deref(),
        Some("2027-03-14T09:00:00+00:00")
    );
    let (_, following) = get_json(&format!(
        "{}?page=1",
        beta.url("/actors/ngberlin/following")
    ))
    .await;
    assert_eq!(
        following["orderedItems"],
        json!([alpha.actor_id().as_str()]),
        "{following}"
    );
}

#[tokio::test]
async fn scenario_5_a_reply_from_the_peer_is_kept_as_a_comment() {
    let Some(peer) = start_peer("scenario_5").await else {
        return;
    };
    let alpha = Node::start("alpha").await;
    let story = alpha
        .publish("story", &publication("story", "Amaka's story"))
        .await;
    let note = peer
        .reply(
            "bob",
            &story,
            "<p>Congratulations, Amaka! <script>alert(1)</script></p>",
            alpha.actor_id().as_str(),
        )
        .await;

    let db = alpha.db().await;
    let public_id = story.rsplit('/').next().expect("id");
    let found = jisr::domain::publication::find(&db, Kind::Story, public_id)
        .await
        .expect("story");
    // Kept, and under the default policy held for a moderator (the peer is not followed).
    let kept = wait_for(20, "alpha to keep the reply", &[&alpha], || async {
        comment::find(&db, &note).await.ok().flatten()
    })
    .await;
    assert_eq!(kept.status, comment::ReplyStatus::Held);
    assert_eq!(kept.publication_id, found.publication_id);
    let comments = [kept];
    assert_eq!(comments[0].ap_id, note);
    assert_eq!(comments[0].actor_ap_id, peer.actor_id("bob").as_str());
    assert!(
        comments[0].content_html.contains("Congratulations"),
        "{:?}",
        comments[0]
    );
    assert!(
        !comments[0].content_html.contains("script"),
        "sanitized: {:?}",
        comments[0]
    );
}

#[tokio::test]
async fn scenario_6_forgeries_are_refused() {
    let alpha = Node::start("alpha").await;
    let beta = Node::start("beta").await;
    let mallory = TestActor::start_as("mallory.test").await;
    let inbox = alpha.url("/inbox");

    let forged = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": mallory.new_id("create"),
        "type": "Create",
        "actor": mallory.id("ada"),
        "object": {"id": beta.url("/stories/0000forged").as_str(), "type": "Article",
                   "attributedTo": mallory.id("ada"), "name": "Forged", "content": "x"},
    });
    let (status, body) = mallory.post("ada", &inbox, &forged, Forgery::None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an object claimed on beta's host; alpha said {body}\nalpha log:\n{}",
        alpha.process.log()
    );

    for (forgery, expected) in [
        (Forgery::WrongKey, StatusCode::UNAUTHORIZED),
        (Forgery::DigestMismatch, StatusCode::UNAUTHORIZED),
    ] {
        let follow = mallory.follow("ada", &alpha.actor_id());
        let (status, body) = mallory.post("ada", &inbox, &follow, forgery).await;
        assert_eq!(status, expected, "{forgery:?}: alpha said {body}");
    }
    assert_eq!(follower_count(&alpha).await, 0);

    // A valid request, replayed after an Undo, has no effect.
    let follow = mallory.follow("ada", &alpha.actor_id());
    let body = serde_json::to_vec(&follow).expect("body");
    let headers = mallory.sign("ada", &inbox, &body, Forgery::None, chrono::Utc::now());
    assert_eq!(
        mallory.send(&inbox, headers.clone(), body.clone()).await.0,
        StatusCode::ACCEPTED
    );
    let undo = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": mallory.new_id("undo"),
                      "type": "Undo", "actor": mallory.id("ada"), "object": follow});
    assert_eq!(
        mallory.post("ada", &inbox, &undo, Forgery::None).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        mallory.send(&inbox, headers, body).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        follower_count(&alpha).await,
        0,
        "the replayed Follow must not count"
    );
}

#[tokio::test]
async fn scenario_7_a_stopped_instance_gets_everything_when_it_comes_back() {
    let alpha = Node::start("alpha").await;
    let mut gamma = Node::start("gamma").await;
    gamma.follows(&alpha).await;
    gamma.process.kill().await;

    let mut ids = Vec::new();
    for number in 0..50 {
        ids.push(
            alpha
                .publish("story", &publication("story", &format!("Story {number}")))
                .await,
        );
    }
    gamma.process.restart().await;
    let db = gamma.db().await;
    let stored = wait_for(
        60,
        "gamma to receive all 50 stories",
        &[&alpha, &gamma],
        || async {
            let stored = network::list(&db, 100).await.ok()?;
            (stored.len() >= 50).then_some(stored)
        },
    )
    .await;
    assert_eq!(stored.len(), 50, "alpha log:\n{}", alpha.process.log());
    let _ = &mut gamma;
}

#[tokio::test]
async fn scenario_8_a_killed_instance_finishes_its_fan_out_exactly_once_per_follower() {
    let Some(peer) = start_peer("scenario_8").await else {
        return;
    };
    let mut alpha = Node::start("alpha").await;
    let beta = Node::start("beta").await;
    let gamma = Node::start("gamma").await;
    beta.follows(&alpha).await;
    gamma.follows(&alpha).await;
    peer_follows(&peer, &alpha).await;

    const COUNT: usize = 40;
    for number in 0..COUNT {
        alpha
            .publish("story", &publication("story", &format!("Story {number}")))
            .await;
    }
    alpha.process.kill().await;
    let at_kill = peer_records(&peer, "Create").await.len();
    alpha.process.restart().await;

    let (beta_db, gamma_db) = (beta.db().await, gamma.db().await);
    for (name, db) in [("beta", &beta_db), ("gamma", &gamma_db)] {
        let stored = wait_for(
            60,
            &format!("{name} to store all {COUNT}"),
            &[&alpha, &beta, &gamma],
            || async {
                let stored = network::list(db, 100).await.ok()?;
                (stored.len() >= COUNT).then_some(stored)
            },
        )
        .await;
        assert_eq!(stored.len(), COUNT, "{name}");
    }
    let creates = wait_for_peer(&peer, &alpha, "Create", COUNT).await;
    let mut seen = BTreeMap::new();
    for record in &creates {
        *seen
            .entry(record["id"].as_str().unwrap_or_default().to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(seen.len(), COUNT, "distinct Creates at the peer");
    assert!(
        seen.values().all(|count| *count == 1),
        "each Create once at the peer: {seen:?}"
    );
    eprintln!("scenario 8: the peer had {at_kill} of {COUNT} Creates when alpha was killed");
}
