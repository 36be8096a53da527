//! Origin checks: which server an id belongs to.
//!
//! We compare whole origins (scheme, host and port), stricter than the federation crate's
//! host-only `verify_domains_match`: two servers on one host with different ports are different
//! servers.

use url::Url;

/// Whether `a` and `b` are on the same server (scheme, host, port).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(
            &url("https://a.example/x"),
            &url("https://A.example:443/y")
        ));
        assert!(!same_origin(
            &url("https://a.example/x"),
            &url("https://b.example/x")
        ));
        assert!(!same_origin(
            &url("http://localhost:1/x"),
            &url("http://localhost:2/x")
        ));
        assert!(!same_origin(
            &url("http://a.example/x"),
            &url("https://a.example/x")
        ));
        assert!(!same_origin(
            &url("https://a.example/x"),
            &url("https://sub.a.example/x")
        ));
    }
}
