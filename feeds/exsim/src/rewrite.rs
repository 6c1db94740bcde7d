//! Retime and loop shifts, done on the frame text so everything else stays byte-exact: the
//! integer value of each time key (`E`, `T`) gets `time_ms` added, and of each id key (`U`, `u`,
//! `pu`, `lastUpdateId`, `t`, `a`, `f`, `l`) gets `ids` added. String values are never touched
//! (spot bookTicker's `"a":"61837.64"` stays as it is).

use std::borrow::Cow;

/// What to add to the times and ids of a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shift {
    pub time_ms: u64,
    pub ids: u64,
}

const TIME_KEYS: [&str; 2] = ["E", "T"];
const ID_KEYS: [&str; 8] = ["U", "u", "pu", "lastUpdateId", "t", "a", "f", "l"];

/// `text` with every `"<key>":<digits>` of the listed keys shifted; borrowed when nothing moves.
pub(crate) fn apply(text: &str, shift: Shift) -> Cow<'_, str> {
    if shift == Shift::default() {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let key_start = i + 1;
        let Some(len) = b[key_start..].iter().position(|c| *c == b'"') else { break };
        let key_end = key_start + len;
        let colon = key_end + 1;
        let digits = colon + 1;
        if b.get(colon) != Some(&b':') || !b.get(digits).is_some_and(u8::is_ascii_digit) {
            i = key_end + 1;
            continue;
        }
        let key = &text[key_start..key_end];
        let add = if TIME_KEYS.contains(&key) {
            shift.time_ms
        } else if ID_KEYS.contains(&key) {
            shift.ids
        } else {
            0
        };
        let n_len = b[digits..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = digits + n_len;
        if add != 0 {
            if let Ok(v) = text[digits..end].parse::<u64>() {
                out.push_str(&text[copied..digits]);
                out.push_str(&v.saturating_add(add).to_string());
                copied = end;
            }
        }
        i = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_times_and_ids_only() {
        let t = r#"{"stream":"btcusdt@bookTicker","data":{"u":10,"s":"BTCUSDT","b":"1.0","B":"2","a":"3.5","A":"4"}}"#;
        let s = apply(t, Shift { time_ms: 5, ids: 100 });
        assert_eq!(s, t.replace("\"u\":10", "\"u\":110"));
        let d = r#"{"e":"trade","E":1723161255343,"s":"X","t":7,"p":"1","T":1723161255342,"m":true}"#;
        let s = apply(d, Shift { time_ms: 1000, ids: 0 });
        assert_eq!(s, d.replace("1723161255343", "1723161256343").replace("1723161255342", "1723161256342"));
        assert!(matches!(apply(d, Shift::default()), Cow::Borrowed(_)));
    }
}
