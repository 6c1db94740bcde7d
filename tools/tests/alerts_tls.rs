//! The https webhook and SMTP STARTTLS against local TLS receivers (rustls servers with a
//! certificate from a throw-away CA made by `openssl`, installed by `tools/setup.sh`): delivered
//! when `[alerts.channels] ca_file` trusts that CA, refused (and counted, nothing sent in clear)
//! when it does not; the SMTP password goes only inside TLS.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{mpsc, Arc};
use std::time::Duration;

#[path = "common/alert_fire.rs"]
mod alert_fire;

use alert_fire::{engine, fire, read_request, RULE};
use alphapulse_tools::alerts::Alert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A CA and a server certificate it signed for `localhost` and 127.0.0.1, in a fresh folder:
/// (folder, ca.pem, server.pem, server.key).
fn certs(name: &str) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let d = alphapulse_shm::test_scratch::root().join(format!("ap-alerts-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let run = |args: &[&str]| {
        let out =
            Command::new("openssl").current_dir(&d).args(args).output().unwrap_or_else(|e| {
                panic!("openssl: {e}: run tools/setup.sh (it installs the openssl package)")
            });
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=alphapulse test CA"],
    ]
    .concat());
    run(&[&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]]
        .concat());
    std::fs::write(d.join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    (d.clone(), d.join("ca.pem"), d.join("server.pem"), d.join("server.key"))
}

fn server_config(cert: &Path, key: &Path) -> Arc<rustls::ServerConfig> {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(cert).unwrap().collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    #[allow(deprecated)] // the ring provider, as the client uses (see alerts::tls)
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    Arc::new(cfg)
}

type Tls = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

fn accept_tls(tcp: TcpStream, cfg: &Arc<rustls::ServerConfig>) -> Tls {
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    rustls::StreamOwned::new(rustls::ServerConnection::new(cfg.clone()).unwrap(), tcp)
}

/// An https receiver for one connection: sends (request head, body) if the handshake and the
/// request succeed, or the error that ended it.
/// What the https receiver saw: (request head, body), or the error that ended the connection.
type Received = Result<(String, String), String>;

fn https_receiver(cfg: Arc<rustls::ServerConfig>) -> (u16, mpsc::Receiver<Received>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let got = (|| -> Result<(String, String), String> {
            let mut r = BufReader::new(accept_tls(s, &cfg));
            let (head, body) = read_request(&mut r)?;
            let s = r.get_mut();
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .and_then(|_| s.flush())
                .map_err(|e| e.to_string())?;
            s.conn.send_close_notify();
            let _ = s.flush();
            Ok((head, body))
        })();
        let _ = tx.send(got);
    });
    (port, rx)
}

#[test]
fn https_webhook_is_delivered_to_a_server_the_ca_file_trusts_and_refused_otherwise() {
    let (_d, ca, cert, key) = certs("https");
    let cfg = server_config(&cert, &key);

    let (port, rx) = https_receiver(cfg.clone());
    let mut e = engine(&format!(
        "cooldown = 0.0\n[channels]\nca_file = {:?}\n[channels.log]\nenabled = false\n[channels.webhook]\n\
         url = \"https://localhost:{port}/hook/tls\"\nauth_header = \"Bearer over-tls\"\nretries = 0\n\
         timeout_ms = 20000\n{RULE}",
        ca.to_str().unwrap()
    ));
    let a = fire(&mut e);
    let stats = e.shutdown().unwrap();
    let (head, body) = rx.recv_timeout(Duration::from_secs(60)).unwrap().expect("the https request");
    assert!(head.starts_with("POST /hook/tls HTTP/1.1\r\n"), "{head}");
    assert!(head.contains("Authorization: Bearer over-tls\r\n"), "{head}");
    assert_eq!(serde_json::from_str::<Alert>(&body).unwrap(), a);
    assert_eq!((stats.sent, stats.failed), (1, 0), "{stats:?}");

    // The same server without the CA: its certificate is unknown, nothing is delivered.
    let (port, rx) = https_receiver(cfg);
    let mut e = engine(&format!(
        "cooldown = 0.0\n[channels.log]\nenabled = false\n[channels.webhook]\n\
         url = \"https://localhost:{port}/hook/tls\"\nauth_header = \"Bearer over-tls\"\nretries = 0\n\
         timeout_ms = 20000\n{RULE}"
    ));
    fire(&mut e);
    let stats = e.shutdown().unwrap();
    assert_eq!((stats.sent, stats.failed), (0, 1), "{stats:?}");
    let err = stats.last_error.unwrap();
    assert!(err.to_ascii_lowercase().contains("certificate"), "{err}");
    assert!(!err.contains("over-tls"), "{err}");
    let server_side = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(server_side.is_err(), "the server got a request without a trusted handshake: {server_side:?}");
}

