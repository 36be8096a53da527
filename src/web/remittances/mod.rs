//! What sending money home costs, on the website and as data: `/remittances` (the instance's
//! corridors, from its countries of residence to its countries of origin, any other chosen by
//! its two countries, and every corridor the survey covers), `/remittances/{from}-{to}` (ISO
//! codes: a corridor's cost per quarter drawn against the SDG 10.c targets with a table beside
//! it, how it compares with the other corridors to the same country and from the same
//! country, the yearly flow and migrant stock, and the estimated yearly cost of fees to the
//! community, with the data's caveats), its series as CSV (`….csv`), and the same as JSON
//! (`/api/v1/remittances`, `/api/v1/remittances/{from}-{to}`). The World Bank's attribution
//! goes with every figure.

mod chart;
pub mod reports;

use super::frame::{Frame, framed, respond};
use crate::app::AppState;
use crate::domain::remittances::{self, Dataset, Latest, Point, SDG_AVERAGE, SDG_CEILING};
use crate::error::{Error, Result};
use crate::i18n::{Language, Translator};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};

/// The remittance pages (their errors are pages).
pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/remittances", get(index))
        .route("/remittances/{pair}", get(corridor))
        .route(
            "/remittances/report",
            get(reports::new_report).post(reports::create),
        )
        .route(
            "/remittances/reports/{public_id}/edit",
            get(reports::edit_form).post(reports::edit),
        )
        .route(
            "/remittances/reports/{public_id}/delete",
            get(reports::delete_confirm).post(reports::delete),
        )
}

/// Their data as JSON.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/remittances", get(api_index))
        .route("/api/v1/remittances/{pair}", get(api_corridor))
}

/// Loads the shipped data on a new instance (once per process; nothing after that).
async fn loaded(state: &AppState) -> Result<()> {
    state.remittances_loaded().await
}

/// A country's name in the reader's language (the Netherlands Antilles, gone from CLDR, by
/// our own words).
fn country(t: &Translator, code: &str) -> String {
    if code == "AN" {
        return t.t("remittances-netherlands-antilles");
    }
    t.country(code)
}

/// A percentage as the language writes it (`4.2 %`, `٤٫٢٪`).
fn percent(t: &Translator, value: f64) -> String {
    t.t1("remittances-percent", "value", &t.decimal(value, 1))
}

/// A whole number with the language's thousands separator.
fn grouped(t: &Translator, number: i64) -> String {
    let digits = number.unsigned_abs().to_string();
    let separator = match t.language {
        Language::En => ",",
        Language::Ar => "\u{066C}",
        Language::Fr => "\u{202F}",
        Language::Es => ".",
    };
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    let sign = if number < 0 { "-" } else { "" };
    t.digits(&format!("{sign}{out}"))
}

/// Millions of US dollars as the language writes them.
fn millions(t: &Translator, value: f64) -> String {
    t.t1("remittances-usd-millions", "amount", &t.decimal(value, 1))
}

/// A quarter (`2020Q3`) as the language names it.
fn quarter(t: &Translator, quarter: &str) -> String {
    match quarter.split_once('Q') {
        Some((year, q)) => t.t_args(
            "remittances-quarter",
            &[("quarter", t.digits(q)), ("year", t.digits(year))],
        ),
        None => quarter.to_string(),
    }
}

/// The corridor `text` names (`de-sy`, `DEU-SYR`, any case): its alpha-2 codes, upper-case.
fn pair(text: &str) -> Option<(String, String)> {
    let (from, to) = text.split_once('-')?;
    let code = |code: &str| -> Option<String> {
        match code.len() {
            2 if code.eq_ignore_ascii_case("AN") => Some("AN".to_string()),
            2 if code.chars().all(|c| c.is_ascii_alphabetic()) => crate::i18n::country_code(code),
            3 => remittances::databank::alpha2(code).map(str::to_string),
            _ => None,
        }
    };
    Some((code(from)?, code(to)?))
}

/// The path of the corridor `from` → `to`.
fn path(from: &str, to: &str) -> String {
    format!(
        "/remittances/{}-{}",
        from.to_ascii_lowercase(),
        to.to_ascii_lowercase()
    )
}

