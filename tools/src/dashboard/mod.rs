//! `alphapulse dashboard`: an HTTP server (axum on a small tokio runtime — tokio lives in this
//! process only, never on a hot thread) over [`crate::view`], the model of a run built from its
//! journal by a plain tail thread.
//!
//! - [`api`]: the JSON endpoints and `/api/openapi.json` (shapes in [`crate::view::shapes`]);
//! - [`ws`]: `/ws?since=CURSOR`, the resumable event stream;
//! - [`metrics`]: `/metrics`, Prometheus text (prometheus-client);
//! - [`security`]: bearer token for state changes (constant time), rate limits, CORS;
//! - [`page`]: the web page's routes (`/` and static assets);
//! - [`clock`]: the thread that publishes health changes with no record arriving (stale).
//!
//! Binds 127.0.0.1:8080 by default; a non-loopback `--bind` without a token is refused (exit 2).
//! Request bodies over `max_body` get 413, WebSocket messages over `max_ws_message` close the
//! socket. The token is never printed, logged or served.

pub mod api;
pub mod clock;
pub mod metrics;
pub mod page;
pub mod security;
pub mod ws;

use crate::config::ConfigError;
use crate::view::{tail, Model};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// The `[dashboard]` table.
#[derive(Clone, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DashboardConfig {
    /// Where to listen (`--bind` overrides).
    pub bind: String,
    /// Bearer token for state changes (alerts rules, acknowledgements); env
    /// `ALPHAPULSE_DASHBOARD_TOKEN` overrides. Never printed, never serialised (a run's `run.json`
    /// keeps the config without it).
    #[serde(skip_serializing)]
    pub token: Option<String>,
    /// Origins allowed by CORS; empty: no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// Requests per second per client address, and the burst.
    pub rate_per_sec: f64,
    pub rate_burst: f64,
    /// Largest request body, bytes (413 above).
    pub max_body: usize,
    /// Largest WebSocket message from a client, bytes (the socket closes above).
    pub max_ws_message: usize,
    /// WebSocket events kept for resuming.
    pub ws_backlog: usize,
    /// How long a quiet journal stream holds the merge back, ms (see `view::tail`).
    pub merge_hold_ms: u64,
    /// No journal record for this long while the run goes on: the health says stale (Degraded),
    /// pushed on `/ws` (see [`clock`]); 0: never.
    pub stale_after_ms: u64,
    /// At most one price event per symbol per this many ms on `/ws` (journal time, and held
    /// prices go out after this much wall-clock time; see `view::price_gate`); 0: every update.
    pub price_event_ms: u64,
}

impl std::fmt::Debug for DashboardConfig {
    /// Every field but the token, which shows only whether it is set.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardConfig")
            .field("bind", &self.bind)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("cors_origins", &self.cors_origins)
            .field("rate_per_sec", &self.rate_per_sec)
            .field("rate_burst", &self.rate_burst)
            .field("max_body", &self.max_body)
            .field("max_ws_message", &self.max_ws_message)
            .field("ws_backlog", &self.ws_backlog)
            .field("merge_hold_ms", &self.merge_hold_ms)
            .field("stale_after_ms", &self.stale_after_ms)
            .field("price_event_ms", &self.price_event_ms)
            .finish()
    }
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            bind: "127.0.0.1:8080".into(),
            token: None,
            cors_origins: Vec::new(),
            rate_per_sec: 50.0,
            rate_burst: 200.0,
            max_body: 16 * 1024,
            max_ws_message: 4 * 1024,
            ws_backlog: 200_000,
            merge_hold_ms: 20,
            stale_after_ms: 5000,
            price_event_ms: 100,
        }
    }
}

/// `alphapulse dashboard` options.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit codes: 0 stopped (Ctrl-C or SIGTERM; the alerts stream is closed cleanly), 1 the server failed, 2 bad usage or config (e.g. a \
                        non-loopback --bind without a token)."
)]
pub struct Args {
    /// The run's journal folder (it may still be written, or not exist yet).
    #[arg(long, value_name = "DIR")]
    pub journal: PathBuf,
    /// Address to listen on (default `[dashboard] bind`, 127.0.0.1:8080). A non-loopback address
    /// needs a token.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// A TOML file with a `[dashboard]` table (other tables are ignored here).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The engine's control socket, for ring depths and per-actor counters (default: the run's
    /// configured socket, when it exists).
    #[arg(long, value_name = "PATH")]
    pub control_socket: Option<PathBuf>,
    #[command(flatten)]
    pub priority: crate::slow_priority::SlowPriority,
}

/// Ctrl-C (SIGINT) or SIGTERM (what systemd and docker send): either stops the server, then the
/// threads, and the alert engine closes the `alerts` stream cleanly (so `persist --follow` ends).
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            // No SIGTERM handler could be installed: Ctrl-C alone stops the server.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// What the handlers share.
pub struct State {
    pub model: Arc<Mutex<Model>>,
    pub cfg: DashboardConfig,
    pub token: Option<String>,
    pub rate: security::RateLimiter,
    /// The alert engine (rules from `[alerts]`), evaluated after every batch the tail applied.
    pub alerts: Arc<Mutex<crate::alerts::Engine>>,
    /// Bumped after every batch the tail applied.
    pub changed: tokio::sync::watch::Receiver<u64>,
}

