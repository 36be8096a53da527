//! Accounts and the publishing forms through the website, as a browser uses them (cookies,
//! CSRF tokens, redirects), on both databases: registration in each mode, login and its rate
//! limit, roles, approval, invitations, password reset links, and an editor publishing,
//! previewing, editing and deleting through the forms, with an image upload.

use crate::harness::session::Browser;
use crate::harness::{TestDatabase, TestInstance, png};
use jisr::config::{Config, Registration};
use jisr::domain::accounts;
use reqwest::StatusCode;
use std::io::Cursor;

/// The secret of the invitation link shown on a members page.
fn invitation_secret(body: &str) -> String {
    let at = body.find("invitation=").expect("an invitation link");
    body[at + 11..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn start(database: &TestDatabase, change: impl FnOnce(&mut Config)) -> TestInstance {
    TestInstance::start_with(&database.url, |config| {
        config.instance.languages = vec!["en".to_string(), "ar".to_string()];
        change(config);
    })
    .await
}

#[tokio::test]
async fn the_first_account_is_an_admin_and_later_ones_wait_for_approval() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |config| {
        config.accounts.registration = Registration::Approval;
    })
    .await;

    let mut visitor = Browser::new(&alpha);
    // Not logged in: the publishing and admin pages send to the login page.
    let answer = visitor.get("/publish/event").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.location.as_deref(),
        Some("/login?next=%2Fpublish%2Fevent")
    );

    let mut admin = Browser::new(&alpha);
    let answer = admin.register("Amina", "Amina@Example.org", &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(admin.cookies.contains_key("jisr_session"));
    let page = admin.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("amina@example.org"), "lower-cased");
    assert!(page.body.contains("Admin"));

    // Bad input: every field named, next to it, nothing stored.
    let mut someone = Browser::new(&alpha);
    let answer = someone
        .register(
            "",
            "not-an-address",
            &[("password", "short"), ("account_type", "robot")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in [
        "field-name-error",
        "field-email-error",
        "field-password-error",
        "field-account-type-error",
    ] {
        assert!(answer.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(answer.body.contains("Use at least 10 characters."));
    // The same address twice.
    let answer = someone.register("Again", "amina@example.org", &[]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("An account with this address exists"));
    // No CSRF token.
    let answer = someone
        .post(
            "/register",
            &[
                ("csrf", ""),
                ("account_type", "individual"),
                ("name", "X"),
                ("email", "x@example.org"),
                ("password", "a long enough passphrase"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    // A second account waits; it cannot log in yet.
    let mut member = Browser::new(&alpha);
    // A registration rejected after someone made it a reset link goes, link and all.
    let mut spammer = Browser::from_address(&alpha, "192.0.2.99");
    spammer.register("Spam", "spam@example.org", &[]).await;
    let spam = accounts::find_by_email(alpha.state().db(), "spam@example.org")
        .await
        .expect("spam");
    accounts::reset_link(alpha.state().db(), "spam@example.org")
        .await
        .expect("link");
    admin.get("/admin/members").await;
    let answer = admin
        .post(
            &format!("/admin/members/{}", spam.account_id),
            &[("change", "reject")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(
        accounts::find_by_email(alpha.state().db(), "spam@example.org")
            .await
            .is_err()
    );

    let answer = member.register("Kwame", "kwame@example.org", &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("waiting for an admin"));
    let answer = member
        .login("kwame@example.org", "a long enough passphrase")
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    // The admin sees and approves it.
    let page = admin.get("/admin/members").await;
    assert!(page.body.contains("kwame@example.org"));
    let kwame = accounts::find_by_email(alpha.state().db(), "kwame@example.org")
        .await
        .expect("kwame");
    assert_eq!(kwame.status, jisr::domain::accounts::AccountStatus::Pending);
    let action = format!("/admin/members/{}", kwame.account_id);
    let answer = admin.post(&action, &[("change", "approve")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let answer = member
        .login("kwame@example.org", "a long enough passphrase")
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location.as_deref(), Some("/"));

    // A member neither publishes nor administers, and is told so on a page of the site.
    let refused = member.get("/publish/event").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("<h1>Not allowed</h1>") && refused.body.contains("class=\"site\""),
        "{}",
        refused.body
    );
    // Told which roles may publish, and who can change theirs.
    assert!(
        refused.body.contains("your account is a member’s")
            && refused.body.contains("href=\"/account\""),
        "{}",
        refused.body
    );
    let account = member.get("/account").await;
    assert!(
        account
            .body
            .contains("do not publish. An admin can make a member an editor."),
        "the role explained: {}",
        account.body
    );
    assert_eq!(
        member.get("/admin/members").await.status,
        StatusCode::FORBIDDEN
    );
    // Nor do admin forms take a member's POST, even with the member's own CSRF token.
    member.get("/account").await;
    for (path, pairs) in [
        (action.as_str(), vec![("change", "role"), ("role", "admin")]),
        ("/admin/invitations", vec![("role", "admin")]),
    ] {
        assert_eq!(
            member.post(path, &pairs).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // Made an editor, they publish through the form.
    let answer = admin
        .post(&action, &[("change", "role"), ("role", "editor")])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(member.get("/publish/story").await.status, StatusCode::OK);
    let answer = member
        .post(
            "/publish/story",
            &[
                ("text.en.title", "Kwame's first story"),
                ("text.en.summary", "From Accra to Berlin."),
                ("story.category", "individual_journey"),
                ("story.consent.subject_consented", "true"),
                ("story.consent.given_by", "Kwame"),
                ("story.consent.given_on", "2026-01-10"),
                ("story.consent.form", "written"),
                ("story.consent.federated", "true"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    // …but still cannot administer.
    assert_eq!(
        member.get("/admin/members").await.status,
        StatusCode::FORBIDDEN
    );
    // The last admin cannot step down.
    let me = accounts::find_by_email(alpha.state().db(), "amina@example.org")
        .await
        .expect("amina");
    let answer = admin
        .post(
            &format!("/admin/members/{}", me.account_id),
            &[("change", "role"), ("role", "member")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    // Bad admin input: a clear 4xx, nothing changed.
    for pairs in [
        vec![("change", "promote")],
        vec![("change", "role"), ("role", "owner")],
    ] {
        let answer = admin.post(&action, &pairs).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{pairs:?}");
    }
    assert_eq!(
        admin
            .post("/admin/members/999999", &[("change", "approve")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get("/publish/nonsense").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get("/publish/event/unknown-id").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get("/media/unknown.jpg").await.status,
        StatusCode::NOT_FOUND
    );
    // Nor can the last admin be disabled.
    let answer = admin
        .post(
            &format!("/admin/members/{}", me.account_id),
            &[("change", "disable")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    // A disabled account's sessions end.
    let answer = admin.post(&action, &[("change", "disable")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        member.get("/publish/event").await.status,
        StatusCode::SEE_OTHER
    );

    // Logging out ends the session.
    admin.get("/account").await;
    let answer = admin.post("/logout", &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(!admin.cookies.contains_key("jisr_session"));
    assert_eq!(
        admin.get("/admin/members").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn invitation_closed_and_open_modes() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |config| {
        config.accounts.registration = Registration::Invitation;
    })
    .await;
    let mut admin = Browser::new(&alpha);
    admin.register("Admin", "admin@example.org", &[]).await;

    let mut guest = Browser::new(&alpha);
    let answer = guest.register("Guest", "guest@example.org", &[]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("needs an invitation link"));

    admin.get("/admin/members").await;
    let page = admin
        .post("/admin/invitations", &[("role", "editor")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let secret = invitation_secret(&page.body);
    let answer = guest
        .register("Guest", "guest@example.org", &[("invitation", &secret)])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        guest.get("/publish").await.status,
        StatusCode::OK,
        "an editor"
    );
    // Used once.
    let mut other = Browser::new(&alpha);
    let answer = other
        .register("Other", "other@example.org", &[("invitation", &secret)])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    let database = TestDatabase::create().await;
    let beta = start(&database, |config| {
        config.accounts.registration = Registration::Closed;
    })
    .await;
    let mut first = Browser::new(&beta);
    assert_eq!(
        first
            .register("First", "first@example.org", &[])
            .await
            .status,
        StatusCode::SEE_OTHER,
        "the first account is accepted even when registration is closed"
    );
    let mut second = Browser::new(&beta);
    let answer = second.register("Second", "second@example.org", &[]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("Registration is closed"));
    // An admin's invitation works whatever the mode.
    first.get("/admin/members").await;
    let page = first
        .post("/admin/invitations", &[("role", "editor")])
        .await;
    let secret = invitation_secret(&page.body);
    let answer = second
        .register("Second", "second@example.org", &[("invitation", &secret)])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        second.get("/publish").await.status,
        StatusCode::OK,
        "an editor"
    );

    let database = TestDatabase::create().await;
    let gamma = start(&database, |config| {
        config.accounts.registration = Registration::Open;
    })
    .await;
    Browser::new(&gamma)
        .register("First", "first@example.org", &[])
        .await;
    let mut second = Browser::new(&gamma);
    let answer = second.register("Second", "second@example.org", &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(second.get("/account").await.status, StatusCode::OK);
    assert_eq!(
        second.get("/publish").await.status,
        StatusCode::FORBIDDEN,
        "a member"
    );
}

#[tokio::test]
async fn logins_are_rate_limited_and_reset_links_work_once() {
    // (The test's own clients come from 127.0.0.1, the address of a local reverse proxy: those
    // that send X-Forwarded-For are told apart by it.)
    let database = TestDatabase::create().await;
    let alpha = start(&database, |config| {
        config.accounts.login_attempts = 3;
    })
    .await;
    Browser::new(&alpha)
        .register("Admin", "admin@example.org", &[])
        .await;

    let mut attacker = Browser::new(&alpha);
    for _ in 0..3 {
        let answer = attacker.login("admin@example.org", "wrong password!").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(answer.body.contains("not right"));
    }
    let answer = attacker
        .login("admin@example.org", "a long enough passphrase")
        .await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );

    // A reset link (what `jisr account reset-link` prints) sets a new password, once.
    let secret = accounts::reset_link(alpha.state().db(), "ADMIN@example.org")
        .await
        .expect("link");
    let mut owner = Browser::new(&alpha);
    let page = owner.get(&format!("/reset/{secret}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let answer = owner
        .post(&format!("/reset/{secret}"), &[("password", "short")])
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = owner
        .post(
            &format!("/reset/{secret}"),
            &[("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        owner.get(&format!("/reset/{secret}")).await.status,
        StatusCode::GONE
    );
    assert_eq!(owner.get("/reset/unknown").await.status, StatusCode::GONE);
    // The attacker's client address is still blocked; another client (behind the local
    // proxy) logs in with the new password.
    assert_eq!(
        attacker
            .login("admin@example.org", "a brand new passphrase")
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut owner = Browser::from_address(&alpha, "203.0.113.9");
    assert_eq!(
        owner
            .login("admin@example.org", "a brand new passphrase")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Concurrent guesses cannot slip past the counts: of 12 at once from one client, 3 are
    // checked; then, the address being guarded, of 12 at once from 3 new clients (four each),
    // one per client is. (No more than 3 passwords are checked at once: more could wait
    // longer than the hashing queue allows on a busy machine, and get 503.)
    Browser::from_address(&alpha, "198.51.100.20")
        .register("Second", "second@example.org", &[])
        .await;
    let guess = |address: String, n: usize| {
        let alpha = &alpha;
        async move {
            let mut guesser = Browser::from_address(alpha, &address);
            guesser
                .login("second@example.org", &format!("guess number {n}"))
                .await
                .status
        }
    };
    let counted = |statuses: &[StatusCode]| {
        assert!(
            statuses.iter().all(
                |status| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(status)
            ),
            "{statuses:?}"
        );
        statuses
            .iter()
            .filter(|status| **status == StatusCode::UNAUTHORIZED)
            .count()
    };
    let statuses =
        futures::future::join_all((0..12).map(|n| guess("198.51.100.30".to_string(), n))).await;
    assert_eq!(counted(&statuses), 3, "one client: {statuses:?}");
    let statuses =
        futures::future::join_all((0..12).map(|n| guess(format!("198.51.100.{}", 40 + n / 4), n)))
            .await;
    assert_eq!(counted(&statuses), 3, "three clients: {statuses:?}");
}

#[tokio::test]
async fn a_guessing_client_is_refused_while_the_owner_logs_in_and_reset_links_work() {
    // The default limit: 10 failed logins per client in 15 minutes.
    let database = TestDatabase::create().await;
    let alpha = start(&database, |_| {}).await;
    let password = "a long enough passphrase";
    Browser::from_address(&alpha, "203.0.113.50")
        .register("Victim", "victim@example.org", &[])
        .await;

    let mut attacker = Browser::from_address(&alpha, "198.51.100.66");
    for n in 0..10 {
        let answer = attacker
            .login("victim@example.org", &format!("guess number {n}"))
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "guess {n}");
    }
    for guess in ["guess number 10", password] {
        let answer = attacker.login("victim@example.org", guess).await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{guess}");
        assert!(
            answer.body.contains("Too many failed attempts"),
            "a reason: {}",
            answer.body
        );
    }
    let answer = attacker.login("someone@example.org", "guess again").await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker's client is refused for every address"
    );

    // The owner, from their own client, logs in at once.
    let mut owner = Browser::from_address(&alpha, "203.0.113.50");
    let answer = owner.login("victim@example.org", password).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let mut elsewhere = Browser::from_address(&alpha, "192.0.2.7");
    let answer = elsewhere.login("VICTIM@example.org ", password).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);

    // While the address is under attack, a client that fails gets no second guess at it.
    let mut helper = Browser::from_address(&alpha, "198.51.100.67");
    let answer = helper.login("victim@example.org", "guess number 11").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let answer = helper.login("victim@example.org", password).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        answer
            .body
            .contains("This address had too many failed logins"),
        "a reason: {}",
        answer.body
    );

    // A reset link works while the attacker is locked out, and the attacker stays locked out.
    let secret = accounts::reset_link(alpha.state().db(), "victim@example.org")
        .await
        .expect("link");
    let new_password = "a brand new passphrase";
    assert_eq!(
        helper.get(&format!("/reset/{secret}")).await.status,
        StatusCode::OK
    );
    let answer = helper
        .post(&format!("/reset/{secret}"), &[("password", new_password)])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = helper.login("victim@example.org", new_password).await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "the reset forgot the address's failures: {}",
        answer.body
    );
    let answer = attacker.login("victim@example.org", new_password).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    alpha.stop().await;
}

/// A JPEG with an Exif segment that names a GPS position.
/// A JPEG photo (with GPS metadata) as the file part `file_name` of a form.
fn photo(file_name: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(jpeg_with_gps())
        .file_name(file_name.to_string())
        .mime_str("image/jpeg")
        .expect("mime")
}

fn jpeg_with_gps() -> Vec<u8> {
    let picture =
        image::RgbImage::from_fn(80, 60, |x, y| image::Rgb([x as u8 * 3, y as u8 * 4, 120]));
    let mut jpeg = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .expect("encode");
    let jpeg = jpeg.into_inner();
    let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=52.52;GPSLongitude=13.40";
    let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
    with_exif.extend_from_slice(
        &u16::try_from(payload.len() + 2)
            .expect("short")
            .to_be_bytes(),
    );
    with_exif.extend_from_slice(payload);
    with_exif.extend_from_slice(&jpeg[2..]);
    with_exif
}

#[tokio::test]
async fn editors_publish_preview_edit_and_delete_through_the_forms() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |config| {
        config.instance.time_zone = "Africa/Lagos".to_string();
    })
    .await;
    let mut editor = Browser::new(&alpha);
    editor.register("Editor", "editor@example.org", &[]).await;

    let page = editor.get("/publish/event").await;
    assert_eq!(page.status, StatusCode::OK);
    // The organization's time zone is the default, and every zone is offered while typing.
    assert!(
        page.body
            .contains("name=\"event.time_zone\" value=\"Africa/Lagos\"")
            && page.body.contains("<option value=\"America/Toronto\">"),
        "{}",
        page.body
    );
    for name in [
        "text.en.title",
        "text.ar.title",
        "event.starts_at",
        "event.time_zone",
    ] {
        assert!(page.body.contains(&format!("name=\"{name}\"")), "{name}");
    }
    assert!(
        page.body.contains("lang=\"ar\" dir=\"rtl\""),
        "Arabic column"
    );

    let event = [
        ("text.en.title", "Poetry evening"),
        ("text.en.summary", "Poems in three languages."),
        (
            "text.en.body",
            "Bring a **poem**. <script>alert(1)</script>",
        ),
        ("text.ar.title", "أمسية شعرية"),
        ("text.ar.summary", "قصائد بثلاث لغات."),
        ("text.ar.body", ""),
        ("event.starts_at", "2027-01-14T18:00"),
        ("event.ends_at", "2027-01-14T20:00"),
        ("event.time_zone", "Europe/Berlin"),
        ("event.place.name", "Werkstatt der Kulturen"),
        ("event.place.locality", "Berlin"),
        ("event.place.country", "DE"),
        ("event.category", "language_culture"),
        ("gcm_objectives", "16"),
        ("hashtags", "Berlin, poetry"),
    ];

    // Preview: shown, sanitized, nothing stored.
    let mut preview = event.to_vec();
    preview.push(("action", "preview"));
    let answer = editor.post("/publish/event", &preview).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("<strong>poem</strong>"));
    assert!(!answer.body.contains("<script>alert"));
    assert!(
        answer.body.contains("value=\"Poetry evening\""),
        "the form stays filled"
    );
    let listed = editor.get("/publish").await;
    assert!(!listed.body.contains("Poetry evening"));

    // The map: a click on a tile (an image button: its x and y) sets the point there and
    // zooms in; the form comes back filled, nothing stored.
    let page = editor.get("/publish/event").await;
    assert!(
        page.body.contains(
            "<input type=\"image\" name=\"map-1-1\" src=\"https://tile.openstreetmap.org/2/"
        ),
        "the world, from OpenStreetMap's tiles by default: {}",
        page.body
    );
    let mut click = event.to_vec();
    click.extend([("map-1-1.x", "128"), ("map-1-1.y", "128")]);
    let answer = editor.post("/publish/event", &click).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.contains("name=\"map_zoom\" value=\"5\""),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains("name=\"event.place.latitude\" value=\"")
    );
    assert!(
        answer.body.contains("value=\"Poetry evening\""),
        "the form stays filled"
    );
    assert!(answer.body.contains("class=\"pin\""));
    let mut cleared = event.to_vec();
    cleared.extend([
        ("event.place.latitude", "52.5"),
        ("event.place.longitude", "13.4"),
        ("map_zoom", "5"),
        ("action", "map-clear"),
    ]);
    let answer = editor.post("/publish/event", &cleared).await;
    assert!(
        !answer.body.contains("name=\"event.place.latitude\""),
        "the point is gone"
    );
    assert!(!editor.get("/publish").await.body.contains("Poetry evening"));

    // Bad input: errors next to the fields, nothing stored.
    let mut bad = event.to_vec();
    bad.retain(|(name, _)| *name != "text.en.title" && *name != "event.starts_at");
    bad.push(("event.starts_at", "someday"));
    bad.push(("event.capacity", "many"));
    bad.push(("action", "publish"));
    let answer = editor.post("/publish/event", &bad).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("id=\"field-event-capacity-error\""));
    let answer = editor
        .post(
            "/publish/event",
            &[&bad[..bad.len() - 2], &[("action", "publish")]].concat(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body.contains("id=\"field-text-en-title-error\""),
        "title"
    );
    assert!(
        answer.body.contains("id=\"field-event-starts-at-error\""),
        "start"
    );

    // Publish: to the event's page, on the calendar, in the ICS feed.
    let mut publish = event.to_vec();
    publish.push(("action", "publish"));
    let answer = editor.post("/publish/event", &publish).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let location = answer.location.expect("location");
    assert!(location.starts_with("/events/"), "{location}");
    let public_id = location.trim_start_matches("/events/").to_string();
    let page = editor.get(&location).await;
    assert!(page.body.contains("Poetry evening"));
    assert!(!page.body.contains("class=\"map\""), "no point, no map");
    let edit_link = format!("href=\"/publish/event/{public_id}\"");
    assert!(
        page.body.contains(&edit_link),
        "an editor sees the edit link"
    );
    let anonymous = Browser::new(&alpha).get(&location).await;
    assert!(!anonymous.body.contains(&edit_link), "others do not");
    let calendar = editor.get("/events/calendar?month=2027-01&lang=ar").await;
    assert!(calendar.body.contains("أمسية شعرية"), "{}", calendar.body);
    assert!(calendar.body.contains("dir=\"rtl\""));
    let ics = editor.get(&format!("{location}/calendar.ics")).await;
    // In the language the reader chose on the calendar (kept in a cookie).
    assert!(
        ics.body.contains("SUMMARY;LANGUAGE=ar:أمسية شعرية"),
        "{}",
        ics.body
    );
    let placed = crate::harness::ics::first_event(&ics.body);
    assert_eq!(placed.starts_utc, "20270114T170000Z", "{}", ics.body);

    // Edit: the form comes back filled; the change is saved.
    let edit_path = format!("/publish/event/{public_id}");
    let form = editor.get(&edit_path).await;
    assert!(form.body.contains("value=\"Poetry evening\""));
    assert!(form.body.contains("value=\"2027-01-14T18:00\""));
    // Countries by name in the reader's language (Arabic, chosen on the calendar above), with
    // every name offered while typing.
    assert!(
        form.body
            .contains("name=\"event.place.country\" value=\"ألمانيا\""),
        "{}",
        form.body
    );
    assert!(form.body.contains("<option value=\"غانا\">"));
    let mut edited = publish.clone();
    edited[0] = ("text.en.title", "Poetry night");
    let answer = editor.post(&edit_path, &edited).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    // (The reader chose Arabic on the calendar: the English version is at its own URL.)
    let english = editor.get(&format!("{location}?lang=en")).await;
    assert!(english.body.contains("Poetry night"), "{}", english.body);

    // Delete, after a confirmation page.
    let confirm = editor.get(&format!("{edit_path}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let answer = editor.post(&format!("{edit_path}/delete"), &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(editor.get(&location).await.status, StatusCode::GONE);
    // A field name no form has, nested deep (it once overflowed the stack): 400, and the
    // server lives on.
    let deep = format!("event.{}b", "a.".repeat(20_000));
    let answer = editor.post("/publish/event", &[(deep.as_str(), "x")]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(editor.get("/publish").await.status, StatusCode::OK);
    // A body larger than an image may be (5 MB here, plus 1 MB for the texts) is refused
    // before it is read, with 413.
    let response = editor
        .request(editor.client.post(alpha.url("/publish/story")))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(vec![b'a'; 7_000_000])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // What the form does not show (coordinates, a text in German, given through the API)
    // travels in hidden fields, so that saving an edit keeps it.
    let (_, token) = jisr::domain::tokens::create(alpha.state().db(), "api")
        .await
        .expect("token");
    let created: serde_json::Value = editor
        .client
        .post(alpha.url("/api/v1/events"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "text": {"en": {"title": "Picnic", "summary": "In the park."},
                     "de": {"title": "Picknick", "summary": "Im Park."}},
            "event": {"starts_at": "2027-06-05T12:00", "ends_at": "2027-06-05T16:00",
                      "time_zone": "Europe/Berlin",
                      "place": {"name": "Tempelhofer Feld", "latitude": 52.4731, "longitude": 13.4015},
                      "organizer": "Youth group"}
        }))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("json");
    let picnic = created["public_id"].as_str().expect("id");
    let form = editor.get(&format!("/publish/event/{picnic}")).await;
    for hidden in [
        "name=\"event.place.latitude\" value=\"52.4731\"",
        "name=\"event.organizer\" value=\"Youth group\"",
        "name=\"text.de.title\" value=\"Picknick\"",
    ] {
        assert!(form.body.contains(hidden), "{hidden}");
    }
    // What only the API gave is shown on the page too.
    let page = editor.get(&format!("/events/{picnic}?lang=en")).await;
    assert!(
        page.body
            .contains("<dt>Organized by</dt><dd><bdi>Youth group</bdi></dd>"),
        "{}",
        page.body
    );

    // Without the CSRF token nothing happens.
    assert_eq!(
        editor
            .post(
                "/publish/story",
                &[("csrf", "forged"), ("action", "publish")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn story_images_are_reencoded_without_their_metadata_and_need_a_description() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |config| {
        config.accounts.max_image_bytes = 200_000;
    })
    .await;
    let mut editor = Browser::new(&alpha);
    editor.register("Editor", "editor@example.org", &[]).await;
    editor.get("/publish/story").await;

    let form = |image: Vec<u8>, alt: &str, csrf: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .text("text.en.title", "From Lagos to Berlin")
            .text("text.en.summary", "Ada's first year.")
            .text("story.category", "individual_journey")
            .text("story.consent.subject_consented", "true")
            .text("story.consent.given_by", "Ada")
            .text("story.consent.given_on", "2026-01-10")
            .text("story.consent.form", "oral")
            .text("story.consent.federated", "true")
            .text("story.consent.images", "true")
            .text("story.image_alt", alt.to_string())
            .text("action", "publish")
            .part(
                "story.image",
                reqwest::multipart::Part::bytes(image)
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .expect("mime"),
            )
    };
    let send = |form: reqwest::multipart::Form, cookies: String| {
        let client = editor.client.clone();
        let url = alpha.url("/publish/story");
        async move {
            client
                .post(url)
                .header("cookie", cookies)
                .multipart(form)
                .send()
                .await
                .expect("POST")
        }
    };

    let photo = jpeg_with_gps();
    assert!(photo.windows(3).any(|window| window == b"GPS"));
    // No description: refused, next to the field.
    let response = send(
        form(photo.clone(), "", &editor.csrf),
        editor.cookie_header(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("id=\"field-story-image-alt-error\"")
    );
    // Not an image; too large.
    for (bytes, reason) in [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            "is not an image",
        ),
        (vec![0xFF; 300_000], "larger than"),
    ] {
        let response = send(form(bytes, "A photo", &editor.csrf), editor.cookie_header()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = response.text().await.expect("body");
        assert!(body.contains(reason), "{reason}: {body}");
        assert!(body.contains("id=\"field-story-image-error\""));
    }

    let response = send(
        form(photo, "Ada in front of the Brandenburg Gate", &editor.csrf),
        editor.cookie_header(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let page = editor.get(&location).await;
    let at = page.body.find("/media/").expect("image on the page");
    let media: String = page.body[at..]
        .chars()
        .take_while(|c| *c != '"' && *c != '\'' && *c != ' ')
        .collect();
    let response = editor
        .client
        .get(alpha.url(&media))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let bytes = response.bytes().await.expect("bytes");
    assert!(!bytes.windows(4).any(|window| window == b"Exif"));
    assert!(!bytes.windows(3).any(|window| window == b"GPS"));
    image::load_from_memory(&bytes).expect("a real image");

    // The upload of the first attempt (refused for its missing description) is shown by no
    // publication: a day later, housekeeping deletes it and keeps the published one.
    let db = alpha.state().db();
    let aged = "update image set created_at = $1";
    let two_days_ago = chrono::Utc::now() - chrono::Duration::days(2);
    match db {
        jisr::db::Db::Sqlite(pool) => {
            sqlx::query(aged)
                .bind(two_days_ago)
                .execute(pool)
                .await
                .expect("age");
        }
        jisr::db::Db::Postgres(pool) => {
            sqlx::query(aged)
                .bind(two_days_ago)
                .execute(pool)
                .await
                .expect("age");
        }
    }
    assert_eq!(
        jisr::domain::images::forget_unused(db)
            .await
            .expect("forget"),
        1
    );
    let response = editor
        .client
        .get(alpha.url(&media))
        .send()
        .await
        .expect("GET");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the published image stays"
    );
}

#[tokio::test]
async fn members_change_their_password_and_admins_make_reset_links() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |config| {
        config.accounts.registration = Registration::Open;
    })
    .await;
    let mut admin = Browser::new(&alpha);
    admin.register("Admin", "admin@example.org", &[]).await;
    let mut member = Browser::new(&alpha);
    member.register("Member", "member@example.org", &[]).await;
    let mut elsewhere = Browser::new(&alpha);
    let answer = elsewhere
        .login("member@example.org", "a long enough passphrase")
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);

    assert_eq!(member.get("/account/password").await.status, StatusCode::OK);
    let answer = member
        .post(
            "/account/password",
            &[("current_password", "wrong guess!!"), ("password", "short")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("id=\"field-current-password-error\""));
    assert!(answer.body.contains("id=\"field-password-error\""));
    let answer = member
        .post(
            "/account/password",
            &[
                ("current_password", "a long enough passphrase"),
                ("password", "another long passphrase"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        member.get("/account").await.status,
        StatusCode::OK,
        "this login stays"
    );
    assert_eq!(
        elsewhere.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "the other login ended"
    );
    assert_eq!(
        Browser::new(&alpha)
            .login("member@example.org", "another long passphrase")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // No mail: an admin makes a reset link on the members page and gives it on.
    let id = accounts::find_by_email(alpha.state().db(), "member@example.org")
        .await
        .expect("member")
        .account_id;
    admin.get("/admin/members").await;
    let page = admin
        .post(&format!("/admin/members/{id}/reset-link"), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let at = page.body.find("/reset/").expect("a reset link");
    let path: String = page.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || ['/', '-', '_'].contains(c))
        .collect();
    let mut owner = Browser::new(&alpha);
    assert_eq!(owner.get(&path).await.status, StatusCode::OK);
    let answer = owner
        .post(&path, &[("password", "a third long passphrase")])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        member
            .post(&format!("/admin/members/{id}/reset-link"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER,
        "the reset ended the member's logins; members make no links anyway"
    );
}

#[tokio::test]
async fn concurrent_first_registrations_make_exactly_one_admin() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |config| {
        config.accounts.registration = Registration::Open;
    })
    .await;
    let attempts = (0..8).map(|n| {
        let alpha = &alpha;
        async move {
            let mut browser = Browser::from_address(alpha, &format!("192.0.2.{}", 10 + n));
            browser
                .register(&format!("Person {n}"), &format!("p{n}@example.org"), &[])
                .await
                .status
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::SEE_OTHER),
        "no 500 or lock error: {statuses:?}"
    );
    let all = accounts::list(alpha.state().db()).await.expect("list");
    assert_eq!(all.len(), 8);
    let admins = all
        .iter()
        .filter(|account| account.role == accounts::Role::Admin)
        .count();
    assert_eq!(admins, 1, "{all:?}");
}

/// The ActivityStreams JSON at `url`.
async fn activity_json(url: url::Url) -> serde_json::Value {
    reqwest::Client::new()
        .get(url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn the_logo_and_header_reach_the_actor_and_pins_its_featured_collection() {
    let database = TestDatabase::create().await;
    let folder = tempfile::tempdir().expect("folder");
    let logo = folder.path().join("logo.png");
    std::fs::write(&logo, png(64, 64)).expect("logo");
    let alpha = start(&database, |config| {
        config.instance.logo = logo.display().to_string();
    })
    .await;

    // The configured logo is the actor's icon, served, and the website's favicon.
    let actor = activity_json(alpha.actor_id()).await;
    assert_eq!(actor["icon"]["type"], "Image", "{actor}");
    // Re-encoded: a picture without transparency becomes a JPEG, and says so.
    assert_eq!(actor["icon"]["mediaType"], "image/jpeg");
    let icon_url = actor["icon"]["url"].as_str().expect("icon url").to_string();
    let icon = reqwest::get(&icon_url).await.expect("icon");
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/jpeg");
    let favicon = reqwest::get(alpha.url("/favicon.ico"))
        .await
        .expect("favicon");
    assert_eq!(favicon.headers()["content-type"], "image/jpeg");
    assert!(actor.get("image").is_none(), "no header yet");
    assert_eq!(
        actor["featured"],
        alpha.url("/actors/ngberlin/featured").as_str()
    );

    // The admin uploads a header; the logo's upload is the configuration's.
    let mut admin = Browser::new(&alpha);
    admin.register("Admin", "admin@example.org", &[]).await;
    let page = admin.get("/admin/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("instance.logo"), "{}", page.body);
    let form = reqwest::multipart::Form::new()
        .text("csrf", admin.csrf.clone())
        .part(
            "header",
            reqwest::multipart::Part::bytes(png(300, 100))
                .file_name("header.png")
                .mime_str("image/png")
                .expect("mime"),
        );
    let response = admin
        .client
        .post(alpha.url("/admin/profile"))
        .header("cookie", admin.cookie_header())
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    let actor = activity_json(alpha.actor_id()).await;
    assert_eq!(actor["image"]["mediaType"], "image/jpeg", "{actor}");
    let home = admin.get("/").await;
    assert!(
        home.body.contains("class=\"banner\""),
        "the header on the home page"
    );
    assert!(
        home.body.contains("class=\"logo\""),
        "the logo in the site's header"
    );

    // An editor pins a story from its page; the featured collection lists it, embedded.
    let story = alpha.publish_story("Pinned story").await;
    let story_id = alpha.publication_id(&story);
    let page = admin.get(story_id.path()).await;
    assert!(
        page.body.contains("name=\"pinned\" value=\"1\""),
        "a pin button"
    );
    let pinned = admin
        .post(
            &format!("/publish/story/{}/pin", story.public_id),
            &[("pinned", "1")],
        )
        .await;
    assert_eq!(pinned.status, StatusCode::SEE_OTHER, "{}", pinned.body);
    let featured = activity_json(alpha.url("/actors/ngberlin/featured")).await;
    assert_eq!(featured["type"], "OrderedCollection");
    assert_eq!(featured["totalItems"], 1);
    assert_eq!(featured["orderedItems"][0]["id"], story_id.as_str());
    assert_eq!(featured["orderedItems"][0]["name"], "Pinned story");
    let page = admin.get(story_id.path()).await;
    assert!(
        page.body.contains("name=\"pinned\" value=\"0\""),
        "now an unpin button"
    );
    let home = admin.get("/").await;
    assert!(
        home.body.contains("id=\"pinned\""),
        "pinned first on the home page"
    );

    // Unpinned, it leaves the collection.
    admin
        .post(
            &format!("/publish/story/{}/pin", story.public_id),
            &[("pinned", "0")],
        )
        .await;
    let featured = activity_json(alpha.url("/actors/ngberlin/featured")).await;
    assert_eq!(featured["totalItems"], 0);
    alpha.stop().await;
}

#[tokio::test]
async fn followers_hear_of_pins_and_new_pictures() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |_| {}).await;
    let remote = crate::harness::TestActor::start().await;
    let follow = remote.follow("ada", &alpha.actor_id());
    let (status, body) = remote
        .post(
            "ada",
            &alpha.url("/inbox"),
            &follow,
            crate::harness::remote::Forgery::None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let story = alpha.publish_story("A story").await;
    jisr::federation::outbox::set_pinned(alpha.state(), story.kind, &story.public_id, true)
        .await
        .expect("pin");
    jisr::federation::profile::set(
        alpha.state(),
        jisr::federation::actors::Picture::Icon,
        Some(png(32, 32)),
    )
    .await
    .expect("logo");
    let received = |kind: &'static str| {
        let remote = remote.clone();
        move || {
            let remote = remote.clone();
            async move {
                remote
                    .received()
                    .into_iter()
                    .map(|received| received.json())
                    .find(|activity| activity["type"] == kind)
            }
        }
    };
    let add = crate::harness::eventually(10, "the Add", received("Add")).await;
    assert_eq!(add["object"], alpha.publication_id(&story).as_str());
    assert_eq!(
        add["target"],
        alpha.url("/actors/ngberlin/featured").as_str()
    );
    let update =
        crate::harness::eventually(10, "the Update of the actor", received("Update")).await;
    assert_eq!(update["object"]["id"], alpha.actor_id().as_str());
    assert_eq!(update["object"]["icon"]["type"], "Image", "{update}");
    alpha.stop().await;
}

/// A server that answers WebFinger as Mastodon does (`fixtures/mastodon/webfinger.json`, with
/// its host made this server's), for the remote follow.
async fn mastodon_webfinger() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let host = format!(
        "localhost:{}",
        listener.local_addr().expect("address").port()
    );
    let document = include_str!("fixtures/mastodon/webfinger.json")
        .replace("https://mastodon.social", &format!("http://{host}"))
        .replace("@mastodon.social", &format!("@{host}"));
    let app = axum::Router::new().route(
        "/.well-known/webfinger",
        axum::routing::get(move || async move {
            ([("content-type", "application/jrd+json")], document)
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    host
}

#[tokio::test]
async fn a_visitor_follows_and_shares_from_their_own_server_in_one_step() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |_| {}).await;
    let host = mastodon_webfinger().await;
    let mut visitor = Browser::new(&alpha);

    // Every page offers it; the page explains it and names our handle as the fallback.
    assert!(visitor.get("/").await.body.contains("href=\"/follow\""));
    let page = visitor.get("/follow").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"handle\""), "{}", page.body);
    assert!(page.body.contains(&alpha.handle()), "{}", page.body);

    // Their server's subscribe template, with our actor in it: a link to follow there.
    let handle = format!("@victorneo@{host}");
    let answer = visitor
        .post("/follow", &[("handle", handle.as_str())])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let actor: String =
        url::form_urlencoded::byte_serialize(alpha.url("/actors/ngberlin").as_str().as_bytes())
            .collect();
    let expected = format!("http://{host}/authorize_interaction?uri={actor}");
    assert!(
        answer.body.contains(&expected),
        "{expected} in {}",
        answer.body
    );

    // A publication of ours opens there to reply or share; a URL not ours is ignored.
    let (_, token) = jisr::domain::tokens::create(alpha.state().db(), "web")
        .await
        .expect("token");
    let created: serde_json::Value = reqwest::Client::new()
        .post(alpha.url("/api/v1/stories"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "text": {"en": {"title": "A story", "summary": "Told with consent."}},
            "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}}
        }))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    let story = created["url"].as_str().expect("url").to_string();
    assert!(
        visitor
            .get(url::Url::parse(&story).expect("url").path())
            .await
            .body
            .contains("/follow?uri=")
    );
    let answer = visitor
        .post(
            "/follow",
            &[("handle", handle.as_str()), ("uri", story.as_str())],
        )
        .await;
    let encoded: String = url::form_urlencoded::byte_serialize(story.as_bytes()).collect();
    assert!(answer.body.contains(&encoded), "{}", answer.body);
    let answer = visitor
        .post(
            "/follow",
            &[
                ("handle", handle.as_str()),
                ("uri", "https://evil.example/x"),
            ],
        )
        .await;
    assert!(
        answer.body.contains(&actor),
        "a foreign uri is ignored: {}",
        answer.body
    );

    // Bad handles say why, next to the field; no outgoing request for a plain link.
    let answer = visitor.post("/follow", &[("handle", "not a handle")]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body.contains("field-handle-error"),
        "{}",
        answer.body
    );
    let answer = visitor
        .post("/follow", &[("handle", &format!("@nobody@{host}x"))])
        .await;
    assert!(answer.status.is_client_error() || answer.status.is_server_error());
    alpha.stop().await;
}

/// An event's banner: uploaded with the form like a story's image, shown on its page (and as
/// `og:image`), on its card, and federated as the object's `image`.
#[tokio::test]
async fn an_event_has_a_banner_on_its_page_its_card_and_the_wire() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |_| {}).await;
    let mut editor = Browser::new(&alpha);
    editor.register("Editor", "editor@example.org", &[]).await;
    let form = editor.get("/publish/event").await;
    assert!(form.body.contains("name=\"event.image\""), "{}", form.body);

    let multipart = reqwest::multipart::Form::new()
        .text("csrf", editor.csrf.clone())
        .text("text.en.title", "Harvest festival")
        .text("text.en.summary", "Food and music.")
        .text("event.starts_at", "2027-09-18T15:00")
        .text("event.ends_at", "2027-09-18T22:00")
        .text("event.time_zone", "Europe/Berlin")
        .text("event.place.name", "Tempelhofer Feld")
        .text("event.image_alt", "Long tables under lanterns")
        .text("action", "publish")
        .part("event.image", photo("banner.jpg"));
    let response = editor.post_multipart("/publish/event", multipart).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let page = editor.get(&location).await;
    assert!(page.body.contains("class=\"lead\""), "{}", page.body);
    assert!(page.body.contains("alt=\"Long tables under lanterns\""));
    assert!(page.body.contains("<meta property=\"og:image\""));
    let list = editor.get("/events").await;
    assert!(list.body.contains("class=\"card-image\""), "{}", list.body);

    let object = editor.activity_json(&location).await;
    assert_eq!(object["image"]["type"], "Image", "{object}");
    assert_eq!(object["image"]["name"], "Long tables under lanterns");
    assert!(
        object["image"]["url"]
            .as_str()
            .is_some_and(|url| url.contains("/media/"))
    );
    // The edit form keeps the banner.
    let public_id = location.trim_start_matches("/events/");
    let edit = editor.get(&format!("/publish/event/{public_id}")).await;
    assert!(
        edit.body.contains("name=\"event.image_url\" value=\"http"),
        "{}",
        edit.body
    );
}

/// A publication's byline: an admin gives any active member (here a member organization), an
/// editor only themselves; it shows on the page and the card, links to the member's profile
/// page (written on their account page, countries by name), and travels as `author` while the
/// organization stays `attributedTo`. A disabled member's byline and profile disappear.
#[tokio::test]
async fn publications_carry_a_byline_that_links_to_the_members_profile() {
    let database = TestDatabase::create().await;
    let alpha = start(&database, |config| {
        config.accounts.registration = Registration::Open;
    })
    .await;
    let mut admin = Browser::new(&alpha);
    admin.register("Admin", "admin@example.org", &[]).await;
    let mut member = Browser::new(&alpha);
    member
        .register("Sudanese Students Berlin", "students@example.org", &[])
        .await;
    let account_id =
        jisr::domain::accounts::find_by_email(alpha.state().db(), "students@example.org")
            .await
            .expect("the member")
            .account_id;

    // The member writes their profile, countries by name.
    assert_eq!(member.get("/account/profile").await.status, StatusCode::OK);
    let saved = member
        .post(
            "/account/profile",
            &[
                ("summary", "Students from Sudan at Berlin's universities."),
                ("website", "https://students.example"),
                ("countries", "Sudan, Allemagne"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // Not public before a publication carries their name.
    let path = format!("/members/{account_id}");
    assert_eq!(
        Browser::new(&alpha).get(&path).await.status,
        StatusCode::NOT_FOUND
    );

    let form = admin.get("/publish/story").await;
    assert!(
        form.body.contains(&format!(
            "<option value=\"{account_id}\">Sudanese Students Berlin</option>"
        )),
        "an admin may give any member: {}",
        form.body
    );
    let story = [
        ("text.en.title", "Our first graduation"),
        ("text.en.summary", "Twelve students finished their degrees."),
        ("story.category", "social"),
        // About the organization itself: no one's consent to record.
        ("story.consent.about", "organization"),
        ("action", "publish"),
    ];
    let mut bylined = story.to_vec();
    let id = account_id.to_string();
    bylined.push(("author", id.as_str()));
    let answer = admin.post("/publish/story", &bylined).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let location = answer.location.expect("location");

    let page = Browser::new(&alpha).get(&location).await;
    assert!(
        page.body.contains(&format!(
            "href=\"{path}\" dir=\"auto\" rel=\"author\">Sudanese Students Berlin</a>"
        )),
        "{}",
        page.body
    );
    assert!(
        Browser::new(&alpha)
            .get("/stories")
            .await
            .body
            .contains("<bdi>Sudanese Students Berlin</bdi>")
    );
    // A logo, uploaded on the same form.
    let multipart = reqwest::multipart::Form::new()
        .text("csrf", member.csrf.clone())
        .text("summary", "Students from Sudan at Berlin's universities.")
        .text("website", "https://students.example")
        .text("countries", "SD, DE")
        .part("logo", photo("logo.jpg"));
    let response = member.post_multipart("/account/profile", multipart).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let profile = Browser::new(&alpha).get(&path).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(
        profile.body.contains("class=\"member-logo\" src=\"/media/"),
        "{}",
        profile.body
    );
    for shown in [
        "Students from Sudan at Berlin&#39;s universities.",
        "Sudan, Germany",
        "https://students.example/",
        "Our first graduation",
    ] {
        assert!(
            profile.body.contains(shown)
                || profile.body.contains(&shown.replace("&#39;", "&#x27;")),
            "{shown}: {}",
            profile.body
        );
    }
    let object = admin.activity_json(&location).await;
    assert_eq!(object["author"]["type"], "Organization", "{object}");
    assert_eq!(object["author"]["name"], "Sudanese Students Berlin");
    assert_eq!(object["author"]["url"], alpha.url(&path).to_string());
    assert!(object["attributedTo"].is_string(), "one actor publishes it");

    // An editor may give only themselves.
    let editor_id = jisr::domain::accounts::find_by_email(alpha.state().db(), "admin@example.org")
        .await
        .expect("admin")
        .account_id;
    jisr::domain::accounts::change(
        alpha.state().db(),
        account_id,
        jisr::domain::accounts::Change::SetRole(jisr::domain::accounts::Role::Editor),
    )
    .await
    .expect("an editor now");
    let mut someone_else = story.to_vec();
    let other = editor_id.to_string();
    someone_else.push(("author", other.as_str()));
    member.get("/publish/story").await;
    let refused = member.post("/publish/story", &someone_else).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("id=\"field-author-error\""));

    // Disabled: no byline, no profile.
    jisr::domain::accounts::change(
        alpha.state().db(),
        account_id,
        jisr::domain::accounts::Change::Disable,
    )
    .await
    .expect("disabled");
    assert_eq!(
        Browser::new(&alpha).get(&path).await.status,
        StatusCode::NOT_FOUND
    );
    let page = Browser::new(&alpha).get(&location).await;
    assert!(!page.body.contains("rel=\"author\""));
}
