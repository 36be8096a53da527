//! The World Bank's files as they come: the DataBank export of **Remittance Prices Worldwide
//! (Corridors)** (UTF-8 with a byte-order mark, one row per sending × receiving country pair,
//! one column per quarter, `..` for a quarter without a survey, then empty rows and a footer
//! that names the database and its last update), and the long CSVs of bilateral remittance
//! flows and migrant stocks. Each reader says what it read and, line by line, what it skipped
//! and why.
//!
//! Countries are read as ISO 3166-1 alpha-3 codes and kept as alpha-2 (what the rest of Jisr
//! uses), through the `celes` crate's ISO table; the World Bank's own codes for Kosovo (`XKX`,
//! and `KSV` in DataBank) are Kosovo's user-assigned `XK`, as CLDR names it; the Netherlands
//! Antilles' `ANT`, dissolved in 2010, is its former `AN`. A code with no country (the Channel
//! Islands' `CHI`, aggregates) is skipped, and said.

use std::collections::BTreeMap;

/// The most lines read from one file.
pub const MAX_LINES: usize = 200_000;
/// The most characters of one line.
const MAX_LINE_CHARS: usize = 20_000;

/// The alpha-2 code of a World Bank alpha-3 country code.
pub fn alpha2(alpha3: &str) -> Option<&'static str> {
    let code = alpha3.trim().to_ascii_uppercase();
    match code.as_str() {
        "XKX" | "KSV" => Some("XK"),
        // The Netherlands Antilles, dissolved in 2010: its former ISO code, kept by ISO as
        // transitionally reserved (the survey still has its corridors' quarters).
        "ANT" => Some("AN"),
        _ => celes::Country::from_alpha3(&code)
            .ok()
            .map(|country| country.alpha2),
    }
}

/// The fields of one CSV line (RFC 4180: quoted fields may hold commas and doubled quotes).
pub fn fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// A line skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its number in the file, from 1.
    pub line: usize,
    pub why: String,
}

/// One corridor's average total cost, in percent of the amount sent, by quarter (`2020Q3`).
#[derive(Debug, Clone, PartialEq)]
pub struct Corridor {
    pub sending: String,
    pub receiving: String,
    pub costs: BTreeMap<String, f64>,
}

/// What a DataBank export held.
#[derive(Debug, Clone, Default)]
pub struct Prices {
    /// The corridors with at least one figure.
    pub corridors: Vec<Corridor>,
    /// Pairs without a single figure (no survey in any quarter): read, not kept.
    pub without_figures: usize,
    /// Rows of data read (pairs), empty rows and the footer apart.
    pub rows: usize,
    pub skipped: Vec<Skipped>,
    /// The footer's "Last Updated", as written (`12/07/2020`).
    pub last_updated: Option<String>,
    /// The footer's "Data from database".
    pub source: Option<String>,
}

/// The text of a file: its byte-order mark dropped.
fn text(raw: &str) -> &str {
    raw.strip_prefix('\u{feff}').unwrap_or(raw)
}

