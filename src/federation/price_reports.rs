//! Price reports as ActivityPub: a member's report is a `Page` of their actor, its numbers
//! under our `priceReport` term and a line Mastodon shows in `summary` ("Sent 200 EUR to
//! Senegal with Sendwave: 4.1 % total cost"). Its `Create`, `Update` and `Delete` go from the
//! member's actor to their followers and to the organization's (other Jisr instances keep the
//! reports they receive with their own), and the organization `Announce`s a new one, so that
//! the people who follow it on Mastodon see it.
//!
//! Received: a `Create` or `Update` of an object with `priceReport` is kept when its actor
//! is on the server of an organization this instance follows; its total cost is computed again
//! here when we have the rates of that day, else taken as sent (within the plausible bounds).
//! Blocked domains and suspended accounts are filtered where the reports are read, so that
//! lifting a decision shows them again.

use super::activities::ACTIVITY_STREAMS;
use super::actors::LocalActor;
use super::{delivery, followers, members, objects};
use crate::app::AppState;
use crate::db::{Tx, with_tx};
use crate::domain::remittances::reports::{self, NewReport, PLAUSIBLE_COST, PriceReport, Transfer};
use crate::error::{Error, Result};
use crate::i18n::{Language, Translator};
use chrono::Utc;
use serde_json::{Map, Value, json};
use url::Url;

/// The line Mastodon shows, in `t`'s language: "Sent 200 EUR to Senegal with Sendwave:
/// 4.1 % total cost".
pub fn summary_line(t: &Translator, transfer: &Transfer, cost: f64) -> String {
    t.t_args(
        "price-report-summary",
        &[
            ("amount", t.digits(&format!("{}", transfer.amount_sent))),
            ("currency", transfer.send_currency.clone()),
            ("country", t.country(&transfer.receiving)),
            ("provider", transfer.provider.clone()),
            ("cost", t.decimal(cost, 1)),
        ],
    )
}

/// The languages the report's texts are written in: the instance's, English when it names
/// none we have.
fn languages(state: &AppState) -> Vec<Language> {
    let mut languages: Vec<Language> = state
        .config()
        .instance
        .languages
        .iter()
        .filter_map(|tag| Language::parse(tag))
        .collect();
    languages.dedup();
    if languages.is_empty() {
        languages.push(Language::En);
    }
    languages
}

/// The report as we serve and send it, with `@context`.
pub fn object(state: &AppState, report: &PriceReport) -> Value {
    let transfer = &report.transfer;
    let urls = state.urls();
    let actor = Url::parse(&report.actor_ap_id).ok();
    let mut names = Map::new();
    let mut summaries = Map::new();
    for language in languages(state) {
        let t = Translator::new(language);
        names.insert(
            language.code().to_string(),
            Value::String(t.t_args(
                "price-report-name",
                &[
                    ("from", t.country(&transfer.sending)),
                    ("to", t.country(&transfer.receiving)),
                ],
            )),
        );
        summaries.insert(
            language.code().to_string(),
            Value::String(format!(
                "<p>{}</p>",
                crate::domain::text::escape_html(&summary_line(&t, transfer, report.total_cost))
            )),
        );
    }
    let first = |map: &Map<String, Value>| map.values().next().cloned().unwrap_or_default();
    let mut cc = vec![json!(urls.followers(&urls.actor(
        super::actors::ActorKind::Organization,
        &state.actors().organization().username
    )))];
    if let Some(actor) = &actor {
        cc.insert(0, json!(urls.followers(actor)));
    }
    json!({
        "@context": objects::context(),
        "id": report.ap_id,
        "type": "Page",
        "attributedTo": report.actor_ap_id,
        "name": first(&names),
        "nameMap": names,
        "summary": first(&summaries),
        "summaryMap": summaries,
        "url": urls.corridor(&transfer.sending, &transfer.receiving),
        "published": report.published_at,
        "updated": report.updated_at,
        "to": [objects::PUBLIC],
        "cc": cc,
        "priceReport": {
            "providerName": transfer.provider,
            "channel": transfer.channel.as_str(),
            "sendingCountry": transfer.sending,
            "receivingCountry": transfer.receiving,
            "sendCurrency": transfer.send_currency,
            "receiveCurrency": transfer.receive_currency,
            "amountSent": transfer.amount_sent,
            "fee": transfer.fee,
            "amountReceived": transfer.amount_received,
            "transferDate": transfer.sent_on.to_string(),
            "transferTime": transfer.duration.as_str(),
            "midRate": report.mid_rate,
            "totalCost": (report.total_cost * 100.0).round() / 100.0,
        },
    })
}

