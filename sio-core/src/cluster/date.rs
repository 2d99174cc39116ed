//! Dates as Node prints them: `Date#toISOString()` for msgpack timestamps
//! and `Date#toString()` (in UTC) for a fetched socket's handshake `time`.

/// The largest time a JS `Date` holds, in ms from the epoch either way.
const MAX_JS_MS: i64 = 8_640_000_000_000_000;

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// (year, month 1–12, day 1–31) of a day count from 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

struct Parts {
    days: i64,
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
}

fn parts(ms: i64) -> Parts {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    Parts {
        days,
        year,
        month,
        day,
        hour: rem / 3_600_000,
        minute: rem / 60_000 % 60,
        second: rem / 1000 % 60,
        milli: rem % 1000,
    }
}

/// `Date#toISOString()`, e.g. `2024-01-01T00:00:00.000Z` (years outside
/// 0–9999 as `+010000` / `-000001`); `None` outside a JS `Date`'s range
/// (where `JSON.stringify` writes `null`).
pub(crate) fn iso_string(ms: i64) -> Option<String> {
    if !(-MAX_JS_MS..=MAX_JS_MS).contains(&ms) {
        return None;
    }
    let p = parts(ms);
    let year = if (0..=9999).contains(&p.year) {
        format!("{:04}", p.year)
    } else if p.year < 0 {
        format!("-{:06}", -p.year)
    } else {
        format!("+{:06}", p.year)
    };
    Some(format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.month, p.day, p.hour, p.minute, p.second, p.milli
    ))
}

/// `Date#toString()` in a process whose time zone is UTC, e.g.
/// `Mon Jan 01 2024 00:00:00 GMT+0000 (Coordinated Universal Time)`.
pub(crate) fn js_date_string(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX).min(MAX_JS_MS);
    let p = parts(ms);
    format!(
        "{} {} {:02} {:04} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        WEEKDAYS[p.days.rem_euclid(7) as usize],
        MONTHS[(p.month - 1) as usize],
        p.day,
        p.year,
        p.hour,
        p.minute,
        p.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_strings() {
        assert_eq!(iso_string(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_string(1_704_067_200_000).unwrap(),
            "2024-01-01T00:00:00.000Z"
        );
        assert_eq!(iso_string(-1).unwrap(), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            iso_string(951_782_400_123).unwrap(),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(
            iso_string(253_402_300_800_000).unwrap(),
            "+010000-01-01T00:00:00.000Z"
        );
        assert_eq!(
            iso_string(-62_198_755_200_000).unwrap(),
            "-000001-01-01T00:00:00.000Z"
        );
        assert_eq!(
            iso_string(MAX_JS_MS).unwrap(),
            "+275760-09-13T00:00:00.000Z"
        );
        assert_eq!(iso_string(MAX_JS_MS + 1), None);
    }

    #[test]
    fn js_date_strings() {
        let utc = " GMT+0000 (Coordinated Universal Time)";
        for (ms, want) in [
            (0, "Thu Jan 01 1970 00:00:00"),
            (1_704_067_200_000, "Mon Jan 01 2024 00:00:00"),
            (951_825_845_000, "Tue Feb 29 2000 12:04:05"),
            (1_735_689_599_999, "Tue Dec 31 2024 23:59:59"),
            (4_102_444_800_000, "Fri Jan 01 2100 00:00:00"),
        ] {
            assert_eq!(js_date_string(ms), format!("{want}{utc}"), "{ms}");
        }
    }
}
