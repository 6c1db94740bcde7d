//! File names: `<prefix>_<YYYYMMDD>T<HH>.gz` (hourly), `<prefix>_<YYYYMMDD>.gz` (daily), with
//! `_<NNN>` before `.gz` when the name is taken. UTC, from a record's local receive time.

use super::Rotation;

const NS_PER_HOUR: u64 = 3_600_000_000_000;
const NS_PER_DAY: u64 = 24 * NS_PER_HOUR;

/// The rotation period a receive time falls in (hours or days since the epoch; `None`: one period).
pub(crate) fn period(rotation: Rotation, ts: u64) -> u64 {
    match rotation {
        Rotation::Hourly => ts / NS_PER_HOUR,
        Rotation::Daily => ts / NS_PER_DAY,
        Rotation::None => 0,
    }
}

/// The file name of `prefix` for a record received at `ts`; `n > 0` is the `n`-th name tried after
/// the plain one was taken. `Rotation::None` names the file by the hour of its first record.
///
/// Why `_<NNN>` and not `.<n>`: `btcusdt_20240808T23.1.gz` sorts before `btcusdt_20240808T23.gz`
/// (`'1' < 'g'`), so a sorted listing would replay the restarted recording first. `'_'` sorts after
/// `'.'`, and three digits keep `_002` before `_010`; the replay's group key (the prefix before the
/// first `_`) is unchanged.
pub(crate) fn file_name(prefix: &str, rotation: Rotation, ts: u64, n: u32) -> String {
    let (y, m, d) = alphapulse_types::civil_from_days((ts / NS_PER_DAY) as i64);
    let hour = (ts % NS_PER_DAY) / NS_PER_HOUR;
    let suffix = if n == 0 { String::new() } else { format!("_{n:03}") };
    match rotation {
        Rotation::Daily => format!("{prefix}_{y:04}{m:02}{d:02}{suffix}.gz"),
        Rotation::Hourly | Rotation::None => format!("{prefix}_{y:04}{m:02}{d:02}T{hour:02}{suffix}.gz"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_in_time_order() {
        // 2024-08-08T23:54:13Z and 2024-08-09T00:00:00Z, from the real captures.
        let a = 1_723_161_253_937_085_768;
        let b = 1_723_161_600_001_658_384;
        assert_eq!(file_name("btcusdt", Rotation::Hourly, a, 0), "btcusdt_20240808T23.gz");
        assert_eq!(file_name("btcusdt", Rotation::Hourly, b, 0), "btcusdt_20240809T00.gz");
        assert_eq!(file_name("btcusdt", Rotation::Daily, b, 0), "btcusdt_20240809.gz");
        assert_eq!(file_name("btcusdt", Rotation::Hourly, a, 7), "btcusdt_20240808T23_007.gz");
        assert_eq!(period(Rotation::Hourly, b), period(Rotation::Hourly, a) + 1);
        let mut names: Vec<String> = [(b, 0), (a, 10), (a, 2), (a, 0), (b, 1)]
            .iter()
            .map(|&(t, n)| file_name("x", Rotation::Hourly, t, n))
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "x_20240808T23.gz",
                "x_20240808T23_002.gz",
                "x_20240808T23_010.gz",
                "x_20240809T00.gz",
                "x_20240809T00_001.gz"
            ]
        );
    }
}
