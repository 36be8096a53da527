//! A test network: Jisr instances as separate processes, each under its own host name
//! (`alpha.test`, `beta.test`, `gamma.test`) that every instance resolves to 127.0.0.1 through
//! `federation.resolve`, so origin checks compare real host names, not just ports.

use super::balancer::Balancer;
use super::process::{ProcessInstance, free_port};
use super::{TestDatabase, eventually};
use jisr::db::Db;
use url::Url;

/// Host names of the test network.
pub const HOSTS: [&str; 6] = [
    "alpha.test",
    "beta.test",
    "gamma.test",
    "peer.test",
    "peer2.test",
    "mallory.test",
];

/// One Jisr instance of the network.
pub struct Node {
    pub name: String,
    pub domain: String,
    pub process: ProcessInstance,
    pub database: TestDatabase,
    /// More processes on the same database behind the same address, and the balancer in
    /// front of them all ([`Node::start_processes`]).
    pub others: Vec<ProcessInstance>,
    pub balancer: Option<Balancer>,
}

impl Node {
    /// Starts `name`.test on a free port with its own database; retries are fast (1–2 s).
    pub async fn start(name: &str) -> Node {
        Node::start_with_env(name, &[]).await
    }

    /// [`Node::start`] with environment variables (configuration overrides such as
    /// `JISR_INSTANCE_NAME`).
    pub async fn start_with_env(name: &str, env: &[(&str, &str)]) -> Node {
        let database = TestDatabase::create().await;
        let port = free_port();
        let domain = format!("{name}.test:{port}");
        let process =
            ProcessInstance::start_on_with_env(&database.url, &domain, port, &settings(), env)
                .await;
        Node {
            name: name.to_string(),
            domain,
            process,
            database,
            others: Vec::new(),
            balancer: None,
        }
    }

    /// Starts `name`.test as `count` `jisr serve` processes on one PostgreSQL database behind
    /// one address, each connection to it handed to the next process in turn: how a larger
    /// deployment runs. On SQLite (one process by design) it is [`Node::start`].
    pub async fn start_processes(name: &str, count: usize) -> Node {
        Node::start_processes_with_env(name, count, &[]).await
    }

    /// [`Node::start_processes`] with environment variables for every process.
    pub async fn start_processes_with_env(name: &str, count: usize, env: &[(&str, &str)]) -> Node {
        let database = TestDatabase::create().await;
        if !database.url.starts_with("postgres") {
            drop(database);
            return Node::start_with_env(name, env).await;
        }
        // The address is taken now and kept, so that no other test takes it meanwhile.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address_port = listener.local_addr().expect("address").port();
        let domain = format!("{name}.test:{address_port}");
        let mut processes = Vec::new();
        // One after the other: the first migrates the database.
        for _ in 0..count {
            let port = free_port();
            processes.push(
                ProcessInstance::start_on_with_env(&database.url, &domain, port, &settings(), env)
                    .await,
            );
        }
        let balancer = Balancer::start(
            listener,
            processes.iter().map(|process| process.port).collect(),
        );
        let process = processes.remove(0);
        Node {
            name: name.to_string(),
            domain,
            process,
            database,
            others: processes,
            balancer: Some(balancer),
        }
    }

    /// `http://{name}.test:{port}/` + `path`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!(
            "http://{}/{}",
            self.domain,
            path.trim_start_matches('/')
        ))
        .expect("url")
    }

    pub fn actor_id(&self) -> Url {
        self.url("/actors/ngberlin")
    }

    /// `@ngberlin@{name}.test:{port}`.
    pub fn handle(&self) -> String {
        format!("@ngberlin@{}", self.domain)
    }

    /// Publishes a `kind` from TOML text with the CLI; returns the publication's id URL.
    pub async fn publish(&self, kind: &str, toml: &str) -> String {
        let file = tempfile::Builder::new()
            .suffix(".toml")
            .tempfile()
            .expect("file");
        std::fs::write(file.path(), toml).expect("write");
        let output = self
            .process
            .cli(&["publish", kind, file.path().to_str().expect("path")])
            .await;
        output
            .lines()
            .find(|line| line.starts_with("http"))
            .unwrap_or_else(|| panic!("no URL in: {output}"))
            .to_string()
    }

    /// A connection to this node's database, to look at what it stored.
    pub async fn db(&self) -> Db {
        Db::connect(&self.database.url, 2).await.expect("connect")
    }

    /// Waits until this node's follow of `other` is accepted.
    pub async fn follows(&self, other: &Node) {
        self.process.cli(&["follow", &other.handle()]).await;
        let target = other.actor_id().to_string();
        eventually(
            20,
            &format!("{} to be accepted by {}", self.name, other.name),
            || async {
                let listing = self.process.cli(&["following"]).await;
                listing
                    .lines()
                    .any(|line| line.starts_with(&target) && line.contains("accepted"))
                    .then_some(())
            },
        )
        .await;
    }
}

/// The `[federation]` settings of every node: plain http, fast retries, the test hosts.
fn settings() -> String {
    let resolve: String = HOSTS
        .iter()
        .map(|host| format!("\"{host}\" = \"127.0.0.1\"\n"))
        .collect();
    format!(
        "allow_plain_http = true\nretry_initial_seconds = 1\nretry_max_seconds = 2\n\
         request_timeout_seconds = 2\ndelivery_lease_seconds = 3\n[federation.resolve]\n{resolve}"
    )
}

/// Polls `check` until it returns `Some`, for up to `seconds`; on time-out panics with `what`
/// and the log of every node, so that a failure shows which side broke.
pub async fn wait_for<T, F, Fut>(seconds: u64, what: &str, nodes: &[&Node], mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() > deadline {
            let logs: Vec<String> = nodes
                .iter()
                .map(|node| {
                    format!(
                        "--- {} ({}) log ---\n{}",
                        node.name,
                        node.domain,
                        node.process.log()
                    )
                })
                .collect();
            panic!(
                "timed out after {seconds} s waiting for: {what}\n{}",
                logs.join("\n")
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A publication file of `kind` titled `title`.
pub fn publication(kind: &str, title: &str) -> String {
    let text = format!(
        "[text.en]\ntitle = \"{title}\"\nsummary = \"About {title}.\"\nbody = \"The **body** of {title}.\"\n"
    );
    let section = match kind {
        "story" => {
            "[story]\ncategory = \"individual_journey\"\n[story.consent]\nsubject_consented = true\ngiven_by = \"Amina\"\ngiven_on = \"2026-01-10\"\nform = \"written\"\nfederated = true\nindexable = true\nimages = true\n"
        }
        "event" => {
            "hashtags = [\"Berlin\"]\n[event]\nstarts_at = \"2027-03-14T10:00\"\nends_at = \"2027-03-14T16:00\"\n\
                    time_zone = \"Europe/Berlin\"\n[event.place]\nname = \"Rathaus Neukölln\"\nlocality = \"Berlin\"\ncountry = \"DE\"\n"
        }
        "opportunity" => {
            "[opportunity]\nkind = \"job\"\nplace = \"Berlin\"\napply_url = \"https://jobs.example/apply\"\nemployment_type = \"full_time\"\n"
        }
        "resource" => "[resource]\ntopic = \"labour migration\"\ncountry = \"DE\"\nyear = 2020\n",
        other => panic!("unknown kind {other}"),
    };
    // Top-level keys (hashtags) must come before any table.
    match section.split_once("[event]") {
        Some((top, rest)) => format!("{top}{text}[event]{rest}"),
        None => format!("{text}{section}"),
    }
}
