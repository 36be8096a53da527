//! `jisr bench inbox`: signed ingest. A peer in a child process (`jisr bench inbox-peer`)
//! serves 1,000 actors, pre-signs distinct activities from them (replies to one of our
//! stories, or likes of it) and posts them with a fixed number in flight; Jisr verifies,
//! records and stores each. The baselines, measured in the same run on the same machine and
//! database, are the RSA-2048 verification rate of aws-lc-rs on every core and the database's
//! single-row commit rate: an activity needs one verification and at least one row, so the
//! lower of the two is the ceiling (PERFORMANCE.md, benchmark 3).

use super::{cpu_seconds, peak_rss_mib, rate_on_threads, tempfile_folder};
use crate::app::{AppState, Instance};
use crate::config::Config;
use crate::db::{Db, with_pool};
use crate::domain::publication::{Input, Kind};
use crate::federation::outbox;
use crate::federation::signature::{self, PrivateKey, PublicKey};
use anyhow::Context;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

/// The host name of the peer (resolved to 127.0.0.1 by the instance).
const PEER_HOST: &str = "peer.bench.test";

/// What the activities are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Activity {
    /// `Create{Note}` replying to our story: a comment is stored for each.
    Reply,
    /// `Like` of our story: only the activity id is recorded.
    Like,
}

/// The settings of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub activities: usize,
    pub actors: usize,
    pub keys: usize,
    pub concurrency: usize,
    pub activity: Activity,
    pub database: Option<String>,
    /// Count against the inbox limits (never reached).
    pub count_limits: bool,
}

