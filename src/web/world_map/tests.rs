use super::*;
use crate::i18n::{Language, Translator};
use std::collections::BTreeSet;

fn codes() -> Vec<&'static str> {
    WORLD_MAP.countries.iter().map(|(code, _)| *code).collect()
}

fn directory(code: &str) -> String {
    format!("/directory?country={code}")
}

fn counts(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
    pairs
        .iter()
        .map(|(code, count)| (code.to_string(), *count))
        .collect()
}

/// Whether `svg` is well-formed XML as far as this module writes it: every tag closed in
/// order, attributes quoted, no markup characters in text or values, only the five entities.
fn well_formed(svg: &str) -> Result<(), String> {
    let check_text = |text: &str| -> Result<(), String> {
        if text.contains(['<', '>', '"']) {
            return Err(format!("markup in {text:?}"));
        }
        for (index, _) in text.match_indices('&') {
            let entity = &text[index..];
            if !["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|known| entity.starts_with(known))
            {
                return Err(format!("stray & in {text:?}"));
            }
        }
        Ok(())
    };
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        check_text(&rest[..start])?;
        let end = rest[start..].find('>').ok_or("a tag does not end")? + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop() != Some(name) {
                return Err(format!("closing tag </{name}> out of order"));
            }
            continue;
        }
        let (tag, closed) = match tag.strip_suffix('/') {
            Some(tag) => (tag, true),
            None => (tag, false),
        };
        let (name, mut attributes) = tag.split_once(' ').unwrap_or((tag, ""));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("tag name {name:?}"));
        }
        while !attributes.trim().is_empty() {
            let (attribute, value_and_rest) = attributes
                .trim_start()
                .split_once("=\"")
                .ok_or_else(|| format!("attribute without a value in {tag:?}"))?;
            if !attribute
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(format!("attribute name {attribute:?}"));
            }
            let (value, after) = value_and_rest
                .split_once('"')
                .ok_or_else(|| format!("unquoted value in {tag:?}"))?;
            check_text(value)?;
            attributes = after;
        }
        if !closed {
            open.push(name);
        }
    }
    check_text(rest)?;
    if open.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed {open:?}"))
    }
}

fn assert_well_formed(svg: &str) {
    if let Err(error) = well_formed(svg) {
        panic!("not well-formed: {error}");
    }
}

#[test]
fn the_well_formedness_check_finds_what_it_looks_for() {
    assert_eq!(
        well_formed("<svg a=\"1\"><title>x &amp; y</title><path/></svg>"),
        Ok(())
    );
    for broken in [
        "<svg><title>x</svg></title>",
        "<svg><path></svg>",
        "<svg a=1></svg>",
        "<svg a=\"\"\"></svg>",
        "<svg><title>x & y</title></svg>",
        "<svg><title>x > y</title></svg>",
        "<svg",
    ] {
        assert!(well_formed(broken).is_err(), "{broken}");
    }
}

#[test]
fn every_code_is_two_capitals_once() {
    let codes = codes();
    for code in &codes {
        assert!(
            code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()),
            "{code:?}"
        );
    }
    let unique: BTreeSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len());
    assert!(codes.len() > 170, "{} countries", codes.len());
}

#[test]
fn the_large_countries_and_the_remapped_features_have_shapes() {
    let codes = codes();
    for code in [
        "DE", "FR", "SD", "NG", "SY", "BR", "US", "IN", "CN", // large ones
        "XK", "SO", "CY", "UA", "GF",
        "SJ", // Natural Earth's features without or with others' codes
    ] {
        assert!(codes.contains(&code), "{code}");
    }
    assert!(!codes.contains(&"AQ"), "Antarctica is left out");
}

#[test]
fn the_data_is_a_view_box_and_plain_paths() {
    let numbers: Vec<&str> = WORLD_MAP.view_box.split(' ').collect();
    assert_eq!(numbers.len(), 4, "{}", WORLD_MAP.view_box);
    assert!(numbers.iter().all(|number| number.parse::<u32>().is_ok()));
    for (code, path) in &WORLD_MAP.countries {
        assert!(path.starts_with('M'), "{code}");
        assert!(
            path.chars().all(|c| "MLlz0123456789.,-".contains(c)),
            "{code}: only path commands and numbers"
        );
    }
}

#[test]
fn every_country_members_pick_has_a_shape_or_is_listed_without_one() {
    let codes = codes();
    let named: BTreeSet<&str> = Translator::new(Language::En)
        .all_countries()
        .iter()
        .map(|(code, _)| code.as_str())
        .collect();
    for code in &named {
        let drawn = codes.contains(code);
        let listed = WITHOUT_SHAPE.contains(code);
        assert!(drawn != listed, "{code}: drawn {drawn}, listed {listed}");
    }
    for code in WITHOUT_SHAPE {
        assert!(named.contains(code), "{code} is a country CLDR names");
    }
    for code in &codes {
        assert!(named.contains(code), "{code} has a name");
    }
}

#[test]
fn the_module_docs_list_the_codes_without_a_shape() {
    let source = include_str!("mod.rs");
    let start = source.find("//! Without a shape:").expect("the list");
    let listed: Vec<&str> = source[start..]
        .lines()
        .take_while(|line| !line.trim_end().ends_with("//!"))
        .flat_map(|line| line.trim_start_matches("//!").split_whitespace())
        .filter(|word| *word != "Without" && *word != "a" && *word != "shape:")
        .map(|word| word.trim_end_matches('.'))
        .collect();
    assert_eq!(listed, WITHOUT_SHAPE);
}

