//! Headless Chromium driven over the DevTools protocol, for the dashboard page's test: launch
//! Debian's `/usr/bin/chromium` on a throw-away profile, open one page, evaluate JavaScript in it
//! and take a screenshot. A small client over the workspace's `tungstenite` (one browser WebSocket,
//! `Target.attachToTarget` with `flatten`, so every page command carries the session id).
//!
//! Chromium missing is a failure naming `tools/setup.sh`, never a skip.
#![allow(dead_code)] // each test binary uses part of it

use serde_json::{json, Value};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// Where Debian's `chromium` package puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// One headless Chromium with one page open; killed (and its profile removed) on drop.
pub struct Browser {
    child: Child,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    profile: PathBuf,
}

impl Browser {
    /// Launch Chromium and open `url` in a `width`×`height` page.
    pub fn open(url: &str, width: u32, height: u32) -> Browser {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: run `tools/setup.sh` (it installs Debian's `chromium` package)"
        );
        let profile = alphapulse_shm::test_scratch::root().join(format!(
            "ap-chromium-{}-{}",
            std::process::id(),
            nanos()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        // --no-sandbox: the tests run as root on CI, where Chromium refuses its sandbox; the page is
        // our own, served on loopback. Port 0: Chromium picks one and writes it to the profile.
        let child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.display()),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let port_file = profile.join("DevToolsActivePort");
        let start = Instant::now();
        let (port, path) = loop {
            let text = std::fs::read_to_string(&port_file).unwrap_or_default();
            let mut lines = text.lines();
            if let (Some(p), Some(path)) = (lines.next(), lines.next()) {
                break (p.trim().to_string(), path.trim().to_string());
            }
            assert!(start.elapsed() < Duration::from_secs(60), "chromium wrote no {}", port_file.display());
            std::thread::sleep(Duration::from_millis(50));
        };
        let addr = format!("127.0.0.1:{port}");
        let stream = TcpStream::connect(&addr).expect("connect to chromium's DevTools port");
        // A hung browser fails the test instead of hanging it.
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let (ws, _) = tungstenite::client(format!("ws://{addr}{path}"), stream).expect("DevTools handshake");
        let mut b = Browser { child, ws, session: String::new(), next_id: 0, profile };
        let target = b.call("Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().expect("a target id").to_string();
        let attached = b.call("Target.attachToTarget", json!({ "targetId": target_id, "flatten": true }));
        b.session = attached["sessionId"].as_str().expect("a session id").to_string();
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        );
        b.call("Page.enable", json!({}));
        b.call("Runtime.enable", json!({}));
        b.call("Page.navigate", json!({ "url": url }));
        b
    }

    /// Send one command (on the page's session once attached) and wait for its result; events in
    /// between are dropped, except that an uncaught exception in the page fails the test.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            msg["sessionId"] = json!(self.session);
        }
        self.ws.send(Message::text(msg.to_string())).expect("send to chromium");
        loop {
            let m = self.ws.read().unwrap_or_else(|e| panic!("chromium, waiting for {method}: {e}"));
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).expect("DevTools sends JSON");
            if v["method"] == "Runtime.exceptionThrown" {
                panic!("the page threw: {}", v["params"]["exceptionDetails"]);
            }
            if v["id"].as_u64() == Some(id) {
                assert!(v.get("error").is_none(), "{method}: {}", v["error"]);
                return v["result"].clone();
            }
        }
    }

    /// Evaluate `expr` in the page (awaiting a promise) and return its value as JSON.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {}", r["exceptionDetails"]);
        r["result"]["value"].clone()
    }

    /// Evaluate `expr` until it gives a truthy value (polling every 100 ms) and return it; an
    /// exception (the page still loading) counts as not yet.
    pub fn wait_for(&mut self, what: &str, expr: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        let guarded = format!("(() => {{ try {{ return ({expr}); }} catch (e) {{ return null; }} }})()");
        loop {
            let v = self.eval(&guarded);
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            assert!(start.elapsed() < timeout, "the page never showed {what} ({expr})");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A PNG of the page as it is now.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let r = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        base64_decode(r["data"].as_str().expect("screenshot data"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.ws.close(None);
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// Standard base64 (RFC 4648, with padding), as DevTools sends binary data.
pub fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    }
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=' && !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &c)| acc | val(c) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_round_trips_known_text() {
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
    assert_eq!(base64_decode("YWI="), b"ab");
    assert_eq!(base64_decode("YWJj"), b"abc");
}
