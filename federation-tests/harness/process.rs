//! A Jisr instance as a separate `jisr serve` process, for what only a process can show: being
//! killed with SIGKILL, and several processes sharing one PostgreSQL database.

use std::path::PathBuf;
use std::process::Stdio;
use tokio::process::{Child, Command};

/// A `jisr serve` process and its configuration file.
pub struct ProcessInstance {
    child: Option<Child>,
    pub config_path: PathBuf,
    pub port: u16,
    log_path: PathBuf,
    /// Environment variables of the process (`JISR_INSTANCE_NAME`, …), on every start.
    env: Vec<(String, String)>,
    _folder: tempfile::TempDir,
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

impl ProcessInstance {
    /// Writes a configuration (`domain` localhost:`domain_port`, listening on `listen_port`,
    /// `extra` appended to `[federation]`) and starts `jisr serve` with it.
    pub async fn start(
        database_url: &str,
        domain_port: u16,
        listen_port: u16,
        extra: &str,
    ) -> ProcessInstance {
        Self::start_on(
            database_url,
            &format!("localhost:{domain_port}"),
            listen_port,
            extra,
        )
        .await
    }

    /// Like [`ProcessInstance::start`] with any `domain` (`alpha.test:PORT` on test networks,
    /// served over plain http).
    pub async fn start_on(
        database_url: &str,
        domain: &str,
        listen_port: u16,
        extra: &str,
    ) -> ProcessInstance {
        Self::start_on_with_env(database_url, domain, listen_port, extra, &[]).await
    }

    /// [`ProcessInstance::start_on`] with environment variables (configuration overrides such
    /// as `JISR_INSTANCE_NAME`).
    pub async fn start_on_with_env(
        database_url: &str,
        domain: &str,
        listen_port: u16,
        extra: &str,
        env: &[(&str, &str)],
    ) -> ProcessInstance {
        let folder = tempfile::tempdir().expect("folder");
        let config_path = folder.path().join("jisr.toml");
        let scheme = if domain.starts_with("localhost") {
            ""
        } else {
            "scheme = \"http\"\n"
        };
        std::fs::write(
            &config_path,
            format!(
                "[instance]\ndomain = \"{domain}\"\nhandle = \"ngberlin\"\n{scheme}\
                 [server]\nlisten = \"127.0.0.1:{listen_port}\"\n[database]\nurl = \"{database_url}\"\n\
                 [federation]\nallow_loopback_peers = true\n{extra}\n"
            ),
        )
        .expect("write config");
        let log_path = folder.path().join("jisr.log");
        let mut instance = ProcessInstance {
            child: None,
            config_path,
            port: listen_port,
            log_path,
            env: env
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            _folder: folder,
        };
        instance.spawn().await;
        instance
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_jisr"))
            .args([
                "serve",
                "--config",
                self.config_path.to_str().expect("path"),
            ])
            .env("JISR_LOG", "info")
            // Tests fetch nothing from the ECB.
            .env("JISR_REMITTANCES_ECB_URL", "")
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn jisr serve");
        self.child = Some(child);
        let url = format!("http://127.0.0.1:{}/.well-known/nodeinfo", self.port);
        super::eventually(60, "jisr serve to answer", || async {
            reqwest::get(&url)
                .await
                .ok()
                .filter(|r| r.status().is_success())
                .map(|_| ())
        })
        .await;
    }

    /// Kills the process with SIGKILL: no shutdown, no cleanup.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("SIGKILL");
        }
    }

    /// Starts the process again with the same configuration.
    pub async fn restart(&mut self) {
        self.kill().await;
        self.spawn().await;
    }

    /// Runs `jisr ARGS --config <this instance's file>` and returns its output. Awaited, not
    /// blocking: the test's own peers run on the test's runtime and must go on answering while
    /// the command runs (blocked, they answered late, and a delivery timed out and was sent
    /// again).
    pub async fn cli(&self, args: &[&str]) -> String {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_jisr"))
            .args(args)
            .args(["--config", self.config_path.to_str().expect("path")])
            .output()
            .await
            .expect("run jisr");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "jisr {args:?} failed: {text}");
        text
    }

    /// Runs `jisr ARGS --config …` and returns what it printed on standard output alone (its
    /// logs go to standard error): a file it writes out, such as an export.
    pub async fn cli_stdout(&self, args: &[&str]) -> String {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_jisr"))
            .args(args)
            .args(["--config", self.config_path.to_str().expect("path")])
            .output()
            .await
            .expect("run jisr");
        assert!(
            output.status.success(),
            "jisr {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs `jisr ARGS --config …`, which must fail: what it said on standard error.
    pub async fn cli_error(&self, args: &[&str]) -> String {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_jisr"))
            .args(args)
            .args(["--config", self.config_path.to_str().expect("path")])
            .output()
            .await
            .expect("run jisr");
        assert!(!output.status.success(), "jisr {args:?} succeeded");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// What the process logged, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}
