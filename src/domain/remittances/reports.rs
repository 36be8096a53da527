//! Members' price reports: what a transfer home really cost them, in numbers only (the
//! provider's name, the channel, the corridor and its currencies, the amounts, the day and how
//! long it took; never words about the provider), checked, its total cost computed the World
//! Bank's way against the mid-market rate of that day ([`super::rates`]), and kept with the
//! reports other Jisr instances send. [`aggregate`] makes of a corridor's recent reports one
//! line per provider: the median total cost and the count, with the outliers shown apart and
//! not counted.
//!
//! Outliers: in a provider's reports of a corridor (at least [`MIN_FOR_OUTLIERS`]), a report
//! whose total cost is further from their median than three scaled median absolute deviations
//! (1.4826 × MAD, at least one percentage point) is an outlier. The median resists one wild
//! report; this keeps it out of the count too, and says so.
//!
//! Storage: `price_report` (ours with their `public_id` and `account_id`, other servers' by
//! their object id alone).

use super::rates;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, FieldError, Reason, Result};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// The longest provider name, in characters.
pub const MAX_PROVIDER_CHARS: usize = 60;
/// The largest amount sent, in the sending currency.
pub const MAX_AMOUNT_SENT: f64 = 1_000_000.0;
/// How far back a transfer may be reported, in days.
pub const MAX_DAYS_OLD: i64 = 366;
/// The days a corridor's page looks back.
pub const RECENT_DAYS: i64 = 90;
/// The most reports of one corridor read for its page.
pub const MAX_READ: i64 = 5_000;
/// A total cost outside these bounds, in percent, is refused: the amounts or currencies are
/// wrong (a fee larger than the amount, a currency swapped).
pub const PLAUSIBLE_COST: (f64, f64) = (-10.0, 60.0);
/// The most reports one member makes in a day: enough for anyone's real transfers, too few to
/// drown a corridor's median.
pub const MAX_PER_DAY: i64 = 20;
/// The fewest reports of a provider in a corridor among which outliers are looked for.
pub const MIN_FOR_OUTLIERS: usize = 3;

/// How the money was sent or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Cash,
    Bank,
    Card,
    /// Mobile money.
    Mobile,
    Online,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Cash,
        Channel::Bank,
        Channel::Card,
        Channel::Mobile,
        Channel::Online,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Cash => "cash",
            Channel::Bank => "bank",
            Channel::Card => "card",
            Channel::Mobile => "mobile",
            Channel::Online => "online",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL
            .into_iter()
            .find(|channel| channel.as_str() == text.trim())
    }
}

/// How long the money took to arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Duration {
    Minutes,
    SameDay,
    OneToTwoDays,
    ThreeToFiveDays,
    Longer,
}

impl Duration {
    pub const ALL: [Duration; 5] = [
        Duration::Minutes,
        Duration::SameDay,
        Duration::OneToTwoDays,
        Duration::ThreeToFiveDays,
        Duration::Longer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Duration::Minutes => "minutes",
            Duration::SameDay => "same-day",
            Duration::OneToTwoDays => "1-2-days",
            Duration::ThreeToFiveDays => "3-5-days",
            Duration::Longer => "longer",
        }
    }

    pub fn parse(text: &str) -> Option<Duration> {
        Duration::ALL
            .into_iter()
            .find(|duration| duration.as_str() == text.trim())
    }
}

/// A report as a form or another server gives it: text, to be checked.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub provider: String,
    pub channel: String,
    pub sending: String,
    pub receiving: String,
    pub send_currency: String,
    pub receive_currency: String,
    pub amount_sent: String,
    pub fee: String,
    pub amount_received: String,
    pub sent_on: String,
    pub duration: String,
}

/// A transfer as reported, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub provider: String,
    pub channel: Channel,
    /// ISO alpha-2 codes.
    pub sending: String,
    pub receiving: String,
    /// ISO 4217 codes.
    pub send_currency: String,
    pub receive_currency: String,
    pub amount_sent: f64,
    pub fee: f64,
    pub amount_received: f64,
    pub sent_on: NaiveDate,
    pub duration: Duration,
}

