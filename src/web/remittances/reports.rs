//! Members' price reports on the website: `/remittances/report` (the form, and the member's
//! own reports to edit or delete), `/remittances/reports/{id}` (a report's page: its corridor's,
//! where it is counted), and the community's line on a corridor page: per provider, the median
//! total cost and the count of the last 90 days' reports, ours and the network's, without those
//! of blocked domains, suspended accounts or blocked authors; the outliers shown apart.

use super::{country, path, percent};
use crate::app::AppState;
use crate::domain::remittances::rates::EURO_PEGS;
use crate::domain::remittances::reports::{
    self, Channel, Duration, PriceReport, ProviderSummary, RECENT_DAYS, ReportInput, Transfer,
};
use crate::error::{Error, Result};
use crate::federation::price_reports;
use crate::i18n::Translator;
use crate::web::account_pages::FormPage;
use crate::web::auth::{Member, Visitor};
use crate::web::forms::{Field, FormValues};
use crate::web::frame::{Frame, respond_with};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::LazyLock;

/// The currencies suggested while typing: the ECB's, and those fixed to the euro.
static CURRENCIES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut codes: Vec<String> = [
        "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "TRY", "CAD",
        "AUD", "NZD", "JPY", "CNY", "HKD", "SGD", "KRW", "INR", "IDR", "MYR", "PHP", "THB", "BRL",
        "MXN", "ZAR", "ILS", "ISK",
    ]
    .iter()
    .map(|code| code.to_string())
    .chain(EURO_PEGS.iter().map(|(code, _)| code.to_string()))
    .collect();
    codes.sort();
    codes
});

/// The message keys of a channel's and a duration's names.
fn channel_key(channel: Channel) -> String {
    format!("price-channel-{}", channel.as_str())
}

fn duration_key(duration: Duration) -> String {
    format!("price-duration-{}", duration.as_str())
}

/// Today, as reports see it (UTC).
fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The corridor a form starts from: `?from=de&to=sn`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Start {
    from: Option<String>,
    to: Option<String>,
}

/// The report form, filled with `values`.
fn form(frame: Frame, visitor: &Visitor, values: &FormValues, action: String) -> FormPage {
    let t = frame.t;
    let editing = action != "/remittances/report";
    let heading = if editing {
        t.t("price-report-edit-title")
    } else {
        t.t("price-report-title")
    };
    let mut page = FormPage::new(frame, visitor, heading);
    page.intro = t.t("price-report-intro");
    page.action = action;
    page.submit = t.t(if editing {
        "price-report-save"
    } else {
        "price-report-submit"
    });
    let countries = |code: &str| {
        crate::i18n::country_code(code)
            .map(|code| t.country(&code))
            .unwrap_or_else(|| code.to_string())
    };
    page.fields = vec![
        Field::new("sending", "text", t.t("price-report-sending"))
            .required()
            .value(countries(values.get("sending")))
            .suggestions(t.country_names()),
        Field::new("receiving", "text", t.t("price-report-receiving"))
            .required()
            .value(countries(values.get("receiving")))
            .suggestions(t.country_names()),
        Field::new("provider", "text", t.t("price-report-provider"))
            .required()
            .value(values.get("provider"))
            .hint(t.t("price-report-provider-hint")),
        Field::new("channel", "select", t.t("price-report-channel"))
            .required()
            .value(values.get("channel"))
            .choices(
                Channel::ALL
                    .map(|channel| (channel.as_str().to_string(), t.t(&channel_key(channel)))),
            ),
        Field::new("send_currency", "text", t.t("price-report-send-currency"))
            .required()
            .value(values.get("send_currency"))
            .suggestions(&CURRENCIES),
        Field::new("amount_sent", "text", t.t("price-report-amount-sent"))
            .required()
            .value(values.get("amount_sent")),
        Field::new("fee", "text", t.t("price-report-fee"))
            .required()
            .value(values.get("fee"))
            .hint(t.t("price-report-fee-hint")),
        Field::new(
            "receive_currency",
            "text",
            t.t("price-report-receive-currency"),
        )
        .required()
        .value(values.get("receive_currency"))
        .suggestions(&CURRENCIES),
        Field::new(
            "amount_received",
            "text",
            t.t("price-report-amount-received"),
        )
        .required()
        .value(values.get("amount_received"))
        .hint(t.t("price-report-amount-received-hint")),
        Field::new("sent_on", "date", t.t("price-report-sent-on"))
            .required()
            .value(values.get("sent_on")),
        Field::new("duration", "select", t.t("price-report-duration"))
            .required()
            .value(values.get("duration"))
            .choices(
                Duration::ALL
                    .map(|duration| (duration.as_str().to_string(), t.t(&duration_key(duration)))),
            ),
    ];
    page
}

/// The values of a form: the fields' names, as the domain's input.
fn input(values: &FormValues) -> ReportInput {
    ReportInput {
        provider: values.get("provider").to_string(),
        channel: values.get("channel").to_string(),
        sending: values.get("sending").to_string(),
        receiving: values.get("receiving").to_string(),
        send_currency: values.get("send_currency").to_string(),
        receive_currency: values.get("receive_currency").to_string(),
        amount_sent: values.get("amount_sent").to_string(),
        fee: values.get("fee").to_string(),
        amount_received: values.get("amount_received").to_string(),
        sent_on: values.get("sent_on").to_string(),
        duration: values.get("duration").to_string(),
    }
}

