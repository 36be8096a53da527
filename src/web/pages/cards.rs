//! A publication as a card in a list: its title, summary, and the one line that says when or
//! where (an event's start and place, an opportunity's deadline and kind, else the date).

use crate::app::AppState;
use crate::domain::publication::{Details, Publication};
use crate::i18n::Translator;

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
        byline: publication
            .byline
            .as_ref()
            .map(|byline| byline.name.clone()),
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
