//! Loading captures: gzip text files of `<local_recv_ns> <frame>` lines, grouped into one
//! stream per symbol (file name prefix before `_`, files continued in name order), checked line
//! by line, with the facts the replay needs (snapshot, id and time ranges, price/qty steps).

use crate::config::Venue;
use crate::decimal;
use crate::error::SimError;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// What a captured frame is, from its stream name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Depth,
    BookTicker,
    Trade,
    Other,
}

/// One captured WebSocket frame (the combined-stream wrapper, byte-exact).
pub(crate) struct Record {
    pub ns: u64,
    pub kind: Kind,
    /// `{"stream":"<name>","data":<data>}` as received.
    pub text: String,
}

/// Everything captured for one symbol, in capture order.
pub(crate) struct SymbolCapture {
    /// Upper case, as in REST (`BTCUSDT`).
    pub name: String,
    pub venue: Venue,
    /// The first REST snapshot body of the day's first file.
    pub snapshot: String,
    pub records: Vec<Record>,
    /// Smallest and largest exchange time (`E`/`T`, ms) seen in the frames and snapshot.
    pub time_range: (u64, u64),
    /// Largest spread of any id kind (update ids, trade ids) — the loop shifts past it.
    pub id_span: u64,
    /// Finest price and quantity steps used by any trade or bookTicker (10^18-scaled), and the
    /// number of decimals the capture writes them with.
    pub price_step: u128,
    pub qty_step: u128,
    pub price_places: u32,
    pub qty_places: u32,
}

/// Header of a data line: the wrapper's stream name and where `data` starts.
const STREAM_PREFIX: &str = "{\"stream\":\"";
const DATA_INFIX: &str = "\",\"data\":";

/// Split a combined-stream frame into (stream name, data object text).
pub(crate) fn split_wrapper(frame: &str) -> Option<(&str, &str)> {
    let rest = frame.strip_prefix(STREAM_PREFIX)?;
    let (name, tail) = rest.split_once(DATA_INFIX)?;
    let data = tail.strip_suffix('}')?;
    Some((name, data))
}

fn kind_of(stream: &str) -> Kind {
    let tail = stream.split_once('@').map_or("", |(_, t)| t);
    if tail == "depth" || tail.starts_with("depth@") {
        Kind::Depth
    } else if tail == "bookTicker" {
        Kind::BookTicker
    } else if tail == "trade" {
        Kind::Trade
    } else {
        Kind::Other
    }
}

/// Running facts while loading one symbol.
#[derive(Default)]
struct Facts {
    t_min: u64,
    t_max: u64,
    upd: (u64, u64),
    trd: (u64, u64),
    px_step: u128,
    qty_step: u128,
    px_places: u32,
    qty_places: u32,
    usdm: bool,
}

fn widen(r: &mut (u64, u64), v: u64) {
    if r.0 == 0 || v < r.0 {
        r.0 = v;
    }
    r.1 = r.1.max(v);
}

fn finer(step: &mut u128, places: &mut u32, s: &str) {
    if let Some(v) = decimal::parse(s) {
        let f = decimal::finest_step(v);
        if f != 0 && (*step == 0 || f < *step) {
            *step = f;
        }
        *places = (*places).max(decimal::places(s));
    }
}

