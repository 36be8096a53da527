use super::*;

fn parse(text: &str) -> anyhow::Result<Config> {
    Config::parse("test.toml", text, &[])
}

#[test]
fn the_example_file_parses_and_equals_the_defaults() {
    let example = Config::parse(
        "config.example.toml",
        include_str!("../../config.example.toml"),
        &[],
    )
    .expect("config.example.toml parses");
    assert_eq!(example, Config::default());
}

#[test]
fn an_empty_file_gives_the_defaults() {
    assert_eq!(parse("").expect("parses"), Config::default());
}

#[test]
fn unknown_keys_are_errors_that_name_the_key_and_the_file() {
    let error = parse("[instance]\ndomian = \"x.org\"\n").expect_err("unknown key");
    let message = format!("{error:#}");
    assert!(message.contains("test.toml"), "{message}");
    assert!(message.contains("domian"), "{message}");

    let error = parse("[databse]\nurl = \"sqlite://x.db\"\n").expect_err("unknown section");
    assert!(format!("{error:#}").contains("databse"), "{error:#}");
}

#[test]
fn invalid_values_are_errors_that_name_the_key() {
    for (text, key) in [
        ("[instance]\ndomain = \"https://x.org\"", "instance.domain"),
        ("[instance]\ndomain = \"X.org\"", "instance.domain"),
        ("[instance]\nhandle = \"Big Org\"", "instance.handle"),
        ("[instance]\nlanguages = []", "instance.languages"),
        ("[instance]\nlanguages = [\"arabic\"]", "instance.languages"),
        (
            "[instance]\ncountries_of_origin = [\"ng\"]",
            "instance.countries_of_origin",
        ),
        (
            "[instance]\nsectors = [\"education, health\"]",
            "instance.sectors",
        ),
        ("[instance]\nsectors = [\" \"]", "instance.sectors"),
        (
            "[instance]\ndomain = \"x.org\"\nscheme = \"http\"",
            "instance.scheme",
        ),
        (
            "[instance]\ndomain = \"x.org\"\nhandle = \"x.org\"",
            "instance.handle",
        ),
        ("[database]\nurl = \"mysql://x\"", "database.url"),
        (
            "[federation]\ndelivery_workers = 0",
            "federation.delivery_workers",
        ),
        (
            "[federation]\nblocked_domains = [\"bad domain\"]",
            "federation.blocked_domains",
        ),
        (
            "[federation]\nblocked_domains = [\"spam.example:443\"]",
            "federation.blocked_domains",
        ),
        (
            "[federation.resolve]\n\"a.test:80\" = \"127.0.0.1\"",
            "federation.resolve",
        ),
    ] {
        let error = parse(text).expect_err(text);
        let message = format!("{error:#}");
        assert!(message.contains(key), "{text}: {message}");
        assert!(message.contains("test.toml"), "{text}: {message}");
    }
    let error = parse("[federation]\ndelivery_workers = \"four\"").expect_err("type");
    assert!(
        format!("{error:#}").contains("delivery_workers"),
        "{error:#}"
    );
}

#[test]
fn sectors_are_a_few_short_words() {
    let config = parse("[instance]\nsectors = [\"education\", \"health\"]").expect("parses");
    assert_eq!(config.instance.sectors, ["education", "health"]);

    let many: Vec<String> = (0..=MAX_SECTORS).map(|n| format!("\"s{n}\"")).collect();
    let error = parse(&format!("[instance]\nsectors = [{}]", many.join(", "))).expect_err("many");
    assert!(
        format!("{error:#}").contains("instance.sectors"),
        "{error:#}"
    );
    let long = "x".repeat(MAX_SECTOR_CHARS + 1);
    let error = parse(&format!("[instance]\nsectors = [\"{long}\"]")).expect_err("long");
    assert!(
        format!("{error:#}").contains("instance.sectors"),
        "{error:#}"
    );
    let longest = "é".repeat(MAX_SECTOR_CHARS);
    parse(&format!("[instance]\nsectors = [\"{longest}\"]")).expect("80 characters, not bytes");
}

