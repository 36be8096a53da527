//! The instance configuration: one TOML file, `config.example.toml` being its commented reference.
//!
//! Invariants: unknown keys and invalid values are errors that name the key and the file; the
//! built-in defaults equal `config.example.toml` (a test parses it); environment variables
//! `JISR_<SECTION>_<KEY>` (e.g. `JISR_DATABASE_URL`) override the file. Nothing here is global:
//! the loaded [`Config`] is passed down explicitly.

use anyhow::{Context, anyhow, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use url::Url;

/// The whole configuration of one instance.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub instance: Instance,
    pub server: Server,
    pub database: Database,
    pub federation: Federation,
    pub accounts: Accounts,
    pub website: Website,
    pub moderation: Moderation,
    pub remittances: Remittances,
}

/// `[remittances]`: where the exchange rates of members' price reports come from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Remittances {
    /// The European Central Bank's reference rates, fetched at start and once a day (its XML
    /// or CSV files); `""` fetches nothing (`jisr data import ecb FILE` imports a file).
    pub ecb_url: String,
}

impl Default for Remittances {
    fn default() -> Self {
        Remittances {
            ecb_url: "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml".to_string(),
        }
    }
}

/// `[moderation]`: what this instance tells the public of its moderation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Moderation {
    /// Show the public moderation log (`/about/moderation`): the domains blocked and limited,
    /// with their public reasons.
    pub public_log: bool,
    /// Activities one actor may send to our inboxes in a minute (0: no limit).
    pub inbox_per_actor_per_minute: u64,
    /// Activities one domain may send to our inboxes in a minute (0: no limit).
    pub inbox_per_domain_per_minute: u64,
}

impl Default for Moderation {
    fn default() -> Self {
        Moderation {
            public_log: true,
            inbox_per_actor_per_minute: 600,
            inbox_per_domain_per_minute: 6000,
        }
    }
}

/// `[website]`: how the website looks: its colour and its maps.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Website {
    /// The organization's colour, `#rrggbb`: the header, buttons and links. Text on it is
    /// black or white, whichever contrasts more; links are darkened until they read on white.
    pub accent_color: String,
    /// Map tiles, a URL with `{z}`, `{x}` and `{y}`; empty for no map (the address and a map
    /// link stay).
    pub map_tiles: String,
    /// The tiles' attribution, shown under every map.
    pub map_attribution: String,
    /// Where the attribution links to.
    pub map_attribution_url: String,
    /// What lists show unless the reader chooses: `both` (ours and what the organizations we
    /// follow publish), `ours` or `network`.
    pub lists_show: String,
    /// Which replies to our publications are shown at once: `open` (all), `followed` (those of
    /// the organizations we follow and of approved authors; the others wait for a moderator),
    /// `approval` (all wait) or `closed` (none kept). Admins can change it on the website.
    pub replies: String,
}

impl Default for Website {
    fn default() -> Self {
        Website {
            accent_color: "#0b5d4b".to_string(),
            map_tiles: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".to_string(),
            map_attribution: "© OpenStreetMap contributors".to_string(),
            map_attribution_url: "https://www.openstreetmap.org/copyright".to_string(),
            lists_show: "both".to_string(),
            replies: "followed".to_string(),
        }
    }
}

