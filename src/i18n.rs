//! The interface languages: English, Arabic, French and Spanish, from the Fluent catalogs in
//! `locales/`, chosen per request by the website (switcher, then `Accept-Language`, then the
//! instance's default) and per language by the federated objects' generated lines, with dates
//! and numbers written the way each language writes them.
//!
//! Invariant: no UI text is written in templates or handlers; it all comes from the catalogs,
//! which have the same keys in every language (a test checks).

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::LazyLock;

/// A language of the user interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Ar,
    Fr,
    Es,
}

impl Language {
    pub const ALL: [Language; 4] = [Language::En, Language::Ar, Language::Fr, Language::Es];

    /// The BCP 47 tag.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ar => "ar",
            Language::Fr => "fr",
            Language::Es => "es",
        }
    }

    /// `rtl` for Arabic, `ltr` otherwise.
    pub fn dir(self) -> &'static str {
        if self == Language::Ar { "rtl" } else { "ltr" }
    }

    /// The language for a tag such as `ar`, `fr-CA` or `ES`.
    pub fn parse(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Language::ALL
            .into_iter()
            .find(|language| language.code() == primary)
    }

    fn index(self) -> usize {
        self as usize
    }
}

const SOURCES: [&str; 4] = [
    include_str!("../locales/en.ftl"),
    include_str!("../locales/ar.ftl"),
    include_str!("../locales/fr.ftl"),
    include_str!("../locales/es.ftl"),
];

/// Country and language names in each interface language, from the Unicode CLDR
/// (`locales/cldr/`, see its README).
#[derive(serde::Deserialize)]
struct Names {
    territories: std::collections::HashMap<String, String>,
    languages: std::collections::HashMap<String, String>,
    /// The countries (not the groupings such as `EU` or `UN`), sorted by name: made once.
    #[serde(skip)]
    sorted_countries: Vec<(String, String)>,
    /// Their names alone, in the same order (what a form suggests while typing).
    #[serde(skip)]
    country_names: Vec<String>,
    /// The names of the languages, sorted (what a form suggests while typing).
    #[serde(skip)]
    language_names: Vec<String>,
}

impl Names {
    fn sorted(mut self) -> Names {
        let grouping = |code: &str| matches!(code, "EU" | "EZ" | "UN" | "XA" | "XB" | "ZZ" | "QO");
        self.sorted_countries = self
            .territories
            .iter()
            .filter(|(code, _)| !grouping(code))
            .map(|(code, name)| (code.clone(), name.clone()))
            .collect();
        self.sorted_countries.sort_by(|a, b| a.1.cmp(&b.1));
        self.country_names = self
            .sorted_countries
            .iter()
            .map(|(_, name)| name.clone())
            .collect();
        // Primary languages only (`de`, not `de-AT`): what a form asks for.
        self.language_names = self
            .languages
            .iter()
            .filter(|(tag, _)| !tag.contains(['-', '_']))
            .map(|(_, name)| name.clone())
            .collect();
        self.language_names.sort();
        self.language_names.dedup();
        self
    }
}

/// Every name CLDR gives a country or a language in the four languages, lower-cased, to its
/// code (`germany`, `ألمانيا`, `allemagne`, `alemania` → `DE`): made once.
struct Lookup {
    countries: std::collections::HashMap<String, String>,
    languages: std::collections::HashMap<String, String>,
}

static LOOKUP: LazyLock<Lookup> = LazyLock::new(|| {
    let mut lookup = Lookup {
        countries: Default::default(),
        languages: Default::default(),
    };
    for names in NAMES.iter() {
        for (code, name) in &names.sorted_countries {
            lookup
                .countries
                .entry(name.to_lowercase())
                .or_insert_with(|| code.clone());
        }
        for (tag, name) in &names.languages {
            lookup
                .languages
                .entry(name.to_lowercase())
                .or_insert_with(|| tag.clone());
        }
    }
    lookup
});

/// The code of the country `given` names, in any of the four languages and any case
/// (`Germany`, `ألمانيا` → `DE`), or `given` itself when it is already a code CLDR knows
/// (`de` → `DE`); `None` for neither.
pub fn country_code(given: &str) -> Option<String> {
    let given = given.trim();
    let upper = given.to_ascii_uppercase();
    if upper.len() == 2 && names(Language::En).territories.contains_key(&upper) {
        return Some(upper);
    }
    LOOKUP.countries.get(&given.to_lowercase()).cloned()
}

