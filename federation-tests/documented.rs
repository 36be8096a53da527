//! The JSON examples of `docs/FEDERATION.md` are what the server sends. Each example marked
//! `<!-- checked against the server: NAME -->` is compared, member by member, with the
//! document a real instance serves, configured as the example is (`community` on
//! `localhost:18080`); only values that differ per instance (keys, creation times) are not
//! compared.

use crate::harness::{TestDatabase, TestInstance};
use serde_json::Value;

const DOCS: &str = include_str!("../docs/FEDERATION.md");
const MARKER: &str = "<!-- checked against the server: ";

/// The examples marked as checked, by name.
fn examples() -> Vec<(String, Value)> {
    let mut found = Vec::new();
    let mut rest = DOCS;
    while let Some(start) = rest.find(MARKER) {
        rest = &rest[start + MARKER.len()..];
        let (name, after) = rest.split_once(" -->").expect("marker end");
        let block = after
            .trim_start()
            .strip_prefix("```json")
            .unwrap_or_else(|| panic!("{name}: a ```json block follows the marker"));
        let (json, _) = block.split_once("```").expect("block end");
        let value = serde_json::from_str(json).unwrap_or_else(|error| panic!("{name}: {error}"));
        found.push((name.to_string(), value));
    }
    found
}

/// `value` with what differs per instance replaced by `"…"`.
fn comparable(mut value: Value) -> Value {
    if let Some(key) = value.pointer_mut("/publicKey/publicKeyPem") {
        *key = Value::from("…");
    }
    if let Some(published) = value.get_mut("published") {
        *published = Value::from("…");
    }
    value
}

async fn served(url: url::Url, accept: &str) -> Value {
    reqwest::Client::new()
        .get(url.clone())
        .header("accept", accept)
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
        .json()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
}

#[tokio::test]
async fn the_documented_examples_are_what_the_server_sends() {
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.instance.handle = "community".to_string();
        config.instance.name = "Jisr Community".to_string();
        config.instance.summary = "A diaspora organization on the Jisr network.".to_string();
    })
    .await;
    let domain = alpha
        .handle()
        .split_once('@')
        .expect("handle")
        .1
        .to_string();
    let jrd = "application/jrd+json";
    let activity = "application/activity+json";
    let examples = examples();
    assert!(
        examples.len() >= 7,
        "the marked examples: {}",
        examples.len()
    );
    for (name, example) in examples {
        let mut document = match name.as_str() {
            "webfinger-organization" => {
                let query = format!("/.well-known/webfinger?resource=acct:community@{domain}");
                served(alpha.url(&query), jrd).await
            }
            "webfinger-instance-actor" => {
                let query = format!("/.well-known/webfinger?resource={}", alpha.url("/"));
                served(alpha.url(&query), jrd).await
            }
            "nodeinfo-links" => {
                served(alpha.url("/.well-known/nodeinfo"), "application/json").await
            }
            "organization" => served(alpha.url("/actors/community"), activity).await,
            "instance-actor" => served(alpha.url("/actor"), activity).await,
            "followers" => served(alpha.url("/actors/community/followers"), activity).await,
            "outbox-empty" => served(alpha.url("/actors/community/outbox"), activity).await,
            other => panic!("no check for the example {other:?}: add one here"),
        };
        let mut example = example;
        if name == "organization" {
            // The example's organization has a logo and a header image, which the text says are
            // there only when it has them; this instance has none.
            let fields = example.as_object_mut().expect("object");
            fields.remove("icon");
            fields.remove("image");
        }
        let text = document.to_string().replace(
            &format!("localhost:{}", alpha.url("/").port().expect("port")),
            "localhost:18080",
        );
        document = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            comparable(document),
            comparable(example),
            "docs/FEDERATION.md, example {name}: the server's document (left) against the docs (right)"
        );
    }
    alpha.stop().await;
}
