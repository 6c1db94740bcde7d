//! Test support: the real sample capture's frames, raw server frames, small local servers
//! (tungstenite's server handshake, rustls with an rcgen self-signed certificate) and a client
//! driver that busy-polls with a generous deadline.
#![allow(dead_code)]

use alphapulse_net::{NetError, TlsConfig, WsClient, WsEvent, WsState};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Deadline for anything a test waits on (machines are shared and slow; this is not a timing test).
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Every frame of `feeds/testdata/btcusdt_20240808.gz`: each line's text after the first space.
pub fn sample_frames() -> Vec<Vec<u8>> {
    frames_of(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/btcusdt_20240808.gz")))
}

/// The shared real-data folder: `$ALPHAPULSE_SHARED_DATA`, else `<workspace>/../shared/data`;
/// `None` if it does not exist (tests then print `skipped: ...`).
pub fn shared_data_dir() -> Option<std::path::PathBuf> {
    let p = match std::env::var_os("ALPHAPULSE_SHARED_DATA") {
        Some(v) => std::path::PathBuf::from(v),
        None => std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    };
    p.is_dir().then_some(p)
}

/// Every frame of a `<ns> <frame>` gzip capture.
pub fn frames_of(path: &std::path::Path) -> Vec<Vec<u8>> {
    let file = std::fs::File::open(path).expect("a capture");
    let mut out = Vec::new();
    for line in BufReader::new(flate2::read::MultiGzDecoder::new(file)).split(b'\n') {
        let line = line.expect("readable sample");
        let at = line.iter().position(|&b| b == b' ').expect("<ns> <frame>");
        out.push(line[at + 1..].to_vec());
    }
    out
}

/// Real frames joined into one JSON array of at least `min` bytes, starting at frame `from`.
pub fn joined(frames: &[Vec<u8>], from: usize, min: usize) -> Vec<u8> {
    let mut m = b"[".to_vec();
    for f in frames[from..].iter().cycle() {
        if m.len() > 1 {
            m.push(b',');
        }
        m.extend_from_slice(f);
        if m.len() >= min {
            break;
        }
    }
    m.push(b']');
    m
}

/// One unmasked server frame (`b0` = FIN/RSV/opcode byte as given).
pub fn raw_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![b0];
    match payload.len() {
        n @ 0..=125 => f.push(n as u8),
        n @ 126..=0xffff => {
            f.push(126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(payload);
    f
}

/// An owned copy of a [`WsEvent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Opened,
    Text(Vec<u8>),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, Vec<u8>),
}

impl Ev {
    pub fn of(e: WsEvent<'_>) -> Ev {
        match e {
            WsEvent::Opened => Ev::Opened,
            WsEvent::Text(t) => Ev::Text(t.to_vec()),
            WsEvent::Binary(b) => Ev::Binary(b.to_vec()),
            WsEvent::Ping(p) => Ev::Ping(p.to_vec()),
            WsEvent::Pong(p) => Ev::Pong(p.to_vec()),
            WsEvent::Close { code, reason } => Ev::Close(code, reason.to_vec()),
        }
    }
}

/// Poll `ws` until `done(events so far)` or an error; panics after [`PATIENCE`].
pub fn poll_until(
    ws: &mut WsClient,
    events: &mut Vec<Ev>,
    done: impl Fn(&[Ev], WsState) -> bool,
) -> Result<(), NetError> {
    let start = Instant::now();
    while !done(events, ws.state()) {
        ws.poll(&mut |e| events.push(Ev::of(e)))?;
        assert!(start.elapsed() < PATIENCE, "no progress: state {:?}, {} events", ws.state(), events.len());
        std::thread::yield_now();
    }
    Ok(())
}

/// [`poll_until`] with the pull API: one [`WsClient::next_event`] per event.
pub fn next_until(
    ws: &mut WsClient,
    events: &mut Vec<Ev>,
    done: impl Fn(&[Ev], WsState) -> bool,
) -> Result<(), NetError> {
    let start = Instant::now();
    while !done(events, ws.state()) {
        match ws.next_event()? {
            Some(e) => events.push(Ev::of(e)),
            None => std::thread::yield_now(),
        }
        assert!(start.elapsed() < PATIENCE, "no progress: state {:?}, {} events", ws.state(), events.len());
    }
    Ok(())
}

/// Poll until the connection fails; returns the error.
pub fn poll_to_error(ws: &mut WsClient) -> NetError {
    let mut events = Vec::new();
    match poll_until(ws, &mut events, |_, _| false) {
        Err(e) => e,
        Ok(()) => unreachable!(),
    }
}

/// A listener on 127.0.0.1, port 0.
pub fn listen() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let a = l.local_addr().expect("local addr");
    (l, a)
}

