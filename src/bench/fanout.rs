//! `jisr bench fanout`: one publication delivered to N followers with personal inboxes spread
//! over H loopback hosts, every request signed by Jisr and verified by a sink in a child process
//! (`jisr bench sink`), so that the memory and CPU figures are Jisr's alone. The baseline is
//! the raw RSA-2048 PKCS#1 v1.5 SHA-256 signing rate of aws-lc-rs on all cores: each delivery
//! needs one signature, so that rate is the ceiling.

use super::{cpu_seconds, peak_rss_mib, rate_on_threads, tempfile_folder};
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

/// Serves the sink on a free loopback port, printed on the first line of stdout.
pub(super) async fn sink(key: &std::path::Path) -> anyhow::Result<()> {
    let pem = std::fs::read_to_string(key).with_context(|| format!("{}", key.display()))?;
    let sink = Arc::new(Sink {
        key: PublicKey::from_pem(&pem).context("the key")?,
        verified: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    let app = axum::Router::new()
        .route("/users/{name}/inbox", axum::routing::post(sink_inbox))
        .route("/count", axum::routing::get(sink_count))
        .with_state(sink);
    axum::serve(listener, app).await?;
    Ok(())
}

/// `verified refused cpu-seconds peak-rss-mib` of the sink process.
async fn sink_count(State(sink): State<Arc<Sink>>) -> String {
    format!(
        "{} {} {} {}",
        sink.verified.load(Ordering::Relaxed),
        sink.refused.load(Ordering::Relaxed),
        cpu_seconds(),
        peak_rss_mib()
    )
}

/// The sink child process and how to ask it for its counts.
struct SinkProcess {
    child: tokio::process::Child,
    port: u16,
    client: reqwest::Client,
}

impl SinkProcess {
    async fn start(key: &std::path::Path) -> anyhow::Result<SinkProcess> {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(std::env::current_exe()?)
            .args(["bench", "sink", "--key"])
            .arg(key)
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
            child,
            port,
            client: reqwest::Client::new(),
        })
    }

    /// `(verified, refused, CPU seconds, peak RSS in MiB)` of the sink.
    async fn count(&self) -> anyhow::Result<(u64, u64, f64, f64)> {
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
        Ok((number(0) as u64, number(1) as u64, number(2), number(3)))
    }
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
    verified: AtomicU64,
    refused: AtomicU64,
}

async fn sink_inbox(
    State(sink): State<Arc<Sink>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
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

pub(super) async fn fanout(
    followers: usize,
    hosts: usize,
    workers: u32,
    database: Option<String>,
) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    println!(
        "fan-out benchmark: {followers} followers on {hosts} hosts, {workers} deliveries in flight, {threads} cores"
    );

    let folder = tempfile_folder()?;
    let database = database.unwrap_or_else(|| format!("sqlite://{}/bench.db", folder.display()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut config = Config::default();
    config.instance.domain = format!("localhost:{}", address.port());
    config.server.listen = address;
    config.database.url = database;
    config.federation.allow_loopback_peers = true;
    config.federation.delivery_workers = workers;
    for host in 0..hosts {
        config
            .federation
            .resolve
            .insert(format!("h{host}.bench.test"), [127, 0, 0, 1].into());
    }
    let db = Db::connect(&config.database.url, config.database.max_connections).await?;
    db.migrate().await?;
    let state = AppState::new(config, db.clone()).await?;

    let key = folder.join("organization.pem");
    std::fs::write(&key, &state.actors().organization.public_key_pem)?;
    let mut sink = SinkProcess::start(&key).await?;
    let sink_port = sink.port;
    let (_, _, sink_cpu_before, _) = sink.count().await?;

    let rows: Vec<(String, String, Option<String>)> = (0..followers)
        .map(|n| {
            let host = format!("h{}.bench.test:{sink_port}", n % hosts);
            (
                format!("http://{host}/users/f{n}"),
                format!("http://{host}/users/f{n}/inbox"),
                None,
            )
        })
        .collect();
    followers::insert_many(&db, state.actors().organization.local_actor_id, &rows).await?;

    println!(
        "measuring the baseline: aws-lc-rs RSA-2048 PKCS#1 v1.5 SHA-256 signing on {threads} threads …"
    );
    // The baseline is measured before and after the fan-out and averaged: this machine is
    // shared, and a neighbour's load during one of them would skew a single measurement.
    let signing_before = signing_rate(threads, 2.0)?;
    let insert_rate = multi_row_insert_rate(&db, followers).await?;

    let draft = Input::from_toml(
        "[text.en]\ntitle = \"Benchmark story\"\nsummary = \"One story to many followers.\"\n\
         body = \"A body of **Markdown**.\"\n[story]\ncategory = \"social\"\n\
         [story.consent]\nsubject_consented = true\n",
    )?
    .validate(Kind::Story, &state.config().instance.languages)?;

    let cpu_before = cpu_seconds();
    let started = Instant::now();
    outbox::publish(&state, &draft).await?;
    let enqueued_in = started.elapsed();
    let instance = Instance::start(state.clone(), listener)?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let target = followers as u64;
    let (verified, refused, sink_cpu, sink_rss) = loop {
        let counts = sink.count().await?;
        if counts.0 + counts.1 >= target || Instant::now() > deadline {
            break counts;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    let sink_cpu = sink_cpu - sink_cpu_before;
    instance.stop().await;
    let _ = sink.child.kill().await;
    let _ = std::fs::remove_dir_all(&folder);
    let signing_after = signing_rate(threads, 2.0)?;
    let signing = (signing_before + signing_after) / 2.0;

    let rate = verified as f64 / elapsed.as_secs_f64();
    let enqueue_rate = followers as f64 / enqueued_in.as_secs_f64();
    println!();
    println!("deliveries verified by the sink: {verified} of {followers} (refused: {refused})");
    println!(
        "fan-out time (publish to last delivery): {:.2} s",
        elapsed.as_secs_f64()
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
        cpu / verified.max(1) as f64 * 1e6,
        sink_cpu / verified.max(1) as f64 * 1e6
    );
    println!(
        "enqueueing {followers} deliveries: {:.0} ms ({enqueue_rate:.0} rows/s)",
        enqueued_in.as_secs_f64() * 1000.0
    );
    println!("baseline multi-row insert rate, same database: {insert_rate:.0} rows/s");
    println!(
        "enqueue ratio to the multi-row baseline: {:.2} (target ≥ 0.50)",
        enqueue_rate / insert_rate
    );
    println!(
        "peak resident memory: Jisr {:.1} MiB, the sink (another process) {sink_rss:.1} MiB",
        peak_rss_mib()
    );
    if verified < target {
        anyhow::bail!("only {verified} of {target} deliveries verified");
    }
    Ok(())
}
