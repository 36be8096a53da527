//! A publication as a card in a list: its title, summary, and the one line that says when or
//! where (an event's start and place, an opportunity's deadline and kind, else the date); for
//! lists that show the network, whose it is (logo, name, handle). Network items link to their
//! page here, `/network/{id}`.

use crate::app::AppState;
use crate::domain::entries::{self, Entry, Source};
use crate::domain::network::{Profile, RemotePublication};
use crate::domain::publication::{Details, Filters, Kind, Listing, Publication};
use crate::error::Result;
use crate::i18n::Translator;
use crate::web::kept::{ContentVersion, Kept};
use chrono::{DateTime, Datelike, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A publication as a card in a list.
#[derive(Debug, Clone)]
pub struct Card {
    pub url: String,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub dir: &'static str,
    pub when: Option<String>,
    pub place: Option<String>,
    /// An event's date block: the day of the month (in the reader's digits) and the month.
    pub date: Option<(String, String)>,
    /// A story's image or an event's banner: `(src, alt)`.
    pub image: Option<(String, String)>,
    /// An opportunity's organization logo (ours: the opportunities here are ours).
    pub logo: Option<String>,
    /// Who it is by, when it has a byline.
    pub byline: Option<String>,
    /// Whose it is, in lists that show the network.
    pub source: Option<SourceMark>,
}

/// Whose a card is: our organization or one we follow.
#[derive(Debug, Clone)]
pub struct SourceMark {
    pub name: String,
    pub handle: String,
    /// Its logo or avatar.
    pub icon: Option<String>,
    /// Whether it is another organization's (not ours).
    pub network: bool,
}

pub(crate) fn card(state: &AppState, t: &Translator, publication: &Publication) -> Option<Card> {
    let text = publication.text_in(t.language.code())?;
    let (when, place) = match &publication.draft.details {
        Details::Event(event) => (
            // With its offset: a reader elsewhere must not take it for their own time.
            Some(format!(
                "{} ({})",
                t.date_time(&event.starts()),
                t.utc_offset(&event.starts())
            )),
            event
                .place
                .as_ref()
                .map(|place| place.one_line_naming(|code| t.country(code)))
                .or_else(|| event.online_url.as_ref().map(|_| t.t("event-online"))),
        ),
        Details::Opportunity(opportunity) => (
            opportunity.deadline.map(|deadline| {
                t.t1(
                    "opportunity-deadline",
                    "date",
                    &t.date(&deadline.fixed_offset()),
                )
            }),
            Some(format!(
                "{}{}",
                t.t(&format!("opportunity-kind-{}", opportunity.kind)),
                opportunity
                    .place
                    .as_ref()
                    .map(|place| format!(" · {place}"))
                    .unwrap_or_default()
            )),
        ),
        _ => (Some(t.date(&publication.published_at.fixed_offset())), None),
    };
    let date = match &publication.draft.details {
        Details::Event(event) => {
            use chrono::Datelike;
            let starts = event.starts();
            Some((
                t.digits(&starts.day().to_string()),
                t.month(starts.month()).to_string(),
            ))
        }
        _ => None,
    };
    let image = publication
        .draft
        .details
        .image()
        .map(|image| (image.url.to_string(), image.alt.clone()));
    let logo = match &publication.draft.details {
        Details::Opportunity(_) => state
            .pictures_now()
            .icon_image
            .as_ref()
            .map(|id| state.urls().media(id).path().to_string()),
        _ => None,
    };
    Some(Card {
        source: None,
        byline: publication.shown_byline().map(|byline| byline.name.clone()),
        date,
        image,
        logo,
        url: state
            .urls()
            .publication(publication.kind, &publication.public_id)
            .to_string(),
        title: text.title.clone(),
        summary: text.summary.clone(),
        dir: crate::web::html::direction(&text.language),
        language: text.language.clone(),
        when,
        place,
    })
}

pub(crate) fn cards(state: &AppState, t: &Translator, publications: &[Publication]) -> Vec<Card> {
    publications
        .iter()
        .filter_map(|publication| card(state, t, publication))
        .collect()
}

/// Our organization as a card's source.
pub(crate) fn our_mark(state: &AppState) -> SourceMark {
    let organization = state.actors().organization();
    SourceMark {
        name: state.config().instance.name.clone(),
        handle: format!(
            "@{}@{}",
            organization.username,
            state.config().instance.domain
        ),
        icon: state
            .pictures_now()
            .icon_image
            .as_ref()
            .map(|id| state.urls().media(id).path().to_string()),
        network: false,
    }
}

/// A remote actor as a card's source (its id when we have no profile of it).
pub(crate) fn their_mark(profile: Option<&Profile>, actor_ap_id: &str) -> SourceMark {
    match profile {
        Some(profile) => SourceMark {
            name: profile.display_name(),
            handle: profile.handle(),
            icon: profile
                .icon_url
                .clone()
                .filter(|url| url.starts_with("https://")),
            network: true,
        },
        None => SourceMark {
            name: actor_ap_id.to_string(),
            handle: actor_ap_id.to_string(),
            icon: None,
            network: true,
        },
    }
}

/// The most characters of a network item's summary (or an organization's, in the directory)
/// shown on its card.
const CARD_SUMMARY_CHARS: usize = 300;

/// Remote HTML as the plain text of a card: its text, cut after [`CARD_SUMMARY_CHARS`] with
/// an ellipsis.
pub(crate) fn card_summary(html: &str) -> String {
    let summary = crate::domain::text::html_to_text(html);
    match summary.char_indices().nth(CARD_SUMMARY_CHARS) {
        Some((end, _)) => format!("{}…", summary[..end].trim_end()),
        None => summary,
    }
}

/// A network item as a card: in the reader's language when it has it, its times in its own
/// zone, linking to its page here.
pub(crate) fn network_card(
    t: &Translator,
    id: i64,
    item: &RemotePublication,
    source: SourceMark,
) -> Card {
    let (language, name, summary_html, _) = item.text_in(t.language.code());
    let summary = card_summary(summary_html);
    let details = &item.details;
    let (when, place, date) = match item.kind {
        Kind::Event => {
            let starts = item.starts_at.map(|at| item.in_own_zone(at));
            (
                starts
                    .map(|starts| format!("{} ({})", t.date_time(&starts), t.utc_offset(&starts))),
                item.place_naming(|code| t.country(code))
                    .or_else(|| details.online.then(|| t.t("event-online"))),
                starts.map(|starts| {
                    (
                        t.digits(&starts.day().to_string()),
                        t.month(starts.month()).to_string(),
                    )
                }),
            )
        }
        Kind::Opportunity => (
            item.deadline.map(|deadline| {
                t.t1(
                    "opportunity-deadline",
                    "date",
                    &t.date(&item.in_own_zone(deadline)),
                )
            }),
            match (&details.opportunity_kind, &details.place) {
                (Some(kind), place)
                    if crate::domain::opportunity::KINDS.contains(&kind.as_str()) =>
                {
                    Some(format!(
                        "{}{}",
                        t.t(&format!("opportunity-kind-{kind}")),
                        place
                            .as_ref()
                            .map(|place| format!(" · {place}"))
                            .unwrap_or_default()
                    ))
                }
                (_, place) => place.clone(),
            },
            None,
        ),
        Kind::Story | Kind::Resource => {
            (Some(t.date(&item.published_at.fixed_offset())), None, None)
        }
    };
    let language = if language.is_empty() {
        String::new()
    } else {
        language.to_string()
    };
    Card {
        url: format!("/network/{id}"),
        title: name.to_string(),
        summary,
        dir: if language.is_empty() {
            "auto"
        } else {
            crate::web::html::direction(&language)
        },
        language,
        when,
        place,
        date,
        image: details
            .image
            .clone()
            .filter(|(url, _)| url.starts_with("https://")),
        logo: None,
        byline: None,
        source: Some(source),
    }
}

/// What a list shows: its entries, and the profiles of the network's publishers among them.
#[derive(Debug, Default)]
pub struct Listed {
    pub entries: Vec<Entry>,
    pub profiles: HashMap<String, Profile>,
}

/// The lists read lately, kept while nothing they show changed: under a key naming the
/// selection and the [`ContentVersion`] it was read at, for at most [`LISTED_TTL`] (a
/// byline's account is not in the version; another process's change to it shows within that
/// time).
pub type ListCache = Kept<Listed>;

/// How long a list is kept at most.
pub const LISTED_TTL: Duration = Duration::from_secs(60);

impl Default for ListCache {
    fn default() -> ListCache {
        // 64 lists of at most 5,000 entries in all: a few megabytes.
        Kept::new(64, 5000, LISTED_TTL)
    }
}

/// A moment to the minute, for the listings that depend on now (upcoming events, open
/// opportunities): within a minute they are the same list, read once.
pub(crate) fn this_minute(now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(now.timestamp() - now.timestamp().rem_euclid(60), 0).unwrap_or(now)
}

/// The entries of a list (from `offset`, at most `limit`, without their bodies) and their
/// publishers' profiles: as kept since `version`, or read now and kept.
pub(crate) async fn listed(
    state: &AppState,
    version: &ContentVersion,
    source: Source,
    listing: Listing,
    filters: &Filters,
    (offset, limit): (i64, i64),
) -> Result<Arc<Listed>> {
    let key = format!("{source:?} {listing:?} {filters:?} {offset} {limit} {version:?}");
    if let Some(kept) = state.lists().get(&key) {
        return Ok(kept);
    }
    let entries = entries::entries(state.db(), source, listing, filters, offset, limit).await?;
    let actors: Vec<&str> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Network(_, item) => Some(item.actor_ap_id.as_str()),
            Entry::Ours(_) => None,
        })
        .collect();
    let profiles = crate::federation::remote_actors::profiles(state.db(), &actors).await?;
    let weight = entries.len().max(1);
    Ok(state
        .lists()
        .keep(key, Listed { entries, profiles }, weight))
}

/// The first `count` entries of a list as cards, each marked with its source when `marked`
/// (lists that show the network).
pub(crate) fn entry_cards(
    state: &AppState,
    t: &Translator,
    listed: &Listed,
    count: usize,
    marked: bool,
) -> Vec<Card> {
    let ours = our_mark(state);
    listed
        .entries
        .iter()
        .take(count)
        .filter_map(|entry| match entry {
            Entry::Ours(publication) => card(state, t, publication).map(|mut card| {
                if marked {
                    card.source = Some(ours.clone());
                }
                card
            }),
            Entry::Network(id, item) => Some(network_card(
                t,
                *id,
                item,
                their_mark(listed.profiles.get(&item.actor_ap_id), &item.actor_ap_id),
            )),
        })
        .collect()
}