/// The tag of the language `given` names, in any of the four languages and any case
/// (`German`, `الألمانية` → `de`); `None` when no language has that name (a tag such as `de`
/// is left to the caller).
pub fn language_tag(given: &str) -> Option<String> {
    LOOKUP.languages.get(&given.trim().to_lowercase()).cloned()
}

const NAME_SOURCES: [&str; 4] = [
    include_str!("../locales/cldr/en.json"),
    include_str!("../locales/cldr/ar.json"),
    include_str!("../locales/cldr/fr.json"),
    include_str!("../locales/cldr/es.json"),
];

static NAMES: LazyLock<Vec<Names>> = LazyLock::new(|| {
    NAME_SOURCES
        .iter()
        .map(|source| {
            serde_json::from_str::<Names>(source)
                .unwrap_or_else(|_| Names {
                    territories: Default::default(),
                    languages: Default::default(),
                    sorted_countries: Vec::new(),
                    country_names: Vec::new(),
                    language_names: Vec::new(),
                })
                .sorted()
        })
        .collect()
});

fn names(language: Language) -> &'static Names {
    &NAMES[language.index()]
}

/// The four catalogs, parsed once (they are part of the binary).
static CATALOGS: LazyLock<Vec<FluentBundle<FluentResource>>> = LazyLock::new(|| {
    Language::ALL
        .into_iter()
        .map(|language| {
            let resource = FluentResource::try_new(SOURCES[language.index()].to_string())
                .unwrap_or_else(|(resource, _)| resource);
            let tag: unic_langid::LanguageIdentifier = language.code().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![tag]);
            // No Unicode isolation marks around arguments: they would show in attributes.
            bundle.set_use_isolating(false);
            let _ = bundle.add_resource(resource);
            bundle
        })
        .collect()
});

/// Text in one language for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Translator {
    pub language: Language,
}

impl Translator {
    pub fn new(language: Language) -> Translator {
        Translator { language }
    }