#[test]
fn an_empty_map_is_well_formed_and_unshaded() {
    let svg = svg(
        &BTreeMap::new(),
        |code, count| format!("{code}: {count}"),
        directory,
        "Organizations by country",
    );

    assert_well_formed(&svg);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains(" direction=\"ltr\""));
    assert!(svg.contains(" role=\"group\" aria-labelledby=\"world-map-title\""));
    assert!(svg.contains("<title id=\"world-map-title\">Organizations by country</title>"));
    assert_eq!(
        svg.matches("class=\"map-country map-0\"").count(),
        codes().len()
    );
    assert!(svg.contains("<title>DE: 0</title>"));
    assert!(!svg.contains("<a "));
    assert!(legend(&BTreeMap::new()).is_empty());
}

#[test]
fn the_largest_count_is_darkest_and_linked() {
    let counts = counts(&[("DE", 40), ("SD", 3), ("SG", 1)]);

    let svg = svg(
        &counts,
        |code, count| format!("Name of {code}: {count}"),
        directory,
        "Map",
    );

    assert_well_formed(&svg);
    assert!(svg.contains(
        "<a href=\"/directory?country=DE\" aria-label=\"Name of DE: 40\"><path class=\"map-country map-5\" d=\"M"
    ));
    assert!(svg.contains("<title>Name of DE: 40</title></path></a>"));
    assert!(svg.contains(
        "<a href=\"/directory?country=SD\" aria-label=\"Name of SD: 3\"><path class=\"map-country map-2\""
    ));
    assert!(svg.contains("<title>Name of SD: 3</title></path></a>"));
    assert_eq!(svg.matches("<a ").count(), 2, "SG has no shape");
    assert!(svg.contains("<path class=\"map-country map-0\""));
    assert_eq!(
        svg.matches(" aria-hidden=\"true\"").count(),
        codes().len(),
        "every shape is hidden: the links and the map's title speak"
    );
}

#[test]
fn names_and_titles_are_escaped() {
    let counts = counts(&[("FR", 2)]);

    let svg = svg(
        &counts,
        |_, count| format!("<b>&\"': {count}"),
        |code| format!("/directory?country={code}&sector=a&b"),
        "A <map> & \"more\"",
    );

    assert_well_formed(&svg);
    assert!(svg.contains("<title>&lt;b&gt;&amp;&quot;&#39;: 2</title>"));
    assert!(svg.contains(">A &lt;map&gt; &amp; &quot;more&quot;</title>"));
    assert!(!svg.contains("<b>"));
    assert!(svg.contains(
        "<a href=\"/directory?country=FR&amp;sector=a&amp;b\" aria-label=\"&lt;b&gt;&amp;&quot;&#39;: 2\">"
    ));
}

#[test]
fn a_full_map_stays_small() {
    let counts: BTreeMap<String, u32> = codes()
        .iter()
        .zip(1..)
        .map(|(code, count)| (code.to_string(), count))
        .collect();

    let svg = svg(
        &counts,
        |code, count| format!("A rather long country name for {code}: {count}"),
        directory,
        "Map",
    );

    assert_well_formed(&svg);
    assert_eq!(svg.matches("<a ").count(), codes().len());
    assert!(svg.len() < 120_000, "{} bytes", svg.len());
}

#[test]
fn the_legend_covers_every_count_in_the_shade_the_map_gives_it() {
    for largest in [1, 2, 3, 5, 6, 31, 100, 1_000, 100_000] {
        let counts = counts(&[("DE", largest)]);
        let legend = legend(&counts);
        let thresholds = thresholds(largest);

        assert_eq!(legend.first().map(|shade| shade.1), Some(1), "{largest}");
        assert_eq!(
            legend.last().map(|shade| (shade.0, shade.2)),
            Some((5, largest))
        );
        for pair in legend.windows(2) {
            assert_eq!(pair[0].2 + 1, pair[1].1, "{largest}: contiguous");
            assert!(pair[0].0 < pair[1].0);
        }
        for (shade_number, lowest, highest) in &legend {
            assert_eq!(shade(*lowest, &thresholds), *shade_number, "{largest}");
            assert_eq!(shade(*highest, &thresholds), *shade_number, "{largest}");
        }
    }
    assert_eq!(
        legend(&counts(&[("DE", 100)])),
        [(1, 1, 1), (2, 2, 5), (3, 6, 14), (4, 15, 39), (5, 40, 100)]
    );
    assert_eq!(legend(&counts(&[("DE", 1)])), [(5, 1, 1)]);
}

#[test]
fn the_caller_writes_each_countrys_label_in_the_readers_language_and_digits() {
    let t = Translator::new(Language::Ar);
    let counts = counts(&[("SD", 3)]);

    let svg = svg(
        &counts,
        |code, count| format!("{}: {}", t.country(code), t.digits(&count.to_string())),
        directory,
        "خريطة",
    );

    assert_well_formed(&svg);
    assert!(svg.contains("<title>السودان: ٣</title></path></a>"));
    assert!(svg.contains("<title>ألمانيا: ٠</title>"));
    assert!(svg.contains(" direction=\"ltr\""), "never mirrored");
}
