//! The content `jisr bench pages` measures: our publications, from the examples in
//! `examples/` (built into the binary), and with `--network` the content of 100 organizations
//! we follow (their actor rows with profiles, and 10,000 publications stored as received), so
//! that what a page costs can be compared with what is stored.
//!
//! Events are spread from a year ago to a year ahead, so that lists, the calendar and the
//! feeds have a past and a future to leave out.

use crate::app::AppState;
use crate::domain::network::{self, NetworkDetails, RemotePublication, Translation};
use crate::domain::publication::{Input, Kind};
use crate::federation::outbox;
use crate::federation::remote_actors::{ActorDocument, RemoteActor};
use activitypub_federation::traits::Object;
use chrono::{Duration, Utc};

/// Publishes `count` copies of each example publication. The events start on days spread from
/// a year ago to a year ahead; the opportunities' deadlines are next year (they are open).
pub async fn publish_examples(state: &AppState, count: usize) -> anyhow::Result<()> {
    let next_year = chrono::Datelike::year(&Utc::now()) + 1;
    let today = Utc::now().date_naive();
    let event = include_str!("../../examples/event.toml");
    let examples = [
        (
            Kind::Story,
            include_str!("../../examples/story.toml").to_string(),
        ),
        (
            Kind::Opportunity,
            include_str!("../../examples/opportunity.toml")
                .replace("2027-", &format!("{next_year}-")),
        ),
        (
            Kind::Resource,
            include_str!("../../examples/resource.toml").to_string(),
        ),
    ];
    let languages = &state.config().instance.languages;
    for (kind, toml) in examples {
        let draft = Input::from_toml(&toml)?.validate(kind, languages)?;
        for _ in 0..count {
            outbox::publish(state, &draft).await?;
        }
    }
    for index in 0..count {
        let day = today + Duration::days(spread(index, count, 730) - 365);
        let toml = event.replace("2027-02-18", &day.format("%Y-%m-%d").to_string());
        let draft = Input::from_toml(&toml)?.validate(Kind::Event, languages)?;
        outbox::publish(state, &draft).await?;
    }
    Ok(())
}

/// `index` of `count` spread evenly over `0..span`.
fn spread(index: usize, count: usize, span: i64) -> i64 {
    (index as i64 * span) / (count.max(1) as i64)
}

/// Kinds of the network's items, one in ten each: four events, three stories, two
/// opportunities, one resource.
const NETWORK_KINDS: [Kind; 10] = [
    Kind::Event,
    Kind::Story,
    Kind::Event,
    Kind::Opportunity,
    Kind::Story,
    Kind::Event,
    Kind::Resource,
    Kind::Story,
    Kind::Event,
    Kind::Opportunity,
];

/// Some zones, places and hashtags of the network's items.
const ZONES: [(&str, &str, &str); 4] = [
    ("Europe/Berlin", "Berlin", "DE"),
    ("Africa/Khartoum", "Khartoum", "SD"),
    ("Europe/Paris", "Paris", "FR"),
    ("Africa/Casablanca", "Casablanca", "MA"),
];

/// Stores `organizations` remote organizations (actor rows with profiles) and `items`
/// publications of theirs, as received, in transactions of a thousand.
pub async fn network(state: &AppState, organizations: usize, items: usize) -> anyhow::Result<()> {
    let data = state.federation_data()?;
    for number in 0..organizations {
        let id = actor_id(number);
        let document: ActorDocument = serde_json::from_value(serde_json::json!({
            "id": id,
            "type": "Organization",
            "preferredUsername": format!("org{number}"),
            "name": format!("Diaspora organization {number}"),
            "summary": format!("<p>Organization {number} of the network, for its community.</p>"),
            "icon": {"type": "Image", "url": format!("https://org{number}.example/logo.png")},
            "url": format!("https://org{number}.example/"),
            "inbox": format!("{id}/inbox"),
            "publicKey": {
                "id": format!("{id}#main-key"),
                "owner": id,
                "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nbenchmark\n-----END PUBLIC KEY-----\n",
            },
        }))?;
        RemoteActor::from_json(document, &data).await?;
    }
    let now = Utc::now();
    let mut stored = 0;
    while stored < items {
        let mut tx = state.db().begin().await?;
        for index in stored..(stored + 1000).min(items) {
            network::store(&mut tx, &network_item(index, items, organizations, now)).await?;
        }
        tx.commit().await?;
        stored = (stored + 1000).min(items);
    }
    Ok(())
}

