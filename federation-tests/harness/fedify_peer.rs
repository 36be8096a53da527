//! The Fedify peer (federation-tests/fedify-peer/peer.mjs): a real ActivityPub server built on
//! Fedify 2.3.6 that verifies every signature it receives. Its npm packages are installed from
//! the committed lockfile on first use.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use url::Url;

/// Only one test at a time may run `npm ci`.
static INSTALL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("federation-tests/fedify-peer")
}

/// A running peer; killed when dropped.
pub struct FedifyPeer {
    pub origin: Url,
    client: reqwest::Client,
    stderr_path: PathBuf,
    _child: Child,
    _folder: tempfile::TempDir,
}

/// Why the peer cannot run here.
async fn unavailable() -> Option<String> {
    let node = Command::new("node").arg("--version").output().await;
    if !node.is_ok_and(|output| output.status.success()) {
        return Some("Node.js (node) is not installed".to_string());
    }
    let _guard = INSTALL.lock().await;
    if folder()
        .join("node_modules/@fedify/fedify/package.json")
        .exists()
    {
        return None;
    }
    super::npm_ci(&folder()).await
}

impl FedifyPeer {
    /// Starts the peer, or returns `None` after reporting a loud skip (a failure under
    /// `JISR_REQUIRE_ALL=1`) when Node.js or its packages cannot be had.
    pub async fn start(test: &str) -> Option<FedifyPeer> {
        Self::start_with(test, "localhost", &[]).await
    }

    /// Starts the peer as `http://{host}:{port}`, resolving each of `hosts` to 127.0.0.1.
    pub async fn start_with(test: &str, host: &str, hosts: &[&str]) -> Option<FedifyPeer> {
        Self::start_with_users(test, host, hosts, &["bob"]).await
    }