/// Runs the benchmark and prints its report.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    println!(
        "inbox benchmark: {} distinct signed {:?} activities from {} actors ({} keys), {} in flight, {threads} cores, inbox limits {}",
        settings.activities,
        settings.activity,
        settings.actors,
        settings.keys,
        settings.concurrency,
        if settings.count_limits {
            "counted"
        } else {
            "off"
        }
    );
    let folder = tempfile_folder()?;
    let database = settings
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/bench.db", folder.display()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut config = Config::default();
    // Measured without the daily fetch of the ECB's rates.
    config.remittances.ecb_url = String::new();
    config.instance.domain = format!("localhost:{}", address.port());
    config.server.listen = address;
    config.database.url = database;
    config.federation.allow_loopback_peers = true;
    // The benchmark's thousand actors share one host: the inbox limits would refuse them.
    // With `count_limits`, every activity is counted against limits it never reaches.
    let limit = if settings.count_limits {
        1_000_000_000
    } else {
        0
    };
    config.moderation.inbox_per_actor_per_minute = limit;
    config.moderation.inbox_per_domain_per_minute = limit;
    config
        .federation
        .resolve
        .insert(PEER_HOST.to_string(), [127, 0, 0, 1].into());
    let db = Db::connect(&config.database.url, config.database.max_connections).await?;
    db.migrate().await?;
    let state = AppState::new(config, db.clone()).await?;
    let draft = Input::from_toml(
        "[text.en]\ntitle = \"Benchmark story\"\nsummary = \"Replies arrive.\"\n\
         [story]\ncategory = \"social\"\n[story.consent]\nsubject_consented = true\ngiven_by = \"Amina\"\ngiven_on = \"2026-01-10\"\nform = \"written\"\nfederated = true\nindexable = true\nimages = true\n",
    )?
    .validate(Kind::Story, &state.config().instance.languages)?;
    let story = outbox::publish(&state, &draft).await?;
    let story_id = state.urls().publication(story.kind, &story.public_id);

    println!("measuring the baselines (verification on {threads} threads, single-row commits) …");
    let verify_before = verification_rate(threads, 2.0)?;
    let commit_before = single_row_commit_rate(&db, Duration::from_secs(2)).await?;

    let instance = Instance::start(state.clone(), listener)?;
    let mut peer = tokio::process::Command::new(std::env::current_exe()?)
        .args(["bench", "inbox-peer"])
        .arg("--target")
        .arg(format!("http://127.0.0.1:{}/inbox", address.port()))
        .arg("--host")
        .arg(format!("localhost:{}", address.port()))
        .arg("--story")
        .arg(story_id.as_str())
        .arg("--activities")
        .arg(settings.activities.to_string())
        .arg("--actors")
        .arg(settings.actors.to_string())
        .arg("--keys")
        .arg(settings.keys.to_string())
        .arg("--concurrency")
        .arg(settings.concurrency.to_string())
        .arg("--activity")
        .arg(match settings.activity {
            Activity::Reply => "reply",
            Activity::Like => "like",
        })
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the peer")?;
    let stdout = peer.stdout.take().context("the peer's stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut cpu_before = 0.0;
    let mut result = None;
    while let Some(line) = lines.next_line().await? {
        if line == "measuring" {
            cpu_before = cpu_seconds();
            println!(
                "every actor sent one activity (each fetched once); measuring {} activities …",
                settings.activities
            );
        } else if let Ok(value) = serde_json::from_str::<Value>(&line) {
            result = Some(value);
            break;
        } else {
            println!("peer: {line}");
        }
    }
    let cpu = cpu_seconds() - cpu_before;
    let result = result.context("the peer ended without a result")?;
    let _ = peer.wait().await;
    let stored = stored_rows(&db, settings.activity, story.publication_id).await?;
    instance.stop().await;
    let db = Db::connect(&state.config().database.url, 2).await?;
    let verify_after = verification_rate(threads, 2.0)?;
    let commit_after = single_row_commit_rate(&db, Duration::from_secs(2)).await?;
    db.close().await;
    let _ = std::fs::remove_dir_all(&folder);

    let number = |key: &str| result[key].as_f64().unwrap_or(0.0);
    let accepted = number("accepted");
    // The warm-up's activities are stored too.
    let expected = accepted + number("warm_accepted");
    let rate = accepted / number("seconds").max(1e-9);
    let verify = (verify_before + verify_after) / 2.0;
    let commit = (commit_before + commit_after) / 2.0;
    let ceiling = verify.min(commit);
    println!();
    println!(
        "accepted: {accepted:.0} of {} (other answers: {})",
        settings.activities, result["other"]
    );
    println!(
        "rows stored (warm-up included): {stored} ({})",
        if stored as f64 == expected {
            "one per accepted activity"
        } else {
            "NOT one per accepted activity"
        }
    );
    println!("accepted per second: {rate:.0}");
    println!(
        "latency at {} in flight: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 ≤ 50 ms)",
        settings.concurrency,
        number("p50_ms"),
        number("p99_ms"),
        number("max_ms")
    );
    println!(
        "baseline RSA-2048 verification (aws-lc-rs, {threads} cores): {verify:.0}/s (before {verify_before:.0}, after {verify_after:.0})"
    );
    println!(
        "baseline single-row commits, same database: {commit:.0}/s (before {commit_before:.0}, after {commit_after:.0})"
    );
    println!(
        "ratio to min(verification, single-row commits): {:.2} (target ≥ 0.50)",
        rate / ceiling
    );
    println!(
        "Jisr CPU per activity: {:.0} µs; peak resident memory: {:.1} MiB",
        cpu / accepted.max(1.0) * 1e6,
        peak_rss_mib()
    );
    if stored as f64 != expected {
        anyhow::bail!("{stored} rows stored for {expected} accepted activities");
    }
    Ok(())
}

/// Verifications per second with aws-lc-rs on `threads` threads for about `seconds`, with the
/// key parsed once (as the inbox's key cache does).
fn verification_rate(threads: usize, seconds: f64) -> anyhow::Result<f64> {
    let (private, public) = signature::generate_keypair()?;
    let private = PrivateKey::from_pem(&private).context("key")?;
    let public = PublicKey::from_pem(&public).context("key")?;
    let message: &'static [u8] = b"(request-target): post /inbox\nhost: localhost:8080\ndate: Sun, 29 Nov 2026 00:00:00 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let signed = private.sign(message);
    Ok(rate_on_threads(threads, seconds, move || {
        std::hint::black_box(public.verify(signature::Algorithm::RsaSha256, message, &signed));
    }))
}