/// A kept report as a form's values.
fn values_of(report: &PriceReport) -> FormValues {
    let transfer = &report.transfer;
    FormValues::from_pairs(vec![
        ("provider".to_string(), transfer.provider.clone()),
        ("channel".to_string(), transfer.channel.as_str().to_string()),
        ("sending".to_string(), transfer.sending.clone()),
        ("receiving".to_string(), transfer.receiving.clone()),
        ("send_currency".to_string(), transfer.send_currency.clone()),
        (
            "receive_currency".to_string(),
            transfer.receive_currency.clone(),
        ),
        ("amount_sent".to_string(), transfer.amount_sent.to_string()),
        ("fee".to_string(), transfer.fee.to_string()),
        (
            "amount_received".to_string(),
            transfer.amount_received.to_string(),
        ),
        ("sent_on".to_string(), transfer.sent_on.to_string()),
        (
            "duration".to_string(),
            transfer.duration.as_str().to_string(),
        ),
    ])
}

/// A report in the member's list: "Germany → Senegal, Sendwave, 20 Nov 2026: 5.7 %".
fn listed(t: &Translator, report: &PriceReport) -> (String, String) {
    let transfer = &report.transfer;
    let public_id = report.public_id.clone().unwrap_or_default();
    (
        format!("/remittances/reports/{public_id}/edit"),
        t.t_args(
            "price-report-listed",
            &[
                (
                    "corridor",
                    super::corridor_name(t, &transfer.sending, &transfer.receiving),
                ),
                ("provider", transfer.provider.clone()),
                ("day", t.digits(&transfer.sent_on.to_string())),
                ("cost", percent(t, report.total_cost)),
            ],
        ),
    )
}

