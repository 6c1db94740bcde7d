//! The live feed over TLS (wss:// and https://, rustls with the `ring` provider) end to end: a
//! TLS-terminating proxy with a self-signed certificate for 127.0.0.1 sits in front of the exchange
//! simulator serving the real sample. Every frame arrives, the book syncs by snapshot and follows
//! bookTicker, as over plain sockets.

use alphapulse_exsim::{SimConfig, Speed};
use alphapulse_feeds::live::net::BinanceNet;
use alphapulse_feeds::live::{LiveConfig, LiveFeed, TscClock, WallClock};
use alphapulse_feeds::{sample_instruments, testdata, FeedOptions, ReplaySink};
use alphapulse_net::TlsConfig;
use alphapulse_types::{Depth, Msg, Price, Qty};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A certificate for 127.0.0.1: the server side and the client's trust in it.
fn tls_pair() -> (Arc<rustls::ServerConfig>, TlsConfig) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("rcgen");
    let cert = ck.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    // The `ring` provider (the one the feed uses); deprecated only for lacking post-quantum kex.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .expect("server cert");
    (Arc::new(server), TlsConfig::with_root_der(&cert).expect("root"))
}

/// Accept TLS on a new port and pump each connection to `target` in plain TCP.
fn tls_proxy(cfg: Arc<rustls::ServerConfig>, target: SocketAddr) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { return };
            let cfg = cfg.clone();
            std::thread::spawn(move || pump(cfg, s, target));
        }
    });
    addr
}

fn pump(cfg: Arc<rustls::ServerConfig>, client: TcpStream, target: SocketAddr) {
    let Ok(plain) = TcpStream::connect(target) else { return };
    let tick = Some(Duration::from_millis(1));
    client.set_read_timeout(tick).unwrap();
    plain.set_read_timeout(tick).unwrap();
    let _ = plain.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let conn = rustls::ServerConnection::new(cfg).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, client);
    let mut plain = plain;
    let mut buf = vec![0u8; 64 << 10];
    let quiet = |e: &std::io::Error| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    loop {
        match tls.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if plain.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
            Err(e) if quiet(&e) => {}
            Err(_) => return,
        }
        match plain.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if tls.write_all(&buf[..n]).and_then(|()| tls.flush()).is_err() {
                    return;
                }
            }
            Err(e) if quiet(&e) => {}
            Err(_) => return,
        }
    }
}

#[derive(Default)]
struct Count {
    quotes: u64,
    depth: u64,
}

impl ReplaySink for Count {
    fn emit(&mut self, msg: Msg) {
        self.quotes += u64::from(matches!(msg, Msg::Quote(_)));
    }
    fn emit_depth(&mut self, _d: Depth, _b: &[(Price, Qty)], _a: &[(Price, Qty)]) {
        self.depth += 1;
    }
}

#[test]
fn the_live_feed_over_wss_and_https() {
    let mut sc = SimConfig::new(vec![testdata::sample_capture()]);
    sc.speed = Speed::Max;
    sc.wait_for_clients = 1;
    sc.max_queue_frames = 64;
    let h = alphapulse_exsim::start(sc).unwrap();
    let (server, client) = tls_pair();
    let ws = tls_proxy(server.clone(), h.ws_addr());
    let rest = tls_proxy(server, h.http_addr());
    let cfg = LiveConfig {
        ws_url: format!("wss://{ws}"),
        rest_url: format!("https://{rest}"),
        symbols: vec!["btcusdt".into()],
        ..LiveConfig::default()
    };
    let opts = FeedOptions { max_exchange_skew_ns: 3_600_000_000_000, ..FeedOptions::defaults() };
    let ins = sample_instruments();
    let net = BinanceNet::with_tls(&cfg, client).unwrap();
    let mut feed = LiveFeed::new(cfg, &ins, &opts, net, 3).unwrap();
    let (mut clock, mut sink) = (TscClock::default(), Count::default());
    let inst = ins.id_of("BTCUSDT").unwrap();
    let start = Instant::now();
    while feed.feed_stats().frames < 41_249 && start.elapsed() < Duration::from_secs(120) {
        if !feed.poll(clock.now(), &mut sink) {
            std::thread::yield_now();
        }
    }
    let s = feed.feed_stats();
    println!(
        "wss: frames {} quotes {} depth {} gaps {} events {:?}",
        s.frames,
        sink.quotes,
        sink.depth,
        s.gaps,
        feed.stats().events
    );
    assert_eq!(s.frames, 41_249, "every frame of the sample and its snapshot, over TLS");
    assert_eq!(s.gaps, 0);
    assert_eq!(s.malformed_total(), 0);
    assert!(feed.decoder().book_sync(inst).unwrap().is_synced());
    assert_eq!(sink.quotes, 28_040, "every bookTicker of the sample");
    h.shutdown();
}
