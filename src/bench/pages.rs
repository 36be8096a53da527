//! `jisr bench pages`: how many pages a second the website serves. Each page (the home page,
//! the events list and calendar, the stories, an event's page, the about page) is asked for by
//! a fixed number of clients at once, in English and Arabic in turn, for a few seconds; the
//! baseline, measured in the same run against the same server, is its stylesheet: the same
//! router, middleware and connection handling with no database and no template.
//!
//! Without `--url` it starts an instance of its own on a fresh SQLite database with 50
//! publications of each kind. With one `--url` or more it measures running servers, in turn
//! path by path (A B A B), and prints each against the first: this is how two builds are
//! compared side by side (an older one in a second checkout, serving the same content).

use super::tempfile_folder;
use crate::app::{AppState, Instance};
use crate::config::Config;
use crate::db::Db;
use crate::domain::publication::{Input, Kind};
use crate::federation::outbox;
use anyhow::Context;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The settings of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Servers to measure; empty: one started here.
    pub urls: Vec<String>,
    pub seconds: f64,
    pub concurrency: usize,
    /// Rounds over the targets (A B A B …); the median is reported.
    pub rounds: usize,
}

/// The pages measured after the baseline; `{event}` is the first event of `/events` (printed
/// as `/events/{id}`).
const PATHS: &[&str] = &[
    "/",
    "/events",
    "/events/calendar",
    "/stories",
    "{event}",
    "/about",
];

/// The baseline: the stylesheet, built into the binary.
const BASELINE: &str = "/static/style.css";

/// One measurement: requests per second that answered 200, and the 99th percentile latency.
#[derive(Debug, Clone, Copy)]
struct Rate {
    per_second: f64,
    p99_ms: f64,
}

