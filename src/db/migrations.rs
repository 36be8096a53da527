//! The migrations, embedded in the binary so that `jisr` runs from anywhere.
//!
//! Each backend lists the same versions; a test checks that the lists match the folders.

use super::Db;
use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;

/// `(version, description, SQL)` of each SQLite migration, oldest first.
pub(super) const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        "publishing",
        include_str!("../../migrations/sqlite/0002_publishing.sql"),
    ),
    (
        3,
        "network",
        include_str!("../../migrations/sqlite/0003_network.sql"),
    ),
    (
        4,
        "delivery_owner",
        include_str!("../../migrations/sqlite/0004_delivery_owner.sql"),
    ),
    (
        5,
        "accounts",
        include_str!("../../migrations/sqlite/0005_accounts.sql"),
    ),
    (
        6,
        "search",
        include_str!("../../migrations/sqlite/0006_search.sql"),
    ),
    (
        7,
        "tags_and_search_bounds",
        include_str!("../../migrations/sqlite/0007_tags_and_search_bounds.sql"),
    ),
    (
        8,
        "remote_actor_keys",
        include_str!("../../migrations/sqlite/0008_remote_actor_keys.sql"),
    ),
    (
        9,
        "profile_images_and_pins",
        include_str!("../../migrations/sqlite/0009_profile_images_and_pins.sql"),
    ),
    (
        10,
        "delivery_claim_order",
        include_str!("../../migrations/sqlite/0010_delivery_claim_order.sql"),
    ),
    (
        11,
        "local_actor_rows",
        include_str!("../../migrations/sqlite/0011_local_actor_rows.sql"),
    ),
    (
        12,
        "filter_tables",
        include_str!("../../migrations/sqlite/0012_filter_tables.sql"),
    ),
    (
        13,
        "gcm_categories",
        include_str!("../../migrations/sqlite/0013_gcm_categories.sql"),
    ),
    (
        14,
        "profiles_and_bylines",
        include_str!("../../migrations/sqlite/0014_profiles_and_bylines.sql"),
    ),
    (
        15,
        "network_on_the_website",
        include_str!("../../migrations/sqlite/0015_network_on_the_website.sql"),
    ),
    (
        16,
        "replies_moderated",
        include_str!("../../migrations/sqlite/0016_replies_moderated.sql"),
    ),
    (
        17,
        "bounded_lists",
        include_str!("../../migrations/sqlite/0017_bounded_lists.sql"),
    ),
    (
        18,
        "member_actors",
        include_str!("../../migrations/sqlite/0018_member_actors.sql"),
    ),
    (
        19,
        "participation",
        include_str!("../../migrations/sqlite/0019_participation.sql"),
    ),
    (
        20,
        "forums",
        include_str!("../../migrations/sqlite/0020_forums.sql"),
    ),
    (
        21,
        "forum_moderation",
        include_str!("../../migrations/sqlite/0021_forum_moderation.sql"),
    ),
    (
        22,
        "network_forums",
        include_str!("../../migrations/sqlite/0022_network_forums.sql"),
    ),
    (
        23,
        "experts_and_questions",
        include_str!("../../migrations/sqlite/0023_experts_and_questions.sql"),
    ),
    (
        24,
        "forum_approval",
        include_str!("../../migrations/sqlite/0024_forum_approval.sql"),
    ),
    (
        25,
        "mentions",
        include_str!("../../migrations/sqlite/0025_mentions.sql"),
    ),
    (
        26,
        "domain_policy",
        include_str!("../../migrations/sqlite/0026_domain_policy.sql"),
    ),
    (
        27,
        "reports",
        include_str!("../../migrations/sqlite/0027_reports.sql"),
    ),
    (
        28,
        "inbox_limits",
        include_str!("../../migrations/sqlite/0028_inbox_limits.sql"),
    ),
    (
        29,
        "actor_policy",
        include_str!("../../migrations/sqlite/0029_actor_policy.sql"),
    ),
    (
        30,
        "remittances",
        include_str!("../../migrations/sqlite/0030_remittances.sql"),
    ),
    (
        31,
        "price_reports",
        include_str!("../../migrations/sqlite/0031_price_reports.sql"),
    ),
    (
        32,
        "story_consent",
        include_str!("../../migrations/sqlite/0032_story_consent.sql"),
    ),
];

