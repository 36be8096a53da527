//! The one error type of Jisr: what can go wrong, in our words.
//!
//! This module knows nothing of HTTP; `web::error` decides how each variant is shown to a client
//! (status code and reason). Internal errors keep their cause chain for the log and are never shown.
//!
//! An invalid field says why as a [`Reason`]: a key the website translates it by, in the
//! reader's language, and English words for the JSON API and the logs. Invariant: nothing
//! translates a reason by matching its words; they can be reworded freely.

/// Everything a Jisr operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist (or is not ours to show).
    #[error("not found")]
    NotFound,
    /// The thing asked for existed and was deleted.
    #[error("gone")]
    Gone,
    /// A request's HTTP signature, digest or date did not verify; the reason says which.
    #[error("{0}")]
    Unauthorized(String),
    /// The request is understood but refused (a blocked domain, a forged origin).
    #[error("{0}")]
    Forbidden(String),
    /// The request is malformed (not JSON, not an activity, a bad header); retrying cannot help.
    #[error("{0}")]
    BadRequest(String),
    /// The request body is larger than we accept; the reason says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// Fields of the input are invalid; each names the field and says why.
    #[error("invalid input: {}", FieldError::list(.0))]
    Invalid(Vec<FieldError>),
    /// Something we depend on (a remote server) cannot answer right now; retrying may help.
    #[error("{0}")]
    Unavailable(String),
    /// The request took longer than we allow.
    #[error("timed out")]
    Timeout,
    /// Too many requests from one sender; it may try again after `retry_after` seconds.
    #[error("{reason}")]
    TooManyRequests { reason: String, retry_after: u64 },
    /// A bug or an environment failure (database down, disk full). Logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One invalid field of an input, and why: a [`Reason`] and the values it names.
///
/// The website says the reason in the reader's language by its key
/// (`web::forms::say`); the JSON API and the logs say it in English, as `reason`. Serialized as
/// `{"field": "text.ar.title", "reason": "must not be empty"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's path, e.g. `text.ar.title` or `event.starts_at`.
    pub field: String,
    /// What is wrong, in English words a person can act on: [`FieldError::why`] with its
    /// arguments filled in. Derived by the constructors; kept as a field because pages of the
    /// website still read it.
    pub reason: String,
    #[serde(skip)]
    why: Reason,
    #[serde(skip)]
    args: Vec<(&'static str, String)>,
}

impl FieldError {
    /// `field` is invalid for `why`; add the values the reason names with
    /// [`FieldError::with`].
    pub fn of(field: impl Into<String>, why: Reason) -> Self {
        FieldError {
            field: field.into(),
            reason: why.english().to_string(),
            why,
            args: Vec::new(),
        }
    }

