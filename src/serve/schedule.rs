//! When a mapping runs next: the first instant of its `schedule` strictly after a given one.
//!
//! `daily at HH:MM ZONE` is wall-clock time in the zone, so it follows daylight saving:
//! - spring forward: a time that does not exist that day (02:30 when clocks jump from 02:00 to
//!   03:00) runs once, at the first valid instant after it (03:00);
//! - fall back: a time that happens twice (02:30 when clocks go from 03:00 back to 02:00) runs
//!   once, at its first occurrence.
//!
//! `every N minutes` is elapsed time, not wall-clock time: runs fall on multiples of N minutes
//! since 1970-01-01 00:00 UTC, so a restart does not shift them, the interval is the same
//! across midnight and DST, and intervals that divide a day (15, 30, 90 minutes, 2 hours)
//! line up with UTC midnight.

use crate::check::program::Schedule;
use chrono::{DateTime, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The first run of `schedule` strictly after `after`.
pub fn next_run(schedule: &Schedule, after: DateTime<Utc>) -> DateTime<Utc> {
    match *schedule {
        Schedule::Daily { hour, minute, zone } => next_daily(hour, minute, zone, after),
        Schedule::Every { minutes } => next_every(minutes, after),
    }
}

/// The schedule as written in a mapping: `daily at 01:00 Europe/Stockholm`, `every 2 hours`.
pub fn describe(schedule: &Schedule) -> String {
    match *schedule {
        Schedule::Daily { hour, minute, zone } => {
            format!("daily at {hour:02}:{minute:02} {}", zone.name())
        }
        Schedule::Every { minutes: 60 } => "every 1 hour".to_string(),
        Schedule::Every { minutes } if minutes % 60 == 0 => format!("every {} hours", minutes / 60),
        Schedule::Every { minutes: 1 } => "every 1 minute".to_string(),
        Schedule::Every { minutes } => format!("every {minutes} minutes"),
    }
}

/// The zone a schedule's times are shown in (UTC for intervals, which have none).
pub fn display_zone(schedule: &Schedule) -> Option<Tz> {
    match *schedule {
        Schedule::Daily { zone, .. } => Some(zone),
        Schedule::Every { .. } => None,
    }
}

fn next_daily(hour: u32, minute: u32, zone: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
    // Start a day early: the local date of `after` may already be past today's run in UTC
    // terms, and a run on the previous local date can still lie after `after` near midnight.
    let local = after.with_timezone(&zone).date_naive();
    let mut date = local.checked_sub_days(Days::new(1)).unwrap_or(local);
    loop {
        if let Some(at) = daily_instant(date, hour, minute, zone)
            && at > after
        {
            return at;
        }
        match date.succ_opt() {
            Some(next) => date = next,
            // The end of chrono's calendar: nothing later exists, so do not loop forever.
            None => return DateTime::<Utc>::MAX_UTC,
        }
    }
}

/// The instant `hour:minute` happens on local `date` in `zone`.
fn daily_instant(date: NaiveDate, hour: u32, minute: u32, zone: Tz) -> Option<DateTime<Utc>> {
    let local = date.and_hms_opt(hour, minute, 0)?;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        // Clocks went back: the time happens twice; run at the first, once.
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => first_valid_after(local, zone),
    }
}

/// The first instant after a local time that falls in a spring-forward gap: the moment the
/// clocks jumped. Transitions fall on whole minutes, and no gap in the tz database is longer
/// than a day (Samoa skipped 2011-12-30), so walking minutes for two days always finds it.
fn first_valid_after(gap: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    (1..=2 * 24 * 60).find_map(|m| {
        let local = gap.checked_add_signed(Duration::minutes(m))?;
        zone.from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

fn next_every(minutes: u64, after: DateTime<Utc>) -> DateTime<Utc> {
    let step = i64::try_from(minutes.max(1))
        .unwrap_or(i64::MAX / 60)
        .saturating_mul(60);
    let secs = after.timestamp();
    // The next multiple of the step strictly after `after` (which may have sub-seconds).
    let next = (secs.div_euclid(step) + 1).saturating_mul(step);
    DateTime::from_timestamp(next, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "fixed test instants")]

    use super::*;
    use chrono_tz::Europe::Stockholm;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn daily(hour: u32, minute: u32) -> Schedule {
        Schedule::Daily {
            hour,
            minute,
            zone: Stockholm,
        }
    }

    #[test]
    fn spring_forward_gap_runs_at_the_jump() {
        let s = daily(2, 30);
        let after = utc("2026-03-28T12:00:00Z");
        // 02:30 does not exist on 2026-03-29: 02:00 CET became 03:00 CEST at 01:00 UTC.
        assert_eq!(next_run(&s, after), utc("2026-03-29T01:00:00Z"));
        assert_eq!(
            next_run(&s, utc("2026-03-29T01:00:00Z")),
            utc("2026-03-30T00:30:00Z")
        );
    }

    #[test]
    fn fall_back_runs_the_first_occurrence_once() {
        let s = daily(2, 30);
        let first = next_run(&s, utc("2026-10-24T12:00:00Z"));
        assert_eq!(first, utc("2026-10-25T00:30:00Z"));
        // After the first 02:30 (CEST), the second 02:30 (CET, 01:30 UTC) is not a run.
        assert_eq!(next_run(&s, first), utc("2026-10-26T01:30:00Z"));
        assert_eq!(
            next_run(&s, utc("2026-10-25T01:10:00Z")),
            utc("2026-10-26T01:30:00Z")
        );
    }

    #[test]
    fn intervals_are_epoch_aligned() {
        let s = Schedule::Every { minutes: 90 };
        assert_eq!(
            next_run(&s, utc("2026-03-28T23:59:59.5Z")),
            utc("2026-03-29T00:00:00Z")
        );
        assert_eq!(
            next_run(&s, utc("2026-03-29T00:00:00Z")),
            utc("2026-03-29T01:30:00Z")
        );
    }

    #[test]
    fn describes_like_the_language() {
        assert_eq!(describe(&daily(1, 0)), "daily at 01:00 Europe/Stockholm");
        assert_eq!(describe(&Schedule::Every { minutes: 120 }), "every 2 hours");
        assert_eq!(describe(&Schedule::Every { minutes: 60 }), "every 1 hour");
        assert_eq!(
            describe(&Schedule::Every { minutes: 90 }),
            "every 90 minutes"
        );
    }
}
