//! The JSON examples of `docs/FEDERATION.md` are what the server sends. Each example marked
//! `<!-- checked against the server: NAME -->` is compared, member by member, with the
//! document a real instance serves, configured as the example is (`community` on
//! `localhost:18080`); only values that differ per instance (keys, creation times) are not
//! compared. The publication examples (`publication-…`) are compared with the documents of the
//! four files in `examples/` as published on an instance named as the examples' one: their
//! ids, times, and the parts of long strings that the docs cut with `…` are not compared.

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
        config.instance.contact = "info@community.example".to_string();
        config.instance.countries_of_origin = vec!["NG".to_string(), "SY".to_string()];
        config.instance.countries_of_residence = vec!["DE".to_string()];
        config.instance.languages = vec!["en".to_string(), "ar".to_string()];
        config.instance.sectors = vec!["education".to_string(), "health".to_string()];
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
        if name.starts_with("publication-") {
            continue;
        }
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

/// Whether `served` is what `example` documents: equal, except that a string of the example
/// with `…` in it stands for every string that starts with what comes before the `…` and ends
/// with what comes after it, and the times (`published`, `updated`, `datePosted`) are not
/// compared.
fn matches(served: &Value, example: &Value, path: &str, differences: &mut Vec<String>) {
    match (served, example) {
        (Value::String(served), Value::String(example)) if example.contains('…') => {
            let (head, tail) = example.split_once('…').expect("…");
            if !(served.starts_with(head) && served.ends_with(tail)) {
                differences.push(format!("{path}: served {served:?}, documented {example:?}"));
            }
        }
        (Value::Object(served), Value::Object(example)) => {
            let keys: std::collections::BTreeSet<&String> =
                served.keys().chain(example.keys()).collect();
            for key in keys {
                if ["published", "updated", "datePosted", "@context"].contains(&key.as_str()) {
                    continue;
                }
                match (served.get(key), example.get(key)) {
                    (Some(left), Some(right)) => {
                        matches(left, right, &format!("{path}/{key}"), differences)
                    }
                    (Some(_), None) => differences.push(format!("{path}/{key}: not documented")),
                    (None, Some(_)) => differences.push(format!("{path}/{key}: not served")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(served), Value::Array(example)) if served.len() == example.len() => {
            for (index, (left, right)) in served.iter().zip(example).enumerate() {
                matches(left, right, &format!("{path}/{index}"), differences);
            }
        }
        (served, example) if served == example => {}
        (served, example) => {
            differences.push(format!("{path}: served {served}, documented {example}"))
        }
    }
}

#[tokio::test]
async fn the_documented_publications_are_what_the_server_sends() {
    use jisr::domain::publication::{Input, Kind};
    let database = TestDatabase::create().await;
    let alpha = TestInstance::start_with(&database.url, |config| {
        config.instance.handle = "community".to_string();
        config.instance.name = "Jisr Community".to_string();
        config.instance.languages = vec!["en".to_string(), "ar".to_string(), "fr".to_string()];
    })
    .await;
    let base = alpha.url("/").to_string();
    let base = base.trim_end_matches('/');
    let examples: Vec<(String, Value)> = examples()
        .into_iter()
        .filter(|(name, _)| name.starts_with("publication-"))
        .collect();
    assert!(
        examples.len() >= 4,
        "the marked publication examples: {}",
        examples.len()
    );
    for (name, example) in examples {
        let (kind, file, activity) = match name.as_str() {
            "publication-event" => (Kind::Event, include_str!("../examples/event.toml"), None),
            "publication-opportunity" => (
                Kind::Opportunity,
                include_str!("../examples/opportunity.toml"),
                None,
            ),
            "publication-resource" => (
                Kind::Resource,
                include_str!("../examples/resource.toml"),
                None,
            ),
            "publication-create-story" => (
                Kind::Story,
                include_str!("../examples/story.toml"),
                Some("create"),
            ),
            other => panic!("no check for the example {other:?}: add one here"),
        };
        let draft = Input::from_toml(file)
            .and_then(|input| input.validate(kind, &alpha.config.instance.languages))
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let published = jisr::federation::outbox::publish(alpha.state(), &draft)
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let id = format!("{base}/{}/{}", kind.plural(), published.public_id);
        let url = match activity {
            Some(activity) => format!("{id}/activities/{activity}"),
            None => id.clone(),
        };
        let document = served(
            url::Url::parse(&url).expect("url"),
            "application/activity+json",
        )
        .await;
        // The example's ids are those of the instance the docs were made on.
        let documented_id = example
            .pointer("/object/id")
            .or_else(|| example.get("id"))
            .and_then(Value::as_str)
            .expect("the example has an id")
            .to_string();
        let text = document
            .to_string()
            .replace(&id, &documented_id)
            .replace(base, "https://jisr.example");
        let document: Value = serde_json::from_str(&text).expect("JSON");
        let mut differences = Vec::new();
        matches(&document, &example, "", &mut differences);
        assert!(
            differences.is_empty(),
            "docs/FEDERATION.md, example {name}: the server's document differs:\n{}",
            differences.join("\n")
        );
    }
    alpha.stop().await;
}