impl State {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Read the `[alerts]` table of `file` (defaults: no rules).
pub fn load_alerts(file: Option<&std::path::Path>) -> Result<crate::alerts::AlertsConfig, ConfigError> {
    let Some(f) = file else { return Ok(Default::default()) };
    let text = std::fs::read_to_string(f).map_err(|e| ConfigError::Usage(format!("{}: {e}", f.display())))?;
    let v: toml::Value =
        toml::from_str(&text).map_err(|e| ConfigError::Usage(format!("{}: {e}", f.display())))?;
    match v.get("alerts") {
        None => Ok(Default::default()),
        Some(t) => {
            t.clone().try_into().map_err(|e| ConfigError::Usage(format!("{}: [alerts]: {e}", f.display())))
        }
    }
}

/// Read the `[dashboard]` table of `file`.
pub fn load_config(file: Option<&std::path::Path>) -> Result<DashboardConfig, ConfigError> {
    let Some(f) = file else { return Ok(DashboardConfig::default()) };
    let text = std::fs::read_to_string(f).map_err(|e| ConfigError::Usage(format!("{}: {e}", f.display())))?;
    let v: toml::Value =
        toml::from_str(&text).map_err(|e| ConfigError::Usage(format!("{}: {e}", f.display())))?;
    match v.get("dashboard") {
        None => Ok(DashboardConfig::default()),
        Some(t) => {
            t.clone().try_into().map_err(|e| ConfigError::Usage(format!("{}: [dashboard]: {e}", f.display())))
        }
    }
}

/// The server's options after config and environment: (config, token, bind address).
pub fn resolve(args: &Args) -> Result<(DashboardConfig, Option<String>, SocketAddr), ConfigError> {
    let cfg = load_config(args.config.as_deref())?;
    let token =
        std::env::var("ALPHAPULSE_DASHBOARD_TOKEN").ok().or(cfg.token.clone()).filter(|t| !t.is_empty());
    let bind = args.bind.clone().unwrap_or(cfg.bind.clone());
    let addr: SocketAddr = bind.parse().map_err(|e| {
        ConfigError::Usage(format!("--bind `{bind}`: not an address like 127.0.0.1:8080 ({e})"))
    })?;
    if !addr.ip().is_loopback() && token.is_none() {
        return Err(ConfigError::Usage(format!(
            "refusing to listen on {addr} (not loopback) without a token: set [dashboard] token in --config or \
             ALPHAPULSE_DASHBOARD_TOKEN, or bind 127.0.0.1"
        )));
    }
    Ok((cfg, token, addr))
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let (cfg, token, addr) = resolve(&args)?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let mut view = Model::new(args.journal.clone(), cfg.ws_backlog);
    view.stale_after = (cfg.stale_after_ms > 0).then(|| std::time::Duration::from_millis(cfg.stale_after_ms));
    view.prices =
        crate::view::price_gate::PriceGate::new(Some(std::time::Duration::from_millis(cfg.price_event_ms)));
    let model = Arc::new(Mutex::new(view));
    let (tx, rx) = tokio::sync::watch::channel(0u64);
    let stop = Arc::new(AtomicBool::new(false));
    let mut opts = tail::TailOptions::new(args.journal.clone());
    opts.hold = std::time::Duration::from_millis(cfg.merge_hold_ms);
    let notify: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
        tx.send_modify(|n| *n += 1);
    });
    let alerts_cfg = load_alerts(args.config.as_deref())?;
    // The alerts stream goes into the run's journal folder when rules are configured and the run
    // has started (its `run.json` is there): a folder made before the run must stay empty for it,
    // and without rules no stream is opened (an open stream would keep `persist --follow` waiting
    // for its close).
    let started = args.journal.join(crate::run_journal::RUN_FILE).is_file();
    let journal = if started && !alerts_cfg.rules.is_empty() {
        match crate::alerts::AlertJournal::open(&args.journal) {
            Ok(j) => Some(j),
            Err(e) => {
                eprintln!("warning: alerts are not journaled: {e}");
                None
            }
        }
    } else {
        None
    };
    let engine = crate::alerts::Engine::new(&alerts_cfg, journal)
        .map_err(|e| ConfigError::Usage(format!("[alerts]: {e}")))?;
    let alerts = Arc::new(Mutex::new(engine));
    let hook: tail::BatchHook = {
        let alerts = alerts.clone();
        Box::new(move |m: &mut Model| clock::evaluate_alerts(m, &alerts))
    };
    let clock_thread = {
        let (m, a, n, s) = (model.clone(), alerts.clone(), notify.clone(), stop.clone());
        std::thread::Builder::new().name("dashboard-clock".into()).spawn(move || clock::run(m, a, n, s))?
    };
    let tail_thread = {
        let (m, s) = (model.clone(), stop.clone());
        std::thread::Builder::new()
            .name("dashboard-tail".into())
            .spawn(move || tail::run(opts, m, hook, notify, s))?
    };
    let poll_thread = {
        let (m, s, dir, sock) =
            (model.clone(), stop.clone(), args.journal.clone(), args.control_socket.clone());
        std::thread::Builder::new()
            .name("dashboard-poll".into())
            .spawn(move || crate::view::poll::run(dir, sock, m, s))?
    };
    let rate = security::RateLimiter::new(cfg.rate_per_sec, cfg.rate_burst);
    let state = Arc::new(State { model, cfg, token, rate, alerts, changed: rx });
    let app = api::router(state);
    let served: anyhow::Result<()> = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        eprintln!("dashboard: http://{} (journal {})", listener.local_addr()?, args.journal.display());
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stop_signal())
            .await?;
        Ok(())
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = tail_thread.join();
    let _ = clock_thread.join();
    let _ = poll_thread.join();
    served?;
    Ok(ExitCode::SUCCESS)
}