/// The red, green and blue of a `#rrggbb` colour.
pub fn parse_color(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// `[instance]`: who this instance is.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Instance {
    /// Host name (and port, for local development) that every URL of this instance is built on.
    pub domain: String,
    /// `http` or `https`; when absent, `http` for a local domain and `https` otherwise.
    pub scheme: Option<Scheme>,
    /// The organization's display name.
    pub name: String,
    /// The organization actor's user name: `@handle@domain`.
    pub handle: String,
    /// One or two sentences about the organization (plain text).
    pub summary: String,
    /// Languages the organization publishes in, as BCP 47 tags; the first is the default.
    pub languages: Vec<String>,
    /// The IANA time zone the organization works in (`Europe/Berlin`): the default of every
    /// form that asks for a time.
    pub time_zone: String,
    /// ISO 3166-1 alpha-2 codes of the countries its members come from.
    pub countries_of_origin: Vec<String>,
    /// ISO 3166-1 alpha-2 codes of the countries its members live in.
    pub countries_of_residence: Vec<String>,
    /// What the organization works on, in a few short words (`education`, `health`): the
    /// directory's sector filter, here and on every instance that follows it.
    pub sectors: Vec<String>,
    /// How to reach the organization: an e-mail address or a URL (may be empty).
    pub contact: String,
    /// A JPEG, PNG or WebP file with the organization's logo (its avatar on the fediverse and
    /// the website's icon); empty to let an admin upload one on the website.
    pub logo: String,
    /// A JPEG, PNG or WebP file with the organization's header image; empty to let an admin
    /// upload one on the website.
    pub header_image: String,
}

/// `[accounts]`: who may register on the website, and how long a login lasts.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Accounts {
    /// Who may register: anyone, anyone after an admin approves, only with an invitation, or
    /// nobody. The first account of an instance is always accepted, as its admin.
    pub registration: Registration,
    /// How long a login lasts without logging in again, in days.
    pub session_days: u64,
    /// Failed logins allowed per e-mail address and per client address in 15 minutes.
    pub login_attempts: u32,
    /// Largest image upload, in bytes.
    pub max_image_bytes: u64,
}

/// `accounts.registration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    Open,
    Approval,
    Invitation,
    Closed,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts {
            registration: Registration::Approval,
            session_days: 30,
            login_attempts: 10,
            max_image_bytes: 5_000_000,
        }
    }
}

/// A URL scheme for this instance's own URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

/// `[server]`: where the HTTP server listens.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// Socket address to listen on.
    pub listen: SocketAddr,
}

/// `[database]`: where the data lives.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://user@host/db`.
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
}

/// `[federation]`: how this instance talks to others.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Federation {
    /// Accept and fetch `http://` ids of other servers. Always on when the instance's own domain is
    /// local (localhost); never turn it on for a public instance.
    pub allow_plain_http: bool,
    /// Let outgoing fetches and deliveries reach loopback addresses (127.0.0.0/8, ::1). For tests
    /// and local development only; other private addresses stay refused.
    pub allow_loopback_peers: bool,
    /// How many deliveries are sent at the same time (by this process).
    pub delivery_workers: u32,
    /// How many deliveries one host receives at the same time.
    pub per_host_concurrency: u32,
    /// How long a worker may hold a delivery before another may take it, in seconds. On
    /// PostgreSQL with several processes, this is how long the deliveries of a crashed process
    /// wait; keep it well above `request_timeout_seconds`.
    pub delivery_lease_seconds: u64,
    /// Timeout of one outgoing request (fetch or delivery), in seconds.
    pub request_timeout_seconds: u64,
    /// Time allowed to process one incoming activity, in seconds.
    pub inbox_timeout_seconds: u64,
    /// Wait before the first retry of a failed delivery, in seconds; it doubles at each attempt.
    pub retry_initial_seconds: u64,
    /// Longest wait between two retries, in seconds.
    pub retry_max_seconds: u64,
    /// A delivery still failing this long after it was queued is given up, in hours.
    pub give_up_after_hours: u64,
    /// `open`: federate with every server but the blocked ones; `allowlist`: only with the
    /// allowed domains (`allowed_domains`, and those allowed on `/admin/domains`), for a
    /// closed network of trusted organizations.
    pub mode: String,
    /// Domains whose activities are refused and to which nothing is sent or fetched (read into
    /// the domain policy, where they cannot be lifted).
    pub blocked_domains: Vec<String>,
    /// Domains allowed in allowlist mode (read into the domain policy too).
    pub allowed_domains: Vec<String>,
    /// Host names resolved to fixed addresses instead of DNS (for test networks).
    pub resolve: BTreeMap<String, IpAddr>,
}

