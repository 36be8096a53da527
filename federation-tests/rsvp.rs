//! RSVP from the fediverse, with Fedify peers (a real ActivityPub implementation nobody here
//! wrote) joining, leaving and undoing as Mobilizon does: `Accept` embedding the Join when
//! there is room, `Reject` when full, nothing until an organizer decides or a place frees,
//! `Ignore` for registration elsewhere; the waiting list moves up; 50 concurrent Joins for 10
//! places take 10, never 11; the event's counts reach followers in one `Update` per burst.
//! On PostgreSQL the 50 Joins go to two `jisr serve` processes on one database behind one
//! address. Also on both databases: concurrent Joins through two connection pools never pass
//! the capacity.

use crate::harness::database::TestDatabase;
use crate::harness::eventually;
use crate::harness::fedify_peer::FedifyPeer;
use crate::harness::network::{HOSTS, Node, publication};
use crate::harness::session::Browser;
use crate::network::get_json;
use jisr::domain::participation::{self, Asking, Status};
use reqwest::StatusCode;
use serde_json::Value;

/// An event's TOML with `extra` lines in its `[event]` table.
fn event(title: &str, extra: &str) -> String {
    let zone = "time_zone = \"Europe/Berlin\"\n";
    publication("event", title).replacen(zone, &format!("{zone}{extra}"), 1)
}

/// The peer's log record of a `kind` activity whose object (embedded or bare) is `object`,
/// waited for.
async fn answer_to(peer: &FedifyPeer, alpha: &Node, kind: &str, object: &str) -> Value {
    eventually(30, &format!("{kind} of {object}"), || async {
        peer.log().await.into_iter().find(|record| {
            record["type"] == kind
                && (record["json"]["object"]["id"] == object || record["json"]["object"] == object)
        })
    })
    .await
    .tap(|record| {
        assert_eq!(record["signature"]["verified"], true, "{record}");
        assert_eq!(
            record["actor"],
            alpha.actor_id().as_str(),
            "answered by the organization: {record}"
        );
    })
}

/// Lets a value be looked at in a chain.
trait Tap: Sized {
    fn tap(self, look: impl FnOnce(&Self)) -> Self {
        look(&self);
        self
    }
}
impl<T> Tap for T {}

/// How many `kind` activities with object `object` the peer got.
async fn count_of(peer: &FedifyPeer, kind: &str, object: &str) -> usize {
    peer.log()
        .await
        .iter()
        .filter(|record| {
            record["type"] == kind
                && (record["json"]["object"]["id"] == object || record["json"]["object"] == object)
        })
        .count()
}

/// The status of `actor`'s participation in `event` at `alpha`.
async fn status_of(alpha: &Node, event: &str, actor: &str) -> Option<Status> {
    let db = alpha.db().await;
    let public_id = event.rsplit('/').next().expect("public id");
    let found =
        jisr::domain::publication::find(&db, jisr::domain::publication::Kind::Event, public_id)
            .await
            .expect("event");
    participation::of_event(&db, found.publication_id)
        .await
        .expect("participants")
        .into_iter()
        .find(|participation| participation.participant_ap_id == actor)
        .map(|participation| participation.status())
}