/// Runs the benchmark and prints its report.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let mut own = None;
    let urls = if settings.urls.is_empty() {
        let instance = start_own().await?;
        let url = format!("http://{}", instance.address);
        own = Some(instance);
        vec![url]
    } else {
        settings.urls.clone()
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(settings.concurrency)
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut targets = Vec::new();
    for url in &urls {
        let url = url.trim_end_matches('/').to_string();
        let event = first_event(&client, &url).await?;
        targets.push((url, event));
    }
    println!(
        "pages benchmark: {} clients at once, {:.1} s a page, {} rounds, {} server(s): {}",
        settings.concurrency,
        settings.seconds,
        settings.rounds,
        targets.len(),
        targets
            .iter()
            .map(|(url, _)| url.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "{:<24} {:>10} {:>9} {:>12} {:>12}",
        "page (server)", "req/s", "p99 ms", "× baseline", "× first"
    );
    // Each server's baseline, for the "× baseline" column.
    let mut baselines = vec![0.0; targets.len()];
    for path in std::iter::once(BASELINE).chain(PATHS.iter().copied()) {
        let path = if path == "{event}" {
            "/events/{id}"
        } else {
            path
        };
        let mut rates: Vec<Vec<Rate>> = vec![Vec::new(); targets.len()];
        for _ in 0..settings.rounds.max(1) {
            for (index, (url, event)) in targets.iter().enumerate() {
                let path = path.replace("/events/{id}", event);
                let rate = measure(
                    &client,
                    &format!("{url}{path}"),
                    settings.concurrency,
                    settings.seconds,
                )
                .await?;
                rates[index].push(rate);
            }
        }
        let mut first = 0.0;
        for (index, measured) in rates.iter().enumerate() {
            let rate = median(measured);
            if path == BASELINE {
                baselines[index] = rate.per_second;
            }
            if index == 0 {
                first = rate.per_second;
            }
            let name = if targets.len() > 1 {
                format!("{path} ({})", (b'A' + index as u8) as char)
            } else {
                path.to_string()
            };
            println!(
                "{:<24} {:>10.0} {:>9.1} {:>12.2} {:>12}",
                name,
                rate.per_second,
                rate.p99_ms,
                rate.per_second / baselines[index].max(1.0),
                if index == 0 {
                    "—".to_string()
                } else {
                    format!("{:.2}", rate.per_second / first.max(1.0))
                }
            );
        }
    }
    if let Some(instance) = own {
        instance.stop().await;
    }
    Ok(())
}

/// The middle measurement by requests per second.
fn median(rates: &[Rate]) -> Rate {
    let mut sorted = rates.to_vec();
    sorted.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    sorted[sorted.len() / 2]
}

/// The path of the first event on the server's `/events`.
async fn first_event(client: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let html = client
        .get(format!("{url}/events"))
        .send()
        .await
        .with_context(|| format!("GET {url}/events"))?
        .text()
        .await?;
    let at = html
        .match_indices("/events/")
        .find_map(|(start, _)| {
            let id: String = html[start + 8..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            (id.len() == 20).then_some(id)
        })
        .with_context(|| format!("{url}/events lists no event"))?;
    Ok(format!("/events/{at}"))
}

/// `concurrency` clients asking for `url` for `seconds`, in English and Arabic in turn.
async fn measure(
    client: &reqwest::Client,
    url: &str,
    concurrency: usize,
    seconds: f64,
) -> anyhow::Result<Rate> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (client, url, stop) = (client.clone(), url.to_string(), stop.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failed = 0u64;
                let mut n = worker;
                while !stop.load(Ordering::Relaxed) {
                    let language = if n % 2 == 0 { "en" } else { "ar" };
                    n += 1;
                    let asked = Instant::now();
                    let answer = client
                        .get(&url)
                        .header("accept-language", language)
                        .send()
                        .await;
                    let ok = match answer {
                        Ok(response) if response.status().is_success() => {
                            response.bytes().await.is_ok()
                        }
                        _ => false,
                    };
                    if ok {
                        latencies.push(asked.elapsed());
                    } else {
                        failed += 1;
                    }
                }
                (latencies, failed)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (mine, not_ok) = task.await?;
        latencies.extend(mine);
        failed += not_ok;
    }
    let elapsed = started.elapsed().as_secs_f64();
    anyhow::ensure!(failed == 0, "{url}: {failed} requests did not answer 200");
    latencies.sort_unstable();
    let p99 = latencies
        .get(latencies.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or_default();
    Ok(Rate {
        per_second: latencies.len() as f64 / elapsed,
        p99_ms: p99.as_secs_f64() * 1000.0,
    })
}

/// An instance on a fresh SQLite database with 50 publications of each kind, from the
/// examples in `examples/` (built into the binary).
async fn start_own() -> anyhow::Result<Instance> {
    let folder = tempfile_folder()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut config = Config::default();
    config.instance.domain = format!("localhost:{}", address.port());
    config.instance.languages = vec!["en".into(), "ar".into()];
    config.server.listen = address;
    config.database.url = format!("sqlite://{}/pages.db", folder.display());
    let db = Db::connect(&config.database.url, config.database.max_connections).await?;
    db.migrate().await?;
    let state = AppState::new(config, db).await?;
    publish_examples(&state, 50).await?;
    Ok(Instance::start(state, listener)?)
}

/// Publishes `count` copies of each example publication (their dates, in 2027, moved to next
/// year, so that the events are upcoming and the opportunities open).
async fn publish_examples(state: &AppState, count: usize) -> anyhow::Result<()> {
    let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    let examples = [
        (
            Kind::Story,
            include_str!("../../examples/story.toml").to_string(),
        ),
        (
            Kind::Event,
            include_str!("../../examples/event.toml").replace("2027-", &format!("{next_year}-")),
        ),
        (
            Kind::Opportunity,
            include_str!("../../examples/opportunity.toml")
                .replace("2027-", &format!("{next_year}-")),
        ),
        (
            Kind::Resource,
            include_str!("../../examples/resource.toml").to_string(),
        ),
    ];
    for (kind, toml) in examples {
        let draft = Input::from_toml(&toml)?.validate(kind, &state.config().instance.languages)?;
        for _ in 0..count {
            outbox::publish(state, &draft).await?;
        }
    }
    Ok(())
}