/// Rows per second inserting one row per commit, one after another, for about `duration`
/// (two text columns, one with a unique index: PERFORMANCE.md's reference shape).
async fn single_row_commit_rate(db: &Db, duration: Duration) -> anyhow::Result<f64> {
    with_pool!(db, |pool| sqlx::query(
        "create table if not exists bench_commit (a text not null unique, b text not null)"
    )
    .execute(pool)
    .await
    .map(|_| ()))?;
    let run = rand::random::<u32>();
    let started = Instant::now();
    let mut rows = 0u64;
    while started.elapsed() < duration {
        with_pool!(db, |pool| sqlx::query(
            "insert into bench_commit (a, b) values ($1, $2)"
        )
        .bind(format!(
            "https://peer.bench.test/users/u{rows}/statuses/{run:08x}{rows:012}"
        ))
        .bind("https://peer.bench.test/users/u1#main-key and some more text to fill the row")
        .execute(pool)
        .await
        .map(|_| ()))?;
        rows += 1;
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

/// Rows the activities stored: comments for replies, recorded ids for likes.
async fn stored_rows(db: &Db, activity: Activity, publication_id: i64) -> anyhow::Result<u64> {
    let count: i64 = match activity {
        Activity::Reply => with_pool!(db, |pool| sqlx::query_scalar(
            "select count(*) from comment where publication_id = $1"
        )
        .bind(publication_id)
        .fetch_one(pool)
        .await)?,
        Activity::Like => with_pool!(db, |pool| sqlx::query_scalar(
            "select count(*) from received_activity where ap_id like '%/likes/%'"
        )
        .fetch_one(pool)
        .await)?,
    };
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The peer's settings (`jisr bench inbox-peer`).
#[derive(Debug, Clone)]
pub struct PeerSettings {
    pub target: String,
    /// The instance's host, for the signatures' `host` line.
    pub host: String,
    pub story: String,
    pub activities: usize,
    pub actors: usize,
    pub keys: usize,
    pub concurrency: usize,
    pub activity: Activity,
}

struct Peer {
    base: String,
    public_keys: Vec<String>,
    keys_of_actors: usize,
}

/// `GET /users/{name}`: actor `u{n}`, with key `n % keys`.
async fn peer_actor(
    State(peer): State<Arc<Peer>>,
    Path(name): Path<String>,
) -> axum::response::Response {
    let Some(index) = name
        .strip_prefix('u')
        .and_then(|index| index.parse::<usize>().ok())
    else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let id = format!("{}/users/{name}", peer.base);
    let document = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "inbox": format!("{id}/inbox"),
        "endpoints": {"sharedInbox": format!("{}/inbox", peer.base)},
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": peer.public_keys[index % peer.keys_of_actors],
        },
    });
    (
        [("content-type", "application/activity+json")],
        document.to_string(),
    )
        .into_response()
}

/// The peer: serves its actors, signs every activity ahead of time, warms the instance up with
/// one activity per actor (so that it fetches each once), prints `measuring`, posts the rest,
/// and prints one JSON line with the counts and latencies.
pub async fn peer(settings: PeerSettings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{PEER_HOST}:{}", listener.local_addr()?.port());
    let keys = settings.keys.max(1);
    let generated: Vec<(PrivateKey, String)> = (0..keys)
        .map(|_| {
            let (private, public) = signature::generate_keypair()?;
            Ok((PrivateKey::from_pem(&private).context("key")?, public))
        })
        .collect::<anyhow::Result<_>>()?;
    let (private_keys, public_keys): (Vec<_>, Vec<_>) = generated.into_iter().unzip();
    let peer = Arc::new(Peer {
        base: base.clone(),
        public_keys,
        keys_of_actors: keys,
    });
    let app = axum::Router::new()
        .route("/users/{name}", axum::routing::get(peer_actor))
        .with_state(peer);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let target = url::Url::parse(&settings.target)?;
    let host = settings.host.clone();
    let actors = settings.actors.max(1);
    let private_keys = Arc::new(private_keys);
    // Activity n is actor n % actors's; the first `actors` are the warm-up.
    let total = actors + settings.activities;
    let signed = {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        let chunk = total.div_ceil(threads);
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                let (base, story, target, host) = (
                    base.clone(),
                    settings.story.clone(),
                    target.clone(),
                    host.clone(),
                );
                let private_keys = private_keys.clone();
                let activity = settings.activity;
                std::thread::spawn(move || {
                    (thread * chunk..((thread + 1) * chunk).min(total))
                        .map(|n| {
                            let actor = n % actors;
                            let body = activity_body(activity, &base, actor, n, &story);
                            let headers = signed_headers(
                                &target,
                                &host,
                                &body,
                                &format!("{base}/users/u{actor}#main-key"),
                                &private_keys[actor % private_keys.len()],
                            );
                            (body, headers)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut signed = Vec::with_capacity(total);
        for handle in handles {
            signed.extend(
                handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("a signing thread failed"))?,
            );
        }
        signed
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(settings.concurrency)
        .build()?;
    let (warm_up, measured) = signed.split_at(actors);
    let warm = post_all(&client, &target, warm_up.to_vec(), settings.concurrency).await;
    if warm.accepted < actors {
        println!(
            "warm-up: only {} of {actors} accepted; other answers: {:?}",
            warm.accepted, warm.other
        );
    }
    println!("measuring");
    let result = post_all(&client, &target, measured.to_vec(), settings.concurrency).await;
    let mut latencies = result.latencies;
    latencies.sort_by(f64::total_cmp);
    let percentile = |fraction: f64| {
        latencies
            .get(
                ((latencies.len() as f64 * fraction) as usize)
                    .min(latencies.len().saturating_sub(1)),
            )
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{}",
        json!({
            "accepted": result.accepted,
            "warm_accepted": warm.accepted,
            "other": result.other,
            "seconds": result.seconds,
            "p50_ms": percentile(0.50),
            "p99_ms": percentile(0.99),
            "max_ms": latencies.last().copied().unwrap_or(0.0),
        })
    );
    Ok(())
}

/// The JSON of activity `n`, by actor `u{actor}`.
fn activity_body(activity: Activity, base: &str, actor: usize, n: usize, story: &str) -> Vec<u8> {
    let actor_id = format!("{base}/users/u{actor}");
    let value = match activity {
        Activity::Reply => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor_id}/statuses/{n}/activity"),
            "type": "Create",
            "actor": actor_id,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": format!("{actor_id}/statuses/{n}"),
                "type": "Note",
                "attributedTo": actor_id,
                "inReplyTo": story,
                "content": format!("<p>Reply number {n}: congratulations, and thank you for sharing this story with all of us.</p>"),
                "published": "2026-12-01T10:00:00Z",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
        }),
        Activity::Like => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor_id}/likes/{n}"),
            "type": "Like",
            "actor": actor_id,
            "object": story,
        }),
    };
    value.to_string().into_bytes()
}