#[tokio::test]
async fn peers_join_leave_wait_and_are_answered_as_mobilizon_expects() {
    let Some(peer) =
        FedifyPeer::start_with_users("rsvp", "peer.test", &HOSTS, &["bob", "carol", "dave"]).await
    else {
        return;
    };
    let alpha = Node::start("alpha").await;
    let organizer = alpha.actor_id().to_string();
    let (bob, carol, dave) = (
        peer.actor_id("bob").to_string(),
        peer.actor_id("carol").to_string(),
        peer.actor_id("dave").to_string(),
    );
    peer.follow("bob", &alpha.handle()).await;
    eventually(20, "bob's follow accepted", || async {
        (peer.following("bob").await[&organizer]["state"] == "accepted").then_some(())
    })
    .await;

    // One place: bob gets it (an Accept embedding his Join), carol a Reject.
    let small = alpha
        .publish("event", &event("Small workshop", "capacity = 1\n"))
        .await;
    let bobs = peer.join("bob", &small, &organizer).await;
    let accept = answer_to(&peer, &alpha, "Accept", &bobs).await;
    assert_eq!(accept["json"]["object"]["type"], "Join", "{accept}");
    assert_eq!(accept["json"]["object"]["actor"], bob.as_str(), "{accept}");
    let carols = peer.join("carol", &small, &organizer).await;
    answer_to(&peer, &alpha, "Reject", &carols).await;
    // The event says so, and its followers hear it once the burst has settled.
    eventually(20, "the counts in the event's document", || async {
        let (_, document) = get_json(&small).await;
        (document["participantCount"] == 1 && document["remainingAttendeeCapacity"] == 0)
            .then_some(())
    })
    .await;
    let update = eventually(30, "the Update with the new counts", || async {
        peer.log().await.into_iter().find(|record| {
            record["type"] == "Update"
                && record["json"]["object"]["id"] == small.as_str()
                && record["json"]["object"]["participantCount"] == 1
        })
    })
    .await;
    assert_eq!(
        update["json"]["object"]["maximumAttendeeCapacity"], 1,
        "{update}"
    );
    // Joining again while going changes nothing and answers again.
    let again = peer.join("bob", &small, &organizer).await;
    answer_to(&peer, &alpha, "Accept", &again).await;
    assert_eq!(status_of(&alpha, &small, &bob).await, Some(Status::Going));

    // A waiting list: carol waits, unanswered, and gets the place bob's Leave frees.
    let listed = alpha
        .publish(
            "event",
            &event("Listed workshop", "capacity = 1\nwaiting_list = true\n"),
        )
        .await;
    let bobs = peer.join("bob", &listed, &organizer).await;
    answer_to(&peer, &alpha, "Accept", &bobs).await;
    let carols = peer.join("carol", &listed, &organizer).await;
    eventually(20, "carol on the waiting list", || async {
        (status_of(&alpha, &listed, &carol).await == Some(Status::Waiting)).then_some(())
    })
    .await;
    let dave_join = peer.join("dave", &listed, &organizer).await;
    eventually(20, "dave on the waiting list", || async {
        (status_of(&alpha, &listed, &dave).await == Some(Status::Waiting)).then_some(())
    })
    .await;
    assert_eq!(count_of(&peer, "Accept", &carols).await, 0);
    peer.leave("bob", &listed, &organizer).await;
    answer_to(&peer, &alpha, "Accept", &carols).await;
    assert_eq!(
        status_of(&alpha, &listed, &bob).await,
        Some(Status::Cancelled)
    );
    assert_eq!(
        status_of(&alpha, &listed, &carol).await,
        Some(Status::Going)
    );
    // Undo{Join} cancels like a Leave.
    peer.undo_join("dave", &dave_join, &organizer).await;
    eventually(20, "dave's Join undone", || async {
        (status_of(&alpha, &listed, &dave).await == Some(Status::Cancelled)).then_some(())
    })
    .await;

    // The organizer accepts each participant: held, then accepted from the website.
    let restricted = alpha
        .publish(
            "event",
            &event("Mentoring circle", "join_mode = \"restricted\"\n"),
        )
        .await;
    let bobs = peer.join("bob", &restricted, &organizer).await;
    eventually(20, "bob's request held", || async {
        (status_of(&alpha, &restricted, &bob).await == Some(Status::Pending)).then_some(())
    })
    .await;
    assert_eq!(count_of(&peer, "Accept", &bobs).await, 0);
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    let public_id = restricted.rsplit('/').next().expect("id");
    let list = admin
        .get(&format!("/events/{public_id}/participants"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("@bob@peer.test:"), "{}", list.body);
    let db = alpha.db().await;
    let held = participation::by_join_id(&db, &bobs)
        .await
        .expect("lookup")
        .expect("bob's request");
    let approved = admin
        .post(
            &format!("/events/{public_id}/participants/{}", held.participation_id),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    answer_to(&peer, &alpha, "Accept", &bobs).await;
    let csv = admin
        .get(&format!("/events/{public_id}/participants.csv"))
        .await;
    assert!(
        csv.body
            .starts_with("name,handle,profile,status,since,message")
            && csv.body.contains("\"bob@peer.test:")
            && csv.body.contains("\"going\""),
        "{}",
        csv.body
    );

    // Registrations closed: the next Join is refused, and opened again they take it.
    let closed = admin
        .post(
            &format!("/events/{public_id}/registrations"),
            &[("closed", "1")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let carols = peer.join("carol", &restricted, &organizer).await;
    answer_to(&peer, &alpha, "Reject", &carols).await;
    admin
        .get(&format!("/events/{public_id}/participants"))
        .await;
    admin
        .post(
            &format!("/events/{public_id}/registrations"),
            &[("closed", "0")],
        )
        .await;
    let again = peer.join("carol", &restricted, &organizer).await;
    eventually(
        20,
        "carol's request held once registrations are open",
        || async {
            (status_of(&alpha, &restricted, &carol).await == Some(Status::Pending)).then_some(())
        },
    )
    .await;
    assert_eq!(count_of(&peer, "Reject", &again).await, 0);

    // A message to everyone taking part: a direct Note to bob, on his server.
    let sent = admin
        .post(
            &format!("/events/{public_id}/participants/message"),
            &[("message", "Room 2.14, second floor.\nBring your CV.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let note = eventually(30, "the message at bob's server", || async {
        peer.log().await.into_iter().find(|record| {
            record["type"] == "Create"
                && record["json"]["object"]["type"] == "Note"
                && record["recipient"] == "bob"
        })
    })
    .await;
    let object = &note["json"]["object"];
    assert!(
        object["content"]
            .as_str()
            .is_some_and(|content| content.contains("Room 2.14, second floor.<br>Bring your CV.")),
        "{note}"
    );
    // Each participant's own: carol (held) gets hers, and neither learns of the other.
    assert_eq!(object["to"], serde_json::json!([bob]), "direct: {note}");
    assert_eq!(
        object["tag"],
        serde_json::json!([{"type": "Mention", "href": bob}]),
        "{note}"
    );
    let carols = eventually(30, "the message at carol's", || async {
        peer.log().await.into_iter().find(|record| {
            record["type"] == "Create"
                && record["json"]["object"]["type"] == "Note"
                && record["recipient"] == "carol"
        })
    })
    .await;
    assert_eq!(carols["json"]["to"], serde_json::json!([carol]), "{carols}");

    // Registration elsewhere: Ignore, naming the Join.
    let elsewhere = alpha
        .publish(
            "event",
            &event(
                "Fair elsewhere",
                "join_mode = \"external\"\nexternal_url = \"https://tickets.example/fair\"\n",
            ),
        )
        .await;
    let ignored = peer.join("bob", &elsewhere, &organizer).await;
    let ignore = answer_to(&peer, &alpha, "Ignore", &ignored).await;
    assert_eq!(ignore["json"]["object"], ignored.as_str(), "{ignore}");
    assert_eq!(status_of(&alpha, &elsewhere, &bob).await, None);
}

/// Joins from 25 actors on each of two servers at once.
const EACH: usize = 25;

// On PostgreSQL, alpha is two `jisr serve` processes on one database behind one address, each
// connection handed to the next process, so the Joins race in two processes; on SQLite (one
// process by design) it is one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_joins_from_two_servers_take_ten_places_never_eleven() {
    let names: Vec<String> = (0..EACH).map(|n| format!("p{n}")).collect();
    let users: Vec<&str> = names.iter().map(String::as_str).collect();
    let Some(first) =
        FedifyPeer::start_with_users("rsvp_concurrent", "peer.test", &HOSTS, &users).await
    else {
        return;
    };
    let Some(second) =
        FedifyPeer::start_with_users("rsvp_concurrent", "peer2.test", &HOSTS, &users).await
    else {
        return;
    };
    let alpha = Node::start_processes("alpha", 2).await;
    let organizer = alpha.actor_id().to_string();
    let fair = alpha
        .publish("event", &event("Careers fair", "capacity = 10\n"))
        .await;
    // Servers that know each other: each peer actor has looked alpha's organizer up (so each
    // peer made its actors' keys, and alpha fetched and kept them), one at a time, so that the
    // burst below is of Joins, not of key generation and key fetches on a loaded machine.
    for peer in [&first, &second] {
        for user in &users {
            peer.resolve(user, &organizer).await;
        }
    }
    let joins = futures::future::join_all(
        [&first, &second]
            .into_iter()
            .flat_map(|peer| users.iter().map(move |user| (peer, *user)))
            .map(|(peer, user)| {
                let (fair, organizer) = (fair.clone(), organizer.clone());
                async move { peer.join(user, &fair, &organizer).await }
            }),
    )
    .await;
    assert_eq!(joins.len(), 2 * EACH);
    let (accepts, rejects) = eventually(60, "an answer to every Join", || async {
        let mut accepts = 0;
        let mut rejects = 0;
        for peer in [&first, &second] {
            for record in peer.log().await {
                match record["type"].as_str() {
                    Some("Accept") if record["json"]["object"]["type"] == "Join" => accepts += 1,
                    Some("Reject") => rejects += 1,
                    _ => {}
                }
            }
        }
        (accepts + rejects >= 2 * EACH).then_some((accepts, rejects))
    })
    .await;
    assert_eq!((accepts, rejects), (10, 2 * EACH - 10));
    if let Some(balancer) = &alpha.balancer {
        let handed = balancer.handed();
        assert!(
            handed.iter().all(|count| *count > 0),
            "both processes took connections: {handed:?}"
        );
        let logs: Vec<String> = std::iter::once(&alpha.process)
            .chain(&alpha.others)
            .map(|process| process.log())
            .collect();
        let answered: Vec<usize> = logs
            .iter()
            .map(|log| log.matches("outcome=").count())
            .collect();
        eprintln!("connections per process {handed:?}; Joins decided per process {answered:?}");
        assert!(
            answered.iter().all(|count| *count > 0),
            "each process decided some of the Joins: {answered:?}"
        );
    }
    let (_, document) = get_json(&fair).await;
    eventually(20, "ten going in the document", || async {
        let (_, document) = get_json(&fair).await;
        (document["participantCount"] == 10).then_some(())
    })
    .await;
    assert_eq!(document["maximumAttendeeCapacity"], 10, "{document}");
}

#[tokio::test]
async fn concurrent_joins_through_two_pools_never_pass_the_capacity() {
    let database = TestDatabase::create().await;
    let alpha = crate::harness::instance::TestInstance::start(&database.url).await;
    let event = alpha
        .publish_event("Small room", serde_json::json!({"capacity": 10}))
        .await;
    let jisr::domain::publication::Details::Event(details) = event.draft.details.clone() else {
        panic!("an event");
    };
    // Two pools, as two processes on one database.
    let pools = [
        jisr::db::Db::connect(&database.url, 4).await.expect("pool"),
        jisr::db::Db::connect(&database.url, 4).await.expect("pool"),
    ];
    let tasks = (0..50).map(|n| {
        let db = pools[n % 2].clone();
        let details = details.clone();
        let publication_id = event.publication_id;
        tokio::spawn(async move {
            let actor = format!("https://peer{}.example/users/p{n}", n % 5);
            let join = format!("{actor}#join");
            let asking = Asking {
                participant_ap_id: &actor,
                local_actor_id: None,
                join_ap_id: &join,
                message: "",
            };
            loop {
                let mut tx = db.begin_write().await.expect("begin");
                match participation::join(
                    &mut tx,
                    publication_id,
                    &details,
                    &asking,
                    chrono::Utc::now(),
                )
                .await
                {
                    Ok(_) => {
                        if tx.commit().await.is_ok() {
                            break;
                        }
                    }
                    // A deadlock or serialization victim tries again, as the inbox writer does.
                    Err(_) => continue,
                }
            }
        })
    });
    for task in futures::future::join_all(tasks).await {
        task.expect("join task");
    }
    let counts = participation::counts(alpha.state().db(), event.publication_id)
        .await
        .expect("counts");
    assert_eq!(counts.going, 10);
    let everyone = participation::of_event(alpha.state().db(), event.publication_id)
        .await
        .expect("participants");
    assert_eq!(everyone.len(), 50);
    assert_eq!(
        everyone
            .iter()
            .filter(|found| found.status() == Status::Declined)
            .count(),
        40
    );
    alpha.stop().await;
}

#[tokio::test]
async fn a_member_of_beta_goes_to_alphas_event_and_cancels() {
    let alpha = Node::start("alpha").await;
    let beta = Node::start_with_env("beta", &[("JISR_ACCOUNTS_REGISTRATION", "open")]).await;
    let nodes = [&alpha, &beta];
    beta.follows(&alpha).await;
    let fair = alpha
        .publish("event", &event("Careers fair", "capacity = 5\n"))
        .await;
    let beta_db = beta.db().await;
    let id = crate::harness::network::wait_for(20, "alpha's event at beta", &nodes, || async {
        jisr::domain::network::id_of(&beta_db, &fair)
            .await
            .ok()
            .flatten()
    })
    .await;
    let page = format!("/network/{id}");
    let mut amaka = Browser::new(&beta);
    amaka
        .register(
            "Amaka",
            "amaka@example.org",
            &[("account_type", "individual"), ("username", "amaka")],
        )
        .await;
    let shown = amaka.get(&page).await;
    assert!(
        shown.body.contains("I&#39;m going") || shown.body.contains("I'm going"),
        "{}",
        shown.body
    );

    // "I'm going": a Join from amaka's own actor; going once alpha accepts.
    let asked = amaka
        .post(&format!("{page}/rsvp"), &[("action", "join")])
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let member = beta.url("/actors/amaka").to_string();
    crate::harness::network::wait_for(20, "amaka going at alpha", &nodes, || async {
        (status_of(&alpha, &fair, &member).await == Some(Status::Going)).then_some(())
    })
    .await;
    let cookie = amaka.cookie_header();
    let url = beta.url(&page);
    let going = crate::harness::network::wait_for(20, "going, on beta's page", &nodes, || async {
        let body = crate::harness::http_client()
            .get(url.clone())
            .header("cookie", &cookie)
            .header("accept-language", "en")
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (body.contains("You&#39;re going") || body.contains("You're going")).then_some(body)
    })
    .await;
    assert!(going.contains("Cancel my place"), "{going}");

    // Cancelled: a Leave, and alpha frees the place.
    let left = amaka
        .post(&format!("{page}/rsvp"), &[("action", "leave")])
        .await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.body);
    crate::harness::network::wait_for(20, "amaka's place freed at alpha", &nodes, || async {
        (status_of(&alpha, &fair, &member).await == Some(Status::Cancelled)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn members_take_part_from_the_website_and_keep_a_private_calendar() {
    let alpha = Node::start_with_env("alpha", &[("JISR_ACCOUNTS_REGISTRATION", "open")]).await;
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    let fair = alpha
        .publish("event", &event("Careers fair", "capacity = 1\n"))
        .await;
    let path = url::Url::parse(&fair).expect("url").path().to_string();
    let mut amaka = Browser::new(&alpha);
    amaka
        .register(
            "Amaka",
            "amaka@example.org",
            &[("account_type", "individual"), ("username", "amaka")],
        )
        .await;
    let mut bola = Browser::new(&alpha);
    bola.register(
        "Bola",
        "bola@example.org",
        &[("account_type", "individual"), ("username", "bola")],
    )
    .await;

    // A visitor sees the counts and is asked to log in; a member presses "I'm going".
    let visitor = crate::harness::http_client()
        .get(alpha.url(&path))
        .header("accept-language", "en")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        visitor.contains("Going: 0") && visitor.contains("Log in to take part"),
        "{visitor}"
    );
    let page = amaka.get(&path).await;
    assert!(page.body.contains("Places left: 1"), "{}", page.body);
    let going = amaka
        .post(&format!("{path}/rsvp"), &[("action", "join")])
        .await;
    assert_eq!(going.status, StatusCode::SEE_OTHER, "{}", going.body);
    let page = amaka.get(&path).await;
    assert!(
        page.body.contains("You&#39;re going") && page.body.contains("Full"),
        "{}",
        page.body
    );
    // Full: the next member is told so, with no button.
    let page = bola.get(&path).await;
    assert!(page.body.contains("This event is full."), "{}", page.body);
    let refused = bola
        .post(&format!("{path}/rsvp"), &[("action", "join")])
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    let db = alpha.db().await;
    let bolas = alpha.url("/actors/bola").to_string();
    assert_eq!(
        status_of(&alpha, &fair, &bolas).await,
        Some(Status::Declined),
        "never more than the capacity"
    );

    // The organizers' message reaches her account page.
    let list = admin.get(&format!("{path}/participants")).await;
    assert!(list.body.contains("@amaka@"), "{}", list.body);
    let sent = admin
        .post(
            &format!("{path}/participants/message"),
            &[("message", "Doors open at 9:30.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);

    // Their account lists it, and their private calendar has it, until the link is stopped.
    let account = amaka.get("/account").await;
    assert!(
        account.body.contains("Doors open at 9:30."),
        "{}",
        account.body
    );
    assert!(
        account.body.contains("Careers fair") && account.body.contains("Going"),
        "{}",
        account.body
    );
    let made = amaka.post("/account/calendar", &[("action", "new")]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let start = made.body.find("/calendar/").expect("the link");
    let end = start + made.body[start..].find(".ics").expect("its end") + ".ics".len();
    let link = made.body[start..end].to_string();
    let calendar = crate::harness::http_client()
        .get(alpha.url(&link))
        .send()
        .await
        .expect("calendar");
    assert_eq!(calendar.status(), StatusCode::OK);
    assert_eq!(
        calendar.headers()["cache-control"].to_str().ok(),
        Some("private, no-store")
    );
    let ics = calendar.text().await.expect("ics");
    assert!(
        ics.starts_with("BEGIN:VCALENDAR") && ics.contains(":Careers fair"),
        "{ics}"
    );
    let stopped = amaka
        .post("/account/calendar", &[("action", "revoke")])
        .await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    let gone = crate::harness::http_client()
        .get(alpha.url(&link))
        .send()
        .await
        .expect("calendar");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // Amaka cancels: her place is free again, and Bola takes it.
    amaka
        .post(&format!("{path}/rsvp"), &[("action", "leave")])
        .await;
    bola.post(&format!("{path}/rsvp"), &[("action", "join")])
        .await;
    assert_eq!(status_of(&alpha, &fair, &bolas).await, Some(Status::Going));

    // Bola deletes her account: a wrong password changes nothing; then her place is freed,
    // her actor is gone and she is logged out.
    bola.get("/account/delete").await;
    let wrong = bola
        .post("/account/delete", &[("password", "not her password")])
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert_eq!(status_of(&alpha, &fair, &bolas).await, Some(Status::Going));
    let deleted = bola
        .post(
            "/account/delete",
            &[("password", "a long enough passphrase")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert!(
        deleted.body.contains("Your account is deleted"),
        "{}",
        deleted.body
    );
    assert_eq!(
        status_of(&alpha, &fair, &bolas).await,
        Some(Status::Cancelled)
    );
    let (status, _) = get_json(&bolas).await;
    assert_eq!(status, StatusCode::GONE);
    let account = bola.get("/account").await;
    assert_ne!(account.status, StatusCode::OK, "logged out");
    let gone = jisr::domain::accounts::find_by_email(&db, "bola@example.org").await;
    assert!(gone.is_err(), "her address is erased");
}

#[tokio::test]
async fn participants_see_who_else_goes_only_when_the_event_says_so_and_never_handles() {
    let alpha = Node::start_with_env("alpha", &[("JISR_ACCOUNTS_REGISTRATION", "open")]).await;
    let mut admin = Browser::new(&alpha);
    admin
        .register("Alpha's admin", "admin@alpha.example", &[])
        .await;
    let closed = alpha.publish("event", &event("Board meeting", "")).await;
    let open = alpha
        .publish(
            "event",
            &event("Picnic", "participants_visible = true\ncapacity = 30\n"),
        )
        .await;
    let mut browsers = Vec::new();
    for (name, username) in [("Amaka Obi", "amaka"), ("Bola Ade", "bola")] {
        let mut member = Browser::new(&alpha);
        member
            .register(
                name,
                &format!("{username}@example.org"),
                &[("account_type", "individual"), ("username", username)],
            )
            .await;
        for event in [&closed, &open] {
            let path = url::Url::parse(event).expect("url").path().to_string();
            member.get(&path).await;
            let going = member
                .post(&format!("{path}/rsvp"), &[("action", "join")])
                .await;
            assert_eq!(going.status, StatusCode::SEE_OTHER, "{}", going.body);
        }
        browsers.push(member);
    }
    let path_of = |event: &str| url::Url::parse(event).expect("url").path().to_string();
    // By default only organizers see who goes.
    let page = browsers[0].get(&path_of(&closed)).await;
    assert!(
        page.body.contains("You&#39;re going") && !page.body.contains("Bola Ade"),
        "{}",
        page.body
    );
    // The picnic lets participants see each other: names, never handles.
    let page = browsers[0].get(&path_of(&open)).await;
    assert!(
        page.body.contains("Also going") && page.body.contains("Bola Ade"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("@bola@"), "{}", page.body);
    // A visitor sees the counts only.
    let visitor = crate::harness::http_client()
        .get(alpha.url(&path_of(&open)))
        .header("accept-language", "en")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        visitor.contains("Going: 2") && !visitor.contains("Bola Ade"),
        "{visitor}"
    );
    // Organizers still see everyone, with handles.
    let list = admin.get(&format!("{}/participants", path_of(&open))).await;
    assert!(
        list.body.contains("@amaka@") && list.body.contains("@bola@"),
        "{}",
        list.body
    );
}