impl Default for Instance {
    fn default() -> Self {
        Instance {
            domain: "localhost:8080".to_string(),
            scheme: None,
            name: "Jisr Community".to_string(),
            handle: "community".to_string(),
            summary: "A diaspora organization on the Jisr network.".to_string(),
            languages: vec!["en".to_string()],
            time_zone: "UTC".to_string(),
            countries_of_origin: Vec::new(),
            countries_of_residence: Vec::new(),
            sectors: Vec::new(),
            contact: String::new(),
            logo: String::new(),
            header_image: String::new(),
        }
    }
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        }
    }
}

impl Default for Database {
    fn default() -> Self {
        Database {
            url: "sqlite://data/jisr.db".to_string(),
            max_connections: 8,
        }
    }
}

impl Default for Federation {
    fn default() -> Self {
        Federation {
            allow_plain_http: false,
            allow_loopback_peers: false,
            delivery_workers: 32,
            per_host_concurrency: 4,
            delivery_lease_seconds: 60,
            request_timeout_seconds: 10,
            inbox_timeout_seconds: 9,
            retry_initial_seconds: 60,
            retry_max_seconds: 6 * 3600,
            give_up_after_hours: 72,
            mode: "open".to_string(),
            blocked_domains: Vec::new(),
            allowed_domains: Vec::new(),
            resolve: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for Database {
    /// The URL may hold a password: show only its scheme.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = self.url.split(':').next().unwrap_or("");
        f.debug_struct("Database")
            .field("url", &format_args!("{scheme}://…"))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl Website {
    /// The reply policy of the configuration (an admin may choose another on the website).
    pub fn reply_policy(&self) -> crate::domain::comment::ReplyPolicy {
        crate::domain::comment::ReplyPolicy::parse(&self.replies)
            .unwrap_or(crate::domain::comment::ReplyPolicy::Followed)
    }

    /// Whose publications lists show unless the reader chooses.
    pub fn default_source(&self) -> crate::domain::entries::Source {
        crate::domain::entries::Source::parse(&self.lists_show).unwrap_or_default()
    }

    fn validate(&self) -> anyhow::Result<()> {
        if crate::domain::comment::ReplyPolicy::parse(&self.replies).is_none() {
            bail!(
                "website.replies: {:?} is not one of \"open\", \"followed\", \"approval\" or \"closed\"",
                self.replies
            );
        }
        if crate::domain::entries::Source::parse(&self.lists_show).is_none() {
            bail!(
                "website.lists_show: {:?} is not one of \"both\", \"ours\" or \"network\"",
                self.lists_show
            );
        }
        if parse_color(&self.accent_color).is_none() {
            bail!(
                "website.accent_color: {:?} is not a colour written #rrggbb, such as \"#0b5d4b\"",
                self.accent_color
            );
        }
        if !self.map_tiles.is_empty() {
            let url = Url::parse(&self.map_tiles.replace(['{', '}'], ""))
                .ok()
                .filter(|url| matches!(url.scheme(), "https" | "http"));
            let placeholders = ["{z}", "{x}", "{y}"]
                .iter()
                .all(|placeholder| self.map_tiles.contains(placeholder));
            if url.is_none() || !placeholders {
                bail!(
                    "website.map_tiles: {:?} must be an http(s) URL with {{z}}, {{x}} and {{y}}, or \"\" for no map",
                    self.map_tiles
                );
            }
            if self.map_attribution.trim().is_empty() {
                bail!("website.map_attribution: map tiles need their attribution");
            }
        }
        Ok(())
    }
}

/// Sections whose keys may be overridden from the environment.
const SECTIONS: [&str; 8] = [
    "instance",
    "server",
    "database",
    "federation",
    "accounts",
    "website",
    "moderation",
    "remittances",
];

impl Config {
    /// Loads the configuration: the file (or the built-in defaults when `path` is `None`), then
    /// the `JISR_<SECTION>_<KEY>` environment variables, then validation.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_with_env(path, &vars)
    }

    /// [`Config::load`] with an explicit environment, for tests.
    pub fn load_with_env(path: Option<&Path>, vars: &[(String, String)]) -> anyhow::Result<Config> {
        let (source, text) = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                (path.display().to_string(), text)
            }
            None => ("built-in defaults".to_string(), String::new()),
        };
        Self::parse(&source, &text, vars)
    }

    /// Parses TOML `text` (named `source` in errors), applies `vars`, and validates.
    pub fn parse(source: &str, text: &str, vars: &[(String, String)]) -> anyhow::Result<Config> {
        let mut table: toml::Table =
            toml::from_str(text).map_err(|error| anyhow!("{source}: {error}"))?;
        let overrides = apply_env(&mut table, vars)?;
        // Name the environment variables too: a bad value may come from one of them.
        let source = if overrides.is_empty() {
            source.to_string()
        } else {
            format!("{source} (with {})", overrides.join(", "))
        };
        let config: Config = Config::deserialize(table)
            .map_err(|error| anyhow!("{source}: {}", error.to_string().trim_end()))?;
        config
            .validate()
            .map_err(|error| anyhow!("{source}: {error:#}"))?;
        Ok(config)
    }

    /// Checks the values that types alone cannot.
    fn validate(&self) -> anyhow::Result<()> {
        let instance = &self.instance;
        check_domain(&instance.domain).context("instance.domain")?;
        if !is_valid_username(&instance.handle) {
            bail!(
                "instance.handle: {:?} must be lowercase letters, digits and _ (dots or dashes between them)",
                instance.handle
            );
        }
        if instance.handle == instance.instance_actor_username() {
            bail!(
                "instance.handle: must differ from the instance actor's name {:?}",
                instance.handle
            );
        }
        if instance.name.trim().is_empty() {
            bail!("instance.name: must not be empty");
        }
        if instance.languages.is_empty() {
            bail!("instance.languages: name at least one language");
        }
        for language in &instance.languages {
            if !is_language_tag(language) {
                bail!(
                    "instance.languages: {language:?} is not a BCP 47 language tag such as \"ar\" or \"fr-CA\""
                );
            }
        }
        if instance.time_zone.parse::<chrono_tz::Tz>().is_err() {
            bail!(
                "instance.time_zone: {:?} is not an IANA time zone such as \"Europe/Berlin\" or \"Africa/Lagos\"",
                instance.time_zone
            );
        }
        for (key, countries) in [
            (
                "instance.countries_of_origin",
                &instance.countries_of_origin,
            ),
            (
                "instance.countries_of_residence",
                &instance.countries_of_residence,
            ),
        ] {
            for country in countries {
                if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
                    bail!("{key}: {country:?} is not an ISO 3166-1 alpha-2 code such as \"NG\"");
                }
            }
        }
        check_sectors(&instance.sectors)?;
        if instance.scheme() == Scheme::Http
            && !instance.is_local_domain()
            && !self.federation.allow_plain_http
        {
            bail!(
                "instance.scheme: \"http\" for the public domain {:?} needs federation.allow_plain_http = true",
                instance.domain
            );
        }
        self.website.validate()?;
        if !self.remittances.ecb_url.is_empty()
            && !Url::parse(&self.remittances.ecb_url)
                .is_ok_and(|url| matches!(url.scheme(), "https" | "http"))
        {
            bail!(
                "remittances.ecb_url: {:?} must be an http(s) URL, or \"\" to fetch no rates",
                self.remittances.ecb_url
            );
        }
        let url = &self.database.url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            bail!("database.url: must start with sqlite: or postgres:// (or postgresql://)");
        }
        if self.database.max_connections == 0 {
            bail!("database.max_connections: must be at least 1");
        }
        let federation = &self.federation;
        for (key, value) in [
            (
                "federation.delivery_workers",
                u64::from(federation.delivery_workers),
            ),
            (
                "federation.request_timeout_seconds",
                federation.request_timeout_seconds,
            ),
            (
                "federation.inbox_timeout_seconds",
                federation.inbox_timeout_seconds,
            ),
            (
                "federation.retry_initial_seconds",
                federation.retry_initial_seconds,
            ),
            ("federation.retry_max_seconds", federation.retry_max_seconds),
            (
                "federation.give_up_after_hours",
                federation.give_up_after_hours,
            ),
        ] {
            if value == 0 {
                bail!("{key}: must be at least 1");
            }
        }
        if federation.delivery_lease_seconds <= federation.request_timeout_seconds {
            bail!("federation.delivery_lease_seconds: must be more than request_timeout_seconds");
        }
        if federation.retry_max_seconds < federation.retry_initial_seconds {
            bail!("federation.retry_max_seconds: must not be less than retry_initial_seconds");
        }
        for domain in &federation.blocked_domains {
            check_host(domain).context("federation.blocked_domains")?;
        }
        for domain in &federation.allowed_domains {
            check_host(domain).context("federation.allowed_domains")?;
        }
        if !matches!(federation.mode.as_str(), "open" | "allowlist") {
            bail!(
                "federation.mode: {:?} is not one of \"open\" or \"allowlist\"",
                federation.mode
            );
        }
        for host in federation.resolve.keys() {
            check_host(host).context("federation.resolve")?;
        }
        let accounts = &self.accounts;
        if accounts.session_days == 0 || accounts.session_days > 365 {
            bail!("accounts.session_days: must be from 1 to 365");
        }
        if accounts.login_attempts == 0 {
            bail!("accounts.login_attempts: must be at least 1");
        }
        if !(10_000..=50_000_000).contains(&accounts.max_image_bytes) {
            bail!("accounts.max_image_bytes: must be from 10000 to 50000000");
        }
        Ok(())
    }
}