/// The signature headers of a POST of `body` to `target`, with `host` as the `Host` line.
fn signed_headers(
    target: &url::Url,
    host: &str,
    body: &[u8],
    key_id: &str,
    key: &PrivateKey,
) -> Vec<(&'static str, String)> {
    // Signed for the instance's name (`localhost:<port>`), sent to 127.0.0.1 with that Host.
    let mut url = target.clone();
    let _ = url.set_host(host.split(':').next());
    let mut headers = signature::sign_request(
        &http::Method::POST,
        &url,
        Some(body),
        key_id,
        key,
        chrono::Utc::now(),
    );
    headers.push(("host", host.to_string()));
    headers
}

/// A body and its signature headers, ready to post.
type SignedPost = (Vec<u8>, Vec<(&'static str, String)>);

struct Posted {
    accepted: usize,
    other: std::collections::BTreeMap<u16, usize>,
    seconds: f64,
    latencies: Vec<f64>,
}

/// Posts every request with `concurrency` in flight; counts the answers and times each.
async fn post_all(
    client: &reqwest::Client,
    target: &url::Url,
    requests: Vec<SignedPost>,
    concurrency: usize,
) -> Posted {
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (client, target, requests, next) = (
                client.clone(),
                target.clone(),
                requests.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut answers = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((body, headers)) = requests.get(index) else {
                        break;
                    };
                    let mut request = client
                        .post(target.clone())
                        .header("content-type", "application/activity+json")
                        .body(body.clone());
                    for (name, value) in headers {
                        request = request.header(*name, value);
                    }
                    let sent = Instant::now();
                    let status = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let _ = response.bytes().await;
                            status
                        }
                        Err(_) => 0,
                    };
                    answers.push((status, sent.elapsed().as_secs_f64() * 1000.0));
                }
                answers
            })
        })
        .collect();
    let mut posted = Posted {
        accepted: 0,
        other: Default::default(),
        seconds: 0.0,
        latencies: Vec::new(),
    };
    for worker in workers {
        for (status, latency) in worker.await.unwrap_or_default() {
            if status == 202 {
                posted.accepted += 1;
            } else {
                *posted.other.entry(status).or_default() += 1;
            }
            posted.latencies.push(latency);
        }
    }
    posted.seconds = started.elapsed().as_secs_f64();
    posted
}