fn actor_id(number: usize) -> String {
    format!("https://org{number}.example/actors/org{number}")
}

/// The network's item `index` of `count`: published over the last two years; an event
/// between a year ago and a year ahead, lasting two hours (one in fifty lasts three weeks);
/// an opportunity's deadline between a year ago and a year ahead.
fn network_item(
    index: usize,
    count: usize,
    organizations: usize,
    now: chrono::DateTime<Utc>,
) -> RemotePublication {
    let kind = NETWORK_KINDS[index % NETWORK_KINDS.len()];
    let organization = index % organizations.max(1);
    let (zone, city, country) = ZONES[index % ZONES.len()];
    let hours = spread(index, count, 2 * 365 * 24);
    let starts = now - Duration::days(365) + Duration::hours(hours);
    let lasts = if index.is_multiple_of(50) {
        Duration::days(21)
    } else {
        Duration::hours(2)
    };
    let (starts_at, ends_at, deadline) = match kind {
        Kind::Event => (Some(starts), Some(starts + lasts), None),
        Kind::Opportunity => (None, None, Some(starts)),
        Kind::Story | Kind::Resource => (None, None, None),
    };
    let published_at = now - Duration::days(730) + Duration::hours(hours);
    let object_type = crate::federation::objects::object_type(kind);
    let mut hashtags = vec![city.to_lowercase(), "diaspora".to_string()];
    if index.is_multiple_of(7) {
        hashtags.push("recognition".to_string());
    }
    let translations = if index.is_multiple_of(3) {
        vec![Translation {
            language: "ar".to_string(),
            name: format!("منشور الشبكة رقم {index}"),
            summary_html: "<p>ملخص قصير لما تنشره منظمة من الشبكة.</p>".to_string(),
            content_html: "<p>نص المنشور.</p>".to_string(),
        }]
    } else {
        Vec::new()
    };
    RemotePublication {
        ap_id: format!("https://org{organization}.example/objects/{index}"),
        actor_ap_id: actor_id(organization),
        object_type: object_type.to_string(),
        kind,
        name: format!("Network {} number {index} in {city}", kind.as_str()),
        summary_html: format!(
            "<p>A short summary of what organization {organization} publishes, number {index}, \
             about its community in {city}.</p>"
        ),
        content_html: "<p>The text of the publication, a few paragraphs long.</p>\
                       <p>With <a href=\"https://example.org/\">a link</a> and more words.</p>"
            .to_string(),
        url: format!("https://org{organization}.example/pages/{index}"),
        language: Some("en".to_string()),
        starts_at,
        ends_at,
        deadline,
        details: NetworkDetails {
            translations,
            time_zone: (kind == Kind::Event).then(|| zone.to_string()),
            place: (kind != Kind::Story).then(|| format!("Community centre, {city}")),
            category: match kind {
                Kind::Story => Some("community".to_string()),
                Kind::Event => Some("MEETING".to_string()),
                _ => None,
            },
            opportunity_kind: (kind == Kind::Opportunity).then(|| "volunteering".to_string()),
            countries_of_origin: vec!["SD".to_string()],
            countries_of_residence: vec![country.to_string()],
            gcm_objectives: vec![3, 18],
            hashtags,
            ..NetworkDetails::default()
        },
        published_at,
        updated_at: published_at,
    }
}

/// The slug of the forum [`forums`] makes.
pub const FORUM: &str = "discussion";