/// Queues `activity` of the member's `actor` for their followers and the organization's, each
/// inbox once.
async fn to_followers(
    state: &AppState,
    tx: &mut Tx,
    actor: &LocalActor,
    activity: &Value,
    id: &Url,
) -> Result<()> {
    let mut inboxes = followers::delivery_inboxes(tx, actor.local_actor_id).await?;
    for inbox in
        followers::delivery_inboxes(tx, state.actors().organization().local_actor_id).await?
    {
        if !inboxes.contains(&inbox) {
            inboxes.push(inbox);
        }
    }
    delivery::enqueue(tx, activity, id, actor.local_actor_id, true, &inboxes).await
}

/// The member's actor, or a 403 when their account cannot speak (not active).
async fn actor(state: &AppState, account_id: i64) -> Result<std::sync::Arc<LocalActor>> {
    members::actor_of(state, account_id)
        .await?
        .ok_or_else(|| Error::Forbidden("this account has no actor to report with".to_string()))
}

/// `verb` of the report `object`, by `actor`, with the id `id`.
fn activity(verb: &str, id: &Url, actor: &LocalActor, object: &Value) -> Value {
    json!({
        "@context": objects::context(),
        "id": id,
        "type": verb,
        "actor": actor.id,
        "published": object["updated"],
        "to": object["to"],
        "cc": object["cc"],
        "object": object,
    })
}

/// A member's new report: its cost computed, kept, its `Create` sent and the organization's
/// `Announce` queued, in one transaction. A 422 when the rate of that day is missing.
pub async fn publish(
    state: &AppState,
    account_id: i64,
    transfer: &Transfer,
) -> Result<PriceReport> {
    let actor = actor(state, account_id).await?;
    let now = Utc::now();
    if reports::made_since(state.db(), account_id, now - chrono::Duration::days(1)).await?
        >= reports::MAX_PER_DAY
    {
        return Err(Error::TooManyRequests {
            reason: format!(
                "at most {} price reports a day: try again tomorrow",
                reports::MAX_PER_DAY
            ),
            retry_after: 3600,
        });
    }
    let (cost, mid) = transfer.cost(state.db()).await?;
    let public_id = crate::domain::publication::new_public_id(now);
    let ap_id = state.urls().price_report(&public_id);
    let report = PriceReport {
        price_report_id: 0,
        ap_id: ap_id.to_string(),
        public_id: Some(public_id.clone()),
        account_id: Some(account_id),
        actor_ap_id: actor.id.to_string(),
        transfer: transfer.clone(),
        mid_rate: mid,
        total_cost: cost,
        published_at: now,
        updated_at: now,
    };
    let mut tx = state.db().begin_write().await?;
    reports::store(&mut tx, &new_report(&report)).await?;
    let object = object(state, &report);
    let create_id = state.urls().price_report_activity(&public_id, "create");
    to_followers(
        state,
        &mut tx,
        &actor,
        &activity("Create", &create_id, &actor, &object),
        &create_id,
    )
    .await?;
    // The organization shares it: Mastodon shows a post of an actor its users do not follow
    // only when someone they follow announces it.
    let organization = state.actors().organization();
    let announce_id = state.urls().price_report_activity(&public_id, "announce");
    let announce = json!({
        "@context": ACTIVITY_STREAMS,
        "id": announce_id,
        "type": "Announce",
        "actor": organization.id,
        "published": now,
        "to": [objects::PUBLIC],
        "cc": [state.urls().followers(&organization.id), actor.id],
        "object": ap_id,
    });
    let inboxes = followers::delivery_inboxes(&mut tx, organization.local_actor_id).await?;
    delivery::enqueue(
        &mut tx,
        &announce,
        &announce_id,
        organization.local_actor_id,
        true,
        &inboxes,
    )
    .await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(report = %ap_id, "price report published");
    Ok(report)
}

