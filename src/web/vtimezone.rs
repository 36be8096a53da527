//! `VTIMEZONE` components (RFC 5545 §3.6.5) for the IANA zones of our events, computed from
//! the time zone database built into the binary (chrono-tz): one observance for the offset in
//! force at the start of the range, then one per transition inside it, each with its exact
//! local start and offsets, so that a calendar needs nothing but the file to place an event.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use std::collections::BTreeSet;

/// One offset a zone is in.
#[derive(Debug, Clone, PartialEq)]
struct Observance {
    /// Seconds east of UTC.
    offset: i32,
    daylight: bool,
    name: String,
}

fn observance(zone: Tz, at: DateTime<Utc>) -> Observance {
    let offset = zone.offset_from_utc_datetime(&at.naive_utc());
    Observance {
        offset: offset.fix().local_minus_utc(),
        daylight: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().unwrap_or("").to_string(),
    }
}

/// `+0100`, `-0330`, or `+053328` when seconds are needed.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if rest == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{rest:02}")
    }
}

fn local(at: DateTime<Utc>, offset: i32) -> NaiveDateTime {
    at.naive_utc() + Duration::seconds(i64::from(offset))
}

/// The content lines of the `VTIMEZONE` of `zone` covering `years` (the years of the events
/// that name it), or `None` for a name that is not an IANA zone. Each run of consecutive years
/// starts with the observance in force a day before its first 1 January (so that early hours
/// of 1 January east of UTC are covered), then lists every transition up to its last
/// 31 December.
pub fn vtimezone(zone: &str, years: &BTreeSet<i32>) -> Option<Vec<String>> {
    let tz: Tz = zone.parse().ok()?;
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{zone}")];
    let push = |lines: &mut Vec<String>, begins: NaiveDateTime, from: i32, to: &Observance| {
        let kind = if to.daylight { "DAYLIGHT" } else { "STANDARD" };
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", begins.format("%Y%m%dT%H%M%S")));
        lines.push(format!("TZOFFSETFROM:{}", utc_offset(from)));
        lines.push(format!("TZOFFSETTO:{}", utc_offset(to.offset)));
        if !to.name.is_empty() {
            lines.push(format!("TZNAME:{}", to.name));
        }
        lines.push(format!("END:{kind}"));
    };
    let mut previous: Option<i32> = None;
    for &year in years {
        let january = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single()?;
        let end = Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).single()?;
        let mut day = january;
        if previous != Some(year - 1) {
            day = january - Duration::days(1);
            let first = observance(tz, day);
            push(&mut lines, local(day, first.offset), first.offset, &first);
        }
        previous = Some(year);
        let mut current = observance(tz, day);
        while day < end {
            let next_day = day + Duration::days(1);
            let next = observance(tz, next_day);
            if next == current {
                day = next_day;
                continue;
            }
            // The first second of the new observance, by halving the day.
            let (mut before, mut after) = (day, next_day);
            while after - before > Duration::seconds(1) {
                let middle = before + (after - before) / 2;
                if observance(tz, middle) == current {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            let changed = observance(tz, after);
            push(
                &mut lines,
                local(after, current.offset),
                current.offset,
                &changed,
            );
            current = changed;
            // Two changes in one day are rare but exist: look at the rest of it again.
            day = after;
        }
    }
    lines.push("END:VTIMEZONE".to_string());
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_changes_twice_a_year_at_the_right_local_times() {
        let lines = vtimezone("Europe/Berlin", &BTreeSet::from([2027])).expect("zone");
        let text = lines.join("\n");
        assert!(text.contains(
            "BEGIN:DAYLIGHT\nDTSTART:20270328T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\nEND:DAYLIGHT"
        ), "{text}");
        assert!(text.contains(
            "BEGIN:STANDARD\nDTSTART:20271031T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\nEND:STANDARD"
        ), "{text}");
        assert_eq!(text.matches("BEGIN:DAYLIGHT").count(), 1);
        assert_eq!(
            text.matches("BEGIN:STANDARD").count(),
            2,
            "January, then October"
        );
    }

    #[test]
    fn zones_without_changes_and_unusual_offsets() {
        let lagos = vtimezone("Africa/Lagos", &BTreeSet::from([2027, 2028]))
            .expect("zone")
            .join("\n");
        assert_eq!(lagos.matches("BEGIN:STANDARD").count(), 1, "{lagos}");
        assert!(lagos.contains("TZOFFSETTO:+0100"));
        let kathmandu = vtimezone("Asia/Kathmandu", &BTreeSet::from([2027]))
            .expect("zone")
            .join("\n");
        assert!(kathmandu.contains("TZOFFSETTO:+0545"), "{kathmandu}");
        let st_johns = vtimezone("America/St_Johns", &BTreeSet::from([2027]))
            .expect("zone")
            .join("\n");
        assert!(st_johns.contains("TZOFFSETFROM:-0330"), "{st_johns}");
        assert_eq!(vtimezone("Mars/Olympus", &BTreeSet::from([2027])), None);
    }

    #[test]
    fn years_apart_each_get_their_own_observances_and_the_south_changes_the_other_way() {
        let text = vtimezone("Australia/Sydney", &BTreeSet::from([2027, 2031]))
            .expect("zone")
            .join("\n");
        // Sydney: daylight saving from October to April.
        assert!(
            text.contains("DTSTART:20270404T030000\nTZOFFSETFROM:+1100\nTZOFFSETTO:+1000"),
            "{text}"
        );
        assert!(
            text.contains("DTSTART:20271003T020000\nTZOFFSETFROM:+1000\nTZOFFSETTO:+1100"),
            "{text}"
        );
        assert!(
            text.contains("DTSTART:20301231T"),
            "2031 starts its own run: {text}"
        );
        assert!(
            !text.contains("DTSTART:2029"),
            "nothing for the years between: {text}"
        );
    }
}