    /// The same error naming `value` as `name` (see [`Reason::args`]).
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self.reason = english(self.why, &self.args);
        self
    }

    /// `field` is invalid for a reason given as words ([`Reason::Other`]), shown as they are:
    /// for words already in the reader's language, and for callers not yet giving a
    /// [`Reason`].
    pub fn new(field: impl Into<String>, text: impl Into<String>) -> Self {
        FieldError::of(field, Reason::Other).with("text", text.into())
    }

    /// What is wrong.
    pub fn why(&self) -> Reason {
        self.why
    }

    /// The values the reason names, by name (see [`Reason::args`]).
    pub fn args(&self) -> &[(&'static str, String)] {
        &self.args
    }

    /// The value named `name`, if given.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(given, _)| *given == name)
            .map(|(_, value)| value.as_str())
    }

    fn list(errors: &[FieldError]) -> String {
        errors
            .iter()
            .map(|error| format!("{}: {}", error.field, error.reason))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `why`'s English words with each `{name}` replaced by the argument of that name.
fn english(why: Reason, args: &[(&'static str, String)]) -> String {
    let mut words = why.english().to_string();
    for (name, value) in args {
        words = words.replace(&format!("{{{name}}}"), value);
    }
    words
}

/// The names of the arguments that are numbers (the website writes them in the reader's digits).
pub const NUMBER_ARGS: &[&str] = &["min", "max", "megapixels"];

/// Declares [`Reason`] from a table, one row per reason: its doc, its name, its Fluent key, its
/// English words (`{name}` where an argument goes) and the names of its arguments. One table
/// keeps the four together and [`Reason::ALL`] complete.
macro_rules! reasons {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident = $key:literal, $english:literal, [$($arg:literal),*];
    )*) => {
        /// Why a field is invalid. Each reason has a Fluent key the website translates it by
        /// ([`Reason::key`]), English words for the API and the logs ([`Reason::english`]) and
        /// the names of the values it names ([`Reason::args`]); those in [`NUMBER_ARGS`] are
        /// numbers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason {
            $($(#[doc = $doc])* $name,)*
        }

        impl Reason {
            /// Every reason, for the test that each has its message in every catalog.
            pub const ALL: &'static [Reason] = &[$(Reason::$name),*];

            /// The key of its message in the catalogs (`locales/*.ftl`), e.g. `error-required`.
            pub fn key(self) -> &'static str {
                match self {
                    $(Reason::$name => $key,)*
                }
            }

            /// Its English words, with `{name}` where the argument `name` goes: what the JSON
            /// API and the logs say.
            pub fn english(self) -> &'static str {
                match self {
                    $(Reason::$name => $english,)*
                }
            }

            /// The names of the arguments it needs (the values it names).
            pub fn args(self) -> &'static [&'static str] {
                match self {
                    $(Reason::$name => &[$($arg),*],)*
                }
            }
        }
    };
}

