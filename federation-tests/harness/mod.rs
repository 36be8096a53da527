//! The test harness: databases, instances, a controllable remote actor, and the Fedify peer.

pub mod balancer;
pub mod browser;
pub mod crate_peer;
pub mod database;
pub mod fedify_peer;
pub mod ics;
pub mod instance;
pub mod network;
pub mod process;
pub mod remote;
pub mod session;

pub use database::TestDatabase;
pub use instance::TestInstance;
pub use remote::TestActor;

use std::future::Future;
use std::time::Duration;

/// Polls `check` until it returns `Some`, for up to `seconds`; panics with `what` otherwise.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {seconds} s waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether `JISR_REQUIRE_ALL=1`: a test that cannot run here must fail instead of skipping.
pub fn require_all() -> bool {
    std::env::var("JISR_REQUIRE_ALL").is_ok_and(|value| value == "1")
}

/// Reports loudly that a test skipped, or fails it under `JISR_REQUIRE_ALL=1`.
pub fn skip(test: &str, reason: &str) {
    if require_all() {
        panic!("{test}: cannot run ({reason}) and JISR_REQUIRE_ALL=1 forbids skipping");
    }
    notice(&format!(
        "SKIPPED {test}: {reason} (set JISR_REQUIRE_ALL=1 to make this a failure)"
    ));
}

/// Writes `text`, set apart, where a person running `cargo test` sees it even when the test
/// passes.
///
/// The test harness captures what `print!` and `eprint!` (and their `ln` forms) write while a
/// test runs, and shows it only if the test fails: a skipped test passes, so a notice written
/// with `eprintln!` would vanish behind `... ok`. Writing to `std::io::stderr()` directly is not
/// captured. `skips.rs` checks that this still holds, since a Rust release could change it.
pub fn notice(text: &str) {
    use std::io::Write;
    // One locked write, so notices from tests running at the same time do not interleave.
    let mut stderr = std::io::stderr().lock();
    // A notice that cannot be written (stderr closed) must not fail the test that gives it.
    let _ = stderr.write_all(format!("\n*** {text} ***\n\n").as_bytes());
    let _ = stderr.flush();
}

/// An HTTP client for the tests themselves, resolving the test network's host names
/// (`alpha.test`, …) to 127.0.0.1 as the instances do.
pub fn http_client() -> reqwest::Client {
    let mut builder = reqwest::Client::builder();
    for host in network::HOSTS {
        builder = builder.resolve(host, std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    builder.build().expect("test HTTP client")
}

/// The text of the page at `url`, asked for in English.
pub async fn page_text(url: impl reqwest::IntoUrl) -> String {
    http_client()
        .get(url)
        .header("accept-language", "en")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text")
}

/// A PNG of `width` × `height` pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let picture: image::ImageBuffer<image::Rgb<u8>, Vec<u8>> =
        image::ImageBuffer::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 120]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("png");
    bytes.into_inner()
}

/// `bytes` gunzipped (a gzipped answer: the test client asks for gzip itself and does not
/// unpack it).
pub fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("gzip of UTF-8 text");
    text
}

/// Runs `npm ci` in `folder` (from its committed lockfile); `Some(reason)` if it could not.
pub async fn npm_ci(folder: &std::path::Path) -> Option<String> {
    let install = tokio::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(folder)
        .output()
        .await;
    match install {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(format!(
            "npm ci failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )),
        Err(error) => Some(format!("npm cannot run: {error}")),
    }
}
