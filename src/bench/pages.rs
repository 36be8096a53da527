//! `jisr bench pages`: how many pages a second the website serves, and the ActivityPub
//! documents at the same URLs. Each target (the lists, the calendar, the feeds, a tag page,
//! an event's page and its JSON, the actor document, the forums, a forum and a thread) is asked for by a fixed number of
//! clients at once, in English and Arabic in turn and accepting gzip as browsers do, for a few
//! seconds; its baselines, measured in the same rounds, are WebFinger (the same server's
//! cheapest answer that reads its state), its stylesheet (no state at all), and an axum
//! hello-world started here on another port (what a request costs with no Jisr in it). Pages
//! are compared with WebFinger, documents with the hello-world.
//!
//! Without `--url` it starts an instance of its own on a fresh SQLite database (or the one
//! `--database` names) with 50 publications of each kind and a forum of 200 threads of ten
//! replies, or with `--network` 250 of each, 10,000 of 100 organizations we follow and a forum
//! of 2,000 threads. With one `--url` or more it measures running
//! servers, in turn path by path (A B A B), and prints each against the first: this is how two
//! builds are compared side by side (an older one in a second checkout, serving the same
//! content).

use super::{peak_rss_mib, seed, tempfile_folder};
use crate::app::{AppState, Instance};
use crate::config::Config;
use crate::db::Db;
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
    /// The instance started here has the network's content too (and 250 of ours per kind).
    pub network: bool,
    /// The database of the instance started here (default: a fresh SQLite file); it should be
    /// empty.
    pub database: Option<String>,
    /// Only the targets named so (and the baselines); all when empty.
    pub only: Vec<String>,
    /// Print how the database runs the lists' queries first.
    pub explain: bool,
}

/// What a target is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The axum hello-world, on its own port.
    HelloWorld,
    /// WebFinger: what pages are compared with.
    WebFinger,
    /// A baseline of the server itself (its stylesheet).
    Baseline,
    /// An ActivityPub document: compared with the hello-world.
    Document,
    /// A page or a feed: compared with WebFinger.
    Page,
}

/// One thing measured: its name, its path (`{event}`, `{actor}`, `{handle}` and `{host}`
/// filled in from the server), and what it is.
struct Target {
    name: &'static str,
    path: &'static str,
    accept: &'static str,
    role: Role,
}

const HTML: &str = "text/html,application/xhtml+xml,*/*;q=0.8";
const ACTIVITY_JSON: &str = "application/activity+json";

const TARGETS: &[Target] = &[
    Target {
        name: "hello-world",
        path: "/",
        accept: "application/json",
        role: Role::HelloWorld,
    },
    Target {
        name: "webfinger",
        path: "/.well-known/webfinger?resource=acct:{handle}@{host}",
        accept: "application/jrd+json",
        role: Role::WebFinger,
    },
    Target {
        name: "/static/style.css",
        path: "/static/style.css",
        accept: "text/css,*/*;q=0.1",
        role: Role::Baseline,
    },
    Target {
        name: "actor (JSON)",
        path: "{actor}",
        accept: ACTIVITY_JSON,
        role: Role::Document,
    },
    Target {
        name: "event (JSON)",
        path: "{event}",
        accept: ACTIVITY_JSON,
        role: Role::Document,
    },
    Target {
        name: "/",
        path: "/",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/stories",
        path: "/stories",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/events",
        path: "/events",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/events/calendar",
        path: "/events/calendar",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/opportunities",
        path: "/opportunities",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/resources",
        path: "/resources",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/tags/berlin",
        path: "/tags/berlin",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/events.ics",
        path: "/events.ics",
        accept: "text/calendar",
        role: Role::Page,
    },
    Target {
        name: "/events.atom",
        path: "/events.atom",
        accept: "application/atom+xml",
        role: Role::Page,
    },
    Target {
        name: "/events/{id}",
        path: "{event}",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/forums",
        path: "/forums",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/forums/{slug}",
        path: "{forum}",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "thread",
        path: "{thread}",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/remittances",
        path: "/remittances",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/remittances/fr-sn",
        path: "/remittances/fr-sn",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/reports/gcm",
        path: "/reports/gcm",
        accept: HTML,
        role: Role::Page,
    },
    Target {
        name: "/about",
        path: "/about",
        accept: HTML,
        role: Role::Page,
    },
];

