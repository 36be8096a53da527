//! The `jisr` binary itself: its commands, and `serve` as a real process.

use crate::harness::{TestDatabase, eventually};
use std::process::{Command, Stdio};

fn jisr() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jisr"));
    // The tests' own JISR_* variables (JISR_REQUIRE_ALL, JISR_TEST_DATABASE_URL) are not
    // configuration, but clear any that are, so the files below decide.
    for (name, _) in std::env::vars() {
        if [
            "JISR_INSTANCE_",
            "JISR_SERVER_",
            "JISR_DATABASE_",
            "JISR_FEDERATION_",
            "JISR_ACCOUNTS_",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        {
            command.env_remove(name);
        }
    }
    command
}

fn run(command: &mut Command) -> (bool, String) {
    let output = command.output().expect("run jisr");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn help_explains_each_command() {
    let (ok, text) = run(jisr().arg("--help"));
    assert!(ok, "{text}");
    for command in ["serve", "migrate", "check-config"] {
        assert!(
            text.contains(command),
            "{command} missing from --help:\n{text}"
        );
    }
    let (ok, text) = run(jisr().args(["serve", "--help"]));
    assert!(ok && text.contains("--config"), "{text}");
}

#[test]
fn check_config_accepts_the_example_and_names_what_is_wrong() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml");
    let (ok, text) = run(jisr().args(["check-config", example]));
    assert!(ok, "{text}");
    assert!(text.contains("valid"), "{text}");

    let folder = tempfile::tempdir().expect("folder");
    let bad = folder.path().join("bad.toml");
    std::fs::write(&bad, "[federation]\ndelivery_wrokers = 4\n").expect("write");
    let (ok, text) = run(jisr().args(["check-config", bad.to_str().expect("path")]));
    assert!(!ok, "an unknown key must fail: {text}");
    assert!(
        text.contains("bad.toml") && text.contains("delivery_wrokers"),
        "{text}"
    );

    let (ok, text) = run(jisr().args(["check-config", "/nonexistent/jisr.toml"]));
    assert!(!ok && text.contains("/nonexistent/jisr.toml"), "{text}");
}

#[tokio::test]
async fn serve_runs_as_a_process_with_a_config_file() {
    let database = TestDatabase::create().await;
    let folder = tempfile::tempdir().expect("folder");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let config = folder.path().join("jisr.toml");
    std::fs::write(
        &config,
        format!(
            "[instance]\ndomain = \"localhost:{port}\"\nhandle = \"diaspora\"\nlanguages = [\"ar\", \"en\"]\n\
             [server]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"{}\"\n",
            database.url
        ),
    )
    .expect("write config");

    let (ok, text) = run(jisr().args(["migrate", "--config", config.to_str().expect("path")]));
    assert!(ok, "{text}");

    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_jisr"))
        .args(["serve", "--config", config.to_str().expect("path")])
        .env("JISR_REMITTANCES_ECB_URL", "")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn jisr serve");
    let url = format!(
        "http://localhost:{port}/.well-known/webfinger?resource=acct:diaspora@localhost:{port}"
    );
    let jrd: serde_json::Value = eventually(30, "jisr serve answers WebFinger", || async {
        let response = reqwest::get(&url).await.ok()?;
        response.json().await.ok()
    })
    .await;
    assert_eq!(jrd["subject"], format!("acct:diaspora@localhost:{port}"));
    let page = reqwest::get(format!("http://localhost:{port}/"))
        .await
        .expect("GET /")
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "Arabic first: {page}"
    );
    server.kill().await.expect("kill");
}

