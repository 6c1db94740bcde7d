//! Frame parsing with simd-json's tape API into reused buffers: one `Buffers`, one tape `Vec` and
//! one [`Frame`] (with preallocated level vectors) live for the whole replay, so parsing a frame
//! does not allocate once they have grown to the largest frame (they are pre-grown at start with a
//! snapshot-shaped document of `max_line_bytes`). The tape is walked once per object, keys matched
//! by bytes; prices and quantities go straight from the JSON strings to fixed point.
//!
//! In front of the tape path sits the fast path, the private `scan` module: a hand-written scanner for the
//! exact frame shapes Binance sends (depth, bookTicker, trade, aggTrade), several times cheaper.
//! It accepts only lines the tape path would interpret identically and hands everything else
//! (snapshots, klines, anything unusual or malformed) to the tape path, which stays the reference.
//! [`Parser::set_fast_path`] turns it off (differential tests, before/after benches).
//!
//! Both paths check a parsed frame's values against Binance's rules with one function (`validate`:
//! the scanner declines a frame that fails it, so the tape path refuses it with the reason): every price > 0 (trade, aggTrade,
//! bookTicker bid and ask, depth and snapshot levels), trade/aggTrade quantity > 0, bookTicker and
//! level quantities >= 0 (a level quantity of 0 deletes the level), a snapshot not crossed (best
//! bid < best ask over its levels with a quantity). An exchange time `E` or `T` of 0 is refused as
//! [`MalformedKind::BadTimestamp`]; their distance from the receive time is checked by the replay,
//! which knows the receive time. A refused frame keeps its kind and instrument in the [`Frame`]
//! when they were read, so the replay can discard the book of a refused depth update.

use crate::stats::{FrameKind, MalformedKind};
use crate::SymbolMap;
use alphapulse_types::{InstrumentId, Price, Qty};
use simd_json::{Buffers, Node, StaticNode, Tape};

/// The last parsed frame. Fields not carried by its kind keep stale values: read by kind.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    pub kind: Option<FrameKind>,
    /// The instrument, if the symbol is known.
    pub inst: Option<InstrumentId>,
    /// Exchange event time `E` in ns, 0 when the frame has none (spot bookTicker, spot snapshot).
    pub exch_ts: u64,
    /// Transaction/trade time `T` in ns (USD-M frames, trades), 0 when the frame has none.
    pub txn_ts: u64,
    /// Depth `U`; unused otherwise.
    pub first_id: u64,
    /// Depth `u`, bookTicker `u`, snapshot `lastUpdateId`.
    pub last_id: u64,
    /// USD-M depth `pu`.
    pub prev_id: Option<u64>,
    pub bid_px: Price,
    pub bid_qty: Qty,
    pub ask_px: Price,
    pub ask_qty: Qty,
    /// Trade price/qty/id (`t`, or `a` for aggTrade) and `m` (buyer is maker).
    pub px: Price,
    pub qty: Qty,
    pub trade_id: u64,
    pub buyer_maker: bool,
    /// Depth/snapshot levels in frame order, at most `level_cap` each.
    pub bids: Vec<(Price, Qty)>,
    pub asks: Vec<(Price, Qty)>,
    /// Levels dropped from this frame because a side exceeded `level_cap`.
    pub dropped_levels: u32,
    pub(crate) level_cap: usize,
}

/// Two frames are equal when they carry the same event: kind, instrument, exchange time, dropped
/// levels and the fields their kind carries (see [`Frame`]); stale fields of other kinds are ignored.
impl PartialEq for Frame {
    fn eq(&self, o: &Self) -> bool {
        let common = self.kind == o.kind
            && self.inst == o.inst
            && self.exch_ts == o.exch_ts
            && self.txn_ts == o.txn_ts
            && self.dropped_levels == o.dropped_levels;
        common
            && match self.kind {
                Some(FrameKind::Depth) => {
                    (self.first_id, self.last_id, self.prev_id) == (o.first_id, o.last_id, o.prev_id)
                        && self.bids == o.bids
                        && self.asks == o.asks
                }
                Some(FrameKind::Snapshot) => {
                    self.last_id == o.last_id && self.bids == o.bids && self.asks == o.asks
                }
                Some(FrameKind::BookTicker) => {
                    (self.last_id, self.bid_px, self.bid_qty, self.ask_px, self.ask_qty)
                        == (o.last_id, o.bid_px, o.bid_qty, o.ask_px, o.ask_qty)
                }
                Some(FrameKind::Trade | FrameKind::AggTrade) => {
                    (self.px, self.qty, self.trade_id, self.buyer_maker)
                        == (o.px, o.qty, o.trade_id, o.buyer_maker)
                }
                Some(FrameKind::Kline | FrameKind::Other) | None => true,
            }
    }
}

