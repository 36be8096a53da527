//! Mid-market exchange rates, for what a transfer really cost: the European Central Bank's
//! euro reference rates, read from the ECB's own files (`eurofxref-hist.csv`, the daily
//! `eurofxref.csv` and `eurofxref-daily.xml`), and rates an admin enters for currencies the
//! ECB does not publish (the CFA franc, the Syrian pound…). Any pair is crossed through the
//! euro, on the day asked or the nearest earlier one within a week (the ECB publishes no rates
//! on weekends and holidays).
//!
//! The total cost of a transfer is the World Bank's: the fee plus the exchange-rate margin
//! (what the rate applied lost against the mid-market rate of that day), in percent of the
//! amount sent.
//!
//! Storage: `exchange_rate` (day, currency → units per euro, and whether the ECB's or an
//! admin's).

use super::databank::{Skipped, fields};
use crate::db::{Db, with_pool, with_tx};
use crate::error::{FieldError, Reason, Result};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// How far back a rate is looked for.
pub const MAX_DAYS_BACK: i64 = 7;
/// The most days read from one file (the ECB's history since 1999 has about 6,800).
const MAX_DAYS: usize = 20_000;

/// Rates as read: units of each currency per euro, by day.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    pub days: BTreeMap<NaiveDate, BTreeMap<String, f64>>,
    pub skipped: Vec<Skipped>,
}

/// A currency code: three letters, upper-cased.
pub fn currency(text: &str) -> Option<String> {
    let text = text.trim();
    (text.len() == 3 && text.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| text.to_ascii_uppercase())
}

/// A day as the ECB writes it: `2025-04-25`, or `25 April 2025` in the daily CSV.
fn day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d %B %Y"))
        .ok()
}

/// A rate: a positive number (`N/A` and empty cells are none).
fn rate(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|rate| rate.is_finite() && *rate > 0.0)
}

/// Reads one of the ECB's files: the XML (`<Cube time="…"><Cube currency="…" rate="…"/>`) or
/// the CSV (a `Date` column and one column per currency, a day a row).
pub fn read_ecb(raw: &str) -> std::result::Result<Rates, String> {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw).trim_start();
    if raw.starts_with('<') {
        return read_xml(raw);
    }
    let mut lines = raw.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err("the file is empty".to_string());
    };
    let headers = fields(header);
    if !headers
        .first()
        .is_some_and(|first| first.trim().eq_ignore_ascii_case("date"))
    {
        return Err(
            "this is not one of the ECB's reference rate files: its first column is not Date"
                .to_string(),
        );
    }
    let currencies: Vec<Option<String>> = headers.iter().map(|header| currency(header)).collect();
    let mut rates = Rates::default();
    for (index, line) in lines {
        let number = index + 1;
        let values = fields(line);
        if values.iter().all(|value| value.trim().is_empty()) {
            continue;
        }
        if rates.days.len() >= MAX_DAYS {
            rates.skipped.push(Skipped {
                line: number,
                why: format!("past the {MAX_DAYS} days read"),
            });
            break;
        }
        let Some(date) = day(&values[0]) else {
            rates.skipped.push(Skipped {
                line: number,
                why: format!("not a day: {}", values[0].trim()),
            });
            continue;
        };
        let day_rates = rates.days.entry(date).or_default();
        for (value, code) in values.iter().zip(&currencies).skip(1) {
            if let (Some(code), Some(rate)) = (code, rate(value)) {
                day_rates.insert(code.clone(), rate);
            }
        }
    }
    Ok(rates)
}

/// The value of `name='…'` or `name="…"` in a tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{name}="))? + name.len() + 1;
    let quote = tag[start..].chars().next()?;
    let rest = &tag[start + 1..];
    Some(&rest[..rest.find(quote)?])
}

fn read_xml(raw: &str) -> std::result::Result<Rates, String> {
    let mut rates = Rates::default();
    let mut current: Option<NaiveDate> = None;
    for tag in raw.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        if !tag.starts_with("Cube") {
            continue;
        }
        if let Some(time) = attribute(tag, "time") {
            current = day(time);
            if rates.days.len() >= MAX_DAYS {
                break;
            }
        } else if let (Some(date), Some(code), Some(value)) = (
            current,
            attribute(tag, "currency").and_then(currency),
            attribute(tag, "rate").and_then(rate),
        ) {
            rates.days.entry(date).or_default().insert(code, value);
        }
    }
    if rates.days.is_empty() {
        return Err("no <Cube time=…> with rates: this is not the ECB's XML".to_string());
    }
    Ok(rates)
}