/// A header's words, its spaces collapsed and lower-cased.
fn normalized(header: &str) -> String {
    header
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A quarter column's quarter: `2011Q1 [YR2011Q1]` → `2011Q1`.
fn quarter(header: &str) -> Option<String> {
    let head = header.split_whitespace().next()?;
    let (year, q) = head.split_once('Q')?;
    (year.len() == 4
        && year.chars().all(|c| c.is_ascii_digit())
        && matches!(q, "1" | "2" | "3" | "4"))
    .then(|| head.to_string())
}

/// Reads the DataBank export of Remittance Prices Worldwide (Corridors), series
/// `ATCR.CORR` ("Average Total Cost to remit in corridor"). `Err` when its header is not
/// that export's.
pub fn read_prices(raw: &str) -> Result<Prices, String> {
    let mut lines = text(raw).lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err("the file is empty".to_string());
    };
    let headers: Vec<String> = fields(header).iter().map(|h| normalized(h)).collect();
    let column = |name: &str| headers.iter().position(|header| header == name);
    let (Some(sending), Some(receiving), series) = (
        column("sending countries code"),
        column("receiving countries code"),
        column("series code"),
    ) else {
        return Err(
            "this is not a DataBank export of Remittance Prices Worldwide (Corridors): its \
             header has no \"Sending Countries Code\" and \"Receiving Countries Code\""
                .to_string(),
        );
    };
    let quarters: Vec<(usize, String)> = fields(header)
        .iter()
        .enumerate()
        .filter_map(|(index, header)| quarter(header).map(|quarter| (index, quarter)))
        .collect();
    if quarters.is_empty() {
        return Err("the header names no quarter such as \"2020Q3 [YR2020Q3]\"".to_string());
    }
    let mut prices = Prices::default();
    for (index, line) in lines {
        let number = index + 1;
        if number > MAX_LINES {
            prices.skipped.push(Skipped {
                line: number,
                why: format!("past the {MAX_LINES} lines read"),
            });
            break;
        }
        if line.chars().count() > MAX_LINE_CHARS {
            prices.skipped.push(Skipped {
                line: number,
                why: format!("longer than {MAX_LINE_CHARS} characters"),
            });
            continue;
        }
        let values = fields(line);
        if values.iter().all(|value| value.trim().is_empty()) {
            // The empty rows before the footer.
            continue;
        }
        let first = values[0].trim();
        if let Some(source) = first.strip_prefix("Data from database:") {
            prices.source = Some(source.trim().to_string());
            continue;
        }
        if let Some(updated) = first.strip_prefix("Last Updated:") {
            prices.last_updated = Some(updated.trim().to_string());
            continue;
        }
        prices.rows += 1;
        let get = |index: usize| values.get(index).map_or("", |value| value.trim());
        if let Some(series) = series
            && !get(series).eq_ignore_ascii_case("ATCR.CORR")
        {
            prices.skipped.push(Skipped {
                line: number,
                why: format!("another series ({})", get(series)),
            });
            continue;
        }
        let (Some(from), Some(to)) = (alpha2(get(sending)), alpha2(get(receiving))) else {
            prices.skipped.push(Skipped {
                line: number,
                why: format!(
                    "no country has the code {}",
                    if alpha2(get(sending)).is_none() {
                        get(sending)
                    } else {
                        get(receiving)
                    }
                ),
            });
            continue;
        };
        let mut costs = BTreeMap::new();
        let mut unreadable = Vec::new();
        for (index, quarter) in &quarters {
            match get(*index) {
                "" | ".." => {}
                value => match value.parse::<f64>() {
                    // A negative cost is the survey's: a rate better than the market's.
                    Ok(cost) if cost.is_finite() && (-100.0..=100.0).contains(&cost) => {
                        costs.insert(quarter.clone(), cost);
                    }
                    _ => unreadable.push(format!("{quarter} ({value})")),
                },
            }
        }
        if !unreadable.is_empty() {
            prices.skipped.push(Skipped {
                line: number,
                why: format!(
                    "not a percentage from -100 to 100, left out: {}",
                    unreadable.join(", ")
                ),
            });
        }
        if costs.is_empty() {
            prices.without_figures += 1;
            continue;
        }
        prices.corridors.push(Corridor {
            sending: from.to_string(),
            receiving: to.to_string(),
            costs,
        });
    }
    Ok(prices)
}

/// One pair of a long file: `(from, to, value)`.
pub type Pair = (String, String, f64);

/// What a long file of pairs held.
#[derive(Debug, Clone, Default)]
pub struct Pairs {
    pub pairs: Vec<Pair>,
    pub rows: usize,
    pub skipped: Vec<Skipped>,
}