/// One measurement: requests per second that answered 200, the 99th percentile latency, and
/// the size of an answer as sent (compressed when it was).
#[derive(Debug, Clone, Copy, Default)]
struct Rate {
    per_second: f64,
    p99_ms: f64,
    bytes: usize,
}

/// A server measured, with what its paths are filled in with.
struct Server {
    url: String,
    /// The path of an event (`/events/{id}`), of the organization's actor, its handle and
    /// host.
    event: String,
    actor: String,
    handle: String,
    host: String,
    /// The first forum of its `/forums`, and that forum's first thread (`/forums` when it
    /// has none: measured as the pages it answers).
    forum: String,
    thread: String,
}

impl Server {
    fn path(&self, target: &Target) -> String {
        target
            .path
            .replace("{event}", &self.event)
            .replace("{actor}", &self.actor)
            .replace("{handle}", &self.handle)
            .replace("{host}", &self.host)
            .replace("{forum}", &self.forum)
            .replace("{thread}", &self.thread)
    }
}

/// Runs the benchmark and prints its report.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let mut own = None;
    let urls = if settings.urls.is_empty() {
        let started = Instant::now();
        let instance = start_own(&settings).await?;
        println!(
            "seeded in {:.1} s; peak resident memory {:.0} MiB",
            started.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
        if settings.explain {
            explain(instance.state.db()).await?;
        }
        let url = format!("http://{}", instance.address);
        own = Some(instance);
        vec![url]
    } else {
        settings.urls.clone()
    };
    let hello_world = start_hello_world().await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(settings.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut servers = Vec::new();
    for url in &urls {
        servers.push(describe(&client, url.trim_end_matches('/')).await?);
    }
    println!(
        "pages benchmark: {} clients at once, {:.1} s a target, {} rounds, {} server(s): {}",
        settings.concurrency,
        settings.seconds,
        settings.rounds,
        servers.len(),
        servers
            .iter()
            .map(|server| server.url.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // rates[target][server][round]
    let rounds = settings.rounds.max(1);
    let mut rates = vec![vec![Vec::with_capacity(rounds); servers.len()]; TARGETS.len()];
    let chosen = |target: &Target| {
        matches!(target.role, Role::HelloWorld | Role::WebFinger)
            || settings.only.is_empty()
            || settings
                .only
                .iter()
                .any(|name| target.name == name.as_str())
    };
    for _ in 0..rounds {
        for (index, target) in TARGETS.iter().enumerate() {
            if !chosen(target) {
                continue;
            }
            for (number, server) in servers.iter().enumerate() {
                let url = match target.role {
                    Role::HelloWorld => format!("{hello_world}{}", target.path),
                    _ => format!("{}{}", server.url, server.path(target)),
                };
                let rate = measure(
                    &client,
                    &url,
                    target.accept,
                    settings.concurrency,
                    settings.seconds,
                )
                .await?;
                rates[index][number].push(rate);
                if target.role == Role::HelloWorld {
                    // One hello-world for all servers.
                    for others in rates[index].iter_mut().skip(1) {
                        others.push(rate);
                    }
                    break;
                }
            }
        }
    }
    let at = |role: Role| {
        TARGETS
            .iter()
            .position(|target| target.role == role)
            .unwrap_or(0)
    };
    let (hello, webfinger) = (at(Role::HelloWorld), at(Role::WebFinger));
    println!(
        "{:<24} {:>9} {:>8} {:>9} {:>11} {:>9} {:>8}",
        "target (server)", "req/s", "p99 ms", "KB", "× WebFinger", "× hello", "× first"
    );
    for (index, target) in TARGETS.iter().enumerate() {
        if !chosen(target) {
            continue;
        }
        for (number, server_rates) in rates[index].iter().enumerate() {
            if target.role == Role::HelloWorld && number > 0 {
                continue;
            }
            let rate = median(server_rates.iter().map(|rate| rate.per_second));
            let p99 = median(server_rates.iter().map(|rate| rate.p99_ms));
            let bytes = server_rates.last().map_or(0, |rate| rate.bytes);
            // Ratios of the same round, then their median.
            let ratio_to = |reference: &[Rate]| {
                median(
                    server_rates
                        .iter()
                        .zip(reference)
                        .map(|(rate, of)| rate.per_second / of.per_second.max(1.0)),
                )
            };
            let to_webfinger = ratio_to(&rates[webfinger][number]);
            let to_hello = ratio_to(&rates[hello][number]);
            let to_first = ratio_to(&rates[index][0]);
            let name = if servers.len() > 1 && target.role != Role::HelloWorld {
                format!("{} ({})", target.name, (b'A' + number as u8) as char)
            } else {
                target.name.to_string()
            };
            let show = |shown: bool, ratio: f64| {
                if shown {
                    format!("{ratio:.3}")
                } else {
                    "".to_string()
                }
            };
            println!(
                "{:<24} {:>9.0} {:>8.1} {:>9.1} {:>11} {:>9} {:>8}",
                name,
                rate,
                p99,
                bytes as f64 / 1000.0,
                show(
                    matches!(target.role, Role::Page | Role::Baseline),
                    to_webfinger
                ),
                show(
                    matches!(target.role, Role::Document | Role::WebFinger),
                    to_hello
                ),
                show(number > 0, to_first),
            );
        }
    }
    println!(
        "peak resident memory of this process: {:.0} MiB",
        peak_rss_mib()
    );
    if let Some(instance) = own {
        instance.stop().await;
    }
    Ok(())
}

/// Prints the plans of the lists' queries on both tables: the newest stories, a hashtag's
/// newest, the upcoming events, this month's events, the open opportunities.
async fn explain(db: &Db) -> anyhow::Result<()> {
    use crate::domain::publication::{Filters, Kind, Listing, Table, explain_keys};
    let now = chrono::Utc::now();
    let tagged = Filters {
        hashtag: Some("berlin".to_string()),
        ..Filters::default()
    };
    let plain = Filters::default();
    let listings = [
        ("newest stories", Listing::Newest(Some(Kind::Story)), &plain),
        ("a hashtag's newest", Listing::Newest(None), &tagged),
        ("upcoming events", Listing::UpcomingEvents { now }, &plain),
        (
            "a month's events",
            Listing::EventsBetween {
                from: now,
                to: now + chrono::Duration::days(31),
            },
            &plain,
        ),
        (
            "open opportunities",
            Listing::OpenOpportunities { now },
            &plain,
        ),
    ];
    for (name, listing, filters) in listings {
        for table in [Table::Publication, Table::RemotePublication] {
            println!("-- {name} ({table:?}):");
            for line in explain_keys(db, table, listing, filters, 25).await? {
                println!("   {line}");
            }
        }
    }
    Ok(())
}

/// The middle of some values.
fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut sorted: Vec<f64> = values.collect();
    if sorted.is_empty() {
        return 0.0;
    }
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// An axum hello-world on a port of its own: a small JSON answer, no state, no middleware.
/// Returns its URL.
async fn start_hello_world() -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            axum::Json(serde_json::json!({"hello": "world", "answer": 42}))
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{address}"))
}

/// What the server's paths are filled in with: the first event of its `/events`, and its
/// organization's actor (the home page's ActivityStreams link), handle and host.
async fn describe(client: &reqwest::Client, url: &str) -> anyhow::Result<Server> {
    let event = first_event(client, url).await?;
    let home = client
        .get(format!("{url}/"))
        .send()
        .await
        .with_context(|| format!("GET {url}/"))?
        .text()
        .await?;
    let marker = "type=\"application/activity+json\" href=\"";
    let actor = home
        .find(marker)
        .map(|at| &home[at + marker.len()..])
        .and_then(|rest| rest.split('"').next())
        .with_context(|| format!("{url}/ links to no actor"))?;
    let actor = url::Url::parse(actor).with_context(|| format!("the actor {actor}"))?;
    let handle = actor
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let host = match actor.port() {
        Some(port) => format!("{}:{port}", actor.host_str().unwrap_or_default()),
        None => actor.host_str().unwrap_or_default().to_string(),
    };
    let forum = first_link(client, url, "/forums", "/forums/")
        .await?
        .unwrap_or_else(|| "/forums".to_string());
    let thread = first_link(client, url, &forum, &format!("{forum}/posts/"))
        .await?
        .unwrap_or_else(|| forum.clone());
    Ok(Server {
        url: url.to_string(),
        event,
        actor: actor.path().to_string(),
        handle,
        host,
        forum,
        thread,
    })
}

/// The first link of the page `path` whose target starts with `prefix` (and is longer).
async fn first_link(
    client: &reqwest::Client,
    url: &str,
    path: &str,
    prefix: &str,
) -> anyhow::Result<Option<String>> {
    let html = client
        .get(format!("{url}{path}"))
        .send()
        .await
        .with_context(|| format!("GET {url}{path}"))?
        .text()
        .await?;
    let marker = format!("href=\"{prefix}");
    Ok(html.find(&marker).and_then(|at| {
        let rest = &html[at + 6..];
        let link = rest.split('"').next()?;
        (link.len() > prefix.len() && !link.ends_with("/new")).then(|| link.to_string())
    }))
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

/// `concurrency` clients asking for `url` for `seconds`, in English and Arabic in turn,
/// accepting `accept` and gzip.
async fn measure(
    client: &reqwest::Client,
    url: &str,
    accept: &str,
    concurrency: usize,
    seconds: f64,
) -> anyhow::Result<Rate> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (client, url, stop) = (client.clone(), url.to_string(), stop.clone());
            let accept = accept.to_string();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failed = 0u64;
                let mut bytes = 0;
                let mut n = worker;
                while !stop.load(Ordering::Relaxed) {
                    let language = if n % 2 == 0 { "en" } else { "ar" };
                    n += 1;
                    let asked = Instant::now();
                    let answer = client
                        .get(&url)
                        .header("accept", &accept)
                        .header("accept-language", language)
                        .header("accept-encoding", "gzip")
                        .send()
                        .await;
                    let body = match answer {
                        Ok(response) if response.status().is_success() => {
                            response.bytes().await.ok()
                        }
                        _ => None,
                    };
                    match body {
                        Some(body) => {
                            latencies.push(asked.elapsed());
                            bytes = body.len();
                        }
                        None => failed += 1,
                    }
                }
                (latencies, failed, bytes)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut failed = 0;
    let mut bytes = 0;
    for task in tasks {
        let (mine, not_ok, size) = task.await?;
        latencies.extend(mine);
        failed += not_ok;
        bytes = bytes.max(size);
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
        bytes,
    })
}

/// An instance on a fresh database with 50 publications of each kind and 500 price reports on
/// France → Senegal, or with `--network` 250 of each, the network's content and 5,000 reports.
async fn start_own(settings: &Settings) -> anyhow::Result<Instance> {
    let folder = tempfile_folder()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut config = Config::default();
    // Measured without the daily fetch of the ECB's rates.
    config.remittances.ecb_url = String::new();
    config.instance.domain = format!("localhost:{}", address.port());
    config.instance.languages = vec!["en".into(), "ar".into()];
    config.server.listen = address;
    config.database.url = settings
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/pages.db", folder.display()));
    let db = Db::connect(&config.database.url, config.database.max_connections).await?;
    db.migrate().await?;
    let state = AppState::new(config, db).await?;
    if settings.network {
        seed::publish_examples(&state, 250).await?;
        seed::network(&state, 100, 10_000).await?;
        seed::forums(&state, 2_000, 10).await?;
        seed::price_reports(&state, 5_000).await?;
    } else {
        seed::publish_examples(&state, 50).await?;
        seed::forums(&state, 200, 10).await?;
        seed::price_reports(&state, 500).await?;
    }
    Ok(Instance::start(state, listener)?)
}
