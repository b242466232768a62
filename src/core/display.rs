//! Times as people read them: in the network's time zone (`time_zone`, Europe/Paris by
//! default), in French formats. Storage stays UTC; every surface (CLI, Discord, web, digests)
//! formats through here.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

static TIME_ZONE: OnceLock<Tz> = OnceLock::new();

/// Sets the time zone for the process (once, at start-up; later calls are ignored).
pub fn set_time_zone(tz: Tz) {
    let _ = TIME_ZONE.set(tz);
}

/// The process's time zone (Europe/Paris until set).
pub fn time_zone() -> Tz {
    *TIME_ZONE.get_or_init(|| chrono_tz::Europe::Paris)
}

/// `31/12/2026` in the network's time zone.
pub fn date(at: DateTime<Utc>) -> String {
    at.with_timezone(&time_zone()).format("%d/%m/%Y").to_string()
}

/// `31/12/2026 à 14:05` in the network's time zone.
pub fn date_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&time_zone()).format("%d/%m/%Y à %H:%M").to_string()
}

/// `31/12 14:05` in the network's time zone.
pub fn short_date_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&time_zone()).format("%d/%m %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn times_are_shown_in_paris_time() {
        // 23:30 UTC on 31 December is already 1 January in Paris (UTC+1 in winter).
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(date(at), "01/01/2027");
        assert_eq!(date_time(at), "01/01/2027 à 00:30");
        // Summer time: UTC+2.
        let summer = Utc.with_ymd_and_hms(2026, 7, 14, 10, 0, 0).unwrap();
        assert_eq!(short_date_time(summer), "14/07 12:00");
    }
}
