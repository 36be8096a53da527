use super::interleave_hosts;
use super::sender::{is_retryable, parse_retry_after};
use chrono::{Duration, Utc};
use http::StatusCode;

#[test]
fn statuses_are_classified_like_mastodon_does() {
    for retry in [401, 408, 429, 500, 502, 503, 504] {
        assert!(
            is_retryable(StatusCode::from_u16(retry).expect("status")),
            "{retry}"
        );
    }
    for permanent in [301, 302, 400, 403, 404, 410, 413, 422, 501] {
        assert!(
            !is_retryable(StatusCode::from_u16(permanent).expect("status")),
            "{permanent}"
        );
    }
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(parse_retry_after("120"), Some(Duration::seconds(120)));
    assert_eq!(parse_retry_after("999999"), Some(Duration::seconds(86_400)));
    let in_a_minute = (Utc::now() + Duration::seconds(60))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let parsed = parse_retry_after(&in_a_minute).expect("date");
    assert!((55..=60).contains(&parsed.num_seconds()), "{parsed}");
    assert_eq!(parse_retry_after("soon"), None);
}

#[test]
fn a_fan_out_is_queued_host_after_host_without_duplicates() {
    let inboxes: Vec<url::Url> = [
        "https://big.example/users/1/inbox",
        "https://big.example/users/2/inbox",
        "https://big.example/users/1/inbox",
        "https://big.example/users/3/inbox",
        "https://small.example/inbox",
        "https://other.example:8443/inbox",
    ]
    .iter()
    .map(|inbox| url::Url::parse(inbox).expect("url"))
    .collect();
    let queued: Vec<(String, String)> = interleave_hosts(&inboxes)
        .into_iter()
        .map(|(inbox, host)| (inbox.path().to_string(), host))
        .collect();
    let expected = [
        ("/users/1/inbox", "big.example"),
        ("/inbox", "small.example"),
        ("/inbox", "other.example:8443"),
        ("/users/2/inbox", "big.example"),
        ("/users/3/inbox", "big.example"),
    ];
    assert_eq!(
        queued,
        expected
            .iter()
            .map(|(path, host)| (path.to_string(), host.to_string()))
            .collect::<Vec<_>>()
    );
}