/// `(version, description, SQL)` of each PostgreSQL migration, oldest first.
pub(super) const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "publishing",
        include_str!("../../migrations/postgres/0002_publishing.sql"),
    ),
    (
        3,
        "network",
        include_str!("../../migrations/postgres/0003_network.sql"),
    ),
    (
        4,
        "delivery_owner",
        include_str!("../../migrations/postgres/0004_delivery_owner.sql"),
    ),
    (
        5,
        "accounts",
        include_str!("../../migrations/postgres/0005_accounts.sql"),
    ),
    (
        6,
        "search",
        include_str!("../../migrations/postgres/0006_search.sql"),
    ),
    (
        7,
        "tags_and_search_bounds",
        include_str!("../../migrations/postgres/0007_tags_and_search_bounds.sql"),
    ),
    (
        8,
        "remote_actor_keys",
        include_str!("../../migrations/postgres/0008_remote_actor_keys.sql"),
    ),
    (
        9,
        "profile_images_and_pins",
        include_str!("../../migrations/postgres/0009_profile_images_and_pins.sql"),
    ),
    (
        10,
        "delivery_claim_order",
        include_str!("../../migrations/postgres/0010_delivery_claim_order.sql"),
    ),
    (
        11,
        "local_actor_rows",
        include_str!("../../migrations/postgres/0011_local_actor_rows.sql"),
    ),
    (
        12,
        "filter_tables",
        include_str!("../../migrations/postgres/0012_filter_tables.sql"),
    ),
    (
        13,
        "gcm_categories",
        include_str!("../../migrations/postgres/0013_gcm_categories.sql"),
    ),
    (
        14,
        "profiles_and_bylines",
        include_str!("../../migrations/postgres/0014_profiles_and_bylines.sql"),
    ),
    (
        15,
        "network_on_the_website",
        include_str!("../../migrations/postgres/0015_network_on_the_website.sql"),
    ),
    (
        16,
        "replies_moderated",
        include_str!("../../migrations/postgres/0016_replies_moderated.sql"),
    ),
    (
        17,
        "bounded_lists",
        include_str!("../../migrations/postgres/0017_bounded_lists.sql"),
    ),
    (
        18,
        "member_actors",
        include_str!("../../migrations/postgres/0018_member_actors.sql"),
    ),
    (
        19,
        "participation",
        include_str!("../../migrations/postgres/0019_participation.sql"),
    ),
    (
        20,
        "forums",
        include_str!("../../migrations/postgres/0020_forums.sql"),
    ),
    (
        21,
        "forum_moderation",
        include_str!("../../migrations/postgres/0021_forum_moderation.sql"),
    ),
    (
        22,
        "network_forums",
        include_str!("../../migrations/postgres/0022_network_forums.sql"),
    ),
    (
        23,
        "experts_and_questions",
        include_str!("../../migrations/postgres/0023_experts_and_questions.sql"),
    ),
    (
        24,
        "forum_approval",
        include_str!("../../migrations/postgres/0024_forum_approval.sql"),
    ),
    (
        25,
        "mentions",
        include_str!("../../migrations/postgres/0025_mentions.sql"),
    ),
    (
        26,
        "domain_policy",
        include_str!("../../migrations/postgres/0026_domain_policy.sql"),
    ),
    (
        27,
        "reports",
        include_str!("../../migrations/postgres/0027_reports.sql"),
    ),
    (
        28,
        "inbox_limits",
        include_str!("../../migrations/postgres/0028_inbox_limits.sql"),
    ),
    (
        29,
        "actor_policy",
        include_str!("../../migrations/postgres/0029_actor_policy.sql"),
    ),
    (
        30,
        "remittances",
        include_str!("../../migrations/postgres/0030_remittances.sql"),
    ),
    (
        31,
        "price_reports",
        include_str!("../../migrations/postgres/0031_price_reports.sql"),
    ),
    (
        32,
        "story_consent",
        include_str!("../../migrations/postgres/0032_story_consent.sql"),
    ),
];

/// A migration source over one of the lists above.
#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        sqlx::SqlStr::from_static(sql),
                        // As sqlx's own file source reads it: a migration that manages its own
                        // transaction (SQLite's table rebuilds) says so on its first line.
                        sql.starts_with("-- no-transaction"),
                    )
                })
                .collect())
        })
    }
}

pub(super) async fn migrator(db: &Db) -> anyhow::Result<Migrator> {
    let list = if db.is_postgres() { POSTGRES } else { SQLITE };
    Migrator::new(Embedded(list))
        .await
        .map_err(|error| anyhow::anyhow!("cannot read the embedded migrations: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(folder: &str) -> Vec<String> {
        let path = format!("{}/migrations/{folder}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(path)
            .expect("migrations folder")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_migration_file_is_embedded_and_both_backends_have_the_same_versions() {
        for (folder, list) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let embedded: Vec<String> = list
                .iter()
                .map(|(version, description, _)| format!("{version:04}_{description}.sql"))
                .collect();
            assert_eq!(files(folder), embedded, "migrations/{folder}");
        }
        assert_eq!(files("sqlite"), files("postgres"));
    }
}