impl Instance {
    /// The scheme of this instance's own URLs.
    pub fn scheme(&self) -> Scheme {
        self.scheme.unwrap_or(if self.is_local_domain() {
            Scheme::Http
        } else {
            Scheme::Https
        })
    }

    /// Whether the domain names this machine only (localhost), so plain http is acceptable.
    pub fn is_local_domain(&self) -> bool {
        let host = host_without_port(&self.domain);
        host == "localhost"
            || host.ends_with(".localhost")
            || host == "127.0.0.1"
            || host == "[::1]"
    }

    /// `scheme://domain/`: the root every URL of this instance is built on.
    pub fn base_url(&self) -> Url {
        let scheme = match self.scheme() {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        // The domain was validated, so this parses.
        Url::parse(&format!("{scheme}://{}/", self.domain))
            .unwrap_or_else(|_| Url::parse("http://localhost/").expect("literal URL"))
    }

    /// The user name of the instance actor: the host without the port, as Mastodon does.
    pub fn instance_actor_username(&self) -> String {
        host_without_port(&self.domain).to_string()
    }
}

impl Federation {
    /// Whether `http://` ids of other servers are accepted, given our own instance settings.
    pub fn allows_plain_http(&self, instance: &Instance) -> bool {
        self.allow_plain_http || instance.is_local_domain()
    }