fn new_report(report: &PriceReport) -> NewReport<'_> {
    NewReport {
        ap_id: &report.ap_id,
        public_id: report.public_id.as_deref(),
        account_id: report.account_id,
        actor_ap_id: &report.actor_ap_id,
        transfer: &report.transfer,
        mid_rate: report.mid_rate,
        total_cost: report.total_cost,
        published_at: report.published_at,
        updated_at: report.updated_at,
    }
}

/// The member's report `public_id`, or a 404 when it is not theirs.
pub async fn own(state: &AppState, account_id: i64, public_id: &str) -> Result<PriceReport> {
    let report = reports::find(state.db(), public_id).await?;
    if report.account_id != Some(account_id) {
        return Err(Error::NotFound);
    }
    Ok(report)
}

/// Its author's edit: the cost computed again, the row replaced and the `Update` sent.
pub async fn edit(
    state: &AppState,
    account_id: i64,
    public_id: &str,
    transfer: &Transfer,
) -> Result<PriceReport> {
    let mut report = own(state, account_id, public_id).await?;
    let actor = actor(state, account_id).await?;
    let (cost, mid) = transfer.cost(state.db()).await?;
    report.transfer = transfer.clone();
    report.total_cost = cost;
    report.mid_rate = mid;
    report.updated_at = Utc::now().max(report.updated_at + chrono::Duration::milliseconds(1));
    let mut tx = state.db().begin_write().await?;
    reports::store(&mut tx, &new_report(&report)).await?;
    let object = object(state, &report);
    let update_id = state.urls().price_report_activity(
        public_id,
        &format!("update-{}", report.updated_at.timestamp_millis()),
    );
    to_followers(
        state,
        &mut tx,
        &actor,
        &activity("Update", &update_id, &actor, &object),
        &update_id,
    )
    .await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(report)
}

/// Its author's deletion: the row erased and the `Delete` sent (its id answers 404 after).
pub async fn remove(state: &AppState, account_id: i64, public_id: &str) -> Result<()> {
    let report = own(state, account_id, public_id).await?;
    let actor = actor(state, account_id).await?;
    let mut tx = state.db().begin_write().await?;
    reports::erase(&mut tx, &report.ap_id, &report.actor_ap_id).await?;
    let delete_id = state.urls().price_report_activity(public_id, "removal");
    let urls = state.urls();
    let delete = json!({
        "@context": ACTIVITY_STREAMS,
        "id": delete_id,
        "type": "Delete",
        "actor": actor.id,
        "to": [objects::PUBLIC],
        "cc": [urls.followers(&actor.id), urls.followers(&state.actors().organization().id)],
        "object": {"id": report.ap_id, "type": "Tombstone"},
    });
    to_followers(state, &mut tx, &actor, &delete, &delete_id).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(())
}