/// Reads a long CSV of country pairs with one value each: bilateral remittances
/// (`sending_iso3,…,receiving_iso3,…,usd_millions`) or migrant stocks
/// (`origin_iso3,…,destination_iso3,…,migrants`), found by the header's names.
pub fn read_pairs(raw: &str, from: &str, to: &str, value: &str) -> Result<Pairs, String> {
    let mut lines = text(raw).lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err("the file is empty".to_string());
    };
    let headers: Vec<String> = fields(header).iter().map(|h| normalized(h)).collect();
    let column = |name: &str| headers.iter().position(|header| header == name);
    let (Some(from_column), Some(to_column), Some(value_column)) =
        (column(from), column(to), column(value))
    else {
        return Err(format!(
            "the header must name the columns {from}, {to} and {value}"
        ));
    };
    let mut read = Pairs::default();
    for (index, line) in lines {
        let number = index + 1;
        if number > MAX_LINES {
            read.skipped.push(Skipped {
                line: number,
                why: format!("past the {MAX_LINES} lines read"),
            });
            break;
        }
        let values = fields(line);
        if values.iter().all(|value| value.trim().is_empty()) {
            continue;
        }
        read.rows += 1;
        let get = |index: usize| values.get(index).map_or("", |value| value.trim());
        let (Some(a), Some(b)) = (alpha2(get(from_column)), alpha2(get(to_column))) else {
            read.skipped.push(Skipped {
                line: number,
                why: format!(
                    "no country has the code {}",
                    if alpha2(get(from_column)).is_none() {
                        get(from_column)
                    } else {
                        get(to_column)
                    }
                ),
            });
            continue;
        };
        match get(value_column).parse::<f64>() {
            Ok(number) if number.is_finite() && number >= 0.0 => {
                read.pairs.push((a.to_string(), b.to_string(), number))
            }
            _ => read.skipped.push(Skipped {
                line: number,
                why: format!("{value} is not a number: {}", get(value_column)),
            }),
        }
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_their_commas() {
        assert_eq!(
            fields(r#"Korea, Rep.,KOR,"Say ""hi"", then",,x"#),
            ["Korea", " Rep.", "KOR", "Say \"hi\", then", "", "x"]
        );
        assert_eq!(fields(r#""Korea, Rep.",KOR"#), ["Korea, Rep.", "KOR"]);
    }

    #[test]
    fn world_bank_codes_become_alpha_2() {
        assert_eq!(alpha2("DEU"), Some("DE"));
        assert_eq!(alpha2("syr"), Some("SY"));
        assert_eq!(alpha2("KSV"), Some("XK"));
        assert_eq!(alpha2("XKX"), Some("XK"));
        assert_eq!(alpha2("ANT"), Some("AN"));
        assert_eq!(alpha2("CHI"), None);
    }

    #[test]
    fn a_small_export_with_its_bom_gaps_and_footer() {
        let raw = "\u{feff}Sending Countries Name,Sending Countries Code,Series Name,Series Code,\
                   Receiving Countries  Name,Receiving Countries  Code,2020Q1 [YR2020Q1],2020Q3 [YR2020Q3]\n\
                   Germany,DEU,Average Total Cost to remit in corridor,ATCR.CORR,Syrian Arab Republic,SYR,..,6.5\n\
                   Germany,DEU,Average Total Cost to remit in corridor,ATCR.CORR,Albania,ALB,..,..\n\
                   Nowhere,ZZZ,Average Total Cost to remit in corridor,ATCR.CORR,Albania,ALB,1,2\n\
                   France,FRA,Average Total Cost to remit in corridor,ATCR.CORR,Senegal,SEN,7.25,lots\n\
                   ,,,,,,,\n,,,,,,,\n\
                   Data from database: Remittance Prices Worldwide (Corridors),,,,,,,\n\
                   Last Updated: 12/07/2020,,,,,,,\n";
        let prices = read_prices(raw).expect("read");
        assert_eq!(prices.rows, 4);
        assert_eq!(prices.without_figures, 1);
        assert_eq!(prices.corridors.len(), 2);
        assert_eq!(prices.corridors[0].sending, "DE");
        assert_eq!(prices.corridors[0].receiving, "SY");
        assert_eq!(prices.corridors[0].costs["2020Q3"], 6.5);
        assert_eq!(
            prices.corridors[1].costs.len(),
            1,
            "the unreadable quarter left out"
        );
        assert_eq!(prices.skipped.len(), 2, "{:?}", prices.skipped);
        assert_eq!(prices.skipped[0].line, 4);
        assert!(prices.skipped[0].why.contains("ZZZ"));
        assert_eq!(prices.last_updated.as_deref(), Some("12/07/2020"));
        assert_eq!(
            prices.source.as_deref(),
            Some("Remittance Prices Worldwide (Corridors)")
        );
        assert!(read_prices("a,b,c\n1,2,3").is_err());
    }

    #[test]
    fn the_shipped_export_has_377_corridors() {
        let raw = super::super::shipped::text(super::super::Dataset::Prices);
        let prices = read_prices(&raw).expect("read");
        assert_eq!(prices.rows, 5_328);
        assert_eq!(prices.corridors.len(), 377);
        assert_eq!(prices.without_figures, 5_328 - 377);
        assert!(prices.skipped.is_empty(), "{:?}", prices.skipped);
        assert_eq!(prices.last_updated.as_deref(), Some("12/07/2020"));
    }
}