/// An SMTP server offering STARTTLS: the plain part, then TLS with `cfg`; sends the client's
/// lines, each tagged with whether it came inside TLS.
fn smtp_tls_receiver(cfg: Arc<rustls::ServerConfig>) -> (u16, mpsc::Receiver<Vec<(bool, String)>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut got = Vec::new();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        w.write_all(b"220 test ESMTP\r\n").unwrap();
        // Plain: EHLO, STARTTLS.
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = tx.send(got);
                return;
            }
            got.push((false, line.clone()));
            match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                "EHLO" => w.write_all(b"250-test\r\n250 STARTTLS\r\n").unwrap(),
                "STAR" => {
                    w.write_all(b"220 go ahead\r\n").unwrap();
                    break;
                }
                _ => w.write_all(b"530 TLS first\r\n").unwrap(),
            }
        }
        let mut t = BufReader::new(accept_tls(r.into_inner(), &cfg));
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if t.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            got.push((true, line.clone()));
            let reply: &[u8] = if in_data {
                if line != ".\r\n" {
                    continue;
                }
                in_data = false;
                b"250 queued\r\n"
            } else {
                match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                    "EHLO" => b"250-test\r\n250 AUTH PLAIN\r\n",
                    "AUTH" => b"235 ok\r\n",
                    "MAIL" | "RCPT" => b"250 ok\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 go on\r\n"
                    }
                    "QUIT" => {
                        let _ = t.get_mut().write_all(b"221 bye\r\n");
                        let _ = t.get_mut().flush();
                        break;
                    }
                    _ => b"502 no\r\n",
                }
            };
            let s = t.get_mut();
            if s.write_all(reply).and_then(|_| s.flush()).is_err() {
                break;
            }
        }
        let _ = tx.send(got);
    });
    (port, rx)
}

#[test]
fn email_goes_through_starttls_with_the_password_only_inside_tls() {
    let (_d, ca, cert, key) = certs("smtp");
    let cfg = server_config(&cert, &key);
    let (port, rx) = smtp_tls_receiver(cfg.clone());
    let mut e = engine(&format!(
        "[channels]\nca_file = {:?}\n[channels.log]\nenabled = false\n[channels.email]\nhost = \"localhost\"\n\
         port = {port}\nstarttls = true\nfrom = \"ap@test\"\nto = [\"ops@test\"]\nusername = \"desk\"\n\
         password = \"pw-inside\"\ntimeout_ms = 20000\n{RULE}",
        ca.to_str().unwrap()
    ));
    let a = fire(&mut e);
    let s = e.shutdown().unwrap();
    assert_eq!((s.sent, s.failed), (1, 0), "{s:?}");
    let lines = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let plain: String = lines.iter().filter(|(tls, _)| !tls).map(|(_, l)| l.as_str()).collect();
    let inside: String = lines.iter().filter(|(tls, _)| *tls).map(|(_, l)| l.as_str()).collect();
    assert_eq!(plain, "EHLO alphapulse\r\nSTARTTLS\r\n", "in clear: {plain}");
    // AUTH PLAIN of "\0desk\0pw-inside", computed here.
    let token = {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b = b"\0desk\0pw-inside";
        let mut o = String::new();
        for c in b.chunks(3) {
            let n =
                (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                o.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
            }
        }
        o
    };
    assert!(
        inside.starts_with(&format!("EHLO alphapulse\r\nAUTH PLAIN {token}\r\nMAIL FROM:<ap@test>\r\n")),
        "{inside}"
    );
    assert!(inside.contains(&a.message) && inside.ends_with(".\r\nQUIT\r\n"), "{inside}");

    // Without the CA the handshake fails: nothing after STARTTLS, the password never sent.
    let (port, rx) = smtp_tls_receiver(cfg);
    let mut e = engine(&format!(
        "[channels.log]\nenabled = false\n[channels.email]\nhost = \"localhost\"\nport = {port}\n\
         starttls = true\nto = [\"ops@test\"]\nusername = \"desk\"\npassword = \"pw-inside\"\ntimeout_ms = 20000\n{RULE}"
    ));
    fire(&mut e);
    let s = e.shutdown().unwrap();
    assert_eq!((s.sent, s.failed), (0, 1), "{s:?}");
    let err = s.last_error.unwrap();
    assert!(err.to_ascii_lowercase().contains("certificate") && !err.contains("pw-inside"), "{err}");
    let lines = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(lines.iter().all(|(_, l)| !l.contains("AUTH") && !l.contains("pw-inside")), "{lines:?}");
}