#[test]
fn environment_variables_override_the_file() {
    let vars = [
        (
            "JISR_DATABASE_URL".to_string(),
            "postgres://db/jisr".to_string(),
        ),
        (
            "JISR_FEDERATION_ALLOW_LOOPBACK_PEERS".to_string(),
            "true".to_string(),
        ),
        (
            "JISR_INSTANCE_LANGUAGES".to_string(),
            "[\"ar\", \"en\"]".to_string(),
        ),
        ("JISR_REQUIRE_ALL".to_string(), "1".to_string()),
        ("PATH".to_string(), "/bin".to_string()),
    ];
    let config =
        Config::parse("test.toml", "[database]\nurl = \"sqlite://a.db\"", &vars).expect("parses");
    assert_eq!(config.database.url, "postgres://db/jisr");
    assert!(config.federation.allow_loopback_peers);
    assert_eq!(config.instance.languages, ["ar", "en"]);

    let bad = [("JISR_SERVER_LISTN".to_string(), "1.2.3.4:5".to_string())];
    let error = Config::parse("test.toml", "", &bad).expect_err("unknown key from env");
    assert!(format!("{error:#}").contains("listn"), "{error:#}");

    let bad = [(
        "JISR_INSTANCE_DOMAIN".to_string(),
        "https://x.org".to_string(),
    )];
    let message = format!(
        "{:#}",
        Config::parse("test.toml", "", &bad).expect_err("bad value")
    );
    assert!(
        message.contains("JISR_INSTANCE_DOMAIN"),
        "names the variable: {message}"
    );
    assert!(message.contains("host name"), "says why: {message}");
}

#[test]
fn local_domains_use_http_and_public_ones_https() {
    let local = Config::default();
    assert_eq!(local.instance.base_url().as_str(), "http://localhost:8080/");
    assert!(local.federation.allows_plain_http(&local.instance));

    let public = parse("[instance]\ndomain = \"diaspora.example\"").expect("parses");
    assert_eq!(
        public.instance.base_url().as_str(),
        "https://diaspora.example/"
    );
    assert!(!public.federation.allows_plain_http(&public.instance));
    assert_eq!(
        public.instance.instance_actor_username(),
        "diaspora.example"
    );
}

#[test]
fn blocked_domains_cover_subdomains() {
    let config = parse("[federation]\nblocked_domains = [\"spam.example\"]").expect("parses");
    assert!(config.federation.is_blocked("spam.example"));
    assert!(config.federation.is_blocked("a.spam.example"));
    assert!(!config.federation.is_blocked("notspam.example"));
}

#[test]
fn the_database_url_is_not_printed() {
    let config = parse("[database]\nurl = \"postgres://user:secret@db/jisr\"").expect("parses");
    assert!(!format!("{config:?}").contains("secret"));
}

#[test]
fn usernames_follow_mastodon_rules() {
    for good in ["community", "ng_berlin", "ng.berlin", "a-b", "x1"] {
        assert!(is_valid_username(good), "{good}");
    }
    for bad in ["", "Community", "-a", "a-", "a b", "a@b", "é"] {
        assert!(!is_valid_username(bad), "{bad}");
    }
}

#[test]
fn docs_configuration_md_names_every_key_of_the_example() {
    let example: toml::Table =
        toml::from_str(include_str!("../../config.example.toml")).expect("example parses");
    let docs = include_str!("../../docs/configuration.md");
    let mut keys = vec!["scheme".to_string()];
    for (section, value) in &example {
        assert!(
            docs.contains(&format!("`[{section}]`")),
            "docs/configuration.md has no `[{section}]`"
        );
        if let toml::Value::Table(table) = value {
            keys.extend(table.keys().cloned());
        }
    }
    for key in keys {
        assert!(
            docs.contains(&format!("`{key}`")),
            "docs/configuration.md does not mention `{key}`"
        );
    }
}
