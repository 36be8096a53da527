//! A test that cannot run here (no Node.js, no Chromium) says so where a person running `cargo
//! test` sees it, although cargo captures the output of every test that passes; and under
//! `JISR_REQUIRE_ALL=1` (CI) it fails instead.
//!
//! Each check runs this test binary again (`std::env::current_exe()`) as a child that runs only
//! [`a_test_that_skips_when_asked`], the way `cargo test` runs it: output captured, no
//! `--nocapture`, and `JISR_REQUIRE_ALL` as the check chooses, whatever the outer run has.

use std::process::{Command, Output};

/// The helper's name as the test harness knows it (for `--exact`).
const HELPER: &str = "skips::a_test_that_skips_when_asked";

/// Set only in the child's environment: it makes the helper skip.
const ASKED: &str = "JISR_SKIPS_CHILD";

/// Skips, as a browser or Fedify test does without its program, when `JISR_SKIPS_CHILD` is set;
/// otherwise (in every ordinary run) it does nothing and passes.
#[test]
fn a_test_that_skips_when_asked() {
    if std::env::var_os(ASKED).is_none() {
        return;
    }
    crate::harness::skip(HELPER, "the skips tests asked it to");
}

/// Runs the helper alone in a child test process, with `JISR_REQUIRE_ALL=1` or without it.
fn run_helper(require_all: bool) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    // `--exact` runs the helper and nothing else, so the child never runs these checks again.
    command
        .args([HELPER, "--exact", "--test-threads=1", "--color=never"])
        .env(ASKED, "1")
        // CI sets JISR_REQUIRE_ALL=1 for the whole run; the child must not inherit it. Nor may it
        // inherit `--nocapture` given as an environment variable: the point is capture on.
        .env_remove("JISR_REQUIRE_ALL")
        .env_remove("RUST_TEST_NOCAPTURE");
    if require_all {
        command.env("JISR_REQUIRE_ALL", "1");
    }
    command.output().expect("run the test binary again")
}

/// Everything the child printed, for the assertions' messages.
fn printed(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_skip_shows_though_cargo_captures_the_output_of_passing_tests() {
    let output = run_helper(false);
    let (stdout, stderr) = printed(&output);
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(output.status.success(), "the skip must pass: {all}");
    // The child ran exactly the helper, and it passed with its output captured.
    assert!(
        stdout.contains(&format!("test {HELPER} ... ok")) && stdout.contains("1 passed"),
        "{all}"
    );
    assert!(
        stderr.contains(&format!(
            "*** SKIPPED {HELPER}: the skips tests asked it to"
        )),
        "the SKIPPED notice must reach the terminal although the test passed: {all}"
    );
}

#[test]
fn a_skip_fails_under_require_all() {
    let output = run_helper(true);
    let (stdout, stderr) = printed(&output);
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        !output.status.success(),
        "JISR_REQUIRE_ALL=1 must fail a skip: {all}"
    );
    assert!(stdout.contains("1 failed"), "{all}");
    assert!(
        all.contains("JISR_REQUIRE_ALL=1 forbids skipping"),
        "the failure must say why: {all}"
    );
}
