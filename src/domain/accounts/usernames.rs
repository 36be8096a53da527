//! Usernames: the `name` of a member's handle, `@name@our.domain`. A member chooses one on
//! registering (or one is made from their e-mail address); it is unique on the instance
//! among every actor (the organization, the instance actor, discussion groups) and never
//! reused, because an actor's row, and so its name, outlives its account.
//!
//! Invariant: a username is 1 to 30 characters of `a`–`z`, `0`–`9` and `_`, as Mastodon
//! accepts in a handle's user part, and is none of [`RESERVED`] nor a name the caller reserves
//! (the organization's handle and the instance actor's).

use crate::error::Reason;

/// The longest username.
pub const MAX_USERNAME: usize = 30;

/// Names no member may take: our own paths, and the names people trust as the server's own.
pub const RESERVED: &[&str] = &[
    "about",
    "abuse",
    "account",
    "accounts",
    "actor",
    "actors",
    "admin",
    "administrator",
    "api",
    "calendar",
    "directory",
    "embed",
    "events",
    "follow",
    "help",
    "hostmaster",
    "inbox",
    "info",
    "instance",
    "jisr",
    "login",
    "logout",
    "media",
    "members",
    "moderator",
    "network",
    "nodeinfo",
    "noreply",
    "official",
    "opportunities",
    "outbox",
    "postmaster",
    "publish",
    "register",
    "relay",
    "resources",
    "root",
    "search",
    "security",
    "server",
    "staff",
    "static",
    "stories",
    "support",
    "system",
    "tags",
    "webmaster",
    "www",
];

/// Whether `character` may be in a username.
fn allowed(character: char) -> bool {
    character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_'
}

/// `given` as a username (trimmed, lower-cased, a leading `@` dropped), or why it cannot be one.
pub fn check(given: &str, reserved: &[&str]) -> Result<String, Reason> {
    let name = given.trim();
    let name = name.strip_prefix('@').unwrap_or(name).to_ascii_lowercase();
    if name.is_empty() || name.chars().count() > MAX_USERNAME || !name.chars().all(allowed) {
        return Err(Reason::Username);
    }
    if is_reserved(&name, reserved) {
        return Err(Reason::UsernameReserved);
    }
    Ok(name)
}

fn is_reserved(name: &str, reserved: &[&str]) -> bool {
    RESERVED.contains(&name)
        || reserved
            .iter()
            .any(|other| other.eq_ignore_ascii_case(name))
}

/// A username made from an e-mail address (its part before the `@`): lower-cased, each run of
/// other characters one `_`, cut to leave room for a number; `member` when nothing is left,
/// `member_…` when it is reserved.
pub fn from_email(email: &str, reserved: &[&str]) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let mut name = String::new();
    for character in local.chars().flat_map(char::to_lowercase) {
        if allowed(character) {
            name.push(character);
        } else if !name.ends_with('_') && !name.is_empty() {
            name.push('_');
        }
    }
    let mut name: String = name
        .trim_matches('_')
        .chars()
        .take(MAX_USERNAME - 4)
        .collect();
    if name.is_empty() {
        name = "member".to_string();
    } else if is_reserved(&name, reserved) {
        name.insert_str(0, "member_");
        name.truncate(MAX_USERNAME - 4);
    }
    name
}

/// The `attempt`th name to try for `base` when the ones before were taken: `base`, `base2`,
/// `base3`…
pub fn numbered(base: &str, attempt: u32) -> String {
    if attempt <= 1 {
        base.to_string()
    } else {
        format!("{base}{attempt}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercase_letters_digits_and_underscores() {
        assert_eq!(check(" @Amaka_1 ", &[]), Ok("amaka_1".to_string()));
        for bad in ["", "a b", "amaka.o", "أمل", "é", &"a".repeat(31)] {
            assert_eq!(check(bad, &[]), Err(Reason::Username), "{bad:?}");
        }
        assert_eq!(check("Admin", &[]), Err(Reason::UsernameReserved));
        assert_eq!(
            check("ngberlin", &["ngberlin"]),
            Err(Reason::UsernameReserved)
        );
    }

    #[test]
    fn a_username_is_made_from_an_email_address() {
        assert_eq!(from_email("Amaka.Obi@example.org", &[]), "amaka_obi");
        assert_eq!(from_email("أمل@example.org", &[]), "member");
        assert_eq!(from_email("admin@example.org", &[]), "member_admin");
        assert_eq!(
            from_email("ngberlin@example.org", &["ngberlin"]),
            "member_ngberlin"
        );
        assert_eq!(numbered("amaka", 1), "amaka");
        assert_eq!(numbered("amaka", 3), "amaka3");
        for email in ["a@b.c", "--@x.y", &format!("{}@x.y", "z".repeat(80))] {
            let name = from_email(email, &[]);
            assert_eq!(check(&numbered(&name, 99), &[]), Ok(numbered(&name, 99)));
        }
    }
}