/// `GET /remittances/report`: the form, and the member's reports.
pub async fn new_report(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Query(start): Query<Start>,
) -> Result<Response> {
    let account = visitor.account().ok_or(Error::NotFound)?;
    let instance = &state.config().instance;
    let from = start
        .from
        .or_else(|| instance.countries_of_residence.first().cloned())
        .unwrap_or_default();
    let to = start
        .to
        .or_else(|| instance.countries_of_origin.first().cloned())
        .unwrap_or_default();
    let values = FormValues::from_pairs(vec![
        ("sending".to_string(), from.to_ascii_uppercase()),
        ("receiving".to_string(), to.to_ascii_uppercase()),
        ("send_currency".to_string(), "EUR".to_string()),
        ("sent_on".to_string(), today().to_string()),
        ("channel".to_string(), "online".to_string()),
        ("duration".to_string(), "minutes".to_string()),
    ]);
    let t = frame.t;
    let mut page = form(frame, &visitor, &values, "/remittances/report".to_string());
    page.links = own_links(&state, &t, account.account_id).await?;
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// The member's reports, to edit, under the form; and the way back.
async fn own_links(
    state: &AppState,
    t: &Translator,
    account_id: i64,
) -> Result<Vec<(String, String)>> {
    let mut links: Vec<(String, String)> = reports::of_account(state.db(), account_id)
        .await?
        .iter()
        .map(|report| listed(t, report))
        .collect();
    links.push(("/remittances".to_string(), t.t("remittances-title")));
    Ok(links)
}

/// `POST /remittances/report`: keeps the report and sends it; then its corridor's page.
pub async fn create(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    let account = visitor.account().ok_or(Error::NotFound)?;
    let action = "/remittances/report".to_string();
    if visitor.check_csrf(values.get("csrf")).is_err() {
        let page =
            form(frame.clone(), &visitor, &values, action).with_message(frame.t.t("error-csrf"));
        return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
    }
    let done = match Transfer::check(&input(&values), today()) {
        Ok(transfer) => price_reports::publish(&state, account.account_id, &transfer).await,
        Err(error) => Err(error),
    };
    finish(&state, frame, &visitor, &values, action, done).await
}

/// A saved report goes to its corridor's page; a refused one comes back with its errors.
async fn finish(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    values: &FormValues,
    action: String,
    done: Result<PriceReport>,
) -> Result<Response> {
    match done {
        Ok(report) => Ok(Redirect::to(&format!(
            "{}#community",
            path(&report.transfer.sending, &report.transfer.receiving)
        ))
        .into_response()),
        Err(Error::Invalid(errors)) => {
            let page = form(frame, visitor, values, action).with_errors(&errors);
            respond_with(state, visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

/// `GET /remittances/reports/{id}/edit`: its author's form.
pub async fn edit_form(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Path(public_id): Path<String>,
) -> Result<Response> {
    let account = visitor.account().ok_or(Error::NotFound)?;
    let report = price_reports::own(&state, account.account_id, &public_id).await?;
    let t = frame.t;
    let mut page = form(
        frame,
        &visitor,
        &values_of(&report),
        format!("/remittances/reports/{public_id}/edit"),
    );
    page.links = vec![
        (
            format!("/remittances/reports/{public_id}/delete"),
            t.t("price-report-delete"),
        ),
        ("/remittances/report".to_string(), t.t("price-report-yours")),
    ];
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /remittances/reports/{id}/edit`.
pub async fn edit(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Path(public_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    let account = visitor.account().ok_or(Error::NotFound)?;
    visitor.check_csrf(values.get("csrf"))?;
    let action = format!("/remittances/reports/{public_id}/edit");
    let done = match Transfer::check(&input(&values), today()) {
        Ok(transfer) => {
            price_reports::edit(&state, account.account_id, &public_id, &transfer).await
        }
        Err(error) => Err(error),
    };
    finish(&state, frame, &visitor, &values, action, done).await
}

/// `GET /remittances/reports/{id}/delete`: asks first.
pub async fn delete_confirm(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Path(public_id): Path<String>,
) -> Result<Response> {
    let account = visitor.account().ok_or(Error::NotFound)?;
    let report = price_reports::own(&state, account.account_id, &public_id).await?;
    let t = frame.t;
    let page = crate::web::editor::ConfirmPage {
        heading: t.t("price-report-delete"),
        text: listed(&t, &report).1,
        action: format!("/remittances/reports/{public_id}/delete"),
        csrf: visitor.csrf().to_string(),
        submit: t.t("price-report-delete"),
        back: format!("/remittances/reports/{public_id}/edit"),
        frame,
    };
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /remittances/reports/{id}/delete`: erased here, and a `Delete` to the network.
pub async fn delete(
    State(state): State<AppState>,
    Member(visitor): Member,
    Path(public_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    let account = visitor.account().ok_or(Error::NotFound)?;
    visitor.check_csrf(values.get("csrf"))?;
    price_reports::remove(&state, account.account_id, &public_id).await?;
    Ok(Redirect::to("/remittances/report").into_response())
}

/// `GET /remittances/reports/{id}` for people: the page of its corridor, where it counts.
pub async fn page(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
) -> Result<Response> {
    let report = reports::find(state.db(), &public_id).await?;
    Ok(Redirect::to(&format!(
        "{}#community",
        path(&report.transfer.sending, &report.transfer.receiving)
    ))
    .into_response())
}

/// The reports of a corridor that count here: the last [`RECENT_DAYS`] days', without those of
/// suspended accounts and blocked (or not allowed) domains.
pub async fn community(state: &AppState, from: &str, to: &str) -> Result<Vec<ProviderSummary>> {
    let since = today() - chrono::Duration::days(RECENT_DAYS);
    let kept: Vec<reports::Reported> = reports::recent(state.db(), from, to, since)
        .await?
        .into_iter()
        .filter(|report| {
            let host = url::Url::parse(&report.actor_ap_id)
                .ok()
                .and_then(|url| url.host_str().map(str::to_string))
                .unwrap_or_default();
            let ours = report.account_id.is_some();
            !crate::federation::policy::is_suspended(state, &report.actor_ap_id)
                && (ours
                    || state.peer_policy().standing(&host)
                        != crate::federation::policy::Standing::Refused)
        })
        .collect();
    Ok(reports::aggregate(&kept))
}

/// A provider's line on a corridor page.
pub struct CommunityRow {
    pub provider: String,
    pub median: String,
    pub count: String,
    pub channels: String,
    /// The outliers' costs, or empty.
    pub outliers: String,
    pub latest: String,
}

/// The lines of `summaries`, in the reader's words.
pub fn rows(t: &Translator, summaries: &[ProviderSummary]) -> Vec<CommunityRow> {
    summaries
        .iter()
        .map(|summary| CommunityRow {
            provider: summary.provider.clone(),
            median: percent(t, summary.median),
            count: t.digits(&summary.count.to_string()),
            channels: summary
                .channels
                .iter()
                .map(|channel| t.t(&channel_key(*channel)))
                .collect::<Vec<_>>()
                .join(t.list_separator()),
            outliers: summary
                .outliers
                .iter()
                .map(|cost| percent(t, *cost))
                .collect::<Vec<_>>()
                .join(t.list_separator()),
            latest: t.digits(&summary.latest.to_string()),
        })
        .collect()
}

/// "Cheapest reported recently: Sendwave, 3.9 % (median of 4 reports)".
pub fn cheapest(t: &Translator, summaries: &[ProviderSummary]) -> Option<String> {
    let first = summaries.first()?;
    Some(t.t_args(
        "price-report-cheapest",
        &[
            ("provider", first.provider.clone()),
            ("cost", percent(t, first.median)),
            ("count", t.digits(&first.count.to_string())),
        ],
    ))
}

/// A corridor's name for the form's link ("Report what sending money to Senegal cost you").
pub fn report_link(t: &Translator, from: &str, to: &str) -> (String, String) {
    (
        format!(
            "/remittances/report?from={}&to={}",
            from.to_ascii_lowercase(),
            to.to_ascii_lowercase()
        ),
        t.t1("price-report-invite", "to", &country(t, to)),
    )
}
