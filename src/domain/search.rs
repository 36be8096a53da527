//! Search across what the site shows: our publications in every language, and what the
//! organizations we follow publish. Each publication is found once, ranked by relevance.
//!
//! The indexes are made by migration 6 and kept up to date by the database itself:
//! - SQLite: the FTS5 tables `publication_search` (one row per publication, its languages
//!   together, rebuilt by triggers on `publication_text`) and `remote_publication_search`
//!   (triggers on `remote_publication`), tokenizer `unicode61 remove_diacritics 2`; ranked with
//!   bm25 (title 10, summary 4, body 1).
//! - PostgreSQL: the `search` tsvector of `publication` (its texts' generated vectors together,
//!   kept by a trigger on `publication_text`) and of `remote_publication`, GIN-indexed; each
//!   text is indexed with `simple` (every language, word for word) and with its own language's
//!   stemming configuration; ranked with `ts_rank` (title A, summary B, body C).
//!
//! Left out on both: a story whose consent does not allow indexing (`publication.indexable`),
//! and another Jisr instance's that says so (`remote_publication.indexable`).
//!
//! On both, a publication matches when all the words are in its texts (in any of its
//! languages), and the index drops Latin diacritics and Arabic short vowels.
//!
//! Invariant: what a reader types is only ever words. Every word is quoted (SQLite) or given to
//! `plainto_tsquery` (PostgreSQL), so quotes, `*`, `NEAR(`, `OR` or SQL never change the query;
//! all words must match. An empty search reads nothing.

use super::network::{self, RemotePublication};
use super::publication::{self, Publication, Text};
use crate::db::{Db, with_pool};
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// The longest search, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most results asked for at once.
const MAX_LIMIT: i64 = 100;

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub enum Hit {
    /// One of ours, with the text to show: in the reader's language when it has one, else in
    /// its default language.
    Local {
        publication: Box<Publication>,
        text: Text,
    },
    /// One of a followed organization's; its page is its `url`, on its own server.
    /// Network content, with its row id (its page is `/network/{id}`).
    Remote(i64, Box<RemotePublication>),
}

/// A page of results, best first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Whether there are more results after this page.
    pub more: bool,
}

/// The words of a search: control characters are spaces, and a "word" without a letter or a
/// digit (`"`, `*`, `--`) is dropped.
pub fn words(query: &str) -> Vec<String> {
    query
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(str::to_string)
        .collect()
}

/// Arabic as the SQLite index holds it (migration 6 does the same to indexed text): short
/// vowels and tatweel removed, the alef forms آ أ إ written ا. The FTS5 tokenizer does the rest
/// (case, Latin diacritics); PostgreSQL's `search_fold` does it all on its side.
fn fold_arabic(word: &str) -> String {
    word.chars()
        .filter(|c| !matches!(c, '\u{0640}' | '\u{064B}'..='\u{0652}' | '\u{0670}'))
        .map(|c| match c {
            '\u{0622}' | '\u{0623}' | '\u{0625}' => '\u{0627}',
            other => other,
        })
        .collect()
}