    /// The message `key`, falling back to English, then to the key itself.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.to_string());
        self.format(key, Some(&args))
    }

    /// The message `key` with named arguments.
    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(name.to_string(), value.clone());
        }
        self.format(key, Some(&fluent_args))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for language in [self.language, Language::En] {
            let bundle = &CATALOGS[language.index()];
            if let Some(pattern) = bundle.get_message(key).and_then(|message| message.value()) {
                let mut errors = Vec::new();
                return bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned();
            }
        }
        key.to_string()
    }

    /// Digits as the language writes them (Arabic-Indic digits in Arabic).
    /// `value` with `decimals` decimals, in the language's digits and decimal mark (`4.2`,
    /// `4,2`, `٤٫٢`).
    pub fn decimal(&self, value: f64, decimals: usize) -> String {
        let text = format!("{value:.decimals$}");
        let mark = match self.language {
            Language::En => ".",
            Language::Ar => "\u{066B}",
            Language::Fr | Language::Es => ",",
        };
        self.digits(&text.replace('.', mark))
    }

    pub fn digits(&self, text: &str) -> String {
        if self.language != Language::Ar {
            return text.to_string();
        }
        text.chars()
            .map(|c| match c.to_digit(10) {
                Some(digit) => char::from_u32(0x0660 + digit).unwrap_or(c),
                None if c == ',' => '،',
                None => c,
            })
            .collect()
    }

    /// The name of `month` (1–12) in this language.
    pub fn month(&self, month: u32) -> &'static str {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const AR: [&str; 12] = [
            "يناير",
            "فبراير",
            "مارس",
            "أبريل",
            "مايو",
            "يونيو",
            "يوليو",
            "أغسطس",
            "سبتمبر",
            "أكتوبر",
            "نوفمبر",
            "ديسمبر",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        const ES: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        let names = match self.language {
            Language::En => EN,
            Language::Ar => AR,
            Language::Fr => FR,
            Language::Es => ES,
        };
        names[(month.clamp(1, 12) - 1) as usize]
    }

    fn weekday(&self, weekday: chrono::Weekday) -> &'static str {
        const EN: [&str; 7] = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        const AR: [&str; 7] = [
            "الإثنين",
            "الثلاثاء",
            "الأربعاء",
            "الخميس",
            "الجمعة",
            "السبت",
            "الأحد",
        ];
        const FR: [&str; 7] = [
            "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
        ];
        const ES: [&str; 7] = [
            "lunes",
            "martes",
            "miércoles",
            "jueves",
            "viernes",
            "sábado",
            "domingo",
        ];
        let names = match self.language {
            Language::En => EN,
            Language::Ar => AR,
            Language::Fr => FR,
            Language::Es => ES,
        };
        names[weekday.num_days_from_monday() as usize]
    }

    /// `14 March 2026` / `14 mars 2026` / `14 de marzo de 2026` / `١٤ مارس ٢٠٢٦`.
    pub fn date(&self, moment: &DateTime<FixedOffset>) -> String {
        let (day, month, year) = (moment.day(), self.month(moment.month()), moment.year());
        let text = match self.language {
            Language::Es => format!("{day} de {month} de {year}"),
            _ => format!("{day} {month} {year}"),
        };
        self.digits(&text)
    }

    /// `Saturday 14 March 2026, 10:00` in each language's order.
    pub fn date_time(&self, moment: &DateTime<FixedOffset>) -> String {
        let time = format!("{:02}:{:02}", moment.hour(), moment.minute());
        let weekday = self.weekday(moment.weekday());
        let text = match self.language {
            Language::Es => format!("{weekday}, {}, {time}", self.date(moment)),
            _ => format!("{weekday} {}, {time}", self.date(moment)),
        };
        self.digits(&text)
    }

    /// A Global Compact objective (1–23) by its number and title, `19. Create conditions for …`,
    /// in this language's digits; the title is the resolution's (A/RES/73/195).
    pub fn gcm_objective(&self, number: u8) -> String {
        format!(
            "{}. {}",
            self.digits(&number.to_string()),
            self.t(&format!("gcm-objective-{number}"))
        )
    }

    /// A country's name in this language (`DE` → `ألمانيا`), from CLDR; the code when CLDR has
    /// no name for it.
    pub fn country(&self, code: &str) -> String {
        names(self.language)
            .territories
            .get(&code.to_ascii_uppercase())
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// A language's name in this language (`de` → `Deutsch` is not it: `الألمانية` in Arabic,
    /// `German` in English), from CLDR by its primary subtag; the tag when CLDR has no name.
    pub fn language(&self, tag: &str) -> String {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or(tag)
            .to_ascii_lowercase();
        names(self.language)
            .languages
            .get(&primary)
            .cloned()
            .unwrap_or_else(|| tag.to_string())
    }

    /// Every country CLDR names, as `(code, name)` sorted by name in this language (by code
    /// point: close to, not exactly, each language's dictionary order).
    pub fn all_countries(&self) -> &'static [(String, String)] {
        &names(self.language).sorted_countries
    }

    /// The names of every country in this language, sorted (a form's suggestions).
    pub fn country_names(&self) -> &'static [String] {
        &names(self.language).country_names
    }

    /// The names of every language in this language, sorted (a form's suggestions).
    pub fn language_names(&self) -> &'static [String] {
        &names(self.language).language_names
    }

    /// The first day of the week where this language is written by default, as CLDR's
    /// `weekData` gives it for the language's default region: English (US) Sunday, Arabic
    /// (Egypt) Saturday, French (France) and Spanish (Spain) Monday.
    pub fn first_weekday(&self) -> chrono::Weekday {
        match self.language {
            Language::En => chrono::Weekday::Sun,
            Language::Ar => chrono::Weekday::Sat,
            Language::Fr | Language::Es => chrono::Weekday::Mon,
        }
    }

    /// The separator of a list's items: the Arabic comma in Arabic.
    pub fn list_separator(&self) -> &'static str {
        if self.language == Language::Ar {
            "، "
        } else {
            ", "
        }
    }

    /// Country codes as names, joined with the language's list separator.
    pub fn countries(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|code| self.country(code))
            .collect::<Vec<_>>()
            .join(self.list_separator())
    }

    /// Language tags as names, joined with the language's list separator.
    pub fn languages(&self, tags: &[String]) -> String {
        tags.iter()
            .map(|tag| self.language(tag))
            .collect::<Vec<_>>()
            .join(self.list_separator())
    }

    /// The offset of `moment` from UTC, `UTC+01:00`, in this language's digits, isolated
    /// left to right (U+2066 … U+2069) so that a right-to-left sentence does not reorder it.
    pub fn utc_offset(&self, moment: &DateTime<FixedOffset>) -> String {
        let offset = self.digits(&format!("UTC{}", moment.format("%:z")));
        format!("\u{2066}{offset}\u{2069}")
    }

    /// `March 2026` for the calendar's heading.
    pub fn month_year(&self, year: i32, month: u32) -> String {
        let text = match self.language {
            Language::Es => format!("{} de {year}", self.month(month)),
            _ => format!("{} {year}", self.month(month)),
        };
        self.digits(&text)
    }
}

