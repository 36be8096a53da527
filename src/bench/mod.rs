//! Benchmarks that live in the repository and print their figures against a baseline measured
//! in the same run, on the same machine (`jisr bench …`, built with `--release`).
//!
//! - [`fanout`]: one publication delivered to many followers, against the signing rate.
//! - [`inbox`]: signed activities received from many actors, against the verification rate
//!   and the database's single-row commit rate.
//! - [`pages`]: the website's pages against WebFinger, its ActivityPub documents against an
//!   axum hello-world, with the content of [`seed`]; and two servers side by side.

mod fanout;
mod inbox;
mod pages;
mod seed;

use clap::Subcommand;

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum Benchmark {
    /// One publication fanned out to many followers on loopback inboxes.
    Fanout {
        /// Followers, each with its own inbox (no shared inboxes: one signed POST each).
        #[arg(long, default_value_t = 10_000)]
        followers: usize,
        /// Distinct host names the inboxes are spread over (all resolve to 127.0.0.1).
        #[arg(long, default_value_t = 1_000)]
        hosts: usize,
        /// Deliveries in flight at once (federation.delivery_workers).
        #[arg(long, default_value_t = 64)]
        workers: u32,
        /// Database URL (default: a fresh SQLite file in a temporary folder; a PostgreSQL
        /// database given here should be empty).
        #[arg(long)]
        database: Option<String>,
        /// Share of the hosts (in %) that answer slowly in the runs with faults.
        #[arg(long, default_value_t = 10)]
        slow_hosts: u32,
        /// Share of the hosts (in %) that refuse connections in the runs with faults.
        #[arg(long, default_value_t = 5)]
        refusing_hosts: u32,
        /// The request timeout (federation.request_timeout_seconds); slow hosts answer after
        /// it in one run with faults and at 90 % of it in the other.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        /// Only the clean run.
        #[arg(long)]
        no_faults: bool,
    },
    /// The fan-out benchmark's sink (started by `fanout` as a child process): verifies every
    /// POST with the public key in KEY, prints its port, answers `GET /count`, and slows its slow hosts
    /// down on `GET /slow/{milliseconds}`.
    #[command(hide = true)]
    Sink {
        /// A PEM file with the organization's public key.
        #[arg(long)]
        key: std::path::PathBuf,
        /// Hosts `h0` … `h{N-1}` are slow.
        #[arg(long, default_value_t = 0)]
        slow_hosts: usize,
        /// Hosts from `h{N}` on are the healthy ones, counted apart.
        #[arg(long, default_value_t = 0)]
        healthy_from: usize,
    },
    /// Distinct signed activities from many actors posted to the shared inbox.
    Inbox {
        /// Activities measured (after a warm-up of one per actor).
        #[arg(long, default_value_t = 20_000)]
        activities: usize,
        /// Distinct actors sending them.
        #[arg(long, default_value_t = 1_000)]
        actors: usize,
        /// Distinct RSA keys among those actors (generating 1,000 keys would take minutes).
        #[arg(long, default_value_t = 16)]
        keys: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// What the activities are.
        #[arg(long, value_enum, default_value_t = inbox::Activity::Reply)]
        activity: inbox::Activity,
        /// Database URL (default: a fresh SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
        /// Count every activity against the inbox limits, as a real instance does (with limits
        /// so high that none is refused): what the counting costs. Without it, no counting.
        #[arg(long)]
        count_limits: bool,
    },
    /// The website's pages against WebFinger, and its ActivityPub documents against an axum
    /// hello-world, all measured in the same rounds; with several `--url`, those servers in
    /// turn, each against the first.
    Pages {
        /// A running server to measure (repeat to compare; default: one started here on a
        /// fresh SQLite database with 50 publications of each kind).
        #[arg(long = "url")]
        urls: Vec<String>,
        /// The instance started here has 250 publications of each kind and 10,000 of 100
        /// organizations we follow, events from a year ago to a year ahead.
        #[arg(long)]
        network: bool,
        /// Database URL of the instance started here (default: a fresh SQLite file in a
        /// temporary folder; a database given here should be empty).
        #[arg(long)]
        database: Option<String>,
        /// Only the target with this name, as printed (repeat for more; the baselines are
        /// always measured).
        #[arg(long)]
        only: Vec<String>,
        /// Print how the database runs the lists' queries (`explain`) before measuring.
        #[arg(long)]
        explain: bool,
        /// Seconds each page is asked for, per round and server.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Clients asking at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Rounds over the servers (A B A B …); the median is printed.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// The inbox benchmark's peer (started by `inbox` as a child process).
    #[command(hide = true)]
    InboxPeer {
        #[arg(long)]
        target: String,
        #[arg(long)]
        host: String,
        #[arg(long)]
        story: String,
        #[arg(long)]
        activities: usize,
        #[arg(long)]
        actors: usize,
        #[arg(long)]
        keys: usize,
        #[arg(long)]
        concurrency: usize,
        #[arg(long, value_enum)]
        activity: inbox::Activity,
    },
}

/// Runs a benchmark and prints its report.
pub async fn run(benchmark: Benchmark) -> anyhow::Result<()> {
    match benchmark {
        Benchmark::Fanout {
            followers,
            hosts,
            workers,
            database,
            slow_hosts,
            refusing_hosts,
            timeout,
            no_faults,
        } => {
            fanout::fanout(fanout::Settings {
                followers,
                hosts: hosts.max(1),
                workers,
                database,
                slow_percent: slow_hosts.min(100),
                refusing_percent: refusing_hosts.min(100 - slow_hosts.min(100)),
                timeout: timeout.max(1),
                faults: !no_faults,
            })
            .await
        }
        Benchmark::Sink {
            key,
            slow_hosts,
            healthy_from,
        } => fanout::sink(&key, slow_hosts, healthy_from).await,
        Benchmark::Inbox {
            activities,
            actors,
            keys,
            concurrency,
            activity,
            database,
            count_limits,
        } => {
            inbox::run(inbox::Settings {
                count_limits,
                activities,
                actors,
                keys,
                concurrency,
                activity,
                database,
            })
            .await
        }
        Benchmark::Pages {
            urls,
            network,
            database,
            only,
            explain,
            seconds,
            concurrency,
            rounds,
        } => {
            pages::run(pages::Settings {
                urls,
                network,
                database,
                only,
                explain,
                seconds: seconds.clamp(0.2, 60.0),
                concurrency: concurrency.clamp(1, 256),
                rounds,
            })
            .await
        }
        Benchmark::InboxPeer {
            target,
            host,
            story,
            activities,
            actors,
            keys,
            concurrency,
            activity,
        } => {
            inbox::peer(inbox::PeerSettings {
                target,
                host,
                story,
                activities,
                actors,
                keys,
                concurrency,
                activity,
            })
            .await
        }
    }
}

/// CPU seconds used by this process so far (user + system), from /proc.
pub(crate) fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Forgets this process's peak resident memory (Linux), so that the next [`peak_rss_mib`]
/// measures from now on.
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process, in MiB.
pub(crate) fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// How many times per second `work` runs on `threads` threads at once, for about `seconds`.
pub(crate) fn rate_on_threads(
    threads: usize,
    seconds: f64,
    work: impl Fn() + Send + Sync + 'static,
) -> f64 {
    let work = std::sync::Arc::new(work);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds);
    let started = std::time::Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let work = work.clone();
            std::thread::spawn(move || {
                let mut count = 0u64;
                while std::time::Instant::now() < deadline {
                    work();
                    count += 1;
                }
                count
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    total as f64 / started.elapsed().as_secs_f64()
}

/// A temporary folder for the benchmark's database (removed at the end of the run).
pub(crate) fn tempfile_folder() -> anyhow::Result<std::path::PathBuf> {
    let folder = std::env::temp_dir().join(format!("jisr-bench-{}", std::process::id()));
    std::fs::create_dir_all(&folder)?;
    Ok(folder)
}
