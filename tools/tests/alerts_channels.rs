//! The channels against local receivers: a webhook (a `TcpListener` speaking enough HTTP), an SMTP
//! server (enough SMTP to accept one message), the log file; a dead webhook never holds up
//! `observe`; secrets stay out of logs and errors.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

#[path = "common/alert_fire.rs"]
mod alert_fire;

use alert_fire::{engine, fire, read_request, RULE};
use alphapulse_tools::alerts::{Alert, Facts, FeedState};

/// Accepts `n` requests; answers each with the next status of `statuses`; sends (head, body).
fn http_receiver(statuses: Vec<u16>) -> (u16, mpsc::Receiver<(String, String)>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for code in statuses {
            let (s, _) = l.accept().unwrap();
            let mut r = BufReader::new(s);
            let (head, body) = read_request(&mut r).unwrap();
            let mut s = r.into_inner();
            write!(s, "HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
            tx.send((head, body)).unwrap();
        }
    });
    (port, rx)
}

#[test]
fn webhook_posts_the_alert_as_json_with_the_auth_header_and_retries() {
    let (port, rx) = http_receiver(vec![500, 200]);
    std::env::set_var("AP_TEST_WEBHOOK_AUTH", "Bearer t0ps3cret");
    let log = alphapulse_shm::test_scratch::root().join(format!("ap-alerts-log-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut e = engine(&format!(
        "cooldown = 0.0\n[channels.log]\nfile = {:?}\n[channels.webhook]\nurl = \"http://127.0.0.1:{port}/hook/abc\"\n\
         auth_header_env = \"AP_TEST_WEBHOOK_AUTH\"\nretries = 2\ntimeout_ms = 10000\n{RULE}",
        log.to_str().unwrap()
    ));
    let a = fire(&mut e);
    let stats = e.shutdown().unwrap();
    let (h1, b1) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let (h2, b2) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(b1, b2, "the retry sends the same body");
    assert!(h1.starts_with("POST /hook/abc HTTP/1.1\r\n"), "{h1}");
    assert!(
        h2.contains("Authorization: Bearer t0ps3cret\r\n") && h2.contains("Content-Type: application/json"),
        "{h2}"
    );
    let got: Alert = serde_json::from_str(&b2).unwrap();
    assert_eq!(got, a);
    assert_eq!((got.value, got.rule_name.as_str(), got.symbol.as_deref()), (101.25, "btc up", Some("BTC")));
    // Log + webhook delivered; the failed attempt was retried, not counted as failed.
    assert_eq!((stats.queued, stats.dropped, stats.sent, stats.failed), (1, 0, 2, 0), "{stats:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains(&format!("alert {} fired warning rule 1 `btc up`", a.id)) && text.contains("101.25"),
        "{text}"
    );
    assert!(!text.contains("t0ps3cret"));
    let _ = std::fs::remove_file(&log);
}

#[test]
fn a_dead_webhook_never_holds_up_observe_and_a_full_queue_drops() {
    // Accepts connections and never answers (until the test ends).
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for s in l.incoming().take(1) {
            conns.push(s);
        }
        std::thread::sleep(Duration::from_secs(3600));
    });
    drop(held);
    let mut e = engine(&format!(
        "cooldown = 0.0\nqueue = 1\n[channels.log]\nenabled = false\n[channels.webhook]\n\
         url = \"http://127.0.0.1:{port}/secretpath\"\ntimeout_ms = 3600000\nretries = 0\n\
         [[rules]]\nname = \"feeds\"\nkind = \"feed_state\"\n"
    ));
    // observe on another thread: if it waited for the webhook (an hour per attempt) it would not
    // come back, and the test fails instead of hanging.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut f = Facts { now_ns: 1, ..Default::default() };
        for s in ["A", "B", "C", "D", "E"] {
            f.feed.insert(s.into(), FeedState::Stale);
        }
        let fired = e.observe(&f).len();
        tx.send((fired, e.channel_stats())).unwrap();
        std::mem::forget(e); // its sender thread is stuck on the dead webhook
    });
    let (fired, stats) =
        rx.recv_timeout(Duration::from_secs(120)).expect("observe returned while the webhook hangs");
    assert_eq!(fired, 5);
    // One taken by the (stuck) sender thread at most, one in the queue: the rest dropped.
    assert_eq!(stats.queued + stats.dropped, 5, "{stats:?}");
    assert!(stats.dropped >= 3 && stats.sent == 0, "{stats:?}");
}