impl Facts {
    fn note(&mut self, kind: Kind, d: &Value) {
        for key in ["E", "T"] {
            if let Some(t) = d.get(key).and_then(Value::as_u64) {
                if self.t_min == 0 || t < self.t_min {
                    self.t_min = t;
                }
                self.t_max = self.t_max.max(t);
            }
        }
        for key in ["U", "u", "pu", "lastUpdateId"] {
            if let Some(v) = d.get(key).and_then(Value::as_u64) {
                widen(&mut self.upd, v);
            }
        }
        if d.get("pu").is_some() || (kind == Kind::BookTicker && d.get("e").is_some()) {
            self.usdm = true;
        }
        let s = |k: &str| d.get(k).and_then(Value::as_str);
        match kind {
            Kind::Trade => {
                if let Some(t) = d.get("t").and_then(Value::as_u64) {
                    widen(&mut self.trd, t);
                }
                if let (Some(p), Some(q)) = (s("p"), s("q")) {
                    finer(&mut self.px_step, &mut self.px_places, p);
                    finer(&mut self.qty_step, &mut self.qty_places, q);
                }
            }
            Kind::BookTicker => {
                for k in ["b", "a"] {
                    if let Some(p) = s(k) {
                        finer(&mut self.px_step, &mut self.px_places, p);
                    }
                }
                for k in ["B", "A"] {
                    if let Some(q) = s(k) {
                        finer(&mut self.qty_step, &mut self.qty_places, q);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Symbol of a capture file: its name up to the first `_`, upper case.
fn symbol_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let prefix = name.split('_').next()?;
    let ok = !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| prefix.to_ascii_uppercase())
}

/// Load and check every capture, grouped by symbol.
pub(crate) fn load(paths: &[PathBuf], force: Option<Venue>) -> Result<Vec<SymbolCapture>, SimError> {
    let mut groups: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for p in paths {
        let sym = symbol_of(p).ok_or_else(|| SimError::NotCapture {
            path: p.clone(),
            line: 0,
            why: "file name must start with the symbol, e.g. btcusdt_20240808.gz".into(),
        })?;
        match groups.iter_mut().find(|(s, _)| *s == sym) {
            Some((_, files)) => files.push(p.clone()),
            None => groups.push((sym, vec![p.clone()])),
        }
    }
    let mut out = Vec::new();
    for (name, mut files) in groups {
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        out.push(load_symbol(name, &files, force)?);
    }
    Ok(out)
}

fn load_symbol(name: String, files: &[PathBuf], force: Option<Venue>) -> Result<SymbolCapture, SimError> {
    let mut facts = Facts::default();
    let mut records = Vec::new();
    let mut snapshot: Option<String> = None;
    let mut venues = Vec::new();
    for path in files {
        let usdm_before = facts.usdm;
        facts.usdm = false;
        read_file(path, &mut facts, &mut records, &mut snapshot)?;
        venues.push(if facts.usdm { Venue::UsdM } else { Venue::Spot });
        facts.usdm |= usdm_before;
    }
    let venue = match force {
        Some(v) => v,
        None if venues.iter().all(|v| *v == venues[0]) => venues[0],
        None => return Err(SimError::SymbolOnBothVenues(name)),
    };
    let snapshot = snapshot.ok_or_else(|| SimError::NoSnapshot(name.clone()))?;
    let id_span = (facts.upd.1 - facts.upd.0).max(facts.trd.1 - facts.trd.0);
    Ok(SymbolCapture {
        name,
        venue,
        snapshot,
        records,
        time_range: (facts.t_min, facts.t_max),
        id_span,
        price_step: facts.px_step,
        qty_step: facts.qty_step,
        price_places: facts.px_places,
        qty_places: facts.qty_places,
    })
}

fn read_file(
    path: &Path,
    facts: &mut Facts,
    records: &mut Vec<Record>,
    snapshot: &mut Option<String>,
) -> Result<(), SimError> {
    let io = |source| SimError::Io { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let reader = BufReader::new(flate2::read::MultiGzDecoder::new(file));
    for (i, line) in reader.lines().enumerate() {
        let bad = |why: &str| SimError::NotCapture { path: path.to_path_buf(), line: i + 1, why: why.into() };
        let line = line.map_err(io)?;
        if line.is_empty() {
            continue;
        }
        let (ns, frame) = line.split_once(' ').ok_or_else(|| bad("no space after the time"))?;
        let ns: u64 = ns.parse().map_err(|_| bad("time is not an integer"))?;
        if frame.starts_with("{\"lastUpdateId\":") {
            let v: Value = serde_json::from_str(frame).map_err(|e| bad(&e.to_string()))?;
            if v.get("bids").is_none() || v.get("asks").is_none() {
                return Err(bad("snapshot without bids/asks"));
            }
            facts.note(Kind::Other, &v);
            if v.get("E").is_some() {
                facts.usdm = true;
            }
            if snapshot.is_none() {
                *snapshot = Some(frame.to_string());
            }
            continue;
        }
        let (stream, data) = split_wrapper(frame).ok_or_else(|| bad("not a combined-stream frame"))?;
        let v: Value = serde_json::from_str(data).map_err(|e| bad(&e.to_string()))?;
        if !v.is_object() {
            return Err(bad("data is not an object"));
        }
        let kind = kind_of(stream);
        if kind == Kind::Depth {
            let ids = (v.get("U").and_then(Value::as_u64), v.get("u").and_then(Value::as_u64));
            if ids.0.is_none() || ids.1.is_none() {
                return Err(bad("depth event without U/u"));
            }
            if stream.ends_with("@0ms") {
                facts.usdm = true;
            }
        }
        facts.note(kind, &v);
        records.push(Record { ns, kind, text: frame.to_string() });
    }
    Ok(())
}
