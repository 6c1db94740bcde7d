//! A Python literal (`repr` of dicts, lists, tuples, str, int, float, None, True, False) read into a
//! [`serde_json::Value`]: the form of `tsla_companyfacts.pydict`. No evaluation, only literals.

use serde_json::{Map, Number, Value};

const MAX_DEPTH: usize = 64;

/// Parses one literal spanning the whole text; the error names the byte offset.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("trailing text at byte {}", p.i));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\n' | b'\r' | b'\t') {
            self.i += 1;
        }
    }
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        match self.peek() {
            Some(b'{') => self.dict(depth),
            Some(b'[') => self.seq(b']', depth),
            Some(b'(') => self.seq(b')', depth),
            Some(b'\'' | b'"') => self.string().map(Value::String),
            Some(c) if c == b'-' || c == b'+' || c == b'.' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i].is_ascii_alphanumeric() {
                    self.i += 1;
                }
                match &self.s[start..self.i] {
                    b"None" => Ok(Value::Null),
                    b"True" => Ok(Value::Bool(true)),
                    b"False" => Ok(Value::Bool(false)),
                    _ => {
                        self.i = start;
                        self.err("unknown name (only None/True/False are literals)")
                    }
                }
            }
            Some(_) => self.err("unexpected character"),
            None => self.err("unexpected end of text"),
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut m = Map::new();
        loop {
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(Value::Object(m));
            }
            let k = match self.value(depth + 1)? {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                _ => return self.err("dict key is not a string or number"),
            };
            if self.peek() != Some(b':') {
                return self.err("expected `:`");
            }
            self.i += 1;
            let v = self.value(depth + 1)?;
            m.insert(k, v);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return self.err("expected `,` or `}`"),
            }
        }
    }

    fn seq(&mut self, close: u8, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut v = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.i += 1;
                return Ok(Value::Array(v));
            }
            v.push(self.value(depth + 1)?);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(c) if c == close => {}
                _ => return self.err("expected `,` or a closing bracket"),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let q = self.s[self.i];
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        while let Some(&c) = self.s.get(self.i) {
            self.i += 1;
            if c == q {
                return String::from_utf8(out)
                    .map_err(|_| format!("invalid UTF-8 in string ending at byte {}", self.i));
            }
            if c == b'\n' {
                return self.err("newline inside a string");
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let Some(&e) = self.s.get(self.i) else { return self.err("dangling backslash") };
            self.i += 1;
            let simple = match e {
                b'\\' | b'\'' | b'"' => Some(e),
                b'n' => Some(b'\n'),
                b't' => Some(b'\t'),
                b'r' => Some(b'\r'),
                b'0' => Some(0),
                _ => None,
            };
            if let Some(b) = simple {
                out.push(b);
                continue;
            }
            let width = match e {
                b'x' => 2,
                b'u' => 4,
                b'U' => 8,
                _ => return self.err("unsupported escape"),
            };
            let hex = self.s.get(self.i..self.i + width).and_then(|h| std::str::from_utf8(h).ok());
            let code = hex.and_then(|h| u32::from_str_radix(h, 16).ok());
            let Some(ch) = code.and_then(char::from_u32) else { return self.err("bad hex escape") };
            self.i += width;
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
        self.err("unterminated string")
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        while self.i < self.s.len()
            && matches!(self.s[self.i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'_')
        {
            self.i += 1;
        }
        let text: String = String::from_utf8_lossy(&self.s[start..self.i]).replace('_', "");
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Value::Number(n.into()));
        }
        if let Ok(n) = text.parse::<u64>() {
            return Ok(Value::Number(n.into()));
        }
        match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(Value::Number(n)),
            None => {
                self.i = start;
                self.err("bad number")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_python_literals() {
        let v =
            parse("{'a': [1, -2.5, None, True, (3,)], \"b\": 'it\\'s \\u00e9', 'c': {},}").expect("valid");
        assert_eq!(v, serde_json::json!({"a": [1, -2.5, null, true, [3]], "b": "it's é", "c": {}}));
    }

    #[test]
    fn refuses_non_literals() {
        for bad in ["{'a': foo}", "{'a' 1}", "[1, 2", "'open", "{'a': 1} extra", "[1e999]", "{[1]: 2}"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&deep).is_err());
    }
}