reasons! {
    // Shared by every input.
    /// Empty, but needed.
    Required = "error-required", "must not be empty", [];
    /// Longer than `max` characters.
    TooLong = "error-too-long", "must be at most {max} characters", ["max"];
    /// Not `min` to `max` characters long.
    Length = "error-length", "must be {min} to {max} characters", ["min", "max"];
    /// A number under `min`.
    AtLeast = "error-at-least", "must be at least {min}", ["min"];
    /// A number outside `min` to `max`.
    Between = "error-between", "must be between {min} and {max}", ["min", "max"];
    /// Not a whole number.
    WholeNumber = "error-whole-number", "must be a whole number", [];
    /// Not a number.
    Number = "error-number", "must be a number such as 52.52", [];
    /// Not one of `choices` (comma-separated).
    OneOf = "error-one-of", "must be one of {choices}", ["choices"];
    /// Not an http(s) URL.
    Url = "error-url", "must be an http or https URL", [];
    /// Not an e-mail address.
    Email = "error-email", "must be an e-mail address such as name@example.org", [];
    /// Not a domain name.
    Domain = "error-domain",
        "must be a domain name such as spam.example, without https:// or a port",
        [];
    /// `value`, in a list of countries, is not a country code.
    Country = "error-country",
        "\"{value}\" is not a two-letter country code such as \"NG\"",
        ["value"];
    /// Not a country code such as `example`.
    CountryCode = "error-country-code",
        "must be a two-letter country code such as \"{example}\"",
        ["example"];
    /// Not a language tag (a course's language).
    Language = "error-language", "must be a language tag such as \"de\"", [];
    /// Not a date.
    Date = "error-date", "must be a date such as 2026-11-30 or an RFC 3339 time", [];
    /// Not a local date and time.
    DateTime = "error-date-time",
        "must be a local date and time such as 2026-03-14T10:00, in the years 1900 to 2200",
        [];
    /// Not a month such as 2026-03.
    Month = "error-month", "must look like 2026-03", [];
    /// A date beyond the ones we can show.
    OutOfRange = "error-out-of-range", "out of range", [];
    /// Not a year.
    Year = "error-year", "must be a year such as 2018", [];
    /// Not of the type expected; `detail` is the parser's words, in English.
    Unreadable = "error-unreadable", "{detail}", ["detail"];
    // A publication's shared fields.
    /// No text in any language.
    NoText = "error-no-text", "give the text in at least one language, e.g. text.en.title", [];
    /// More than `max` languages.
    TooManyLanguages = "error-too-many-languages", "at most {max} languages", ["max"];
    /// A text's language is not a language tag.
    LanguageTag = "error-language-tag", "is not a language tag such as \"ar\" or \"fr-CA\"", [];
    /// The same language twice.
    LanguageGivenTwice = "error-language-given-twice", "this language is given twice", [];
    /// The default language has no text.
    DefaultLanguage = "error-default-language", "must be one of the languages given in text", [];
    /// Not a GCM objective.
    Objective = "error-objective", "must be an objective from 1 to 23", [];
    GcmCategory = "error-gcm-category", "must be a category of Objective 19, from 1 to 9", [];
    Author = "error-author", "must be an active account of this instance", [];
    /// A hashtag with other characters than letters, digits and `_`, or too long.
    Hashtag = "error-hashtag",
        "must be letters, digits and _ only (at most 50), such as \"MigrationStories\"",
        [];
    /// More than `max` hashtags.
    TooManyHashtags = "error-too-many-hashtags", "at most {max}", ["max"];
    /// The section of another kind than the publication's: `kind` is `story`, `event`,
    /// `opportunity` or `resource`, `a_kind` the English "a story", "an event", ….
    SectionOfOtherKind = "error-section-of-other-kind",
        "only {a_kind} has this section",
        ["kind", "a_kind"];
    /// The kind's own section is missing (`kind` and `a_kind` as above).
    MissingSection = "error-missing-section",
        "{a_kind} needs its [{kind}] section",
        ["kind", "a_kind"];
    /// An edit that changes the publication's kind.
    KeepsKind = "error-keeps-kind", "a publication keeps its kind", [];
    /// More than `max` publications pinned.
    TooManyPinned = "error-too-many-pinned",
        "at most {max} publications can be pinned: unpin one first",
        ["max"];
    // Price reports.
    /// Not a provider's name alone.
    Provider = "error-provider",
        "give the provider's name only (letters, digits, spaces and . & ' - ( ) +), at most {max} characters",
        ["max"];
    /// The same country as the sending one.
    SameCountry = "error-same-country", "must be another country than the one money is sent from", [];
    /// Not a currency code.
    Currency = "error-currency", "must be a three-letter currency code such as EUR or XOF", [];
    /// A fee as large as the amount sent.
    FeeOverAmount = "error-fee-over-amount", "must be less than the amount sent", [];
    /// A day in the future or more than a year ago.
    TransferDay = "error-transfer-day", "must be a day in the past year, not after today", [];
    /// No mid-market rate of `currency` near the day.
    NoRate = "error-no-rate",
        "there is no exchange rate for {currency} on that day or the week before: an admin can add one",
        ["currency"];
    /// Amounts that make a total cost of `cost` percent, which cannot be right.
    ImplausibleCost = "error-implausible-cost",
        "these amounts make a total cost of {cost} %, which cannot be right: check the amounts and the currencies",
        ["cost"];
    // Events.
    /// Not an IANA time zone.
    TimeZone = "error-time-zone",
        "must be an IANA time zone such as \"Europe/Berlin\" or \"Africa/Lagos\"",
        [];
    /// A local time the clocks skip in `zone`.
    SkippedHour = "error-skipped-hour",
        "does not exist in {zone}: the clocks skip that hour",
        ["zone"];
    /// An end before the start.
    AfterStart = "error-after-start", "must be after the start", [];
    /// An event longer than `max` days.
    EventLength = "error-event-length", "an event lasts at most {max} days", ["max"];
    /// Neither a place nor an online URL.
    EventPlace = "error-event-place", "an event needs a place, an online_url, or both", [];
    /// Only one of latitude and longitude.
    Coordinates = "error-coordinates", "give both latitude and longitude, or neither", [];
    /// An external join mode without its URL.
    ExternalUrl = "error-external-url",
        "an external join mode needs the URL where people register",
        [];
    // Opportunities.
    /// Neither an apply URL nor an apply e-mail address.
    HowToApply = "error-how-to-apply",
        "say how to apply: an apply_url, an apply_email, or both",
        [];
    /// Neither a place nor remote.
    OpportunityPlace = "error-opportunity-place", "give a place, or set remote = true", [];
    /// A course's field on another kind of opportunity.
    CourseOnly = "error-course-only", "only courses have this field", [];
    // Stories and images.
    /// A story without its subject's consent.
    Consent = "error-consent",
        "a story is published only with its subject's consent: set it to true once you have it",
        [];
    /// A day after today (when consent was given).
    AfterToday = "error-after-today", "must not be after today", [];
    /// A day before today (when consent ends).
    BeforeToday = "error-before-today", "must be today or later", [];
    /// A hidden name without a pseudonym, or with the name itself as pseudonym.
    Pseudonym = "error-pseudonym",
        "the name is hidden: give a chosen name or initials that are not the name",
        [];
    /// A text that names the person whose name is hidden.
    NameInText = "error-name-in-text",
        "names the person whose name is hidden: write the pseudonym instead",
        [];
    /// A text that names the place that is hidden.
    PlaceInText = "error-place-in-text",
        "names the place that is hidden: name the country only",
        [];
    /// An image without its description.
    ImageAlt = "error-image-alt", "an image needs a description for people who cannot see it", [];
    /// A description without an image.
    ImageMissing = "error-image-missing", "a description was given but no image", [];
    /// A file that is not an image.
    NotAnImage = "error-not-an-image", "is not an image: send a JPEG, PNG or WebP file", [];
    /// An image of another format than JPEG, PNG or WebP.
    ImageFormat = "error-image-format", "must be a JPEG, PNG or WebP file", [];
    /// An image whose size cannot be read.
    ImageDamaged = "error-image-damaged", "could not be read: the file is damaged", [];
    /// An image that cannot be decoded: damaged, or too large in pixels.
    ImageUndecodable = "error-image-undecodable",
        "could not be read: the file is damaged or too large in pixels",
        [];
    /// An image of `megapixels` megapixels, more than `max`.
    ImagePixels = "error-image-pixels",
        "has {megapixels} megapixels; at most {max} are accepted",
        ["megapixels", "max"];
    /// An empty file.
    ImageEmpty = "error-image-empty", "the file is empty", [];
    /// A file larger than `max` MB.
    ImageTooLarge = "error-image-too-large", "is larger than the {max} MB allowed", ["max"];
    // Accounts.
    /// Neither an individual nor an organization.
    AccountType = "error-account-type", "choose an individual or an organization", [];
    /// An account with this e-mail address exists.
    EmailTaken = "error-email-taken",
        "an account with this address exists: log in, or reset its password",
        [];
    /// A password shorter than `min` characters.
    PasswordTooShort = "error-password-too-short", "must be at least {min} characters", ["min"];
    /// Not the account's current password.
    CurrentPassword = "error-current-password", "is not the current password", [];
    // Federation and the instance.
    /// A username another actor has.
    UsernameTaken = "error-username-taken", "is taken", [];
    /// Not 1 to 30 lowercase letters, digits and underscores.
    Username = "error-username",
        "use 1 to 30 characters: lowercase letters a to z, digits and _", [];
    /// A name kept for the server and its pages.
    UsernameReserved = "error-username-reserved", "is kept for this server: choose another", [];
    /// A picture the configuration file's `key` sets.
    SetInConfig = "error-set-in-config", "is set by {key} in the configuration file", ["key"];
    /// One of our own actors, where a remote one is needed.
    OwnActor = "error-own-actor", "that is one of our own actors", [];
    NoMember = "error-no-member", "no member of this website has this username", [];
    /// Neither a member nor an account of another server that we know.
    UnknownAccount = "error-unknown-account",
        "no member here and no account we know: give a member's username, an actor's id or a handle such as @name@example.org",
        [];
    /// The organization, the instance or a forum: not an account to suspend or limit.
    ServerActor = "error-server-actor",
        "that is this server's own actor (the organization, the instance or a forum), not a member's account",
        [];
    /// A registration waiting for approval: approved or rejected, not suspended.
    PendingAccount = "error-pending-account",
        "this registration waits for approval: approve or reject it on /admin/members",
        [];
    /// Not a handle such as @name@example.org.
    Handle = "error-handle", "a handle looks like @name@example.org", [];
    /// `host` is not a host name.
    HostName = "error-host-name", "\"{host}\" is not a host name", ["host"];
    /// `host` answered that it knows no `name`.
    UnknownName = "error-unknown-name", "{host} knows no {name}", ["host", "name"];
    /// The visitor's server names no page to follow or open something from it.
    NoRemoteInteraction = "error-no-remote-interaction",
        "that server names no page to follow from it: search for our handle in your app instead", [];
    // Words as they are.
    /// Words given as they are (`text`): already in the reader's language, or from a caller that
    /// gives no reason yet. Its key is a generic message, for when the words cannot be shown.
    Other = "error-invalid", "{text}", ["text"];
}