/// A self-signed certificate for `localhost`: the server config and the client config trusting it.
pub fn tls_pair() -> (Arc<rustls::ServerConfig>, TlsConfig) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("rcgen");
    let cert = ck.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
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

/// A server-side stream, plain or TLS.
pub type Stream = Box<dyn ReadWrite + Send>;
pub trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Accept one connection (TLS if `tls`), with generous socket timeouts so a broken test fails
/// instead of hanging.
pub fn accept(l: &TcpListener, tls: Option<&Arc<rustls::ServerConfig>>) -> Stream {
    let (s, _) = l.accept().expect("accept");
    s.set_read_timeout(Some(PATIENCE)).expect("timeout");
    s.set_nodelay(true).expect("nodelay");
    match tls {
        None => Box::new(s),
        Some(cfg) => {
            let conn = rustls::ServerConnection::new(cfg.clone()).expect("server session");
            Box::new(rustls::StreamOwned::new(conn, s))
        }
    }
}

/// Spawn a WebSocket server for one client: tungstenite's `accept`, then `serve`.
pub fn ws_server(
    tls: Option<Arc<rustls::ServerConfig>>,
    serve: impl FnOnce(&mut tungstenite::WebSocket<Stream>) + Send + 'static,
) -> (SocketAddr, std::thread::JoinHandle<()>) {
    let (l, addr) = listen();
    let h = std::thread::spawn(move || {
        let s = accept(&l, tls.as_ref());
        let mut ws = tungstenite::accept(s).expect("server handshake");
        serve(&mut ws);
    });
    (addr, h)
}

/// Read an HTTP request head from `s` (up to the blank line).
pub fn read_head(s: &mut Stream) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Spawn a server that reads one request head, checks it with `check`, and writes `answer`
/// (in `pieces`-byte writes with a short pause between them, to test slow servers).
pub fn raw_server(
    tls: Option<Arc<rustls::ServerConfig>>,
    answer: Vec<u8>,
    pieces: usize,
) -> (SocketAddr, std::thread::JoinHandle<String>) {
    let (l, addr) = listen();
    let h = std::thread::spawn(move || {
        let mut s = accept(&l, tls.as_ref());
        let head = read_head(&mut s);
        for part in answer.chunks(pieces.max(1)) {
            if s.write_all(part).and_then(|_| s.flush()).is_err() {
                break;
            }
            if pieces < answer.len() {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        // TLS: say goodbye properly; then close.
        head
    });
    (addr, h)
}

/// Connect a client to a local server (`localhost` for SNI when `tls`).
pub fn client(
    addr: SocketAddr,
    tls: Option<&TlsConfig>,
    path: &str,
    opts: &alphapulse_net::WsOptions,
) -> WsClient {
    let url = match tls {
        Some(_) => format!("wss://localhost:{}{path}", addr.port()),
        None => format!("ws://127.0.0.1:{}{path}", addr.port()),
    };
    let e = alphapulse_net::Endpoint::parse(&url).expect("url");
    let cfg = tls.cloned().unwrap_or_else(TlsConfig::webpki);
    WsClient::connect(&e, addr, &cfg, opts).expect("connect")
}

/// Keep `_s` alive until the peer closes (so a server does not reset the connection early).
pub fn drain(s: &mut impl Read) {
    let mut b = [0u8; 4096];
    while matches!(s.read(&mut b), Ok(n) if n > 0) {}
}