/// How many frames each path parsed (see [`Parser::path_counts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathCounts {
    /// Frames the fast path (the scanner) parsed.
    pub fast: u64,
    /// Frames the simd-json tape path parsed: those the scanner declined, and every frame while
    /// the fast path is off.
    pub tape: u64,
}

/// A reusable frame parser: the fast-path scanner, then the simd-json tape path.
pub struct Parser {
    buffers: Buffers,
    tape: Option<Tape<'static>>,
    pub frame: Frame,
    fast_path: bool,
    counts: PathCounts,
}

impl Parser {
    /// A parser for lines up to `max_line` bytes and frames of up to `level_cap` levels per side.
    pub fn new(max_line: usize, level_cap: usize) -> Self {
        let level_cap = level_cap.max(1);
        let mut p = Parser {
            buffers: Buffers::new(max_line),
            tape: Some(Tape(Vec::with_capacity(max_line / 8))),
            frame: Frame {
                bids: Vec::with_capacity(level_cap),
                asks: Vec::with_capacity(level_cap),
                level_cap,
                ..Frame::default()
            },
            fast_path: true,
            counts: PathCounts::default(),
        };
        // Grow the simd-json buffers once now, with a snapshot-shaped document of `max_line` bytes.
        const LEVEL: &[u8] = br#"["1.00000000","1.00000000"],"#;
        let mut doc = Vec::with_capacity(max_line + LEVEL.len() * 2);
        doc.extend_from_slice(br#"{"lastUpdateId":1,"bids":["#);
        while doc.len() + LEVEL.len() * 2 < max_line {
            doc.extend_from_slice(LEVEL);
        }
        doc.extend_from_slice(br#"["1","1"]],"asks":[]}"#);
        let mut tape = p.tape.take().expect("tape").reset();
        let _ = simd_json::fill_tape(&mut doc, &mut p.buffers, &mut tape);
        p.tape = Some(tape.reset());
        p
    }

    /// Use the fast-path scanner (`true`, the default) or send every frame through the simd-json
    /// tape path (`false`). Results are identical either way (checked by the differential tests);
    /// only the cost differs.
    pub fn set_fast_path(&mut self, on: bool) {
        self.fast_path = on;
    }

    /// Whether the fast path is on.
    pub fn fast_path(&self) -> bool {
        self.fast_path
    }

    /// Frames parsed by each path since construction.
    pub fn path_counts(&self) -> PathCounts {
        self.counts
    }

    /// Parse one JSON frame (modified in place when the tape path runs). `snapshot_inst` names the
    /// instrument of a bare REST snapshot. On success `self.frame` holds the result;
    /// `frame.inst == None` means an unknown symbol (or a kind without one).
    pub fn parse(
        &mut self,
        json: &mut [u8],
        snapshot_inst: Option<InstrumentId>,
        symbols: &mut SymbolMap,
    ) -> Result<FrameKind, MalformedKind> {
        // Nothing stale survives a refusal: a refused frame names its kind and instrument only if read.
        self.frame.kind = None;
        self.frame.inst = None;
        if self.fast_path {
            if let Some(kind) = crate::scan::scan(json, symbols, &mut self.frame) {
                self.counts.fast += 1;
                return Ok(kind);
            }
        }
        self.counts.tape += 1;
        let mut tape = self.tape.take().unwrap_or_else(|| Tape(Vec::new())).reset();
        let res = match simd_json::fill_tape(json, &mut self.buffers, &mut tape) {
            Ok(()) => interpret(&tape.0, snapshot_inst, symbols, &mut self.frame),
            Err(_) => Err(MalformedKind::BadJson),
        };
        self.tape = Some(tape.reset());
        match res {
            Err(MalformedKind::BadJson) => Err(classify_bad(json)),
            Ok(kind) => validate(&self.frame, kind),
            r => r,
        }
    }
}

/// Binance's rules for the values of a parsed frame (see the module doc): `kind`, or why not.
#[inline]
pub(crate) fn validate(f: &Frame, kind: FrameKind) -> Result<FrameKind, MalformedKind> {
    let pos_px = |p: Price| if p.raw() > 0 { Ok(()) } else { Err(MalformedKind::BadPrice) };
    let levels = |lv: &[(Price, Qty)]| {
        lv.iter().try_for_each(|&(p, q)| {
            pos_px(p)?;
            if q.raw() < 0 {
                return Err(MalformedKind::BadQuantity);
            }
            Ok(())
        })
    };
    match kind {
        FrameKind::Depth => {
            levels(&f.bids)?;
            levels(&f.asks)?;
        }
        FrameKind::Snapshot => {
            levels(&f.bids)?;
            levels(&f.asks)?;
            let best_bid = f.bids.iter().filter(|l| l.1.raw() > 0).map(|l| l.0).max();
            let best_ask = f.asks.iter().filter(|l| l.1.raw() > 0).map(|l| l.0).min();
            if let (Some(b), Some(a)) = (best_bid, best_ask) {
                if b >= a {
                    return Err(MalformedKind::CrossedSnapshot);
                }
            }
        }
        FrameKind::BookTicker => {
            pos_px(f.bid_px)?;
            pos_px(f.ask_px)?;
            if f.bid_qty.raw() < 0 || f.ask_qty.raw() < 0 {
                return Err(MalformedKind::BadQuantity);
            }
        }
        FrameKind::Trade | FrameKind::AggTrade => {
            pos_px(f.px)?;
            if f.qty.raw() <= 0 {
                return Err(MalformedKind::BadQuantity);
            }
        }
        FrameKind::Kline | FrameKind::Other => {}
    }
    Ok(kind)
}

/// Why simd-json refused a line: not UTF-8, cut short, or otherwise bad JSON.
fn classify_bad(json: &[u8]) -> MalformedKind {
    if std::str::from_utf8(json).is_err() {
        return MalformedKind::Garbage;
    }
    match json.iter().rev().find(|b| !b.is_ascii_whitespace()) {
        Some(b'}') => MalformedKind::BadJson,
        Some(_) if json.first() == Some(&b'{') => MalformedKind::TruncatedLine,
        _ => MalformedKind::Garbage,
    }
}

type R<T> = Result<T, MalformedKind>;

#[inline]
fn node_len(n: &Node<'_>) -> usize {
    match n {
        Node::Object { count, .. } | Node::Array { count, .. } => count + 1,
        _ => 1,
    }
}

#[inline]
fn as_u64(t: &[Node<'_>], i: Option<usize>) -> R<u64> {
    match t.get(i.ok_or(MalformedKind::MissingField)?) {
        Some(Node::Static(StaticNode::U64(v))) => Ok(*v),
        Some(Node::Static(StaticNode::I64(v))) if *v >= 0 => Ok(*v as u64),
        Some(Node::Static(_)) => Err(MalformedKind::BadNumber),
        _ => Err(MalformedKind::MissingField),
    }
}

#[inline]
fn as_str<'i>(t: &[Node<'i>], i: Option<usize>) -> R<&'i [u8]> {
    match t.get(i.ok_or(MalformedKind::MissingField)?) {
        Some(Node::String(s)) => Ok(s.as_bytes()),
        _ => Err(MalformedKind::MissingField),
    }
}