/// `Result` with Jisr's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Invalid`] for one `field`, for a reason given as words
    /// ([`Reason::Other`], see [`FieldError::new`]); prefer `FieldError::of(field, reason).into()`.
    pub fn invalid(field: impl Into<String>, text: impl Into<String>) -> Self {
        FieldError::new(field, text).into()
    }

    /// An [`Error::Internal`] from a message.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Error::Internal(anyhow::anyhow!("{message}"))
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Error::Invalid(vec![error])
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => Error::NotFound,
            other => Error::Internal(anyhow::Error::new(other).context("database")),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Internal(anyhow::Error::new(error).context("json"))
    }
}

impl From<activitypub_federation::error::Error> for Error {
    fn from(error: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as Federation;
        match error {
            Federation::NotFound => Error::NotFound,
            Federation::ObjectDeleted(url) => Error::Unavailable(format!("{url} is deleted")),
            Federation::UrlVerificationError(reason) => Error::Forbidden(reason.to_string()),
            Federation::FetchInvalidContentType(url) => {
                Error::Unavailable(format!("{url} did not answer with an ActivityPub document"))
            }
            Federation::FetchWrongId(url) => {
                Error::Unavailable(format!("{url} answered with a document of another id"))
            }
            Federation::ParseFetchedObject(error, url, _) => Error::Unavailable(format!(
                "{url} answered with an unreadable document: {error}"
            )),
            Federation::RequestLimit => {
                Error::Unavailable("too many fetches for one request".to_string())
            }
            Federation::ResolveInternalIpError(host, _) => {
                Error::Forbidden(format!("{host} resolves to a private address"))
            }
            other => Error::Unavailable(format!("fetch failed: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_error_says_its_reason_in_english_to_the_api_and_the_log() {
        let error = FieldError::of("text.ar.title", Reason::TooLong).with("max", 200);
        assert_eq!(
            serde_json::to_value(&error).expect("json"),
            serde_json::json!({
                "field": "text.ar.title",
                "reason": "must be at most 200 characters",
            })
        );
        assert_eq!(
            Error::from(error).to_string(),
            "invalid input: text.ar.title: must be at most 200 characters"
        );
        let words = FieldError::new("month", "must look like 2026-03");
        assert_eq!(words.why(), Reason::Other);
        assert_eq!(words.reason, "must look like 2026-03");
    }

    #[test]
    fn every_reason_has_its_own_key() {
        let mut keys: Vec<&str> = Reason::ALL.iter().map(|reason| reason.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Reason::ALL.len());
    }
}
