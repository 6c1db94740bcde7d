//! Delivery of alerts to the configured channels on one sender thread fed by a bounded queue:
//! [`Sender::send`] never waits (a full queue drops the alert and counts it), so a slow or dead
//! webhook or mail server never delays the engine's caller.
//!
//! - `log`: one line per event on stderr or appended to a file.
//! - `webhook`: `POST` of the [`Alert`] as JSON ([`super::http`]), with the `Authorization` header
//!   from config or the environment, a timeout per attempt, and retries with a short backoff.
//! - `email`: a mail over SMTP ([`super::smtp`]).
//!
//! Secrets (the auth header, the SMTP password) are read once here, used on the wire and never
//! put into a log line, an error or the journal.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use super::config::{Channel, ChannelsConfig};
use super::engine::Alert;
use super::http::{post_json, Url};
use super::smtp::{self, Mail};
use super::tls::Tls;
use super::AlertError;

/// The channels' counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChannelStats {
    /// Alerts handed to the queue, and those dropped because it was full.
    pub queued: u64,
    pub dropped: u64,
    /// Deliveries (one alert to one channel) that succeeded, and those that failed after their
    /// retries.
    pub sent: u64,
    pub failed: u64,
    /// The latest failure (no secret in it).
    pub last_error: Option<String>,
}

#[derive(Default)]
struct Counters {
    queued: AtomicU64,
    dropped: AtomicU64,
    sent: AtomicU64,
    failed: AtomicU64,
    last_error: Mutex<Option<String>>,
}

struct Job {
    alert: Alert,
    channels: Vec<Channel>,
}

/// The sender thread's handle.
pub struct Sender {
    tx: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

/// Everything the thread needs, secrets resolved.
struct Delivery {
    log: Option<Box<dyn Write + Send>>,
    webhook: Option<(Url, Option<String>, Duration, u32)>,
    email: Option<(super::config::EmailChannel, Option<String>)>,
    tls: Tls,
}

/// `value`, else the environment variable `env` (when set and not empty).
fn secret(value: &str, env: &str) -> Option<String> {
    if !value.is_empty() {
        return Some(value.to_string());
    }
    (!env.is_empty()).then(|| std::env::var(env).ok()).flatten().filter(|v| !v.is_empty())
}

impl Sender {
    /// Opens the log file, resolves the secrets, builds the TLS config when needed and starts the
    /// thread with a queue of `queue` alerts.
    pub fn start(cfg: &ChannelsConfig, queue: usize) -> Result<Sender, AlertError> {
        let ch = |channel: &'static str| move |reason: String| AlertError::Channel { channel, reason };
        let log: Option<Box<dyn Write + Send>> = match (cfg.log.enabled, cfg.log.file.as_str()) {
            (false, _) => None,
            (true, "") => Some(Box::new(std::io::stderr())),
            (true, f) => Some(Box::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(f)
                    .map_err(|e| ch("log")(format!("{f}: {e}")))?,
            )),
        };
        let w = &cfg.webhook;
        let webhook = if w.url.is_empty() {
            None
        } else {
            let url = Url::parse(&w.url).map_err(ch("webhook"))?;
            Some((
                url,
                secret(&w.auth_header, &w.auth_header_env),
                Duration::from_millis(w.timeout_ms),
                w.retries,
            ))
        };
        let e = &cfg.email;
        let email = (!e.host.is_empty()).then(|| (e.clone(), secret(&e.password, &e.password_env)));
        let needs_tls =
            webhook.as_ref().is_some_and(|w| w.0.tls) || email.as_ref().is_some_and(|m| m.0.starttls);
        let tls = if needs_tls {
            let ca = (!cfg.ca_file.is_empty()).then(|| Path::new(&cfg.ca_file));
            Tls::new(ca).map_err(ch("tls"))?
        } else {
            Tls::none()
        };
        let mut d = Delivery { log, webhook, email, tls };
        let (tx, rx) = sync_channel(queue);
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        let thread = std::thread::Builder::new()
            .name("alert-channels".into())
            .spawn(move || run(&mut d, rx, &c))
            .map_err(|e| ch("sender thread")(e.to_string()))?;
        Ok(Sender { tx: Some(tx), thread: Some(thread), counters })
    }

