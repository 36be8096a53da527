//! Opportunities: jobs, volunteering, courses, grants, calls for proposals and fellowships.

use super::validation::{Check, choice};
use crate::error::{FieldError, Reason};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// The kinds of opportunity.
pub const KINDS: &[&str] = &[
    "job",
    "volunteering",
    "course",
    "grant",
    "call_for_proposals",
    "fellowship",
];

/// schema.org employment types (for jobs), lower case.
pub const EMPLOYMENT_TYPES: &[&str] = &[
    "full_time",
    "part_time",
    "contractor",
    "temporary",
    "intern",
    "volunteer",
    "per_diem",
    "other",
];

/// The `[opportunity]` part of an input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    pub kind: String,
    /// Who offers it (defaults to the organization itself).
    pub offering_organization: Option<String>,
    /// Where, in words ("Berlin, Germany").
    pub place: Option<String>,
    #[serde(default)]
    pub remote: bool,
    /// Countries whose residents may apply (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Last day to apply (`2026-11-30`) or a moment (`2026-11-30T23:59:59+01:00`).
    pub deadline: Option<String>,
    pub apply_url: Option<String>,
    pub apply_email: Option<String>,
    /// Jobs: full_time, part_time, contractor, temporary, intern, volunteer, per_diem, other.
    pub employment_type: Option<String>,
    /// Courses: who teaches it.
    pub provider: Option<String>,
    /// Courses: the language it is taught in.
    pub course_language: Option<String>,
    /// Courses: what it costs, in words ("free", "120 EUR").
    pub cost: Option<String>,
    /// Courses: whether a certificate is given.
    pub certificate: Option<bool>,
}

/// An opportunity's own fields, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpportunityDetails {
    pub kind: String,
    pub offering_organization: Option<String>,
    pub place: Option<String>,
    pub remote: bool,
    pub countries: Vec<String>,
    pub deadline: Option<DateTime<Utc>>,
    pub apply_url: Option<Url>,
    pub apply_email: Option<String>,
    pub employment_type: Option<String>,
    pub course: Option<Course>,
}

/// What only courses have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Course {
    pub provider: Option<String>,
    pub language: Option<String>,
    pub cost: Option<String>,
    pub certificate: bool,
}

fn parse_deadline(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(moment) = DateTime::parse_from_rfc3339(value) {
        return Some(moment.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(23, 59, 59)?.and_utc())
}

/// Validates the `[opportunity]` part.
pub fn validate(input: &OpportunityInput, check: &mut Check) -> OpportunityDetails {
    let kind = match choice(&input.kind, KINDS) {
        Some(kind) => kind.to_string(),
        None => {
            check.fail_with(
                FieldError::of("opportunity.kind", Reason::OneOf).with("choices", KINDS.join(", ")),
            );
            String::new()
        }
    };
    let deadline = input.deadline.as_deref().and_then(|value| {
        let parsed = parse_deadline(value);
        if parsed.is_none() {
            check.fail("opportunity.deadline", Reason::Date);
        }
        parsed
    });
    let apply_url = check.optional_url("opportunity.apply_url", input.apply_url.as_deref());
    let apply_email =
        check.optional_text("opportunity.apply_email", input.apply_email.as_deref(), 254);
    if let Some(email) = &apply_email {
        let valid = email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
        });
        check.require(valid, "opportunity.apply_email", Reason::Email);
    }
    check.require(
        apply_url.is_some() || apply_email.is_some(),
        "opportunity.apply_url",
        Reason::HowToApply,
    );
    check.require(
        input
            .place
            .as_deref()
            .is_some_and(|place| !place.trim().is_empty())
            || input.remote,
        "opportunity.place",
        Reason::OpportunityPlace,
    );
    let employment_type = input.employment_type.as_deref().and_then(|value| {
        let found = choice(value, EMPLOYMENT_TYPES);
        if found.is_none() {
            check.fail_with(
                FieldError::of("opportunity.employment_type", Reason::OneOf)
                    .with("choices", EMPLOYMENT_TYPES.join(", ")),
            );
        }
        found.map(str::to_string)
    });
    let is_course = kind == "course";
    for (field, given) in [
        ("opportunity.provider", input.provider.is_some()),
        (
            "opportunity.course_language",
            input.course_language.is_some(),
        ),
        ("opportunity.cost", input.cost.is_some()),
        ("opportunity.certificate", input.certificate.is_some()),
    ] {
        check.require(is_course || !given, field, Reason::CourseOnly);
    }
    let course = is_course.then(|| Course {
        provider: check.optional_text("opportunity.provider", input.provider.as_deref(), 200),
        language: input.course_language.as_deref().and_then(|value| {
            let tag = super::validation::language(value);
            if tag.is_none() {
                check.fail("opportunity.course_language", Reason::Language);
            }
            tag
        }),
        cost: check.optional_text("opportunity.cost", input.cost.as_deref(), 100),
        certificate: input.certificate.unwrap_or(false),
    });
    OpportunityDetails {
        kind,
        offering_organization: check.optional_text(
            "opportunity.offering_organization",
            input.offering_organization.as_deref(),
            200,
        ),
        place: check.optional_text("opportunity.place", input.place.as_deref(), 200),
        remote: input.remote,
        countries: check.countries("opportunity.countries", &input.countries),
        deadline,
        apply_url,
        apply_email,
        employment_type,
        course,
    }
}
