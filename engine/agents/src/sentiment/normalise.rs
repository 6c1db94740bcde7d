//! [`normalise`]: the ONE text normalisation of the sentiment model, a line-by-line port of
//! `tools/models/normalise.py` (spec: tools/models/README.md, "Normalisation spec"). Training text
//! and engine input go through the same steps, so the output must match Python byte for byte
//! (checked against `tools/models/sentiment/goldens.json` in `tests/sentiment_model.rs`).

/// Step 3: a chunk starting (at a token start) with one of these becomes `url`, rest dropped.
const URL_PREFIXES: [&str; 3] = ["http://", "https://", "www."];

/// Step 1 for one code point, appended to `out`: the quote/dash/ellipsis map, ASCII upper case to
/// lower case, ASCII controls and every other non-ASCII code point to a space.
fn map_char(c: char, out: &mut String) {
    match c {
        '\u{2018}' | '\u{2019}' => out.push('\''),
        '\u{201C}' | '\u{201D}' => out.push('"'),
        '\u{2013}' | '\u{2014}' => out.push('-'),
        '\u{2026}' => out.push_str("..."),
        'A'..='Z' => out.push(c.to_ascii_lowercase()),
        '\u{0}'..='\u{1F}' | '\u{7F}' => out.push(' '),
        c if !c.is_ascii() => out.push(' '),
        c => out.push(c),
    }
}

/// A word character: ASCII `a`–`z`, `0`–`9` or `_` (upper case is gone after step 1).
fn is_word(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
}

/// Step 3: the tokens of one space-free ASCII chunk, appended to `out`.
fn tokens_of_chunk<'a>(chunk: &'a str, out: &mut Vec<&'a str>) {
    let b = chunk.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        if URL_PREFIXES.iter().any(|p| chunk[i..].starts_with(p)) {
            out.push("url");
            return;
        }
        let c = b[i];
        if c == b'@' && i + 1 < n && is_word(b[i + 1]) {
            out.push("at_user");
            i += 1;
            while i < n && is_word(b[i]) {
                i += 1;
            }
            continue;
        }
        let j = if is_word(c) {
            let mut j = i;
            while j < n && is_word(b[j]) {
                j += 1;
            }
            j
        } else {
            i + 1 // any other printable ASCII character is a token of its own
        };
        out.push(&chunk[i..j]);
        i = j;
    }
}

/// Raw text (any Unicode string) → normalised text: ASCII only, lower case, tokens separated by
/// exactly one space, no leading or trailing space (empty input → empty string).
pub fn normalise(text: &str) -> String {
    let mut mapped = String::with_capacity(text.len());
    for c in text.chars() {
        map_char(c, &mut mapped);
    }
    let mut tokens = Vec::new();
    for chunk in mapped.split(' ').filter(|c| !c.is_empty()) {
        tokens_of_chunk(chunk, &mut tokens);
    }
    tokens.join(" ")
}

/// A stocknet tweet (its token list) → the raw text handed to [`normalise`]: tokens joined with
/// one space.
pub fn join_stocknet<S: AsRef<str>>(tokens: &[S]) -> String {
    let v: Vec<&str> = tokens.iter().map(AsRef::as_ref).collect();
    v.join(" ")
}

#[cfg(test)]
mod tests {
    use super::normalise;

    /// Cases written here from the spec, independently of goldens.json's vectors.
    #[test]
    fn follows_the_spec() {
        let cases = [
            ("Hello, World", "hello , world"),
            ("@", "@"),
            ("@@abc", "@ at_user"),
            ("x@y", "x at_user"),
            ("a@ b", "a @ b"),
            ("HTTPS://Foo.bar/x", "url"),
            ("(www.a.com)", "( url"),
            ("wwwx www", "wwwx www"),
            ("a.www.b", "a . url"),
            ("foo-http://x", "foo - url"),
            ("1,000.50$", "1 , 000 . 50 $"),
            ("\u{201C}Q\u{201D}\u{2014}\u{2026}", "\" q \" - . . ."),
            ("tab\there\u{7F}del\u{A0}nbsp", "tab here del nbsp"),
            ("\u{00C9}COLE", "cole"),
            ("__init__ a_b", "__init__ a_b"),
            ("  lead and trail  ", "lead and trail"),
            ("it\u{2019}s", "it ' s"),
        ];
        for (raw, want) in cases {
            let got = normalise(raw);
            assert_eq!(got, want, "raw {raw:?}");
            assert_eq!(normalise(&got), got, "idempotent on {raw:?}");
        }
    }
}