#[test]
fn failures_are_counted_without_secrets() {
    // A closed port: connection refused.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut e = engine(&format!(
        "[channels.log]\nenabled = false\n[channels.webhook]\nurl = \"http://127.0.0.1:{port}/T0/s3cretpath\"\n\
         auth_header = \"Bearer hush\"\nretries = 1\ntimeout_ms = 2000\n{RULE}"
    ));
    fire(&mut e);
    let s = e.shutdown().unwrap();
    assert_eq!((s.sent, s.failed), (0, 1), "{s:?}");
    let err = s.last_error.unwrap();
    assert!(err.contains(&format!("127.0.0.1:{port}")) && err.contains("2 attempts"), "{err}");
    assert!(!err.contains("s3cretpath") && !err.contains("hush"), "{err}");
}

/// Speaks enough SMTP to accept one message (offering STARTTLS only if `tls`); sends the
/// transcript of client lines.
fn smtp_receiver(offer_starttls: bool) -> (u16, mpsc::Receiver<Vec<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        let mut got = Vec::new();
        w.write_all(b"220 test ESMTP\r\n").unwrap();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            got.push(line.clone());
            let reply: &[u8] = if in_data {
                if line != ".\r\n" {
                    continue;
                }
                in_data = false;
                b"250 queued\r\n"
            } else {
                let cmd = line.get(..4).unwrap_or("").to_ascii_uppercase();
                match cmd.as_str() {
                    "EHLO" if offer_starttls => b"250-test\r\n250-8BITMIME\r\n250 STARTTLS\r\n",
                    "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                    "MAIL" | "RCPT" => b"250 ok\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 go on\r\n"
                    }
                    "QUIT" => {
                        w.write_all(b"221 bye\r\n").unwrap();
                        break;
                    }
                    _ => b"502 no\r\n",
                }
            };
            w.write_all(reply).unwrap();
        }
        tx.send(got).unwrap();
    });
    (port, rx)
}

#[test]
fn email_over_smtp_to_a_local_receiver() {
    let (port, rx) = smtp_receiver(false);
    let mut e = engine(&format!(
        "[channels.log]\nenabled = false\n[channels.email]\nhost = \"127.0.0.1\"\nport = {port}\nstarttls = false\n\
         from = \"ap@test\"\nto = [\"ops@test\", \"desk@test\"]\n{RULE}"
    ));
    let a = fire(&mut e);
    let s = e.shutdown().unwrap();
    assert_eq!((s.sent, s.failed), (1, 0), "{s:?}");
    let lines = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let text = lines.concat();
    assert!(lines[0].starts_with("EHLO "), "{text}");
    assert!(
        text.contains("MAIL FROM:<ap@test>\r\nRCPT TO:<ops@test>\r\nRCPT TO:<desk@test>\r\nDATA\r\n"),
        "{text}"
    );
    assert!(text.contains("Subject: [alphapulse Warning] btc up Fired\r\n"), "{text}");
    assert!(text.contains(&a.message) && text.contains(&format!("\"id\": {}", a.id)), "{text}");
    assert!(text.ends_with(".\r\nQUIT\r\n"), "{text}");
}

#[test]
fn email_refuses_to_go_on_without_the_tls_it_was_told_to_use() {
    // starttls = true, the server does not offer it: nothing is sent.
    let (port, rx) = smtp_receiver(false);
    let mut e = engine(&format!(
        "[channels.log]\nenabled = false\n[channels.email]\nhost = \"127.0.0.1\"\nport = {port}\n\
         to = [\"ops@test\"]\nusername = \"u\"\npassword = \"pw-hush\"\n{RULE}"
    ));
    fire(&mut e);
    let s = e.shutdown().unwrap();
    assert_eq!((s.sent, s.failed), (0, 1));
    let err = s.last_error.unwrap();
    assert!(err.contains("STARTTLS") && !err.contains("pw-hush"), "{err}");
    drop(rx);
    // starttls = false with a password: refused before AUTH, the password never sent.
    let (port, rx) = smtp_receiver(false);
    let mut e = engine(&format!(
        "[channels.log]\nenabled = false\n[channels.email]\nhost = \"127.0.0.1\"\nport = {port}\nstarttls = false\n\
         to = [\"ops@test\"]\nusername = \"u\"\npassword = \"pw-hush\"\n{RULE}"
    ));
    fire(&mut e);
    let s = e.shutdown().unwrap();
    assert_eq!((s.sent, s.failed), (0, 1));
    assert!(s.last_error.unwrap().contains("without TLS"));
    let lines = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(lines.iter().all(|l| !l.contains("AUTH") && !l.contains("MAIL")), "{lines:?}");
}