/// A language's name in that language (`العربية`, `Français`) when we have its catalog, else
/// its name in English from CLDR (`German`), else its tag.
pub fn language_name(tag: &str) -> String {
    match Language::parse(tag) {
        Some(language) => Translator::new(language).t("language-name"),
        None => Translator::new(Language::En).language(tag),
    }
}

/// The reader's language: `?lang=`, then the `jisr_lang` cookie, then `Accept-Language`
/// (in order of quality), then `default`.
pub fn negotiate(
    query_lang: Option<&str>,
    cookie: Option<&str>,
    accept_language: Option<&str>,
    default: Language,
) -> Language {
    if let Some(language) = query_lang.and_then(Language::parse) {
        return language;
    }
    if let Some(language) = cookie.and_then(Language::parse) {
        return language;
    }
    if let Some(header) = accept_language {
        let mut ranges: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim();
                let quality = parts
                    .find_map(|part| part.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((quality, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        if let Some(language) = ranges
            .iter()
            .filter(|(q, _)| *q > 0.0)
            .find_map(|(_, tag)| Language::parse(tag))
        {
            return language;
        }
    }
    default
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{NUMBER_ARGS, Reason};

    fn keys(source: &str) -> Vec<String> {
        let mut keys: Vec<String> = source
            .lines()
            .filter(|line| !line.starts_with('#') && !line.starts_with(' ') && line.contains(" = "))
            .map(|line| line.split(" = ").next().unwrap_or("").trim().to_string())
            .collect();
        keys.sort();
        keys
    }

    #[test]
    fn countries_and_languages_are_found_by_their_names_in_every_language() {
        for name in [
            "Germany",
            "germany",
            "ألمانيا",
            "Allemagne",
            "Alemania",
            "DE",
            "de",
        ] {
            assert_eq!(country_code(name).as_deref(), Some("DE"), "{name}");
        }
        assert_eq!(country_code("Nowhereland"), None);
        assert_eq!(country_code("XY"), None);
        for name in ["German", "الألمانية", "allemand", "alemán"] {
            assert_eq!(language_tag(name).as_deref(), Some("de"), "{name}");
        }
        let t = Translator::new(Language::Ar);
        assert!(t.country_names().iter().any(|name| name == "ألمانيا"));
        assert!(t.language_names().iter().any(|name| name == "الألمانية"));
    }

    #[test]
    fn countries_and_languages_have_their_names_in_every_language() {
        for language in Language::ALL {
            let t = Translator::new(language);
            assert!(names(language).territories.len() > 240, "{language:?}");
            assert_ne!(t.country("DE"), "DE", "{language:?}");
            assert_ne!(t.language("de"), "de", "{language:?}");
        }
        let arabic = Translator::new(Language::Ar);
        assert_eq!(arabic.country("SD"), "السودان");
        assert_eq!(
            arabic.countries(&["DE".to_string(), "sy".to_string()]),
            "ألمانيا، سوريا"
        );
        assert_eq!(Translator::new(Language::Fr).country("DE"), "Allemagne");
        assert_eq!(Translator::new(Language::En).language("de-AT"), "German");
        assert_eq!(language_name("de"), "German");
        assert_eq!(arabic.country("AA"), "AA", "unknown codes stay");
    }

    #[test]
    fn every_catalog_has_the_same_keys_and_parses() {
        let english = keys(SOURCES[0]);
        for (language, source) in Language::ALL.iter().zip(SOURCES) {
            assert_eq!(keys(source), english, "{language:?}");
            assert!(
                FluentResource::try_new(source.to_string()).is_ok(),
                "{language:?} parses"
            );
        }
    }

    /// `key` in `language` with `args`, or what Fluent found wrong (a missing message, a
    /// missing argument).
    fn format_strictly(
        language: Language,
        key: &str,
        args: &FluentArgs<'_>,
    ) -> Result<String, String> {
        let bundle = &CATALOGS[language.index()];
        let pattern = bundle
            .get_message(key)
            .and_then(|message| message.value())
            .ok_or_else(|| format!("no message {key}"))?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(args), &mut errors);
        if errors.is_empty() {
            Ok(text.into_owned())
        } else {
            Err(format!("{errors:?}"))
        }
    }

    #[test]
    fn every_reason_has_a_message_in_every_catalog_that_takes_its_args() {
        for reason in Reason::ALL.iter().copied() {
            let mut args = FluentArgs::new();
            for name in reason.args() {
                let sample = if NUMBER_ARGS.contains(name) {
                    "3"
                } else {
                    "event"
                };
                args.set(name.to_string(), sample.to_string());
            }
            for language in Language::ALL {
                let said = format_strictly(language, reason.key(), &args);
                assert!(said.is_ok(), "{reason:?} in {language:?}: {said:?}");
            }
            // The English words name only the reason's arguments.
            let mut rest = reason.english();
            while let Some(start) = rest.find('{') {
                let end = rest[start..]
                    .find('}')
                    .map_or(rest.len(), |end| start + end);
                let name = &rest[start + 1..end];
                assert!(reason.args().contains(&name), "{reason:?} names {name}");
                rest = &rest[end..];
            }
        }
    }

    /// The keys written as literals in `source`: the first argument of `.t("…")`, `.t1("…", …)`
    /// and `.t_args("…", …)` when it looks like a key (lower-case letters, digits and `-`; so
    /// not the `…` of this comment). Keys built at run time (`t.t(&format!("kind-{}", …))`) or
    /// passed through a variable (`t.t(key)`) are not seen, so this test cannot check them.
    fn literal_keys(source: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for call in [".t(", ".t1(", ".t_args("] {
            for (at, _) in source.match_indices(call) {
                let rest = source[at + call.len()..].trim_start();
                if let Some(quoted) = rest.strip_prefix('"')
                    && let Some(end) = quoted.find('"')
                {
                    let key = &quoted[..end];
                    let looks_like_a_key = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                    if looks_like_a_key {
                        keys.push(key.to_string());
                    }
                }
            }
        }
        keys
    }

    /// The files under `folder` (and its folders) whose name ends with `extension`.
    fn files(folder: &std::path::Path, extension: &str, found: &mut Vec<std::path::PathBuf>) {
        let entries = std::fs::read_dir(folder).expect("a folder of the crate");
        for entry in entries {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                files(&path, extension, found);
            } else if path.extension().is_some_and(|given| given == extension) {
                found.push(path);
            }
        }
    }

    #[test]
    fn every_key_written_in_templates_and_code_is_in_every_catalog() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        files(&root.join("templates"), "html", &mut paths);
        files(&root.join("src"), "rs", &mut paths);
        // Keys the tests use because no catalog has them.
        let missing_on_purpose = ["no-such-key"];
        let mut checked = 0;
        for path in paths {
            let source = std::fs::read_to_string(&path).expect("a readable file");
            for key in literal_keys(&source) {
                if missing_on_purpose.contains(&key.as_str()) {
                    continue;
                }
                for language in Language::ALL {
                    let bundle = &CATALOGS[language.index()];
                    assert!(
                        bundle.has_message(&key),
                        "{} says {key:?}, which the {language:?} catalog has not",
                        path.display()
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 100, "the scan finds the keys ({checked})");
    }

    #[test]
    fn text_comes_in_the_readers_language() {
        assert_eq!(Translator::new(Language::En).t("nav-events"), "Events");
        assert_eq!(Translator::new(Language::Ar).t("nav-events"), "فعاليات");
        assert_eq!(
            Translator::new(Language::Fr).t1("opportunity-deadline", "date", "1 mai"),
            "Candidater avant le 1 mai"
        );
        assert_eq!(
            Translator::new(Language::Es).t("no-such-key"),
            "no-such-key"
        );
    }

    #[test]
    fn dates_are_written_per_language() {
        let moment = DateTime::parse_from_rfc3339("2026-03-14T10:00:00+01:00").expect("date");
        assert_eq!(
            Translator::new(Language::En).date_time(&moment),
            "Saturday 14 March 2026, 10:00"
        );
        assert_eq!(
            Translator::new(Language::Fr).date_time(&moment),
            "samedi 14 mars 2026, 10:00"
        );
        assert_eq!(
            Translator::new(Language::Es).date_time(&moment),
            "sábado, 14 de marzo de 2026, 10:00"
        );
        assert_eq!(Translator::new(Language::Ar).date(&moment), "١٤ مارس ٢٠٢٦");
    }

    #[test]
    fn the_language_is_negotiated() {
        assert_eq!(
            negotiate(Some("ar"), Some("fr"), Some("es"), Language::En),
            Language::Ar
        );
        assert_eq!(
            negotiate(None, Some("fr"), Some("es"), Language::En),
            Language::Fr
        );
        assert_eq!(
            negotiate(
                None,
                None,
                Some("de-DE,de;q=0.9,es;q=0.8,ar;q=0.5"),
                Language::En
            ),
            Language::Es
        );
        assert_eq!(
            negotiate(None, None, Some("de"), Language::Ar),
            Language::Ar
        );
        assert_eq!(
            negotiate(Some("xx"), None, None, Language::Fr),
            Language::Fr
        );
    }
}