/// A provider's name as reports are grouped by it: lower-cased, spaces collapsed.
pub fn provider_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A provider's name, or why not: a name only (letters, digits, spaces and `. & ' - ( ) +`),
/// never a sentence about it or a link.
fn provider(text: &str) -> std::result::Result<String, FieldError> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(FieldError::of("provider", Reason::Required));
    }
    let allowed = |c: char| c.is_alphanumeric() || " .&'’-()+".contains(c);
    if name.chars().count() > MAX_PROVIDER_CHARS
        || !name.chars().all(allowed)
        || name.to_lowercase().contains("www.")
    {
        return Err(FieldError::of("provider", Reason::Provider)
            .with("max", MAX_PROVIDER_CHARS.to_string()));
    }
    Ok(name)
}

/// A positive amount (a decimal comma is read as a point; spaces and thin spaces grouping
/// thousands are dropped).
fn amount(field: &str, text: &str, max: f64) -> std::result::Result<f64, FieldError> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{202F}' | '\u{A0}' | '_'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() {
        return Err(FieldError::of(field, Reason::Required));
    }
    let value: f64 = cleaned
        .parse()
        .map_err(|_| FieldError::of(field, Reason::Number))?;
    if !value.is_finite() || value < 0.0 || value > max {
        return Err(FieldError::of(field, Reason::Between)
            .with("min", "0")
            .with("max", format!("{max}")));
    }
    Ok(value)
}

impl Transfer {
    /// Checks `input` (as of `today`): every field that is wrong, named.
    pub fn check(input: &ReportInput, today: NaiveDate) -> Result<Transfer> {
        let mut errors = Vec::new();
        let provider = provider(&input.provider)
            .map_err(|error| errors.push(error))
            .ok();
        let channel = Channel::parse(&input.channel);
        if channel.is_none() {
            errors.push(
                FieldError::of("channel", Reason::OneOf)
                    .with("choices", Channel::ALL.map(Channel::as_str).join(", ")),
            );
        }
        let country = |field: &str, text: &str, errors: &mut Vec<FieldError>| {
            // A country by ISO 3166-1 (and Kosovo), not one of CLDR's regions ("ZZ", "EU").
            let found = crate::i18n::country_code(text)
                .filter(|code| code == "XK" || celes::Country::from_alpha2(code).is_ok());
            if found.is_none() {
                errors.push(FieldError::of(field, Reason::CountryCode).with("example", "SN"));
            }
            found
        };
        let sending = country("sending", &input.sending, &mut errors);
        let receiving = country("receiving", &input.receiving, &mut errors);
        if sending.is_some() && sending == receiving {
            errors.push(FieldError::of("receiving", Reason::SameCountry));
        }
        let currency = |field: &str, text: &str, errors: &mut Vec<FieldError>| {
            let found = rates::currency(text);
            if found.is_none() {
                errors.push(FieldError::of(field, Reason::Currency));
            }
            found
        };
        let send_currency = currency("send_currency", &input.send_currency, &mut errors);
        let receive_currency = currency("receive_currency", &input.receive_currency, &mut errors);
        let amount_sent = amount("amount_sent", &input.amount_sent, MAX_AMOUNT_SENT)
            .map_err(|error| errors.push(error))
            .ok()
            .filter(|sent| {
                let positive = *sent > 0.0;
                if !positive {
                    errors.push(FieldError::of("amount_sent", Reason::Required));
                }
                positive
            });
        let fee = amount("fee", &input.fee, MAX_AMOUNT_SENT)
            .map_err(|error| errors.push(error))
            .ok();
        if let (Some(sent), Some(fee)) = (amount_sent, fee)
            && fee >= sent
        {
            errors.push(FieldError::of("fee", Reason::FeeOverAmount));
        }
        let amount_received = amount("amount_received", &input.amount_received, 1e13)
            .map_err(|error| errors.push(error))
            .ok()
            .filter(|received| {
                let positive = *received > 0.0;
                if !positive {
                    errors.push(FieldError::of("amount_received", Reason::Required));
                }
                positive
            });
        let sent_on = NaiveDate::parse_from_str(input.sent_on.trim(), "%Y-%m-%d").ok();
        let sent_on = match sent_on {
            None => {
                errors.push(FieldError::of("sent_on", Reason::Date));
                None
            }
            Some(day) if day > today || (today - day).num_days() > MAX_DAYS_OLD => {
                errors.push(FieldError::of("sent_on", Reason::TransferDay));
                None
            }
            Some(day) => Some(day),
        };
        let duration = Duration::parse(&input.duration);
        if duration.is_none() {
            errors.push(
                FieldError::of("duration", Reason::OneOf)
                    .with("choices", Duration::ALL.map(Duration::as_str).join(", ")),
            );
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        // Every field without an error has its value.
        let checked = || Error::internal("a checked field without its value");
        Ok(Transfer {
            provider: provider.ok_or_else(checked)?,
            channel: channel.ok_or_else(checked)?,
            sending: sending.ok_or_else(checked)?,
            receiving: receiving.ok_or_else(checked)?,
            send_currency: send_currency.ok_or_else(checked)?,
            receive_currency: receive_currency.ok_or_else(checked)?,
            amount_sent: amount_sent.ok_or_else(checked)?,
            fee: fee.ok_or_else(checked)?,
            amount_received: amount_received.ok_or_else(checked)?,
            sent_on: sent_on.ok_or_else(checked)?,
            duration: duration.ok_or_else(checked)?,
        })
    }

    /// Its total cost in percent and the mid-market rate it was computed against: a 422 when
    /// there is no rate of either currency in the week before the day, or when the amounts
    /// make a cost that cannot be right.
    pub async fn cost(&self, db: &Db) -> Result<(f64, f64)> {
        let Some(mid) = rates::mid_rate(
            db,
            &self.send_currency,
            &self.receive_currency,
            self.sent_on,
        )
        .await?
        else {
            let missing =
                match rates::mid_rate(db, "EUR", &self.send_currency, self.sent_on).await? {
                    None => &self.send_currency,
                    Some(_) => &self.receive_currency,
                };
            return Err(FieldError::of("sent_on", Reason::NoRate)
                .with("currency", missing)
                .into());
        };
        let cost = rates::total_cost_percent(self.amount_sent, self.fee, self.amount_received, mid);
        if !(PLAUSIBLE_COST.0..=PLAUSIBLE_COST.1).contains(&cost) {
            return Err(FieldError::of("amount_received", Reason::ImplausibleCost)
                .with("cost", format!("{cost:.1}"))
                .into());
        }
        Ok((cost, mid))
    }
}

/// A kept report.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceReport {
    pub price_report_id: i64,
    pub ap_id: String,
    /// Ours: its id in our URLs, and who reported it.
    pub public_id: Option<String>,
    pub account_id: Option<i64>,
    pub actor_ap_id: String,
    pub transfer: Transfer,
    pub mid_rate: f64,
    pub total_cost: f64,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    price_report_id: i64,
    ap_id: String,
    public_id: Option<String>,
    account_id: Option<i64>,
    actor_ap_id: String,
    provider: String,
    channel: String,
    sending: String,
    receiving: String,
    send_currency: String,
    receive_currency: String,
    amount_sent: f64,
    fee: f64,
    amount_received: f64,
    sent_on: String,
    duration: String,
    mid_rate: f64,
    total_cost: f64,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn report(self) -> Option<PriceReport> {
        Some(PriceReport {
            price_report_id: self.price_report_id,
            ap_id: self.ap_id,
            public_id: self.public_id,
            account_id: self.account_id,
            actor_ap_id: self.actor_ap_id,
            transfer: Transfer {
                provider: self.provider,
                channel: Channel::parse(&self.channel)?,
                sending: self.sending,
                receiving: self.receiving,
                send_currency: self.send_currency,
                receive_currency: self.receive_currency,
                amount_sent: self.amount_sent,
                fee: self.fee,
                amount_received: self.amount_received,
                sent_on: NaiveDate::parse_from_str(&self.sent_on, "%Y-%m-%d").ok()?,
                duration: Duration::parse(&self.duration)?,
            },
            mid_rate: self.mid_rate,
            total_cost: self.total_cost,
            published_at: self.published_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "price_report_id, ap_id, public_id, account_id, actor_ap_id, provider, \
                       channel, sending, receiving, send_currency, receive_currency, \
                       amount_sent, fee, amount_received, sent_on, duration, mid_rate, \
                       total_cost, published_at, updated_at";

/// A report to keep: ours (with `public_id` and `account_id`) or another server's.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub ap_id: &'a str,
    pub public_id: Option<&'a str>,
    pub account_id: Option<i64>,
    pub actor_ap_id: &'a str,
    pub transfer: &'a Transfer,
    pub mid_rate: f64,
    pub total_cost: f64,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Keeps `report`, in `tx`; one already kept under its id is replaced when this one is newer
/// and from the same actor. Whether it was written.
pub async fn store(tx: &mut Tx, report: &NewReport<'_>) -> Result<bool> {
    let sql = format!(
        "insert into price_report ({}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13, $14, $15, $16, $17, $18, $19, $20) on conflict (ap_id) do update set \
         provider = excluded.provider, provider_key = excluded.provider_key, \
         channel = excluded.channel, sending = excluded.sending, \
         receiving = excluded.receiving, send_currency = excluded.send_currency, \
         receive_currency = excluded.receive_currency, amount_sent = excluded.amount_sent, \
         fee = excluded.fee, amount_received = excluded.amount_received, \
         sent_on = excluded.sent_on, duration = excluded.duration, \
         mid_rate = excluded.mid_rate, total_cost = excluded.total_cost, \
         updated_at = excluded.updated_at \
         where price_report.actor_ap_id = excluded.actor_ap_id \
         and price_report.updated_at < excluded.updated_at",
        COLUMNS.replace("price_report_id, ", "").replace(
            "actor_ap_id, provider,",
            "actor_ap_id, provider, provider_key,"
        )
    );
    let transfer = report.transfer;
    let written = with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(report.ap_id)
        .bind(report.public_id)
        .bind(report.account_id)
        .bind(report.actor_ap_id)
        .bind(&transfer.provider)
        .bind(provider_key(&transfer.provider))
        .bind(transfer.channel.as_str())
        .bind(&transfer.sending)
        .bind(&transfer.receiving)
        .bind(&transfer.send_currency)
        .bind(&transfer.receive_currency)
        .bind(transfer.amount_sent)
        .bind(transfer.fee)
        .bind(transfer.amount_received)
        .bind(transfer.sent_on.to_string())
        .bind(transfer.duration.as_str())
        .bind(report.mid_rate)
        .bind(report.total_cost)
        .bind(report.published_at)
        .bind(report.updated_at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(written > 0)
}

/// Erases the report `ap_id` of `actor_ap_id`, in `tx`: whether there was one.
pub async fn erase(tx: &mut Tx, ap_id: &str, actor_ap_id: &str) -> Result<bool> {
    let sql = "delete from price_report where ap_id = $1 and actor_ap_id = $2";
    let done = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(ap_id)
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}

/// Erases every report of `actor_ap_id` (the actor was deleted), in `tx`: how many.
pub async fn erase_actor(tx: &mut Tx, actor_ap_id: &str) -> Result<u64> {
    let sql = "delete from price_report where actor_ap_id = $1";
    let done = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(done)
}

/// Our report `public_id`.
pub async fn find(db: &Db, public_id: &str) -> Result<PriceReport> {
    let sql = format!("select {COLUMNS} from price_report where public_id = $1");
    let row: Option<Row> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(public_id)
            .fetch_optional(pool)
            .await)?;
    row.and_then(Row::report).ok_or(Error::NotFound)
}

/// How many reports `account_id` made since `since`.
pub async fn made_since(db: &Db, account_id: i64, since: DateTime<Utc>) -> Result<i64> {
    let sql = "select count(*) from price_report where account_id = $1 and published_at >= $2";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(account_id)
        .bind(since)
        .fetch_one(pool)
        .await)?)
}

/// The reports of `account_id`, the latest changed first (at most 200).
pub async fn of_account(db: &Db, account_id: i64) -> Result<Vec<PriceReport>> {
    let sql = format!(
        "select {COLUMNS} from price_report where account_id = $1 \
         order by updated_at desc limit 200"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().filter_map(Row::report).collect())
}

/// What a corridor page counts of a report.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Reported {
    pub actor_ap_id: String,
    /// Ours: the account that reported it.
    pub account_id: Option<i64>,
    pub provider: String,
    pub channel: Channel,
    pub sent_on: NaiveDate,
    pub total_cost: f64,
}

/// The reports of the corridor `from` → `to` of transfers on `since` or later (at most
/// [`MAX_READ`], the latest first), but for those of authors blocked by the moderators and
/// those of our accounts that are not active: what a corridor page counts, read as one value
/// (on SQLite each row would otherwise cross from the connection's thread on its own).
pub async fn recent(db: &Db, from: &str, to: &str, since: NaiveDate) -> Result<Vec<Reported>> {
    let sql = db.packed(
        "actor_ap_id, account_id, provider, channel, sent_on, total_cost",
        &format!(
            "select actor_ap_id, account_id, provider, channel, sent_on, total_cost \
             from price_report r where sending = $1 and receiving = $2 and sent_on >= $3 \
             and not exists (select 1 from blocked b where b.kind = 'actor' \
             and b.value = r.actor_ap_id) and (r.account_id is null or exists (select 1 from \
             account a where a.account_id = r.account_id and a.status = 'active' \
             and a.deleted_at is null)) order by sent_on desc limit {MAX_READ}"
        ),
    );
    let packed: String = with_pool!(db, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(from)
    .bind(to)
    .bind(since.to_string())
    .fetch_one(pool)
    .await)?;
    crate::db::unpack(&packed)
}

/// What a corridor's reports say of one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSummary {
    /// Its name as most reports spell it.
    pub provider: String,
    /// The median total cost of the reports counted, in percent.
    pub median: f64,
    /// The reports counted.
    pub count: usize,
    /// The total costs of the outliers: shown, not counted.
    pub outliers: Vec<f64>,
    /// The channels reported, in their order.
    pub channels: Vec<Channel>,
    /// The latest transfer reported.
    pub latest: NaiveDate,
}

/// The median of `values` (none when empty).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

/// Which of `values` are outliers (see the module's words).
pub fn outliers(values: &[f64]) -> Vec<bool> {
    if values.len() < MIN_FOR_OUTLIERS {
        return vec![false; values.len()];
    }
    let Some(center) = median(values) else {
        return vec![false; values.len()];
    };
    let deviations: Vec<f64> = values.iter().map(|value| (value - center).abs()).collect();
    let mad = median(&deviations).unwrap_or_default();
    let scale = (1.4826 * mad).max(1.0);
    values
        .iter()
        .map(|value| (value - center).abs() > 3.0 * scale)
        .collect()
}

/// One line per provider of `reports` (one corridor's, already filtered), the cheapest median
/// first (then the most reports).
pub fn aggregate(reports: &[Reported]) -> Vec<ProviderSummary> {
    let mut groups: BTreeMap<String, Vec<&Reported>> = BTreeMap::new();
    for report in reports {
        groups
            .entry(provider_key(&report.provider))
            .or_default()
            .push(report);
    }
    let mut summaries: Vec<ProviderSummary> = groups
        .into_values()
        .filter_map(|group| {
            let costs: Vec<f64> = group.iter().map(|report| report.total_cost).collect();
            let flagged = outliers(&costs);
            let counted: Vec<f64> = costs
                .iter()
                .zip(&flagged)
                .filter(|(_, outlier)| !**outlier)
                .map(|(cost, _)| *cost)
                .collect();
            let mut spellings: BTreeMap<&str, usize> = BTreeMap::new();
            for report in &group {
                *spellings.entry(&report.provider).or_default() += 1;
            }
            let provider = spellings
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(name, _)| name.to_string())?;
            let mut channels: Vec<Channel> = group.iter().map(|report| report.channel).collect();
            channels.sort();
            channels.dedup();
            Some(ProviderSummary {
                provider,
                median: median(&counted)?,
                count: counted.len(),
                outliers: costs
                    .iter()
                    .zip(&flagged)
                    .filter(|(_, outlier)| **outlier)
                    .map(|(cost, _)| *cost)
                    .collect(),
                channels,
                latest: group.iter().map(|report| report.sent_on).max()?,
            })
        })
        .collect();
    summaries.sort_by(|a, b| {
        a.median
            .total_cmp(&b.median)
            .then_with(|| b.count.cmp(&a.count))
            .then_with(|| a.provider.cmp(&b.provider))
    });
    summaries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ReportInput {
        ReportInput {
            provider: "  Sendwave  ".to_string(),
            channel: "mobile".to_string(),
            sending: "FR".to_string(),
            receiving: "Senegal".to_string(),
            send_currency: "eur".to_string(),
            receive_currency: "XOF".to_string(),
            amount_sent: "200".to_string(),
            fee: "4,99".to_string(),
            amount_received: "127 000".to_string(),
            sent_on: "2026-11-20".to_string(),
            duration: "minutes".to_string(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("day")
    }

    #[test]
    fn a_report_is_read_as_people_write_numbers() {
        let transfer = Transfer::check(&input(), today()).expect("valid");
        assert_eq!(transfer.provider, "Sendwave");
        assert_eq!(transfer.receiving, "SN");
        assert_eq!(transfer.send_currency, "EUR");
        assert_eq!(transfer.fee, 4.99);
        assert_eq!(transfer.amount_received, 127_000.0);
    }

    #[test]
    fn every_wrong_field_is_named() {
        let wrong = ReportInput {
            provider: "Great service, see https://x.example".to_string(),
            channel: "pigeon".to_string(),
            sending: "ZZ".to_string(),
            receiving: "SN".to_string(),
            send_currency: "EURO".to_string(),
            receive_currency: "XOF".to_string(),
            amount_sent: "100".to_string(),
            fee: "150".to_string(),
            amount_received: "-3".to_string(),
            sent_on: "2027-01-01".to_string(),
            duration: "ages".to_string(),
        };
        let Err(Error::Invalid(errors)) = Transfer::check(&wrong, today()) else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        for field in [
            "provider",
            "channel",
            "sending",
            "send_currency",
            "fee",
            "amount_received",
            "sent_on",
            "duration",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
    }

    fn report(provider: &str, cost: f64, day: u32) -> Reported {
        Reported {
            actor_ap_id: String::new(),
            account_id: None,
            provider: provider.to_string(),
            channel: Channel::Mobile,
            sent_on: NaiveDate::from_ymd_opt(2026, 11, day).expect("day"),
            total_cost: cost,
        }
    }

    #[test]
    fn an_outlier_is_shown_but_not_counted() {
        let reports = vec![
            report("Sendwave", 4.1, 1),
            report("sendwave", 4.3, 2),
            report("Sendwave", 3.9, 3),
            report("Sendwave", 31.0, 4),
            report("Western Union", 6.0, 5),
            report("Western  union", 2.5, 6),
        ];
        let summaries = aggregate(&reports);
        assert_eq!(summaries.len(), 2);
        // Western Union's two reports: too few to call one an outlier; median 4.25.
        assert_eq!(summaries[0].provider, "Sendwave");
        assert_eq!(summaries[0].count, 3);
        assert!((summaries[0].median - 4.1).abs() < 1e-9);
        assert_eq!(summaries[0].outliers, vec![31.0]);
        assert_eq!(summaries[1].count, 2);
        assert!((summaries[1].median - 4.25).abs() < 1e-9);
        assert!(summaries[1].outliers.is_empty());
        // Close values are never outliers, however tight the rest.
        assert_eq!(outliers(&[4.0, 4.0, 4.0, 4.9]), vec![false; 4]);
    }
}
