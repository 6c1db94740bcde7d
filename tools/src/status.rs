//! The status line of a live run: a slow thread samples the live feed's [`LiveStatus`] atomics
//! (stored by the feed every few thousand polls) once a second. On a terminal it rewrites one
//! line on stderr; otherwise it prints a line every `every_plain` (a log keeps a trace without
//! flooding).

use alphapulse_feeds::live::LiveStatus;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct StatusLine {
    done: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

/// One status line from the counters (`rate`: frames per second since the last line).
pub fn render(label: &str, s: &LiveStatus, rate: f64, now_ns: u64) -> String {
    let g = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let last = g(&s.last_frame_ts);
    let age = if last == 0 {
        "never".to_string()
    } else {
        format!("{:.1} s ago", now_ns.saturating_sub(last) as f64 / 1e9)
    };
    format!(
        "{label} | connections {} | synced {}/{} | frames {} ({rate:.0}/s) | last frame {age} | reconnects {} | gaps {} | duplicates {} | malformed {}",
        g(&s.open_connections),
        g(&s.symbols_synced),
        g(&s.symbols),
        g(&s.frames),
        g(&s.reconnects),
        g(&s.gaps),
        g(&s.duplicates),
        g(&s.malformed),
    )
}

fn unix_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

impl StatusLine {
    /// Start sampling `status` (nothing when `!enabled`).
    pub fn start(
        label: &'static str,
        status: Arc<LiveStatus>,
        enabled: bool,
        every_plain: Duration,
    ) -> StatusLine {
        let done = Arc::new(AtomicBool::new(false));
        if !enabled {
            return StatusLine { done, handle: None };
        }
        let d = done.clone();
        let tty = std::io::stderr().is_terminal();
        let handle = std::thread::Builder::new()
            .name("ap-status".into())
            .spawn(move || {
                let mut last_frames = 0u64;
                let mut last_at = Instant::now();
                let mut last_plain = Instant::now();
                while !d.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(200));
                    if last_at.elapsed() < Duration::from_secs(1) {
                        continue;
                    }
                    let frames = status.frames.load(Ordering::Relaxed);
                    let rate = frames.saturating_sub(last_frames) as f64 / last_at.elapsed().as_secs_f64();
                    (last_frames, last_at) = (frames, Instant::now());
                    let line = render(label, &status, rate, unix_ns());
                    let mut err = std::io::stderr().lock();
                    if tty {
                        let _ = write!(err, "\r\x1b[2K{line}");
                        let _ = err.flush();
                    } else if last_plain.elapsed() >= every_plain {
                        last_plain = Instant::now();
                        let _ = writeln!(err, "{line}");
                    }
                }
                if tty {
                    let _ = write!(std::io::stderr(), "\r\x1b[2K");
                }
            })
            .ok();
        StatusLine { done, handle }
    }
}

impl Drop for StatusLine {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