/// An FTS5 query matching all `words`, each as a quoted string (a quote inside is doubled), so
/// that no FTS5 syntax can come from the reader.
fn fts5_query(words: &[String]) -> String {
    words
        .iter()
        .map(|word| format!("\"{}\"", fold_arabic(word).replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

const SQLITE_SQL: &str = "\
    select 'local' as source, publication_search.rowid as id, \
        -bm25(publication_search, 10.0, 4.0, 1.0) as score, publication.published_at \
    from publication_search \
    join publication on publication.publication_id = publication_search.rowid \
    where publication_search match $1 and publication.deleted_at is null and publication.indexable \
    union all \
    select 'remote', remote_publication_search.rowid, \
        -bm25(remote_publication_search, 10.0, 1.0), remote_publication.published_at \
    from remote_publication_search \
    join remote_publication \
        on remote_publication.remote_publication_id = remote_publication_search.rowid \
    where remote_publication_search match $1 and remote_publication.deleted_at is null and remote_publication.hidden_at is null and remote_publication.suspended_at is null and remote_publication.indexable \
    order by score desc, published_at desc, id desc \
    limit $2 offset $3";

/// A publication matches when all the words are in its texts, word for word (`simple`) or as
/// one language's stems.
const POSTGRES_SQL: &str = "\
    with query as (select \
        plainto_tsquery('pg_catalog.simple', search_fold($1)) \
        || plainto_tsquery('pg_catalog.english', search_fold($1)) \
        || plainto_tsquery('pg_catalog.french', search_fold($1)) \
        || plainto_tsquery('pg_catalog.spanish', search_fold($1)) \
        || plainto_tsquery('pg_catalog.arabic', search_fold($1)) as q) \
    select 'local' as source, publication.publication_id as id, \
        ts_rank(publication.search, query.q, 1)::float8 as score, publication.published_at \
    from query, publication \
    where publication.search @@ query.q and publication.deleted_at is null and publication.indexable \
    union all \
    select 'remote', remote_publication.remote_publication_id, \
        ts_rank(remote_publication.search, query.q, 1)::float8, remote_publication.published_at \
    from query, remote_publication \
    where remote_publication.search @@ query.q and remote_publication.deleted_at is null and remote_publication.hidden_at is null and remote_publication.suspended_at is null and remote_publication.indexable \
    order by score desc, published_at desc, id desc \
    limit $2 offset $3";

#[derive(sqlx::FromRow)]
struct Ranked {
    source: String,
    id: i64,
}

/// The publications matching every word of `query`, best first: ours (never deleted ones) and
/// the network's, each once. `reader_language` chooses which of our texts a hit shows.
///
/// An empty query (or one without words) returns nothing without reading the database; one
/// longer than [`MAX_QUERY_CHARS`] is refused.
pub async fn search(
    db: &Db,
    query: &str,
    reader_language: &str,
    limit: i64,
    offset: i64,
) -> Result<Results> {
    let query = query.trim();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::BadRequest(format!(
            "the search is too long: at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let words = words(query);
    if words.is_empty() {
        return Ok(Results::default());
    }
    let limit = limit.clamp(1, MAX_LIMIT);
    let offset = offset.max(0);
    let (sql, text) = if db.is_postgres() {
        (POSTGRES_SQL, words.join(" "))
    } else {
        (SQLITE_SQL, fts5_query(&words))
    };
    let mut ranked: Vec<Ranked> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(&text)
        .bind(limit + 1)
        .bind(offset)
        .fetch_all(pool)
        .await)?;
    let more = ranked.len() as i64 > limit;
    ranked.truncate(usize::try_from(limit).unwrap_or_default());

    let ids = |source: &str| -> Vec<i64> {
        ranked
            .iter()
            .filter(|row| row.source == source)
            .map(|row| row.id)
            .collect()
    };
    let mut local: BTreeMap<i64, Publication> = publication::by_ids(db, &ids("local"))
        .await?
        .into_iter()
        .map(|publication| (publication.publication_id, publication))
        .collect();
    let mut remote = network::by_ids(db, &ids("remote")).await?;
    // A publication deleted since the first query is simply left out.
    let hits = ranked
        .into_iter()
        .filter_map(|row| match row.source.as_str() {
            "local" => {
                let publication = local.remove(&row.id)?;
                let text = text_for(&publication, reader_language)?.clone();
                Some(Hit::Local {
                    publication: Box::new(publication),
                    text,
                })
            }
            _ => remote
                .remove(&row.id)
                .map(|found| Hit::Remote(row.id, Box::new(found))),
        })
        .collect();
    Ok(Results { hits, more })
}

/// The text in the reader's language (`ar` also takes `ar-EG`), else the default one.
fn text_for<'a>(publication: &'a Publication, reader_language: &str) -> Option<&'a Text> {
    let primary = |tag: &str| {
        tag.split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let texts = &publication.draft.texts;
    texts
        .iter()
        .find(|text| text.language.eq_ignore_ascii_case(reader_language))
        .or_else(|| {
            texts
                .iter()
                .find(|text| primary(&text.language) == primary(reader_language))
        })
        .or_else(|| publication.text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_remain_of_a_query() {
        assert_eq!(words("  migration\tjobs \n"), ["migration", "jobs"]);
        assert_eq!(words("\" * -- ( )"), Vec::<String>::new());
        assert_eq!(words("a\u{0}b OR NEAR("), ["a", "b", "OR", "NEAR("]);
        assert_eq!(words("الهجرة و العمل"), ["الهجرة", "و", "العمل"]);
    }

    #[test]
    fn every_word_is_a_quoted_string_for_fts5() {
        let words = words(r#"say "hi" AND( x* NEAR(a b) col:umn"#);
        assert_eq!(
            fts5_query(&words),
            r#""say" """hi""" "AND(" "x*" "NEAR(a" "b)" "col:umn""#
        );
    }

    #[test]
    fn arabic_is_folded_as_the_index_folds_it() {
        assert_eq!(fold_arabic("المُهَاجِرُونَ"), "المهاجرون");
        assert_eq!(fold_arabic("إسبانيا أو آمنة"), "اسبانيا او امنة");
        assert_eq!(fold_arabic("مـهـاجر"), "مهاجر");
        assert_eq!(fold_arabic("école"), "école");
    }

    /// A database that fails on first use: nothing below may touch it.
    fn unreachable_db() -> Db {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename("/nonexistent/jisr/search.db")
            .create_if_missing(false);
        Db::Sqlite(sqlx::SqlitePool::connect_lazy_with(options))
    }

    #[tokio::test]
    async fn an_empty_search_reads_nothing_and_a_long_one_is_refused() {
        let db = unreachable_db();
        for query in ["", "   ", "\"", "* -- ()"] {
            let results = search(&db, query, "en", 20, 0).await.expect("no database");
            assert_eq!(results, Results::default(), "{query:?}");
        }
        let long = "word ".repeat(MAX_QUERY_CHARS);
        let Err(Error::BadRequest(reason)) = search(&db, &long, "en", 20, 0).await else {
            panic!("a long search is refused");
        };
        assert!(reason.contains("at most 200"), "{reason}");
    }
}