/// Another server's report, read from its object (`raw`): `None` when it has no
/// `priceReport` or its numbers do not make a report.
pub fn read_received(raw: &Value, actor: &Url) -> Option<Result<Received>> {
    let numbers = raw.get("priceReport")?.as_object()?;
    let text = |name: &str| -> String {
        match numbers.get(name) {
            Some(Value::String(text)) => text.chars().take(200).collect(),
            Some(Value::Number(number)) => number.to_string(),
            _ => String::new(),
        }
    };
    let input = reports::ReportInput {
        provider: text("providerName"),
        channel: text("channel"),
        sending: text("sendingCountry"),
        receiving: text("receivingCountry"),
        send_currency: text("sendCurrency"),
        receive_currency: text("receiveCurrency"),
        amount_sent: text("amountSent"),
        fee: text("fee"),
        amount_received: text("amountReceived"),
        sent_on: text("transferDate"),
        duration: text("transferTime"),
    };
    let checked = Transfer::check(&input, Utc::now().date_naive()).map_err(|error| {
        Error::BadRequest(format!(
            "the price report's numbers are not a report: {error}"
        ))
    });
    let id = raw["id"].as_str().and_then(|id| Url::parse(id).ok())?;
    let moment = |name: &str| {
        raw[name]
            .as_str()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.with_timezone(&Utc))
    };
    let now = Utc::now();
    let published = moment("published").filter(|at| *at <= now).unwrap_or(now);
    let updated = moment("updated")
        .filter(|at| *at <= now + chrono::Duration::minutes(5))
        .unwrap_or(published);
    let sent_cost = numbers
        .get("totalCost")
        .and_then(Value::as_f64)
        .filter(|cost| (PLAUSIBLE_COST.0..=PLAUSIBLE_COST.1).contains(cost));
    let sent_mid = numbers
        .get("midRate")
        .and_then(Value::as_f64)
        .filter(|rate| rate.is_finite() && *rate > 0.0);
    Some(checked.map(|transfer| Received {
        ap_id: id.to_string(),
        actor_ap_id: actor.to_string(),
        transfer,
        sent_cost,
        sent_mid,
        published_at: published,
        updated_at: updated,
    }))
}

/// Another server's report, checked, waiting to be kept.
#[derive(Debug, Clone)]
pub struct Received {
    pub ap_id: String,
    pub actor_ap_id: String,
    pub transfer: Transfer,
    /// The total cost and mid-market rate its server computed.
    pub sent_cost: Option<f64>,
    pub sent_mid: Option<f64>,
    pub published_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

/// The cost a received report is kept at: ours from our rates when we have them, else its
/// server's; `None` when neither (it is not kept).
pub async fn cost_of(state: &AppState, received: &Received) -> Result<Option<(f64, f64)>> {
    match received.transfer.cost(state.db()).await {
        Ok(computed) => Ok(Some(computed)),
        Err(Error::Invalid(_)) => Ok(received.sent_cost.zip(received.sent_mid)),
        Err(other) => Err(other),
    }
}

/// Whether `actor` is on the server of an actor this instance follows (usually an
/// organization), and the follow was accepted: the servers whose members' reports we keep.
pub async fn from_followed_server(tx: &mut Tx, actor: &Url) -> Result<bool> {
    let origin = actor.origin();
    let sql = "select target_ap_id from following where accepted_at is not null";
    let followed: Vec<String> = with_tx!(tx, |conn| sqlx::query_scalar(sql).fetch_all(conn).await)?;
    Ok(followed
        .iter()
        .filter_map(|id| Url::parse(id).ok())
        .any(|id| id.origin() == origin))
}

/// Keeps a received report in `tx`, when its actor's server is one we follow.
pub async fn apply(tx: &mut Tx, received: &Received, cost: (f64, f64)) -> Result<()> {
    let actor = Url::parse(&received.actor_ap_id)
        .map_err(|_| Error::BadRequest("the report's actor is not a URL".to_string()))?;
    if !from_followed_server(tx, &actor).await? {
        tracing::info!(actor = %actor, "a price report from a server we do not follow; ignored");
        return Ok(());
    }
    let (total_cost, mid_rate) = cost;
    let stored = reports::store(
        tx,
        &NewReport {
            ap_id: &received.ap_id,
            public_id: None,
            account_id: None,
            actor_ap_id: &received.actor_ap_id,
            transfer: &received.transfer,
            mid_rate,
            total_cost,
            published_at: received.published_at,
            updated_at: received.updated_at,
        },
    )
    .await?;
    tracing::info!(report = %received.ap_id, stored, "price report received");
    Ok(())
}
