//! The machine a run was measured on, and what the OS did meanwhile: context switches of this
//! process (/proc/self/task/*/status) and CPU steal (the `cpu` line of /proc/stat).

use std::process::Command;

/// Facts about the machine and the build, read once.
#[derive(Clone, Debug)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: usize,
    pub kernel: String,
    pub commit: String,
    pub rustc: String,
    pub clocksource: String,
    pub date: String,
}

fn run(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

impl Machine {
    pub fn detect() -> Machine {
        let cpu_model = read("/proc/cpuinfo")
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let commit = match run("git", &["-C", root, "rev-parse", "--short", "HEAD"]) {
            Some(c) => {
                // The reports this harness writes do not make the measured code dirty.
                let dirty = run(
                    "git",
                    &[
                        "-C",
                        root,
                        "status",
                        "--porcelain",
                        "--untracked-files=no",
                        "--",
                        ".",
                        ":!latency-reports",
                    ],
                )
                .is_some_and(|s| !s.is_empty());
                if dirty {
                    format!("{c} (plus uncommitted changes)")
                } else {
                    c
                }
            }
            None => "unknown".into(),
        };
        Machine {
            cpu_model,
            cores: read("/proc/cpuinfo")
                .map(|s| s.lines().filter(|l| l.starts_with("processor")).count())
                .filter(|&n| n > 0)
                .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
            kernel: read("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into()),
            commit,
            rustc: run("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
            clocksource: read("/sys/devices/system/clocksource/clocksource0/current_clocksource")
                .unwrap_or_else(|| "unknown".into()),
            date: utc_date(),
        }
    }
}

/// Today's UTC date, `YYYY-MM-DD`.
pub fn utc_date() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (y, m, d) = alphapulse_types::civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// OS counters at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsCounters {
    /// Voluntary / involuntary context switches of this process (all threads, dead ones included).
    pub voluntary: u64,
    pub involuntary: u64,
    /// `cpu` line of /proc/stat: steal and the total of all fields (USER_HZ ticks).
    pub steal_ticks: u64,
    pub total_ticks: u64,
}

impl OsCounters {
    pub fn now() -> OsCounters {
        let (voluntary, involuntary) = rusage();
        let (steal_ticks, total_ticks) = read("/proc/stat")
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("cpu "))?.to_string();
                let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
                // user nice system idle iowait irq softirq steal guest guest_nice (guest is in user).
                Some((v.get(7).copied().unwrap_or(0), v.iter().take(8).sum()))
            })
            .unwrap_or((0, 0));
        OsCounters { voluntary, involuntary, steal_ticks, total_ticks }
    }
    /// `self − before`.
    pub fn since(&self, before: &OsCounters) -> OsCounters {
        OsCounters {
            voluntary: self.voluntary.saturating_sub(before.voluntary),
            involuntary: self.involuntary.saturating_sub(before.involuntary),
            steal_ticks: self.steal_ticks.saturating_sub(before.steal_ticks),
            total_ticks: self.total_ticks.saturating_sub(before.total_ticks),
        }
    }
    /// Steal as a share of all CPU time of the interval (%).
    pub fn steal_pct(&self) -> f64 {
        if self.total_ticks == 0 {
            0.0
        } else {
            100.0 * self.steal_ticks as f64 / self.total_ticks as f64
        }
    }
}

/// Context switches of the whole process, (voluntary, involuntary): the sum over its threads of
/// `voluntary_ctxt_switches` / `nonvoluntary_ctxt_switches` in `/proc/self/task/*/status` (the same
/// counters `getrusage` reports, read without `unsafe`). (0, 0) where /proc is unavailable.
fn rusage() -> (u64, u64) {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return (0, 0) };
    let (mut vol, mut invol) = (0u64, 0u64);
    for t in tasks.flatten() {
        let Ok(status) = std::fs::read_to_string(t.path().join("status")) else { continue };
        for line in status.lines() {
            let num = |l: &str| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            if line.starts_with("voluntary_ctxt_switches:") {
                vol += num(line);
            } else if line.starts_with("nonvoluntary_ctxt_switches:") {
                invol += num(line);
            }
        }
    }
    (vol, invol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters() {
        let a = OsCounters::now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let d = OsCounters::now().since(&a);
        assert!(d.voluntary >= 1, "sleeping is a voluntary context switch: {d:?}");
        assert!(d.steal_pct() <= 100.0);
    }
}