    /// Whether the instance federates only with allowed domains.
    pub fn is_allowlist(&self) -> bool {
        self.mode == "allowlist"
    }

    /// Whether `host` (no port) is blocked, itself or as a subdomain of a blocked domain.
    pub fn is_blocked(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.blocked_domains.iter().any(|blocked| {
            let blocked = blocked.to_ascii_lowercase();
            host == blocked || host.ends_with(&format!(".{blocked}"))
        })
    }
}

fn host_without_port(domain: &str) -> &str {
    if domain.starts_with('[') {
        return domain.split_inclusive(']').next().unwrap_or(domain);
    }
    domain.split(':').next().unwrap_or(domain)
}

/// The most sectors an organization names, and the longest name of one, in characters.
pub const MAX_SECTORS: usize = 20;
pub const MAX_SECTOR_CHARS: usize = 80;

/// Checks `instance.sectors`: at most [`MAX_SECTORS`] short single-line words, none of them
/// empty, none holding a list separator (the Mastodon profile field joins them with commas and
/// readers split them there).
fn check_sectors(sectors: &[String]) -> anyhow::Result<()> {
    if sectors.len() > MAX_SECTORS {
        bail!(
            "instance.sectors: {} sectors, at most {MAX_SECTORS} (name the few that describe the organization)",
            sectors.len()
        );
    }
    for sector in sectors {
        if sector.trim().is_empty() {
            bail!("instance.sectors: a sector is empty");
        }
        if sector.chars().count() > MAX_SECTOR_CHARS {
            bail!("instance.sectors: {sector:?} is longer than {MAX_SECTOR_CHARS} characters");
        }
        if sector
            .chars()
            .any(|c| c.is_control() || matches!(c, ',' | ';' | '·' | '،'))
        {
            bail!(
                "instance.sectors: {sector:?} holds a line break or a list separator (, ; · ،): write each sector as its own string"
            );
        }
    }
    Ok(())
}

/// Checks a `host` or `host:port` with no scheme, path or upper case.
fn check_domain(domain: &str) -> anyhow::Result<()> {
    let parsed = Url::parse(&format!("http://{domain}/")).map_err(|_| {
        anyhow!("{domain:?} is not a host name (write it without http:// or a path)")
    })?;
    let rebuilt = match parsed.port() {
        Some(port) => format!("{}:{port}", parsed.host_str().unwrap_or("")),
        None => parsed.host_str().unwrap_or("").to_string(),
    };
    if rebuilt != domain || domain.is_empty() {
        bail!("{domain:?} is not a lowercase host name with an optional :port");
    }
    Ok(())
}

/// Checks a bare host name (no port: blocking and resolving are by host).
fn check_host(host: &str) -> anyhow::Result<()> {
    check_domain(host)?;
    if host.contains(':') && !host.starts_with('[') {
        bail!("{host:?} must be a host name without a port");
    }
    Ok(())
}

/// Mastodon's rule for user names: `[a-z0-9_]+([.-]+[a-z0-9_]+)*`.
pub fn is_valid_username(name: &str) -> bool {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    let edges_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    valid_chars
        && edges_ok(name.chars().next())
        && edges_ok(name.chars().last())
        && name.len() <= 64
}

fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|part| {
            (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// Applies `JISR_<SECTION>_<KEY>=value` overrides to the parsed file. A value is read as TOML
/// (`true`, `4`, `["en", "ar"]`) and, failing that, as a string.
/// Returns the names of the variables applied.
fn apply_env(table: &mut toml::Table, vars: &[(String, String)]) -> anyhow::Result<Vec<String>> {
    let mut applied = Vec::new();
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("JISR_") else {
            continue;
        };
        let lower = rest.to_ascii_lowercase();
        let Some((section, key)) = lower.split_once('_') else {
            continue;
        };
        if !SECTIONS.contains(&section) {
            continue;
        }
        let parsed = toml::from_str::<toml::Table>(&format!("value = {value}"))
            .ok()
            .and_then(|mut table| table.remove("value"))
            .unwrap_or_else(|| toml::Value::String(value.clone()));
        let entry = table
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(section_table) = entry else {
            bail!("[{section}] must be a table");
        };
        section_table.insert(key.to_string(), parsed);
        applied.push(name.clone());
    }
    Ok(applied)
}

#[cfg(test)]
mod tests;
