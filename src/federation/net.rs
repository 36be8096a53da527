//! Where outgoing requests may go: the guard against fetching or delivering to private
//! addresses (SSRF), blocked domains, and the HTTP client every outgoing request uses.
//!
//! Invariant: every outgoing request goes through [`client`], whose DNS resolver refuses
//! non-public addresses (loopback only when `federation.allow_loopback_peers` is set), and every
//! URL is checked by [`PeerPolicy::check_url`] first (IP literals never reach the resolver).

use crate::config::Config;
use crate::error::{Error, Result};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// The rules for reaching other servers, from `[federation]`.
#[derive(Debug, Clone)]
pub struct PeerPolicy {
    allow_plain_http: bool,
    config: Arc<Config>,
    /// The domain policy in force (blocks, limits, the allowlist).
    domains: Arc<super::policy::InForce>,
}

impl PeerPolicy {
    /// The policy of `config`, with no stored domain policy loaded yet.
    pub fn new(config: Arc<Config>) -> PeerPolicy {
        PeerPolicy {
            allow_plain_http: config.federation.allows_plain_http(&config.instance),
            config,
            domains: Arc::default(),
        }
    }

    /// The domain policy in force.
    pub fn domains(&self) -> &super::policy::InForce {
        &self.domains
    }

    /// What the domain policy says of `host` (no port).
    pub fn standing(&self, host: &str) -> super::policy::Standing {
        self.domains.standing(&self.config, host)
    }

    /// Whether `ip` may be contacted.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        is_public(ip) || (self.config.federation.allow_loopback_peers && ip.is_loopback())
    }

    /// Whether nothing goes to or comes from `host` (no port): blocked (by the configuration
    /// or on `/admin/domains`), or not allowed in allowlist mode.
    pub fn is_blocked(&self, host: &str) -> bool {
        self.standing(host) == super::policy::Standing::Refused
    }

    /// Checks that `url` may be fetched from or delivered to: http(s), allowed scheme, not a
    /// blocked domain, not a private IP literal.
    pub fn check_url(&self, url: &Url) -> Result<()> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_plain_http => {}
            "http" => {
                return Err(Error::Forbidden(format!(
                    "{url}: plain http peers are not allowed"
                )));
            }
            other => {
                return Err(Error::Forbidden(format!(
                    "{url}: unsupported scheme {other}"
                )));
            }
        }
        match url.host() {
            Some(Host::Domain(domain)) => {
                if self.is_blocked(domain) {
                    return Err(Error::Forbidden(format!(
                        "{domain} is blocked, or not allowed, by this instance's domain policy"
                    )));
                }
            }
            Some(Host::Ipv4(ip)) => self.check_ip_literal(IpAddr::V4(ip))?,
            Some(Host::Ipv6(ip)) => self.check_ip_literal(IpAddr::V6(ip))?,
            None => return Err(Error::Forbidden(format!("{url} has no host"))),
        }
        Ok(())
    }

    fn check_ip_literal(&self, ip: IpAddr) -> Result<()> {
        if self.allows_ip(ip) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("{ip} is not a public address")))
        }
    }
}

/// Resolves names with the system resolver (or `federation.resolve`) and refuses any answer
/// that contains a non-public address, at connection time, so DNS rebinding cannot slip by.
struct GuardedResolver(PeerPolicy);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = match policy.config.federation.resolve.get(&host) {
                Some(ip) => vec![SocketAddr::new(*ip, 0)],
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            if let Some(bad) = addresses
                .iter()
                .find(|address| !policy.allows_ip(address.ip()))
            {
                let message = format!(
                    "{host} resolves to {}, which is not a public address",
                    bad.ip()
                );
                return Err(message.into());
            }
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// The HTTP client for every outgoing request: guarded DNS, no redirects, timeouts, our
/// User-Agent.
pub fn client(config: &Arc<Config>) -> anyhow::Result<reqwest::Client> {
    let timeout = Duration::from_secs(config.federation.request_timeout_seconds);
    let user_agent = format!(
        "Jisr/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        config.instance.base_url()
    );
    Ok(reqwest::Client::builder()
        .user_agent(user_agent)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(1)
        .dns_resolver(Arc::new(GuardedResolver(PeerPolicy::new(config.clone()))))
        .build()?)
}

/// The federation crate's hook: runs on every URL it fetches or accepts.
#[derive(Clone)]
pub struct CrateUrlVerifier(pub PeerPolicy);

#[async_trait::async_trait]
impl activitypub_federation::config::UrlVerifier for CrateUrlVerifier {
    async fn verify(&self, url: &Url) -> Result<(), activitypub_federation::error::Error> {
        self.0.check_url(url).map_err(|_| {
            activitypub_federation::error::Error::UrlVerificationError(
                "url refused: blocked domain, private address or plain http",
            )
        })
    }
}

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || a == 0
        || (a == 100 && (b & 0xc0) == 0x40)
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = segments[6].to_be_bytes();
        let [c, d] = segments[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || segments[0] == 0x2002
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        || (segments[0] == 0x64 && segments[1] == 0xff9b && segments[2] == 1)
        || segments[..6] == [0, 0, 0, 0, 0, 0]
        || segments[..6] == [0, 0, 0, 0, 0, 0xffff])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "0.0.0.1",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "::",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["1.1.1.1", "8.8.8.8", "2606:4700::1", "64:ff9b::808:808"] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn loopback_is_allowed_only_when_configured() {
        let mut config = Config::default();
        let closed = PeerPolicy::new(Arc::new(config.clone()));
        assert!(!closed.allows_ip("127.0.0.1".parse().expect("ip")));
        config.federation.allow_loopback_peers = true;
        let open = PeerPolicy::new(Arc::new(config));
        assert!(open.allows_ip("127.0.0.1".parse().expect("ip")));
        assert!(open.allows_ip("::1".parse().expect("ip")));
        assert!(!open.allows_ip("10.0.0.1".parse().expect("ip")));
        assert!(
            open.check_url(&Url::parse("http://10.0.0.1/x").expect("url"))
                .is_err()
        );
    }

    #[test]
    fn urls_are_checked_for_scheme_and_blocked_domains() {
        let mut config = Config::default();
        config.instance.domain = "jisr.example".to_string();
        config.federation.blocked_domains = vec!["spam.example".to_string()];
        let policy = PeerPolicy::new(Arc::new(config));
        let url = |text: &str| Url::parse(text).expect("url");
        assert!(policy.check_url(&url("https://peer.example/inbox")).is_ok());
        assert!(policy.check_url(&url("http://peer.example/inbox")).is_err());
        assert!(
            policy
                .check_url(&url("https://a.spam.example/inbox"))
                .is_err()
        );
        assert!(policy.check_url(&url("ftp://peer.example/")).is_err());
    }
}