    /// [`FedifyPeer::start_with`] with these actors (`users/{name}` each).
    pub async fn start_with_users(
        test: &str,
        host: &str,
        hosts: &[&str],
        users: &[&str],
    ) -> Option<FedifyPeer> {
        if let Some(reason) = unavailable().await {
            super::skip(test, &reason);
            return None;
        }
        let logs = tempfile::tempdir().expect("temporary folder");
        let stderr_path = logs.path().join("peer.log");
        let stderr = std::fs::File::create(&stderr_path).expect("log file");
        let mut child = Command::new("node")
            .arg("peer.mjs")
            .current_dir(folder())
            .env("PORT", "0")
            .env("ORIGIN", format!("http://{host}:{{port}}"))
            .env(
                "HOSTS",
                hosts
                    .iter()
                    .map(|name| format!("{name}=127.0.0.1"))
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .env("USERS", users.join(","))
            .env("LOG_LEVEL", "warning")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn node peer.mjs");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("the Fedify peer did not start: {}", read(&stderr_path)))
            .expect("read stdout")
            .unwrap_or_else(|| panic!("the Fedify peer exited: {}", read(&stderr_path)));
        let port: u16 = line
            .strip_prefix("LISTENING ")
            .and_then(|port| port.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the peer: {line}"));
        Some(FedifyPeer {
            origin: Url::parse(&format!("http://{host}:{port}/")).expect("origin"),
            client: crate::harness::http_client(),
            stderr_path,
            _child: child,
            _folder: logs,
        })
    }

    /// The id of the peer's actor `name`.
    pub fn actor_id(&self, name: &str) -> Url {
        self.origin.join(&format!("users/{name}")).expect("id")
    }

    /// What the peer printed on stderr, for failure messages.
    pub fn logs(&self) -> String {
        read(&self.stderr_path)
    }

    /// Posts `body` to the control endpoint `path`, whatever it answers: its status and text
    /// (a delivery the receiver refused is a 502 naming the receiver's answer).
    pub async fn control_raw(&self, path: &str, body: Value) -> (reqwest::StatusCode, String) {
        let url = self.origin.join(path).expect("control url");
        let response = self
            .client
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("control request");
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }

    async fn control(&self, path: &str, body: Option<Value>) -> Value {
        let url = self.origin.join(path).expect("control url");
        let request = match body {
            Some(body) => self.client.post(url).json(&body),
            None => self.client.get(url),
        };
        let response = request.send().await.expect("control request");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "peer {path} answered {status}: {text}\n--- peer log ---\n{}",
            self.logs()
        );
        serde_json::from_str(&text).expect("control JSON")
    }

    /// `actor` follows `target` (an actor URL or `@user@host`); returns the peer's answer.
    pub async fn follow(&self, actor: &str, target: &str) -> Value {
        self.control(
            "_control/follow",
            Some(json!({"actor": actor, "target": target})),
        )
        .await
    }

    /// `actor` asks to take part in `event`, organized by `organizer`; returns the Join's id.
    pub async fn join(&self, actor: &str, event: &str, organizer: &str) -> String {
        let answer = self
            .control(
                "_control/join",
                Some(json!({"actor": actor, "event": event, "to": organizer})),
            )
            .await;
        answer["id"].as_str().expect("Join id").to_string()
    }

    /// `actor` looks `target` up with its own signed GETs (so that `target`'s server knows
    /// `actor`'s key from then on).
    pub async fn resolve(&self, actor: &str, target: &str) {
        self.control(
            "_control/resolve",
            Some(json!({"actor": actor, "target": target})),
        )
        .await;
    }

    /// `actor` leaves `event`.
    pub async fn leave(&self, actor: &str, event: &str, organizer: &str) {
        self.control(
            "_control/leave",
            Some(json!({"actor": actor, "event": event, "to": organizer})),
        )
        .await;
    }

    /// `actor` undoes its Join `join`.
    pub async fn undo_join(&self, actor: &str, join: &str, organizer: &str) {
        self.control(
            "_control/undo-join",
            Some(json!({"actor": actor, "join": join, "to": organizer})),
        )
        .await;
    }

    /// `actor` unfollows `target`.
    pub async fn unfollow(&self, actor: &str, target: &str) -> Value {
        self.control(
            "_control/unfollow",
            Some(json!({"actor": actor, "target": target})),
        )
        .await
    }

    /// Every activity the peer's inboxes accepted (signature verified), in order.
    pub async fn log(&self) -> Vec<Value> {
        let log = self.control("_control/log", None).await;
        log.as_array().cloned().unwrap_or_default()
    }

    /// `actor` replies to `in_reply_to` with `content`, addressed to `to`; returns the Note's id.
    pub async fn reply(&self, actor: &str, in_reply_to: &str, content: &str, to: &str) -> String {
        let answer = self
            .control(
                "_control/reply",
                Some(
                    json!({"actor": actor, "inReplyTo": in_reply_to, "content": content, "to": to}),
                ),
            )
            .await;
        answer["id"].as_str().expect("note id").to_string()
    }

    /// `actor` posts a public `type` (`Note`, `Page`…) with `content` (and a `name` when
    /// given), addressed also `to` one actor and sent to its inbox; returns the object's id.
    pub async fn post_to(
        &self,
        actor: &str,
        kind: &str,
        name: Option<&str>,
        content: &str,
        to: &str,
    ) -> String {
        let mut body = json!({"actor": actor, "type": kind, "content": content, "to": to});
        if let Some(name) = name {
            body["name"] = json!(name);
        }
        let answer = self.control("_control/post", Some(body)).await;
        answer["id"].as_str().expect("object id").to_string()
    }

    /// `actor` edits its post `id` to `content` and sends the `Update` to `to`; returns the
    /// Update's id.
    pub async fn update(&self, actor: &str, id: &str, content: &str, to: &str) -> String {
        let answer = self
            .control(
                "_control/update",
                Some(json!({"actor": actor, "id": id, "content": content, "to": to})),
            )
            .await;
        answer["update"].as_str().expect("update id").to_string()
    }

    /// `actor` reports `objects` to the server of `to` with `content` (a `Flag`); returns its
    /// id.
    pub async fn flag(&self, actor: &str, objects: &[&str], content: &str, to: &str) -> String {
        let answer = self
            .control(
                "_control/flag",
                Some(json!({"actor": actor, "objects": objects, "content": content, "to": to})),
            )
            .await;
        answer["id"].as_str().expect("flag id").to_string()
    }

    /// Runs `expand.mjs` on `documents`: one `{index, ok, problems}` per document.
    pub async fn expand(&self, documents: &[Value]) -> Vec<Value> {
        use tokio::io::AsyncWriteExt;
        let mut child = Command::new("node")
            .arg("expand.mjs")
            .current_dir(folder())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node expand.mjs");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(&serde_json::to_vec(documents).expect("json"))
            .await
            .expect("write");
        drop(stdin);
        let output = child.wait_with_output().await.expect("expand.mjs");
        assert!(
            output.status.success(),
            "expand.mjs: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a result line"))
            .collect()
    }

    /// Whom `actor` follows, with the state of each follow.
    pub async fn following(&self, actor: &str) -> Value {
        self.control(&format!("_control/following?actor={actor}"), None)
            .await
    }
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
