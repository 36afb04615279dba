//! The store's clock and how its times are shown: unix seconds, displayed in the local time zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Unix seconds now.
#[must_use]
pub fn unix_now() -> i64 {
    Timestamp::now().as_second()
}

/// A stored time (unix s) in this computer's time zone: "2026-05-04 16:03 CEST".
#[must_use]
pub fn format_time(unix: i64) -> String {
    format_time_in(unix, &TimeZone::system())
}

/// A stored time (unix s) in the time zone `tz`: "2026-05-04 16:03 CEST" (the zone's
/// abbreviation, or its offset when it has none). A time outside the calendar's range is shown as
/// its unix seconds.
#[must_use]
pub fn format_time_in(unix: i64, tz: &TimeZone) -> String {
    Timestamp::from_second(unix).map_or_else(
        |_| format!("{unix} s"),
        |t| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_given_zone() {
        // 2026-05-04 14:03:20 UTC.
        let t = 1_777_903_400;
        assert_eq!(format_time_in(t, &TimeZone::UTC), "2026-05-04 14:03 UTC");
        let paris = TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        assert_eq!(format_time_in(t, &paris), "2026-05-04 16:03 CEST");
        // Winter: one hour ahead, and the day changes at local midnight.
        let winter = 1_767_221_999; // 2025-12-31 22:59:59 UTC
        assert_eq!(format_time_in(winter, &paris), "2025-12-31 23:59 CET");
        assert_eq!(format_time_in(winter + 3600, &paris), "2026-01-01 00:59 CET");
        let new_york = TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(format_time_in(t, &new_york), "2026-05-04 10:03 EDT");
        // Before 1970 and leap days.
        assert_eq!(format_time_in(-86_400, &TimeZone::UTC), "1969-12-31 00:00 UTC");
        assert_eq!(format_time_in(951_782_400, &TimeZone::UTC), "2000-02-29 00:00 UTC");
    }
}
