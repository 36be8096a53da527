//! `jisr bench fanout`: one publication delivered to N followers with personal inboxes spread
//! over H loopback hosts, every request signed by Jisr and verified by a sink in a child process
//! (`jisr bench sink`), so that the memory and CPU figures are Jisr's alone. The baseline is
//! the raw RSA-2048 PKCS#1 v1.5 SHA-256 signing rate of aws-lc-rs on all cores: each delivery
//! needs one signature, so that rate is the ceiling.
//!
//! Then the same fan-out again with faults: some hosts answer slowly (after the request
//! timeout, then just inside it) and some refuse connections (they resolve to 127.0.0.2, where
//! nothing listens). The head-of-line ratio is how long the healthy hosts' deliveries took in
//! such a run against how long the same deliveries took in the clean one.

use super::{cpu_seconds, peak_rss_mib, rate_on_threads, reset_peak_rss, tempfile_folder};
use crate::app::{AppState, Instance};
use crate::config::Config;
use crate::db::{Db, with_pool};
use crate::domain::publication::{Input, Kind};
use crate::federation::signature::{self, PrivateKey, PublicKey, SignedRequest};
use crate::federation::{followers, outbox};
use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Serves the sink on a free loopback port, printed on the first line of stdout. Hosts `h0` …
/// `h{slow_hosts-1}` answer after the time last set by `GET /slow/{milliseconds}` (none at
/// first); deliveries to hosts from `h{healthy_from}` on are counted apart.
pub(super) async fn sink(
    key: &std::path::Path,
    slow_hosts: usize,
    healthy_from: usize,
) -> anyhow::Result<()> {
    let pem = std::fs::read_to_string(key).with_context(|| format!("{}", key.display()))?;
    let sink = Arc::new(Sink {
        key: PublicKey::from_pem(&pem).context("the key")?,
        slow_hosts,
        slow_ms: AtomicU64::new(0),
        healthy_from,
        verified: AtomicU64::new(0),
        healthy: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    let app = axum::Router::new()
        .route("/users/{name}/inbox", axum::routing::post(sink_inbox))
        .route("/count", axum::routing::get(sink_count))
        .route("/slow/{milliseconds}", axum::routing::get(sink_slow))
        .with_state(sink);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn sink_slow(
    State(sink): State<Arc<Sink>>,
    axum::extract::Path(milliseconds): axum::extract::Path<u64>,
) -> StatusCode {
    sink.slow_ms.store(milliseconds, Ordering::Relaxed);
    StatusCode::NO_CONTENT
}

/// `verified refused cpu-seconds peak-rss-mib healthy` of the sink process.
async fn sink_count(State(sink): State<Arc<Sink>>) -> String {
    format!(
        "{} {} {} {} {}",
        sink.verified.load(Ordering::Relaxed),
        sink.refused.load(Ordering::Relaxed),
        cpu_seconds(),
        peak_rss_mib(),
        sink.healthy.load(Ordering::Relaxed),
    )
}

/// The sink child process and how to ask it for its counts.
struct SinkProcess {
    /// Killed when dropped.
    _child: tokio::process::Child,
    port: u16,
    client: reqwest::Client,
}

impl SinkProcess {
    async fn start(key: &std::path::Path, hosts: &Hosts) -> anyhow::Result<SinkProcess> {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(std::env::current_exe()?)
            .args(["bench", "sink", "--key"])
            .arg(key)
            .arg("--slow-hosts")
            .arg(hosts.slow.to_string())
            .arg("--healthy-from")
            .arg(hosts.healthy_from().to_string())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting the sink")?;
        let stdout = child.stdout.take().context("the sink's stdout")?;
        let mut line = String::new();
        tokio::io::BufReader::new(stdout)
            .read_line(&mut line)
            .await?;
        let port = line.trim().parse().context("the sink's port")?;
        Ok(SinkProcess {
            _child: child,
            port,
            client: reqwest::Client::new(),
        })
    }

    /// Slow hosts answer after `slow` from now on.
    async fn slow_down(&self, slow: Duration) -> anyhow::Result<()> {
        self.client
            .get(format!(
                "http://127.0.0.1:{}/slow/{}",
                self.port,
                slow.as_millis()
            ))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// What the sink has seen so far.
    async fn count(&self) -> anyhow::Result<SinkCount> {
        let text = self
            .client
            .get(format!("http://127.0.0.1:{}/count", self.port))
            .send()
            .await?
            .text()
            .await?;
        let parts: Vec<&str> = text.split_whitespace().collect();
        let number = |index: usize| {
            parts
                .get(index)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Ok(SinkCount {
            verified: number(0) as u64,
            refused: number(1) as u64,
            cpu: number(2),
            peak_rss: number(3),
            healthy: number(4) as u64,
        })
    }
}

/// The sink's counts.
struct SinkCount {
    verified: u64,
    refused: u64,
    cpu: f64,
    peak_rss: f64,
    /// Verified deliveries to the hosts that are healthy in the runs with faults.
    healthy: u64,
}

/// Signatures per second with aws-lc-rs on `threads` threads for about `seconds`.
fn signing_rate(threads: usize, seconds: f64) -> anyhow::Result<f64> {
    let (private, _) = signature::generate_keypair()?;
    let key = PrivateKey::from_pem(&private).context("key")?;
    let message = b"(request-target): post /users/f1/inbox\nhost: h1.bench.test:8080\ndate: Sun, 29 Nov 2026 00:00:00 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ncontent-type: application/activity+json";
    Ok(rate_on_threads(threads, seconds, move || {
        std::hint::black_box(key.sign(message));
    }))
}

/// The sink: counts POSTs whose signature verifies with the organization's key.
struct Sink {
    key: PublicKey,
    slow_hosts: usize,
    slow_ms: AtomicU64,
    healthy_from: usize,
    verified: AtomicU64,
    healthy: AtomicU64,
    refused: AtomicU64,
}

/// `n` of a `h{n}.bench.test:port` host.
fn host_number(headers: &HeaderMap) -> Option<usize> {
    let host = headers.get("host")?.to_str().ok()?;
    host.strip_prefix('h')?.split('.').next()?.parse().ok()
}

async fn sink_inbox(
    State(sink): State<Arc<Sink>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let host = host_number(&headers);
    let slow = sink.slow_ms.load(Ordering::Relaxed);
    if host.is_some_and(|n| n < sink.slow_hosts) && slow > 0 {
        tokio::time::sleep(Duration::from_millis(slow)).await;
    }
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = SignedRequest {
        method: &method,
        path_and_query: target,
        scheme: "http",
        headers: &headers,
        body: Some(&body),
    };
    let verified = signature::parse(&request, chrono::Utc::now())
        .and_then(|pending| pending.verify(&sink.key))
        .is_ok();
    if verified {
        sink.verified.fetch_add(1, Ordering::Relaxed);
        if host.is_some_and(|n| n >= sink.healthy_from) {
            sink.healthy.fetch_add(1, Ordering::Relaxed);
        }
        StatusCode::ACCEPTED
    } else {
        sink.refused.fetch_add(1, Ordering::Relaxed);
        StatusCode::UNAUTHORIZED
    }
}

/// Rows per second inserting `rows` rows of two text columns, one with a unique index (the
/// shape PERFORMANCE.md's reference figures use), with multi-row inserts in one transaction:
/// the baseline for enqueueing.
async fn multi_row_insert_rate(db: &Db, rows: usize) -> anyhow::Result<f64> {
    with_pool!(db, |pool| sqlx::query(
        "create table if not exists bench_baseline (a text not null unique, b text not null)"
    )
    .execute(pool)
    .await
    .map(|_| ()))?;
    let started = Instant::now();
    let mut tx = db.begin().await?;
    for chunk_start in (0..rows).step_by(500) {
        let count = 500.min(rows - chunk_start);
        let values: Vec<String> = (0..count)
            .map(|index| format!("(${}, ${})", index * 2 + 1, index * 2 + 2))
            .collect();
        let sql = format!(
            "insert into bench_baseline (a, b) values {}",
            values.join(", ")
        );
        crate::db::with_tx!(&mut tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for row in chunk_start..chunk_start + count {
                query = query
                    .bind(format!("http://h{row}.bench.test:8080/users/f{row}/inbox"))
                    .bind(format!("h{row}.bench.test"));
            }
            query.execute(conn).await.map(|_| ())
        })?;
    }
    tx.commit().await?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

/// What `jisr bench fanout` was asked for.
pub(super) struct Settings {
    pub followers: usize,
    pub hosts: usize,
    pub workers: u32,
    pub database: Option<String>,
    pub slow_percent: u32,
    pub refusing_percent: u32,
    pub timeout: u64,
    pub faults: bool,
}

/// Which hosts misbehave in the runs with faults: `h0` … are slow, the next ones refuse
/// connections, the rest are healthy.
struct Hosts {
    count: usize,
    slow: usize,
    refusing: usize,
}

impl Hosts {
    fn healthy_from(&self) -> usize {
        self.slow + self.refusing
    }

    /// Followers (follower `n` is on host `n % count`) on healthy hosts.
    fn healthy_followers(&self, followers: usize) -> u64 {
        (0..followers)
            .filter(|n| n % self.count >= self.healthy_from())
            .count() as u64
    }
}

/// How one run went.
struct Run {
    /// Publish to the last healthy host's delivery.
    healthy_in: Duration,
    /// Publish to the last delivery (the clean run only).
    all_in: Duration,
    enqueued_in: Duration,
    verified: u64,
    refused: u64,
    /// Jisr's CPU seconds and the sink's in the run.
    cpu: f64,
    sink_cpu: f64,
}

/// The faults of a run: slow hosts answer after `slow`, refusing hosts refuse.
#[derive(Clone, Copy)]
enum Faults {
    None,
    Slow(Duration),
}

pub(super) async fn fanout(settings: Settings) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let Settings {
        followers,
        hosts: host_count,
        workers,
        ..
    } = settings;
    println!(
        "fan-out benchmark: {followers} followers on {host_count} hosts, {workers} deliveries in flight, {threads} cores"
    );
    let hosts = Hosts {
        count: host_count,
        slow: host_count * settings.slow_percent as usize / 100,
        refusing: host_count * settings.refusing_percent as usize / 100,
    };

    let folder = tempfile_folder()?;
    let database = (settings.database.clone())
        .unwrap_or_else(|| format!("sqlite://{}/bench.db", folder.display()));
    let db = Db::connect(&database, Config::default().database.max_connections).await?;
    db.migrate().await?;
    // Every run listens on the same port, so that the organization keeps its URLs and key.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    drop(listener);
    let state = AppState::new(config(&settings, &hosts, port, Faults::None), db.clone()).await?;
    let key = folder.join("organization.pem");
    std::fs::write(&key, &state.actors().organization().public_key_pem)?;
    let sink = SinkProcess::start(&key, &hosts).await?;
    let rows: Vec<(String, String, Option<String>)> = (0..followers)
        .map(|n| {
            let host = format!("h{}.bench.test:{}", n % hosts.count, sink.port);
            (
                format!("http://{host}/users/f{n}"),
                format!("http://{host}/users/f{n}/inbox"),
                None,
            )
        })
        .collect();
    followers::insert_many(&db, state.actors().organization().local_actor_id, &rows).await?;
    drop(state);

    println!(
        "measuring the baseline: aws-lc-rs RSA-2048 PKCS#1 v1.5 SHA-256 signing on {threads} threads …"
    );
    // The baseline is measured before and after the clean run and averaged: this machine is
    // shared, and a neighbour's load during one of them would skew a single measurement.
    let signing_before = signing_rate(threads, 2.0)?;
    let insert_rate = multi_row_insert_rate(&db, followers).await?;
    db.close().await;
    let clean = run(&settings, &hosts, &database, &sink, port, Faults::None, 1).await?;
    let signing_after = signing_rate(threads, 2.0)?;
    let signing = (signing_before + signing_after) / 2.0;
    let clean_rss = peak_rss_mib();

    let verified = clean.verified;
    let rate = verified as f64 / clean.all_in.as_secs_f64();
    let enqueue_rate = followers as f64 / clean.enqueued_in.as_secs_f64();
    println!();
    println!(
        "deliveries verified by the sink: {verified} of {followers} (refused: {})",
        clean.refused
    );
    println!(
        "fan-out time (publish to last delivery): {:.2} s",
        clean.all_in.as_secs_f64()
    );
    println!("deliveries per second: {rate:.0}");
    println!(
        "baseline signing rate (aws-lc-rs, {threads} cores): {signing:.0}/s (before {signing_before:.0}, after {signing_after:.0})"
    );
    println!(
        "ratio to the signing ceiling: {:.2} (target ≥ 0.50)",
        rate / signing
    );
    println!(
        "CPU per delivery: Jisr {:.0} µs, the sink {:.0} µs",
        clean.cpu / verified.max(1) as f64 * 1e6,
        clean.sink_cpu / verified.max(1) as f64 * 1e6
    );
    println!(
        "enqueueing {followers} deliveries: {:.0} ms ({enqueue_rate:.0} rows/s)",
        clean.enqueued_in.as_secs_f64() * 1000.0
    );
    println!("baseline multi-row insert rate, same database: {insert_rate:.0} rows/s");
    println!(
        "enqueue ratio to the multi-row baseline: {:.2} (target ≥ 0.50)",
        enqueue_rate / insert_rate
    );
    println!(
        "peak resident memory: Jisr {clean_rss:.1} MiB, the sink (another process) {:.1} MiB",
        sink.count().await?.peak_rss
    );
    if verified < followers as u64 {
        anyhow::bail!("only {verified} of {followers} deliveries verified");
    }

    if settings.faults {
        println!();
        println!(
            "with faults: {} slow hosts and {} refusing connections of {host_count}; {} deliveries to healthy hosts, which took {:.2} s in the clean run",
            hosts.slow,
            hosts.refusing,
            hosts.healthy_followers(followers),
            clean.healthy_in.as_secs_f64()
        );
        let timeout = Duration::from_secs(settings.timeout);
        reset_peak_rss();
        for (number, slow, what, target) in [
            (2, timeout, "after the request timeout", 1.25),
            (3, timeout * 9 / 10, "just inside the request timeout", 1.5),
        ] {
            let faulty = run(
                &settings,
                &hosts,
                &database,
                &sink,
                port,
                Faults::Slow(slow),
                number,
            )
            .await?;
            println!(
                "slow hosts answering {what} ({:.1} s): healthy hosts' deliveries took {:.2} s; head-of-line ratio {:.2} (target ≤ {target:.2})",
                slow.as_secs_f64(),
                faulty.healthy_in.as_secs_f64(),
                faulty.healthy_in.as_secs_f64() / clean.healthy_in.as_secs_f64()
            );
        }
        println!(
            "peak resident memory in the runs with faults: Jisr {:.1} MiB",
            peak_rss_mib()
        );
    }
    drop(sink);
    let _ = std::fs::remove_dir_all(&folder);
    Ok(())
}

/// The instance's configuration for a run: every bench host resolves to the sink, but
/// refusing ones, with faults, to 127.0.0.2, where nothing listens.
fn config(settings: &Settings, hosts: &Hosts, port: u16, faults: Faults) -> Config {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut config = Config::default();
    // Measured without the daily fetch of the ECB's rates.
    config.remittances.ecb_url = String::new();
    config.instance.domain = format!("localhost:{port}");
    config.server.listen = address;
    config.federation.allow_loopback_peers = true;
    config.federation.delivery_workers = settings.workers;
    config.federation.request_timeout_seconds = settings.timeout;
    config.federation.delivery_lease_seconds = config
        .federation
        .delivery_lease_seconds
        .max(settings.timeout * 3);
    for host in 0..hosts.count {
        let refusing = host >= hosts.slow && host < hosts.healthy_from();
        let ip = match faults {
            Faults::Slow(_) if refusing => [127, 0, 0, 2],
            _ => [127, 0, 0, 1],
        };
        config
            .federation
            .resolve
            .insert(format!("h{host}.bench.test"), ip.into());
    }
    config
}

/// One fan-out to every follower, on a fresh instance over `db` listening on `port`; ends once
/// every delivery is verified (clean) or every healthy host's is (with faults).
async fn run(
    settings: &Settings,
    hosts: &Hosts,
    database: &str,
    sink: &SinkProcess,
    port: u16,
    faults: Faults,
    number: u32,
) -> anyhow::Result<Run> {
    // The instance closes its database when it stops: each run opens its own.
    let db = &Db::connect(database, Config::default().database.max_connections).await?;
    // The same queue for every run: what a run with faults left undelivered is not the next's.
    for table in ["delivery", "delivery_host"] {
        let sql = format!("delete from {table}");
        with_pool!(db, |pool| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .execute(pool)
            .await
            .map(|_| ()))?;
    }
    sink.slow_down(match faults {
        Faults::None => Duration::ZERO,
        Faults::Slow(slow) => slow,
    })
    .await?;
    let state = AppState::new(config(settings, hosts, port, faults), db.clone()).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let draft = Input::from_toml(&format!(
        "[text.en]\ntitle = \"Benchmark story {number}\"\nsummary = \"One story to many followers.\"\n\
         body = \"A body of **Markdown**.\"\n[story]\ncategory = \"social\"\n\
         [story.consent]\nsubject_consented = true\ngiven_by = \"Amina\"\ngiven_on = \"2026-01-10\"\nform = \"written\"\nfederated = true\nindexable = true\nimages = true\n"
    ))?
    .validate(Kind::Story, &state.config().instance.languages)?;

    let before = sink.count().await?;
    let healthy_target = before.healthy + hosts.healthy_followers(settings.followers);
    let target = before.verified + before.refused + settings.followers as u64;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    outbox::publish(&state, &draft).await?;
    let enqueued_in = started.elapsed();
    let instance = Instance::start(state.clone(), listener)?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut healthy_in = None;
    let (counts, all_in) = loop {
        let counts = sink.count().await?;
        if healthy_in.is_none() && counts.healthy >= healthy_target {
            healthy_in = Some(started.elapsed());
        }
        let done = match faults {
            Faults::None => counts.verified + counts.refused >= target,
            Faults::Slow(_) => healthy_in.is_some(),
        };
        if done || Instant::now() > deadline {
            break (counts, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let cpu = cpu_seconds() - cpu_before;
    instance.stop().await;
    Ok(Run {
        healthy_in: healthy_in.unwrap_or(all_in),
        all_in,
        enqueued_in,
        verified: counts.verified - before.verified,
        refused: counts.refused - before.refused,
        sink_cpu: counts.cpu - before.cpu,
        cpu,
    })
}
