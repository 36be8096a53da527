//! Headless Chromium driven by federation-tests/browser/run.mjs (playwright-core and axe-core,
//! installed from the committed lockfile on first use): screenshots, an accessibility check and
//! the account and publishing flow, against a running instance. Chromium's own log stays beside
//! the screenshots, in `chromium.log`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;

/// Debian's Chromium (the `chromium` package).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Only one test at a time may run `npm ci`.
static INSTALL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("federation-tests/browser")
}

/// Why Node.js cannot run here, if it cannot.
async fn no_node() -> Option<String> {
    let node = Command::new("node").arg("--version").output().await;
    if node.is_ok_and(|output| output.status.success()) {
        None
    } else {
        Some("Node.js (node) is not installed".to_string())
    }
}

/// Why the browser tests cannot run here: no Chromium, no Node.js, or no npm packages.
async fn unavailable() -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        return Some(format!(
            "{CHROMIUM} is missing (apt-get install chromium chromium-driver)"
        ));
    }
    if let Some(reason) = no_node().await {
        return Some(reason);
    }
    let _guard = INSTALL.lock().await;
    let installed = ["playwright-core", "axe-core"].iter().all(|name| {
        folder()
            .join("node_modules")
            .join(name)
            .join("package.json")
            .exists()
    });
    if installed {
        return None;
    }
    super::npm_ci(&folder()).await
}

/// Runs run.mjs against `base` (with the account and publishing flow when `flow`), writing
/// screenshots and `result.json` into `out` (emptied first); returns the result, or `None` after
/// a loud skip (a failure under `JISR_REQUIRE_ALL=1`) when the browser cannot run here.
pub async fn run(test: &str, base: &url::Url, out: &Path, flow: bool) -> Option<Value> {
    if let Some(reason) = unavailable().await {
        super::skip(test, &reason);
        return None;
    }
    if out.exists() {
        std::fs::remove_dir_all(out).expect("empty the output folder");
    }
    std::fs::create_dir_all(out).expect("output folder");
    let mut command = Command::new("node");
    command
        .arg("run.mjs")
        .arg("--base")
        .arg(base.as_str())
        .arg("--out")
        .arg(out)
        .arg("--chromium")
        .arg(CHROMIUM)
        .current_dir(folder())
        .kill_on_drop(true);
    if flow {
        command.arg("--flow");
    }
    // Usually well under a minute; the margin is for a loaded machine, where each of run.mjs's
    // steps may take up to its own 45 s timeout.
    let output = tokio::time::timeout(Duration::from_secs(RUN_LIMIT_SECONDS), command.output())
        .await
        .unwrap_or_else(|_| panic!("{test}: run.mjs took more than {RUN_LIMIT_SECONDS} s"))
        .expect("node run.mjs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{test}: run.mjs failed ({}):\n{stderr}\n{stdout}",
        output.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    Some(serde_json::from_str(last).unwrap_or_else(|error| {
        panic!("{test}: run.mjs printed no result ({error}):\n{stdout}\n{stderr}")
    }))
}

/// How long run.mjs may take in all.
const RUN_LIMIT_SECONDS: u64 = 300;

/// Runs `node run.mjs --self-test` (Node.js only: no browser, no npm packages), which checks
/// the retry of a refused screenshot on made-up errors; returns its `{ok, cases}` and whether it
/// exited 0, or `None` after a loud skip (a failure under `JISR_REQUIRE_ALL=1`) without Node.js.
pub async fn self_test(test: &str) -> Option<(bool, Value)> {
    if let Some(reason) = no_node().await {
        super::skip(test, &reason);
        return None;
    }
    let output = Command::new("node")
        .args(["run.mjs", "--self-test"])
        .current_dir(folder())
        .kill_on_drop(true)
        .output()
        .await
        .expect("node run.mjs --self-test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let report = serde_json::from_str(last).unwrap_or_else(|error| {
        panic!(
            "{test}: run.mjs --self-test printed no report ({error}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Some((output.status.success(), report))
}

/// The result's failures, one per line: axe violations of impact serious or critical (id,
/// impact, help and every node's target) and other problems; empty when there are none.
pub fn failures(result: &Value) -> String {
    let mut lines = Vec::new();
    for violation in result["violations"].as_array().into_iter().flatten() {
        lines.push(format!(
            "axe {} ({}) on {}: {} <{}>",
            text(&violation["id"]),
            text(&violation["impact"]),
            text(&violation["page"]),
            text(&violation["help"]),
            text(&violation["helpUrl"]),
        ));
        for node in violation["nodes"].as_array().into_iter().flatten() {
            lines.push(format!("    {}", text(&node["target"])));
        }
    }
    for problem in result["problems"].as_array().into_iter().flatten() {
        lines.push(text(problem));
    }
    lines.join("\n")
}

/// The result's notes (axe violations of lesser impact, layout remarks), one per line.
pub fn notes(result: &Value) -> String {
    result["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|note| {
            let targets: Vec<String> = note["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|node| text(&node["target"]))
                .collect();
            format!(
                "{} {} ({}) on {}: {} {}",
                text(&note["kind"]),
                text(&note["id"]),
                text(&note["impact"]),
                text(&note["page"]),
                text(&note["help"]),
                targets.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