/// Makes the forum [`FORUM`] with `threads` threads of `replies` replies each, by 50 authors of
/// another server (as received), their last activity spread over the last `threads` hours, in
/// English and Arabic in turn; in transactions of a thousand posts.
pub async fn forums(state: &AppState, threads: usize, replies: usize) -> anyhow::Result<()> {
    use crate::domain::forums::{self, ForumText, NewForum, NewPost};
    let forum = crate::federation::forums::create(
        state,
        &NewForum {
            slug: FORUM.to_string(),
            kind: "discussion".to_string(),
            posting: "anyone".to_string(),
            texts: [
                (
                    "en".to_string(),
                    ForumText {
                        name: "Housing & residency".to_string(),
                        description: "Finding a flat, registering an address.".to_string(),
                    },
                ),
                (
                    "ar".to_string(),
                    ForumText {
                        name: "السكن والإقامة".to_string(),
                        description: "إيجاد شقة وتسجيل العنوان.".to_string(),
                    },
                ),
            ]
            .into(),
            hold_remote: false,
        },
    )
    .await?;
    let now = Utc::now();
    let mut tx = state.db().begin().await?;
    let mut written = 0;
    for thread in 0..threads {
        let at = now - Duration::hours((threads - thread) as i64);
        let (language, title, body) = if thread % 2 == 0 {
            (
                "en",
                format!("Registering an address, question {thread}"),
                "<p>I moved last week. Which office do I go to, and what do I bring?</p>",
            )
        } else {
            (
                "ar",
                format!("تسجيل العنوان، سؤال {thread}"),
                "<p>انتقلت الأسبوع الماضي. إلى أي مكتب أذهب، وماذا أحمل معي؟</p>",
            )
        };
        let post = |number: usize, reply: Option<(i64, String)>| NewPost {
            public_id: crate::domain::publication::new_public_id(at),
            forum_id: forum.forum_id,
            ap_id: format!("https://members.example/posts/{thread}-{number}"),
            reply,
            author_ap_id: format!("https://members.example/users/u{}", (thread + number) % 50),
            local_actor_id: None,
            title: if number == 0 {
                title.clone()
            } else {
                String::new()
            },
            content_html: body.to_string(),
            language: Some(language.to_string()),
            url: None,
            activity: None,
            published: at,
            areas: Vec::new(),
            asker_local_actor_id: None,
            held: false,
        };
        let Some(stored) = forums::store(&mut tx, &post(0, None)).await? else {
            continue;
        };
        for number in 1..=replies {
            forums::store(
                &mut tx,
                &post(number, Some((stored.forum_post_id, stored.ap_id.clone()))),
            )
            .await?;
        }
        written += replies + 1;
        if written >= 1000 {
            tx.commit().await?;
            tx = state.db().begin().await?;
            written = 0;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// `count` members' price reports of France → Senegal over the last 90 days, from other
/// servers, across ten providers: what a busy corridor page aggregates.
pub async fn price_reports(state: &AppState, count: usize) -> anyhow::Result<()> {
    use crate::domain::remittances::reports::{self, NewReport, ReportInput, Transfer};
    let today = Utc::now().date_naive();
    let mut tx = state.db().begin_write().await?;
    for index in 0..count {
        let day = today - Duration::days((index % 90) as i64);
        let received = 126_000 + (index * 37 % 2_000);
        let transfer = Transfer::check(
            &ReportInput {
                provider: format!("Provider {}", index % 10),
                channel: ["cash", "bank", "card", "mobile", "online"][index % 5].to_string(),
                sending: "FR".to_string(),
                receiving: "SN".to_string(),
                send_currency: "EUR".to_string(),
                receive_currency: "XOF".to_string(),
                amount_sent: "200".to_string(),
                fee: "3".to_string(),
                amount_received: received.to_string(),
                sent_on: day.to_string(),
                duration: "minutes".to_string(),
            },
            today,
        )
        .map_err(|error| anyhow::anyhow!("{error}"))?;
        let mid = 655.957;
        let ap_id = format!(
            "https://peer{}.example/remittances/reports/{index}",
            index % 7
        );
        let actor = format!("https://peer{}.example/actors/m{}", index % 7, index % 40);
        reports::store(
            &mut tx,
            &NewReport {
                ap_id: &ap_id,
                public_id: None,
                account_id: None,
                actor_ap_id: &actor,
                transfer: &transfer,
                mid_rate: mid,
                total_cost: crate::domain::remittances::rates::total_cost_percent(
                    200.0,
                    3.0,
                    received as f64,
                    mid,
                ),
                published_at: Utc::now(),
                updated_at: Utc::now(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