/// Stores `rates` from the ECB (replacing the same days' and currencies'), in one
/// transaction: how many rates were written.
pub async fn import_ecb(db: &Db, rates: &Rates) -> Result<usize> {
    let rows: Vec<(NaiveDate, &String, f64)> = rates
        .days
        .iter()
        .flat_map(|(day, currencies)| {
            currencies
                .iter()
                .map(move |(code, rate)| (*day, code, *rate))
        })
        .collect();
    let mut tx = db.begin_write().await?;
    for chunk in rows.chunks(300) {
        let placeholders: Vec<String> = (0..chunk.len())
            .map(|index| {
                let n = index * 3;
                format!("(${}, ${}, ${}, 'ecb')", n + 1, n + 2, n + 3)
            })
            .collect();
        let sql = format!(
            "insert into exchange_rate (day, currency, per_euro, source) values {} \
             on conflict (day, currency) do update set per_euro = excluded.per_euro, \
             source = excluded.source",
            placeholders.join(", ")
        );
        with_tx!(&mut tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (day, code, rate) in chunk {
                query = query.bind(day.to_string()).bind(*code).bind(*rate);
            }
            query.execute(conn).await.map(|_| ())
        })?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// Sets an admin's rate of `currency` (units per euro) on `day`. A 422 for a currency code
/// that is not one or a rate that is not positive.
pub async fn set_admin_rate(db: &Db, day: NaiveDate, code: &str, per_euro: f64) -> Result<()> {
    let code = currency(code).ok_or_else(|| {
        FieldError::of("currency", Reason::Other).with("text", "a currency is three letters")
    })?;
    if !(per_euro.is_finite() && per_euro > 0.0) {
        return Err(FieldError::of("rate", Reason::Number).into());
    }
    let sql = "insert into exchange_rate (day, currency, per_euro, source) \
               values ($1, $2, $3, 'admin') on conflict (day, currency) do update set \
               per_euro = excluded.per_euro, source = excluded.source";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(day.to_string())
        .bind(&code)
        .bind(per_euro)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The currencies fixed to the euro by treaty, units per euro: the West and Central African
/// CFA francs, the Comorian franc, the Cape Verdean escudo, the CFP franc and the Bosnian
/// convertible mark. Their rate is the same every day, so no file is needed for them; a
/// rate an admin enters still wins.
pub const EURO_PEGS: [(&str, f64); 6] = [
    ("XOF", 655.957),
    ("XAF", 655.957),
    ("KMF", 491.967_75),
    ("CVE", 110.265),
    ("XPF", 119.331_742_36),
    ("BAM", 1.955_83),
];

/// Units of `code` per euro on `day`, or on the nearest earlier day within
/// [`MAX_DAYS_BACK`]: `(rate, the day it is of)`.
async fn per_euro(db: &Db, code: &str, day: NaiveDate) -> Result<Option<(f64, NaiveDate)>> {
    if code == "EUR" {
        return Ok(Some((1.0, day)));
    }
    let pegged = EURO_PEGS
        .iter()
        .find(|(pegged, _)| *pegged == code)
        .map(|(_, rate)| (*rate, day));
    let earliest = day - chrono::Duration::days(MAX_DAYS_BACK);
    let sql = "select per_euro, day from exchange_rate where currency = $1 and day <= $2 \
               and day >= $3 order by day desc limit 1";
    let row: Option<(f64, String)> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(code)
        .bind(day.to_string())
        .bind(earliest.to_string())
        .fetch_optional(pool)
        .await)?;
    Ok(row
        .and_then(|(rate, day)| Some((rate, NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()?)))
        .or(pegged))
}

/// The mid-market rate of `from` in `to` (units of `to` for one `from`) on `day`, crossed
/// through the euro; `None` when either has no rate within a week before.
pub async fn mid_rate(db: &Db, from: &str, to: &str, day: NaiveDate) -> Result<Option<f64>> {
    let (Some(from), Some(to)) = (currency(from), currency(to)) else {
        return Ok(None);
    };
    let (Some((from_rate, _)), Some((to_rate, _))) = (
        per_euro(db, &from, day).await?,
        per_euro(db, &to, day).await?,
    ) else {
        return Ok(None);
    };
    Ok(Some(to_rate / from_rate))
}

/// The total cost of a transfer in percent of the amount sent, the World Bank's way: the
/// `fee` (in the sending currency) plus the exchange-rate margin, what `received` (in the
/// receiving currency) lacks against `sent` at the `mid` rate, converted back.
pub fn total_cost_percent(sent: f64, fee: f64, received: f64, mid: f64) -> f64 {
    let margin = sent - received / mid;
    (fee + margin) / sent * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ecbs_three_files_are_read() {
        let history = "Date,USD,JPY,BGN,CYP,GBP,\n\
                       2025-04-25,1.1357,162.8,1.9558,N/A,0.8531,\n\
                       2025-04-24,1.1376,162.16,1.9558,N/A,0.855,\n";
        let rates = read_ecb(history).expect("history");
        assert_eq!(rates.days.len(), 2);
        let day = NaiveDate::from_ymd_opt(2025, 4, 25).expect("day");
        assert_eq!(rates.days[&day]["USD"], 1.1357);
        assert!(!rates.days[&day].contains_key("CYP"), "N/A is no rate");
        let daily = "Date, USD, JPY, GBP, \n25 April 2025, 1.1357, 162.80, 0.85310, \n";
        assert_eq!(read_ecb(daily).expect("daily").days[&day]["GBP"], 0.8531);
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gesmes:Envelope>\
                   <Cube><Cube time='2025-04-25'><Cube currency='USD' rate='1.1357'/>\
                   <Cube currency='GBP' rate='0.8531'/></Cube></Cube></gesmes:Envelope>";
        assert_eq!(read_ecb(xml).expect("xml").days[&day]["USD"], 1.1357);
        assert!(read_ecb("a,b\n1,2").is_err());
    }

    #[test]
    fn a_transfers_total_cost_is_its_fee_and_its_margin() {
        // 200 EUR sent for a 4.99 EUR fee, 127,000 XOF received, at 655.957 XOF per euro:
        // 131,191.40 XOF at the mid rate; 127,000 XOF is worth 193.61 EUR, so the margin
        // took 6.39 EUR; 4.99 + 6.39 = 11.38 EUR, 5.69 % of 200.
        let cost = total_cost_percent(200.0, 4.99, 127_000.0, 655.957);
        assert!((cost - 5.689).abs() < 0.001, "{cost}");
        // No fee, the mid rate itself: nothing lost.
        assert!(total_cost_percent(100.0, 0.0, 112.0, 1.12).abs() < 1e-9);
    }
}