/// The attribution of each source, with its own date when we know it.
async fn attribution(state: &AppState, t: &Translator) -> Result<Vec<String>> {
    let imports = remittances::imports(state.db()).await?;
    Ok(Dataset::ALL
        .iter()
        .map(|dataset| {
            let updated = imports
                .get(dataset.as_str())
                .and_then(|import| import.last_updated.clone())
                .unwrap_or_default();
            t.t_args(
                &format!("remittances-source-{}", dataset.as_str()),
                &[("updated", t.digits(&updated))],
            )
        })
        .collect())
}

/// A corridor in a list.
pub struct CorridorRow {
    /// "Germany → Syria".
    pub name: String,
    pub from: String,
    pub to: String,
    pub link: String,
    /// Its latest cost and quarter, or `None`: not surveyed.
    pub latest: Option<(String, String)>,
    /// Above the SDG ceiling.
    pub above: bool,
    /// The corridor of the page.
    pub this: bool,
}

/// "Germany → Syria", in the reader's language.
fn corridor_name(t: &Translator, from: &str, to: &str) -> String {
    t.t_args(
        "remittances-corridor-name",
        &[("from", country(t, from)), ("to", country(t, to))],
    )
}

fn row(t: &Translator, latest: &Latest, this: Option<(&str, &str)>) -> CorridorRow {
    CorridorRow {
        name: corridor_name(t, &latest.sending, &latest.receiving),
        from: country(t, &latest.sending),
        to: country(t, &latest.receiving),
        link: path(&latest.sending, &latest.receiving),
        latest: Some((percent(t, latest.cost), quarter(t, &latest.quarter))),
        above: latest.cost > SDG_CEILING,
        this: this == Some((latest.sending.as_str(), latest.receiving.as_str())),
    }
}

#[derive(Template)]
#[template(path = "remittances.html")]
struct IndexPage {
    frame: Frame,
    ours: Vec<CorridorRow>,
    /// `(code, name)`: the countries that send and that receive, in the survey.
    senders: Vec<(String, String)>,
    receivers: Vec<(String, String)>,
    all: Vec<CorridorRow>,
    attribution: Vec<String>,
}
framed!(IndexPage);

