//! The response body of a VCR cassette (YAML): `interactions[0].response.body.string`, which the
//! recorder wrote as a single-quoted, line-folded YAML scalar.
//!
//! A minimal extractor instead of a YAML crate: it handles exactly the scalar VCR (PyYAML) writes
//! and refuses anything else. YAML 1.2 §7.3.2 rules for single-quoted scalars: `''` is one quote;
//! a line break with its surrounding blanks folds into one space, and each further empty line
//! becomes a `\n`.

/// The body string of the first recorded response, or why not.
pub fn response_body(text: &str) -> Result<String, String> {
    let resp = text.find("\n  response:").ok_or("no `response:` entry under `interactions`")?;
    let rest = &text[resp..];
    let body = rest.find("\n    body:").ok_or("no `response.body` entry")?;
    let rest = &rest[body..];
    let key = "\n      string: ";
    let at = rest.find(key).ok_or("no `response.body.string` entry")?;
    let scalar = &rest[at + key.len()..];
    match scalar.as_bytes().first() {
        Some(b'\'') => single_quoted(&scalar[1..]),
        Some(b'"') => {
            Err("response.body.string is double-quoted: only single-quoted bodies are supported".into())
        }
        _ => {
            Err("response.body.string is not a quoted scalar (binary or block bodies are not supported)"
                .into())
        }
    }
}

/// Unfolds a single-quoted scalar whose opening quote is already consumed.
fn single_quoted(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut lines = s.split('\n');
    let mut first = true;
    let mut empty_run = 0usize;
    for line in &mut lines {
        let line = if first { line } else { line.trim_start_matches([' ', '\t']) };
        if !first && line.is_empty() {
            empty_run += 1;
            continue;
        }
        if !first {
            // Fold: trailing blanks of the previous line were trimmed below.
            if empty_run == 0 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', empty_run));
            }
            empty_run = 0;
        }
        first = false;
        let mut chars = line.char_indices().peekable();
        let mut seg = String::new();
        while let Some((_, c)) = chars.next() {
            if c == '\'' {
                if matches!(chars.peek(), Some((_, '\''))) {
                    chars.next();
                    seg.push('\'');
                } else {
                    out.push_str(&seg);
                    return Ok(out);
                }
            } else {
                seg.push(c);
            }
        }
        out.push_str(seg.trim_end_matches([' ', '\t', '\r']));
    }
    Err("unterminated single-quoted scalar in response.body.string".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(scalar: &str) -> String {
        format!("interactions:\n- request:\n    body: ''\n  response:\n    body:\n      string: {scalar}\n    headers: {{}}\n")
    }

    #[test]
    fn unfolds_and_unescapes() {
        let y = wrap("'{\"a\":\"it''s\n        folded\",\n\n        \"b\":1}'");
        assert_eq!(response_body(&y).as_deref(), Ok("{\"a\":\"it's folded\",\n\"b\":1}"));
    }

    #[test]
    fn refuses_other_shapes() {
        assert!(response_body(&wrap("\"dq\"")).is_err());
        assert!(response_body(&wrap("!!binary abc")).is_err());
        assert!(response_body(&wrap("'never closed")).is_err());
        assert!(response_body("version: 1\n").is_err());
    }
}
