//! The email channel's SMTP client: EHLO, STARTTLS (rustls, when configured: refused if the
//! server does not offer it), AUTH PLAIN (only over TLS), MAIL FROM, RCPT TO, DATA, QUIT; each
//! read and write bounded by the timeout. Hand-written (~150 lines) rather than `lettre`: the
//! workspace already has rustls, and lettre's smallest useful feature set still brings its own
//! TLS glue, a builder, hostname and base64 crates for a channel that sends a few mails.
//!
//! Errors name the server and the SMTP reply, never the password.

use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

use super::config::EmailChannel;
use super::http::connect;
use super::tls::{Conn, Tls};

/// One mail: subject and plain-text body (UTF-8).
pub struct Mail<'a> {
    pub subject: &'a str,
    pub body: &'a str,
}

/// Reads one (possibly multi-line) reply: its code and text.
fn reply(r: &mut BufReader<Conn>) -> Result<(u16, String), String> {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        let n = r.by_ref().take(4096).read_line(&mut line).map_err(|e| format!("reading a reply: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| format!("not an SMTP reply: `{}`", line.trim_end()))?;
        text.push_str(line.get(4..).unwrap_or("").trim_end());
        text.push('\n');
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok((code, text));
        }
    }
}

/// Sends `line` (CRLF added) and expects a reply whose code is in `ok`.
fn command(r: &mut BufReader<Conn>, line: &str, shown: &str, ok: &[u16]) -> Result<String, String> {
    let w = r.get_mut();
    w.write_all(line.as_bytes())
        .and_then(|_| w.write_all(b"\r\n"))
        .and_then(|_| w.flush())
        .map_err(|e| format!("sending {shown}: {e}"))?;
    expect(r, shown, ok)
}

fn expect(r: &mut BufReader<Conn>, shown: &str, ok: &[u16]) -> Result<String, String> {
    let (code, text) = reply(r)?;
    if ok.contains(&code) {
        Ok(text)
    } else {
        Err(format!("{shown}: {code} {}", text.trim_end().replace('\n', " / ")))
    }
}

/// Base64 (standard alphabet, padded) for AUTH PLAIN.
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// The DATA section: headers, a blank line, the body with CRLF line ends and leading dots
/// doubled, and the final dot.
pub fn data(cfg: &EmailChannel, m: &Mail) -> String {
    let clean = |s: &str| s.replace(['\r', '\n'], " ");
    let mut d = format!(
        "From: <{}>\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        cfg.from,
        cfg.to.iter().map(|t| format!("<{t}>")).collect::<Vec<_>>().join(", "),
        clean(m.subject)
    );
    for line in m.body.lines() {
        if line.starts_with('.') {
            d.push('.');
        }
        d.push_str(line);
        d.push_str("\r\n");
    }
    d.push_str(".\r\n");
    d
}

/// Sends `m` through the server of `cfg` (`password` already resolved from config or env).
pub fn send(cfg: &EmailChannel, password: Option<&str>, m: &Mail, tls: &Tls) -> Result<(), String> {
    let at = format!("{}:{}", cfg.host, cfg.port);
    send_inner(cfg, password, m, tls).map_err(|e| format!("smtp {at}: {e}"))
}

fn send_inner(cfg: &EmailChannel, password: Option<&str>, m: &Mail, tls: &Tls) -> Result<(), String> {
    let timeout = Duration::from_millis(cfg.timeout_ms);
    let tcp = connect(&cfg.host, cfg.port, timeout)?;
    let mut r = BufReader::new(Conn::Plain(tcp));
    expect(&mut r, "greeting", &[220])?;
    let ehlo = command(&mut r, "EHLO alphapulse", "EHLO", &[250])?;
    if cfg.starttls {
        if !ehlo.lines().any(|l| l.trim().eq_ignore_ascii_case("STARTTLS")) {
            return Err("the server does not offer STARTTLS (starttls = true)".into());
        }
        command(&mut r, "STARTTLS", "STARTTLS", &[220])?;
        let Conn::Plain(tcp) = r.into_inner() else { return Err("already TLS".into()) };
        r = BufReader::new(tls.wrap(tcp, &cfg.host)?);
        command(&mut r, "EHLO alphapulse", "EHLO after STARTTLS", &[250])?;
    }
    if !cfg.username.is_empty() {
        if !r.get_ref().is_tls() {
            return Err("refusing to send the password without TLS (set starttls = true)".into());
        }
        let token = base64(format!("\0{}\0{}", cfg.username, password.unwrap_or("")).as_bytes());
        command(&mut r, &format!("AUTH PLAIN {token}"), "AUTH PLAIN", &[235])?;
    }
    command(&mut r, &format!("MAIL FROM:<{}>", cfg.from), "MAIL FROM", &[250])?;
    for to in &cfg.to {
        command(&mut r, &format!("RCPT TO:<{to}>"), "RCPT TO", &[250, 251])?;
    }
    command(&mut r, "DATA", "DATA", &[354])?;
    let d = data(cfg, m);
    let w = r.get_mut();
    w.write_all(d.as_bytes()).and_then(|_| w.flush()).map_err(|e| format!("sending the message: {e}"))?;
    expect(&mut r, "end of DATA", &[250])?;
    // The mail is accepted; a failed QUIT changes nothing.
    let _ = command(&mut r, "QUIT", "QUIT", &[221]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_known_strings() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"\0user\0pass"), "AHVzZXIAcGFzcw==");
    }

    #[test]
    fn data_is_dot_stuffed_with_crlf() {
        let cfg = EmailChannel { to: vec!["a@b".into()], ..Default::default() };
        let d = data(&cfg, &Mail { subject: "x\r\nBcc: evil", body: "one\n.two\n" });
        assert!(d.contains("Subject: x  Bcc: evil\r\n"), "{d}");
        assert!(d.ends_with("\r\none\r\n..two\r\n.\r\n"), "{d}");
    }
}