#[tokio::test]
async fn account_commands_print_one_time_links() {
    let database = TestDatabase::create().await;
    let folder = tempfile::tempdir().expect("folder");
    let config = folder.path().join("jisr.toml");
    std::fs::write(
        &config,
        format!(
            "[instance]\ndomain = \"localhost:8099\"\n[database]\nurl = \"{}\"\n",
            database.url
        ),
    )
    .expect("write");
    let config = config.to_str().expect("path");
    let (ok, text) = run(jisr().args(["migrate", "--config", config]));
    assert!(ok, "{text}");
    let db = jisr::db::Db::connect(&database.url, 2).await.expect("db");
    jisr::domain::accounts::register(
        &db,
        &jisr::domain::accounts::Passwords::default(),
        &jisr::domain::accounts::identity::Identities {
            reserved: Vec::new(),
            make_keys: jisr::federation::signature::generate_keypair,
        },
        jisr::config::Registration::Approval,
        &jisr::domain::accounts::Registering {
            account_type: "individual".to_string(),
            name: "Amina".to_string(),
            email: "amina@example.org".to_string(),
            password: "a long enough passphrase".to_string(),
            username: String::new(),
            invitation: None,
        },
    )
    .await
    .expect("register");

    let (ok, text) = run(jisr().args(["account", "list", "--config", config]));
    assert!(
        ok && text.contains("amina@example.org\tAmina\tindividual\tadmin\tactive"),
        "{text}"
    );
    let (ok, text) = run(jisr().args([
        "account",
        "reset-link",
        "Amina@Example.org",
        "--config",
        config,
    ]));
    assert!(
        ok && text.contains("http://localhost:8099/reset/"),
        "{text}"
    );
    let secret = text
        .split("/reset/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("secret");
    assert!(
        jisr::domain::accounts::reset_link_is_live(&db, secret)
            .await
            .expect("live")
    );
    let (ok, text) = run(jisr().args([
        "account",
        "reset-link",
        "nobody@example.org",
        "--config",
        config,
    ]));
    assert!(
        !ok && text.contains("no account has the address nobody@example.org"),
        "{text}"
    );
    let (ok, text) =
        run(jisr().args(["account", "invite", "--role", "editor", "--config", config]));
    assert!(
        ok && text.contains("http://localhost:8099/register?invitation="),
        "{text}"
    );
    let (ok, text) = run(jisr().args(["account", "invite", "--role", "owner", "--config", config]));
    assert!(
        !ok && text.contains("--role must be admin, editor or member"),
        "{text}"
    );
}

#[test]
fn the_fanout_benchmark_runs_and_reports_its_ratios() {
    // A small run, so that the benchmark cannot rot; its figures are only meaningful in
    // release builds with the default sizes.
    let (ok, text) = run(jisr().args([
        "bench",
        "fanout",
        "--followers",
        "40",
        "--hosts",
        "20",
        "--workers",
        "8",
        "--timeout",
        "2",
    ]));
    assert!(ok, "{text}");
    for line in [
        "deliveries verified by the sink: 40 of 40 (refused: 0)",
        "ratio to the signing ceiling:",
        "CPU per delivery: Jisr",
        "peak resident memory: Jisr",
        "with faults: 2 slow hosts and 1 refusing connections of 20; 34 deliveries to healthy hosts",
        "slow hosts answering after the request timeout (2.0 s): healthy hosts' deliveries took",
        "slow hosts answering just inside the request timeout (1.8 s)",
        "head-of-line ratio",
    ] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
}

#[test]
fn the_inbox_benchmark_runs_and_reports_its_ratios() {
    // A small run, so that the benchmark cannot rot; its figures are only meaningful in
    // release builds with the default sizes.
    for activity in ["reply", "like"] {
        let (ok, text) = run(jisr().args([
            "bench",
            "inbox",
            "--activities",
            "60",
            "--actors",
            "6",
            "--keys",
            "2",
            "--concurrency",
            "8",
            "--activity",
            activity,
        ]));
        assert!(ok, "{text}");
        for line in [
            "accepted: 60 of 60",
            "one per accepted activity",
            "ratio to min(verification, single-row commits):",
            "Jisr CPU per activity:",
        ] {
            assert!(text.contains(line), "{activity}: {line:?} missing:\n{text}");
        }
    }
}