#[inline]
fn dec<T>(t: &[Node<'_>], i: Option<usize>, f: fn(&[u8]) -> Result<T, alphapulse_types::FixedError>) -> R<T> {
    f(as_str(t, i)?).map_err(|_| MalformedKind::BadNumber)
}

#[inline]
fn ms_to_ns(ms: u64) -> R<u64> {
    ms.checked_mul(1_000_000).ok_or(MalformedKind::BadNumber)
}

/// An optional exchange time in ms (`E`, `T`) → ns; 0 when absent, refused when 0.
#[inline]
fn time_ms(t: &[Node<'_>], i: Option<usize>) -> R<u64> {
    if i.is_none() {
        return Ok(0);
    }
    match as_u64(t, i)? {
        0 => Err(MalformedKind::BadTimestamp),
        ms => ms_to_ns(ms),
    }
}

/// Indices of the values of the keys we read, from one pass over an object.
#[derive(Default)]
struct Keys {
    e: Option<usize>,
    big_e: Option<usize>,
    big_t: Option<usize>,
    s: Option<usize>,
    big_u: Option<usize>,
    u: Option<usize>,
    pu: Option<usize>,
    b: Option<usize>,
    big_b: Option<usize>,
    a: Option<usize>,
    big_a: Option<usize>,
    p: Option<usize>,
    q: Option<usize>,
    t: Option<usize>,
    m: Option<usize>,
    stream: Option<usize>,
    data: Option<usize>,
    last_update_id: Option<usize>,
    bids: Option<usize>,
    asks: Option<usize>,
}

fn keys(t: &[Node<'_>], obj: usize) -> R<Keys> {
    let Some(Node::Object { len, .. }) = t.get(obj) else {
        return Err(MalformedKind::MissingField);
    };
    let mut k = Keys::default();
    let mut unused = None;
    let mut i = obj + 1;
    for _ in 0..*len {
        let Some(Node::String(key)) = t.get(i) else {
            return Err(MalformedKind::BadJson);
        };
        let v = i + 1;
        let slot = match key.as_bytes() {
            b"e" => &mut k.e,
            b"E" => &mut k.big_e,
            b"T" => &mut k.big_t,
            b"s" => &mut k.s,
            b"U" => &mut k.big_u,
            b"u" => &mut k.u,
            b"pu" => &mut k.pu,
            b"b" => &mut k.b,
            b"B" => &mut k.big_b,
            b"a" => &mut k.a,
            b"A" => &mut k.big_a,
            b"p" => &mut k.p,
            b"q" => &mut k.q,
            b"t" => &mut k.t,
            b"m" => &mut k.m,
            b"stream" => &mut k.stream,
            b"data" => &mut k.data,
            b"lastUpdateId" => &mut k.last_update_id,
            b"bids" => &mut k.bids,
            b"asks" => &mut k.asks,
            _ => &mut unused,
        };
        *slot = Some(v);
        i = v + node_len(t.get(v).ok_or(MalformedKind::BadJson)?);
    }
    Ok(k)
}

fn interpret(
    t: &[Node<'_>],
    snapshot_inst: Option<InstrumentId>,
    symbols: &mut SymbolMap,
    f: &mut Frame,
) -> R<FrameKind> {
    let top = keys(t, 0)?;
    f.kind = None;
    f.inst = None;
    f.exch_ts = 0;
    f.txn_ts = 0;
    f.prev_id = None;
    f.dropped_levels = 0;
    if let (Some(si), Some(di)) = (top.stream, top.data) {
        let name = as_str(t, Some(si))?;
        let (sym, kind) = stream_kind(name)?;
        let d = keys(t, di)?;
        let sym = if d.s.is_some() { as_str(t, d.s)? } else { sym };
        return event(t, &d, kind, sym, symbols, f);
    }
    if top.last_update_id.is_some() {
        f.kind = Some(FrameKind::Snapshot);
        f.inst = snapshot_inst;
        f.last_id = as_u64(t, top.last_update_id)?;
        f.exch_ts = time_ms(t, top.big_e)?;
        f.txn_ts = time_ms(t, top.big_t)?;
        levels(t, top.bids, &mut f.bids, f.level_cap, &mut f.dropped_levels)?;
        levels(t, top.asks, &mut f.asks, f.level_cap, &mut f.dropped_levels)?;
        return Ok(FrameKind::Snapshot);
    }
    if top.e.is_some() {
        let kind = match as_str(t, top.e)? {
            b"depthUpdate" => FrameKind::Depth,
            b"bookTicker" => FrameKind::BookTicker,
            b"trade" => FrameKind::Trade,
            b"aggTrade" => FrameKind::AggTrade,
            b"kline" => FrameKind::Kline,
            _ => return Err(MalformedKind::UnknownStream),
        };
        let sym = as_str(t, top.s)?;
        return event(t, &top, kind, sym, symbols, f);
    }
    if top.u.is_some() && top.big_b.is_some() {
        let sym = as_str(t, top.s)?;
        return event(t, &top, FrameKind::BookTicker, sym, symbols, f);
    }
    f.kind = Some(FrameKind::Other);
    Ok(FrameKind::Other)
}

/// `btcusdt@depth@100ms` → (`btcusdt`, Depth).
pub(crate) fn stream_kind(name: &[u8]) -> R<(&[u8], FrameKind)> {
    let at = name.iter().position(|&b| b == b'@').ok_or(MalformedKind::UnknownStream)?;
    let (sym, ty) = (&name[..at], &name[at + 1..]);
    let kind = if let Some(rest) = ty.strip_prefix(b"depth") {
        if rest.is_empty() || rest.starts_with(b"@") {
            FrameKind::Depth
        } else {
            return Err(MalformedKind::UnknownStream); // partial book depth5/10/20
        }
    } else if ty == b"bookTicker" {
        FrameKind::BookTicker
    } else if ty == b"trade" {
        FrameKind::Trade
    } else if ty == b"aggTrade" {
        FrameKind::AggTrade
    } else if ty.starts_with(b"kline") {
        FrameKind::Kline
    } else {
        return Err(MalformedKind::UnknownStream);
    };
    Ok((sym, kind))
}

fn event(
    t: &[Node<'_>],
    d: &Keys,
    kind: FrameKind,
    sym: &[u8],
    symbols: &mut SymbolMap,
    f: &mut Frame,
) -> R<FrameKind> {
    f.kind = Some(kind);
    if kind == FrameKind::Kline {
        return Ok(kind);
    }
    // Known before the values are read: a refused depth update still names its instrument.
    f.inst = symbols.get(sym);
    f.exch_ts = time_ms(t, d.big_e)?;
    f.txn_ts = time_ms(t, d.big_t)?;
    match kind {
        FrameKind::Depth => {
            f.first_id = as_u64(t, d.big_u)?;
            f.last_id = as_u64(t, d.u)?;
            if d.pu.is_some() {
                f.prev_id = Some(as_u64(t, d.pu)?);
            }
            levels(t, d.b, &mut f.bids, f.level_cap, &mut f.dropped_levels)?;
            levels(t, d.a, &mut f.asks, f.level_cap, &mut f.dropped_levels)?;
        }
        FrameKind::BookTicker => {
            f.last_id = as_u64(t, d.u)?;
            f.bid_px = dec(t, d.b, Price::parse)?;
            f.bid_qty = dec(t, d.big_b, Qty::parse)?;
            f.ask_px = dec(t, d.a, Price::parse)?;
            f.ask_qty = dec(t, d.big_a, Qty::parse)?;
        }
        FrameKind::Trade | FrameKind::AggTrade => {
            f.px = dec(t, d.p, Price::parse)?;
            f.qty = dec(t, d.q, Qty::parse)?;
            f.trade_id = as_u64(t, if kind == FrameKind::Trade { d.t } else { d.a })?;
            f.buyer_maker = match t.get(d.m.ok_or(MalformedKind::MissingField)?) {
                Some(Node::Static(StaticNode::Bool(b))) => *b,
                _ => return Err(MalformedKind::MissingField),
            };
        }
        _ => {}
    }
    Ok(kind)
}

/// `[[px, qty], …]` into `out` (cleared first), keeping at most `cap` levels.
fn levels(
    t: &[Node<'_>],
    i: Option<usize>,
    out: &mut Vec<(Price, Qty)>,
    cap: usize,
    dropped: &mut u32,
) -> R<()> {
    out.clear();
    let i = i.ok_or(MalformedKind::MissingField)?;
    let Some(Node::Array { len, .. }) = t.get(i) else {
        return Err(MalformedKind::MissingField);
    };
    let mut j = i + 1;
    for _ in 0..*len {
        match (t.get(j), t.get(j + 1), t.get(j + 2)) {
            (Some(Node::Array { len: 2, count: 2 }), Some(Node::String(p)), Some(Node::String(q))) => {
                let px = Price::parse(p.as_bytes()).map_err(|_| MalformedKind::BadNumber)?;
                let qty = Qty::parse(q.as_bytes()).map_err(|_| MalformedKind::BadNumber)?;
                if out.len() < cap {
                    out.push((px, qty));
                } else {
                    *dropped += 1;
                }
                j += 3;
            }
            _ => return Err(MalformedKind::MissingField),
        }
    }
    Ok(())
}