    /// Queues `alert` for `channels`; never waits.
    pub fn send(&self, alert: &Alert, channels: Vec<Channel>) {
        let Some(tx) = self.tx.as_ref() else { return };
        match tx.try_send(Job { alert: alert.clone(), channels }) {
            Ok(()) => self.counters.queued.fetch_add(1, Ordering::Relaxed),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed)
            }
        };
    }

    pub fn stats(&self) -> ChannelStats {
        let c = &self.counters;
        ChannelStats {
            queued: c.queued.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            sent: c.sent.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            last_error: c.last_error.lock().map(|e| e.clone()).unwrap_or(None),
        }
    }

    /// Closes the queue, waits for the thread to deliver what was queued, and returns the counters.
    pub fn finish(mut self) -> ChannelStats {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.stats()
    }
}

impl Drop for Sender {
    /// Closes the queue without waiting: the thread ends after what is queued.
    fn drop(&mut self) {
        self.tx = None;
    }
}

fn run(d: &mut Delivery, rx: Receiver<Job>, c: &Counters) {
    for job in rx {
        for ch in &job.channels {
            match deliver(d, *ch, &job.alert) {
                Ok(()) => c.sent.fetch_add(1, Ordering::Relaxed),
                Err(e) => {
                    if let Ok(mut l) = c.last_error.lock() {
                        *l = Some(format!("{ch:?}: {e}"));
                    }
                    c.failed.fetch_add(1, Ordering::Relaxed)
                }
            };
        }
    }
}

/// The log channel's line for `a`.
pub fn log_line(a: &Alert) -> String {
    let state =
        serde_json::to_value(a.state).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let sev =
        serde_json::to_value(a.severity).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let mut l = format!(
        "{} alert {} {state} {sev} rule {} `{}`: {} (value {} threshold {})",
        crate::journal::fmt_ts(a.updated_ns),
        a.id,
        a.rule_id,
        a.rule_name,
        a.message,
        a.value,
        a.threshold
    );
    if let Some(by) = &a.acknowledged_by {
        l.push_str(&format!(" acknowledged by {by}"));
    }
    l
}

fn deliver(d: &mut Delivery, ch: Channel, a: &Alert) -> Result<(), String> {
    match ch {
        Channel::Log => {
            let w = d.log.as_mut().ok_or("not configured")?;
            writeln!(w, "{}", log_line(a)).and_then(|_| w.flush()).map_err(|e| e.to_string())
        }
        Channel::Webhook => {
            let (url, auth, timeout, retries) = d.webhook.as_ref().ok_or("not configured")?;
            let body = serde_json::to_vec(a).map_err(|e| e.to_string())?;
            let mut last = String::new();
            for attempt in 0..=*retries {
                if attempt > 0 {
                    std::thread::sleep(Duration::from_millis(100 << attempt.min(5)));
                }
                match post_json(url, auth.as_deref(), &body, *timeout, &d.tls) {
                    Ok(code) if (200..300).contains(&code) => return Ok(()),
                    Ok(code) => last = format!("{}: status {code}", url.origin()),
                    Err(e) => last = e,
                }
            }
            Err(format!("{last} (after {} attempts)", retries + 1))
        }
        Channel::Email => {
            let (cfg, password) = d.email.as_ref().ok_or("not configured")?;
            let subject = format!("[alphapulse {:?}] {} {:?}", a.severity, a.rule_name, a.state);
            let body =
                format!("{}\n\n{}\n", log_line(a), serde_json::to_string_pretty(a).unwrap_or_default());
            smtp::send(cfg, password.as_deref(), &Mail { subject: &subject, body: &body }, &d.tls)
        }
    }
}