/// `?from=&to=`: the form that picks a corridor.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Choice {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /remittances`.
pub async fn index(
    State(state): State<AppState>,
    frame: Frame,
    Query(choice): Query<Choice>,
) -> Result<Response> {
    if let (Some(from), Some(to)) = (&choice.from, &choice.to)
        && let Some((from, to)) = pair(&format!("{from}-{to}"))
    {
        return Ok(Redirect::to(&path(&from, &to)).into_response());
    }
    loaded(&state).await?;
    let t = frame.t;
    let latest = remittances::latest(state.db(), None, None).await?;
    let instance = &state.config().instance;
    let mut ours = Vec::new();
    for from in &instance.countries_of_residence {
        for to in &instance.countries_of_origin {
            let (from, to) = (from.to_ascii_uppercase(), to.to_ascii_uppercase());
            if from == to {
                continue;
            }
            let found = latest
                .iter()
                .find(|latest| latest.sending == from && latest.receiving == to);
            ours.push(match found {
                Some(found) => row(&t, found, None),
                None => CorridorRow {
                    name: corridor_name(&t, &from, &to),
                    from: country(&t, &from),
                    to: country(&t, &to),
                    link: path(&from, &to),
                    latest: None,
                    above: false,
                    this: false,
                },
            });
        }
    }
    let named = |codes: Vec<&String>| {
        let mut named: Vec<(String, String)> = codes
            .into_iter()
            .map(|code| (code.clone(), country(&t, code)))
            .collect();
        named.sort_by(|a, b| a.1.cmp(&b.1));
        named.dedup();
        named
    };
    let senders = named(latest.iter().map(|latest| &latest.sending).collect());
    let receivers = named(latest.iter().map(|latest| &latest.receiving).collect());
    let mut all: Vec<CorridorRow> = latest.iter().map(|latest| row(&t, latest, None)).collect();
    all.sort_by(|a, b| a.from.cmp(&b.from).then_with(|| a.to.cmp(&b.to)));
    let page = IndexPage {
        ours,
        senders,
        receivers,
        all,
        attribution: attribution(&state, &t).await?,
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// Everything a corridor's page and its JSON show.
struct Corridor {
    from: String,
    to: String,
    series: Vec<Point>,
    to_same: Vec<Latest>,
    from_same: Vec<Latest>,
    flow: Option<(i32, f64)>,
    stock: Option<(i32, i64)>,
}

impl Corridor {
    async fn read(state: &AppState, from: &str, to: &str) -> Result<Corridor> {
        let db = state.db();
        Ok(Corridor {
            from: from.to_string(),
            to: to.to_string(),
            series: remittances::series(db, from, to).await?,
            to_same: remittances::latest(db, None, Some(to)).await?,
            from_same: remittances::latest(db, Some(from), None).await?,
            flow: remittances::flow(db, from, to).await?,
            stock: remittances::stock(db, to, from).await?,
        })
    }

    /// The cost the yearly estimate is computed at: the corridor's latest, or (not surveyed)
    /// the average of the corridors from the same country. `(cost, from the corridor)`.
    fn basis(&self) -> Option<(f64, bool)> {
        match self.series.last() {
            Some(latest) => Some((latest.cost, true)),
            None => remittances::average(&self.from_same).map(|(average, _)| (average, false)),
        }
    }

    /// The estimated yearly cost of fees, in millions of US$.
    fn yearly_cost(&self) -> Option<f64> {
        let (cost, _) = self.basis()?;
        let (_, flow) = self.flow?;
        Some(remittances::yearly_cost(flow, cost))
    }
}

#[derive(Template)]
#[template(path = "remittance_corridor.html")]
struct CorridorPage {
    frame: Frame,
    heading: String,
    /// The latest figure, said in words with where it stands against the targets.
    latest: Option<String>,
    standing: Option<String>,
    chart: Option<String>,
    /// `(quarter, cost)`, oldest first.
    table: Vec<(String, String)>,
    to_same: Vec<CorridorRow>,
    to_same_heading: String,
    from_same: Vec<CorridorRow>,
    from_same_heading: String,
    /// `(what, figure)`.
    facts: Vec<(String, String)>,
    /// How the yearly cost was estimated.
    basis: Option<String>,
    csv: String,
    json: String,
    attribution: Vec<String>,
    /// What members of the network reported, per provider, the cheapest first.
    community: Vec<reports::CommunityRow>,
    cheapest: Option<String>,
    /// `(href, text)`: the form to report a transfer on this corridor.
    report: (String, String),
}
framed!(CorridorPage);

/// The labels of the time axis: each year's first quarter shown.
fn ticks(series: &[Point], t: &Translator) -> Vec<(usize, String)> {
    let mut ticks = Vec::new();
    let mut last_year = "";
    for (index, point) in series.iter().enumerate() {
        let year = point.quarter.get(..4).unwrap_or_default();
        if year != last_year {
            last_year = year;
            // Every other year when the series is long, so that labels do not collide.
            if series.len() <= 20 || year.parse::<i32>().unwrap_or_default() % 2 == 1 {
                ticks.push((index, t.digits(year)));
            }
        }
    }
    ticks
}

/// `GET /remittances/{from}-{to}` and `GET /remittances/{from}-{to}.csv`.
pub async fn corridor(
    State(state): State<AppState>,
    frame: Frame,
    Path(text): Path<String>,
) -> Result<Response> {
    let (text, csv) = match text.strip_suffix(".csv") {
        Some(text) => (text.to_string(), true),
        None => (text, false),
    };
    let (from, to) = pair(&text).ok_or(Error::NotFound)?;
    if from == to {
        return Err(Error::NotFound);
    }
    let canonical = path(&from, &to);
    if !csv && format!("/remittances/{text}") != canonical {
        return Ok(Redirect::permanent(&canonical).into_response());
    }
    loaded(&state).await?;
    let t = frame.t;
    let read = Corridor::read(&state, &from, &to).await?;
    if csv {
        return corridor_csv(&state, &read).await;
    }
    let (from_name, to_name) = (country(&t, &from), country(&t, &to));
    let heading = t.t_args(
        "remittances-corridor-title",
        &[("from", from_name.clone()), ("to", to_name.clone())],
    );
    let latest = read.series.last().map(|latest| {
        t.t_args(
            "remittances-latest",
            &[
                ("cost", percent(&t, latest.cost)),
                ("quarter", quarter(&t, &latest.quarter)),
            ],
        )
    });
    let standing = read.series.last().map(|latest| {
        t.t(if latest.cost <= SDG_AVERAGE {
            "remittances-meets-average"
        } else if latest.cost <= SDG_CEILING {
            "remittances-under-ceiling"
        } else {
            "remittances-above-ceiling"
        })
    });
    let points: Vec<(String, f64)> = read
        .series
        .iter()
        .map(|point| (quarter(&t, &point.quarter), point.cost))
        .collect();
    let chart = (!points.is_empty()).then(|| {
        let description = match (read.series.first(), read.series.last()) {
            (Some(first), Some(last)) => t.t_args(
                "remittances-chart-description",
                &[
                    ("first", percent(&t, first.cost)),
                    ("start", quarter(&t, &first.quarter)),
                    ("last", percent(&t, last.cost)),
                    ("end", quarter(&t, &last.quarter)),
                ],
            ),
            _ => String::new(),
        };
        let format = |value: f64| {
            t.t1(
                "remittances-percent",
                "value",
                &t.digits(&format!("{value:.0}")),
            )
        };
        chart::Chart {
            title: &t.t_args(
                "remittances-chart-title",
                &[("from", from_name.clone()), ("to", to_name.clone())],
            ),
            description: &description,
            points: &points,
            ticks: &ticks(&read.series, &t),
            lines: &[
                (SDG_AVERAGE, t.t("remittances-sdg-average")),
                (SDG_CEILING, t.t("remittances-sdg-ceiling")),
            ],
            format: &format,
            rtl: t.language.dir() == "rtl",
        }
        .svg("corridor-chart")
    });
    let this = Some((from.as_str(), to.as_str()));
    let mut facts = Vec::new();
    if let Some((year, flow)) = read.flow {
        facts.push((
            t.t1("remittances-flow", "year", &t.digits(&year.to_string())),
            millions(&t, flow),
        ));
    }
    if let Some((year, people)) = read.stock {
        facts.push((
            t.t_args(
                "remittances-stock",
                &[
                    ("year", t.digits(&year.to_string())),
                    ("origin", to_name.clone()),
                    ("destination", from_name.clone()),
                ],
            ),
            grouped(&t, people),
        ));
    }
    if let Some(cost) = read.yearly_cost() {
        facts.push((t.t("remittances-yearly-cost"), millions(&t, cost)));
    }
    let basis = match (read.basis(), read.flow) {
        (Some((cost, true)), Some(_)) => {
            Some(t.t1("remittances-basis-corridor", "cost", &percent(&t, cost)))
        }
        (Some((cost, false)), Some(_)) => Some(t.t_args(
            "remittances-basis-average",
            &[
                ("cost", percent(&t, cost)),
                ("from", from_name.clone()),
                ("count", t.digits(&read.from_same.len().to_string())),
            ],
        )),
        _ => None,
    };
    let community = reports::community(&state, &from, &to).await?;
    let page = CorridorPage {
        community: reports::rows(&t, &community),
        cheapest: reports::cheapest(&t, &community),
        report: reports::report_link(&t, &from, &to),
        heading,
        latest,
        standing,
        chart,
        table: read
            .series
            .iter()
            .map(|point| (quarter(&t, &point.quarter), percent(&t, point.cost)))
            .collect(),
        to_same: read
            .to_same
            .iter()
            .map(|latest| row(&t, latest, this))
            .collect(),
        to_same_heading: t.t1("remittances-to-same", "to", &to_name),
        from_same: read
            .from_same
            .iter()
            .map(|latest| row(&t, latest, this))
            .collect(),
        from_same_heading: t.t1("remittances-from-same", "from", &from_name),
        facts,
        basis,
        csv: format!("{canonical}.csv"),
        json: format!("/api/v1{canonical}"),
        attribution: attribution(&state, &t).await?,
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// The attribution in English, for the files.
async fn attribution_en(state: &AppState) -> Result<Vec<String>> {
    attribution(state, &Translator::new(Language::En)).await
}

/// A corridor's series as CSV, with the attribution on every row.
async fn corridor_csv(state: &AppState, read: &Corridor) -> Result<Response> {
    let source = attribution_en(state).await?.remove(0);
    let mut csv = String::from("sending,receiving,quarter,average_total_cost_percent,source\n");
    for point in &read.series {
        csv.push_str(&format!(
            "{},{},{},{},\"{} CC BY 4.0\"\n",
            read.from,
            read.to,
            point.quarter,
            point.cost,
            source.replace('"', "\"\"")
        ));
    }
    let name = format!(
        "attachment; filename=\"remittances-{}-{}.csv\"",
        read.from.to_ascii_lowercase(),
        read.to.to_ascii_lowercase()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        csv,
    )
        .into_response())
}

/// The targets, for the JSON.
fn targets() -> Value {
    json!({"sdg_10c_average_percent": SDG_AVERAGE, "sdg_10c_ceiling_percent": SDG_CEILING})
}

/// `GET /api/v1/remittances`: every corridor's latest figure.
pub async fn api_index(State(state): State<AppState>) -> Result<Response> {
    loaded(&state).await?;
    let latest = remittances::latest(state.db(), None, None).await?;
    Ok(Json(json!({
        "corridors": latest,
        "targets": targets(),
        "attribution": attribution_en(&state).await?,
    }))
    .into_response())
}

/// `GET /api/v1/remittances/{from}-{to}`: a corridor's series, its comparisons, flow, stock
/// and estimated yearly cost.
pub async fn api_corridor(
    State(state): State<AppState>,
    Path(text): Path<String>,
) -> Result<Response> {
    let (from, to) = pair(&text).ok_or(Error::NotFound)?;
    loaded(&state).await?;
    let read = Corridor::read(&state, &from, &to).await?;
    let basis = read.basis();
    let community = reports::community(&state, &from, &to).await?;
    Ok(Json(json!({
        "community_reports": {
            "days": crate::domain::remittances::reports::RECENT_DAYS,
            "method": "per provider: the median total cost (fee + exchange-rate margin against the mid-market rate of the day) of members' reports of the last days, ours and the network's; a report further from its provider's median than three scaled median absolute deviations (at least one percentage point), among three or more, is an outlier: listed, not counted",
            "providers": community.iter().map(|summary| json!({
                "provider": summary.provider,
                "median_total_cost_percent": (summary.median * 100.0).round() / 100.0,
                "reports": summary.count,
                "outliers_total_cost_percent": summary.outliers,
                "channels": summary.channels.iter().map(|channel| channel.as_str()).collect::<Vec<_>>(),
                "latest_transfer": summary.latest.to_string(),
            })).collect::<Vec<_>>(),
        },
        "sending": read.from,
        "receiving": read.to,
        "series": read.series,
        "latest": read.series.last(),
        "same_receiving": read.to_same,
        "same_sending": read.from_same,
        "flow": read.flow.map(|(year, usd_millions)| json!({"year": year, "usd_millions": usd_millions})),
        "migrants": read.stock.map(|(year, people)| json!({"year": year, "people": people})),
        "estimated_yearly_cost_usd_millions": read.yearly_cost(),
        "cost_basis": basis.map(|(cost, corridor)| json!({
            "percent": cost,
            "from": if corridor { "corridor" } else { "sending_country_average" },
        })),
        "targets": targets(),
        "attribution": attribution_en(&state).await?,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_each_language_writes_them() {
        let en = Translator::new(Language::En);
        let ar = Translator::new(Language::Ar);
        let fr = Translator::new(Language::Fr);
        assert_eq!(grouped(&en, 637_845), "637,845");
        assert_eq!(grouped(&ar, 637_845), "٦٣٧٬٨٤٥");
        assert_eq!(grouped(&fr, 1_234_567), "1\u{202F}234\u{202F}567");
        assert_eq!(fr.decimal(4.238, 1), "4,2");
        assert_eq!(ar.decimal(4.238, 1), "٤٫٢");
        assert_eq!(pair("de-SY"), Some(("DE".to_string(), "SY".to_string())));
        assert_eq!(pair("DEU-syr"), Some(("DE".to_string(), "SY".to_string())));
        assert_eq!(pair("de"), None);
        assert_eq!(pair("d1-sy"), None);
        assert_eq!(pair("jj-sy"), None, "not a country");
    }
}
