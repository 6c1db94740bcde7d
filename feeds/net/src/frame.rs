//! The RFC 6455 frame codec over caller-owned buffers: no allocation per frame.
//!
//! [`Decoder`] reads server frames (unmasked) from a byte slice and yields one [`WsEvent`] per
//! complete message or control frame. An unfragmented message is lent in place, straight from the
//! read buffer; fragments are joined in one buffer the decoder keeps and reuses (it grows to the
//! largest fragmented message seen, bounded by the message limit). [`encode`] writes one masked
//! client frame into a slice. Public so tests and benches can drive it without a socket.
//!
//! ```
//! use alphapulse_net::frame::{Decoded, Decoder};
//! use alphapulse_net::WsEvent;
//! let mut frame = vec![0x81, 5];
//! frame.extend_from_slice(b"hello");
//! let mut d = Decoder::new(1 << 20);
//! match d.decode(&mut frame).unwrap() {
//!     Decoded::Event(used, WsEvent::Text(t)) => assert_eq!((used, &t[..]), (7, &b"hello"[..])),
//!     _ => unreachable!(),
//! }
//! ```

use crate::{NetError, WsEvent};

/// Continuation, text, binary, close, ping, pong.
pub const OP_CONT: u8 = 0;
pub const OP_TEXT: u8 = 1;
pub const OP_BINARY: u8 = 2;
pub const OP_CLOSE: u8 = 8;
pub const OP_PING: u8 = 9;
pub const OP_PONG: u8 = 10;

/// Longest client frame header: 2 bytes, 8 bytes of length, 4 bytes of mask.
pub const MAX_HEADER: usize = 14;

/// What one call to [`Decoder::decode`] found at the start of the slice.
pub enum Decoded<'a> {
    /// The next frame is incomplete: it needs this many bytes in all (header and payload; or
    /// just enough to read the header).
    Need(usize),
    /// A frame of this many bytes was absorbed without an event (a fragment of a longer message).
    Absorbed(usize),
    /// A frame of this many bytes completed this event.
    Event(usize, WsEvent<'a>),
}

/// What a complete event frame carries, by position (no borrow): see [`Decoder::decode_at`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Binary,
    Ping,
    Pong,
    Close { code: Option<u16> },
}

/// Where an event's payload is: in the slice given to [`Decoder::decode_at`] (a range of it), or
/// in the decoder's buffer of joined fragments ([`Decoder::joined`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum At {
    Slice(std::ops::Range<usize>),
    Joined,
}

/// [`Decoded`] without a borrow: what [`Decoder::decode_at`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Need(usize),
    Absorbed(usize),
    /// A frame of this many bytes completed an event of this kind, its payload there.
    Event(usize, Kind, At),
}

/// Reassembles server frames into messages. See the module docs.
pub struct Decoder {
    max_message: usize,
    /// Opcode of the fragmented message being joined, 0 when none.
    frag_op: u8,
    frag: Vec<u8>,
}

struct Header {
    fin: bool,
    op: u8,
    len: usize,
    at: usize,
}

impl Decoder {
    /// A decoder that refuses messages over `max_message` bytes.
    pub fn new(max_message: usize) -> Decoder {
        Decoder { max_message, frag_op: 0, frag: Vec::new() }
    }

    /// True while a fragmented message is half joined.
    pub fn in_fragmented_message(&self) -> bool {
        self.frag_op != 0
    }

    /// Decode the frame at the start of `buf`. Text and binary payloads are lent mutably, in
    /// place when the message came in one frame. Errors are protocol violations: the
    /// connection must be dropped.
    pub fn decode<'a>(&'a mut self, buf: &'a mut [u8]) -> Result<Decoded<'a>, NetError> {
        Ok(match self.decode_at(buf)? {
            Found::Need(n) => Decoded::Need(n),
            Found::Absorbed(n) => Decoded::Absorbed(n),
            Found::Event(n, kind, at) => {
                let payload = match at {
                    At::Slice(r) => &mut buf[r],
                    At::Joined => &mut self.frag[..],
                };
                Decoded::Event(n, event(kind, payload))
            }
        })
    }

    /// The joined fragments of the last fragmented message (`At::Joined`).
    pub fn joined(&mut self) -> &mut [u8] {
        &mut self.frag
    }

    /// [`Decoder::decode`] returning where the event's payload is instead of lending it, so a
    /// caller can update its own state before it lends the payload out (a pull API returning
    /// one event per call); validated exactly as `decode` does.
    pub fn decode_at(&mut self, buf: &mut [u8]) -> Result<Found, NetError> {
        let h = match header(buf)? {
            Some(h) => h,
            None => return Ok(Found::Need(header_need(buf))),
        };
        let data = h.op == OP_CONT || h.op == OP_TEXT || h.op == OP_BINARY;
        if data {
            if h.op == OP_CONT && self.frag_op == 0 {
                return Err(NetError::Protocol("continuation frame outside a fragmented message"));
            }
            if h.op != OP_CONT && self.frag_op != 0 {
                return Err(NetError::Protocol("new message inside a fragmented message"));
            }
            let joined = if h.op == OP_CONT { self.frag.len() } else { 0 };
            if h.len > self.max_message.saturating_sub(joined) {
                return Err(NetError::MessageTooLarge { limit: self.max_message });
            }
        }
        let total = h.at + h.len;
        if buf.len() < total {
            return Ok(Found::Need(total));
        }
        let range = h.at..total;
        let payload = &mut buf[range.clone()];
        let (kind, at) = match h.op {
            OP_TEXT | OP_BINARY if h.fin => (message(h.op, payload)?, At::Slice(range)),
            OP_TEXT | OP_BINARY => {
                self.frag_op = h.op;
                self.frag.clear();
                self.frag.extend_from_slice(payload);
                return Ok(Found::Absorbed(total));
            }
            OP_CONT => {
                self.frag.extend_from_slice(payload);
                if !h.fin {
                    return Ok(Found::Absorbed(total));
                }
                let op = std::mem::replace(&mut self.frag_op, 0);
                (message(op, &self.frag)?, At::Joined)
            }
            OP_PING => (Kind::Ping, At::Slice(range)),
            OP_PONG => (Kind::Pong, At::Slice(range)),
            _ => {
                let (code, reason) = close(payload)?;
                (Kind::Close { code }, At::Slice(h.at + reason..total))
            }
        };
        Ok(Found::Event(total, kind, at))
    }
}

/// The event of `kind` over `payload` (a close frame's payload: its reason).
pub fn event(kind: Kind, payload: &mut [u8]) -> WsEvent<'_> {
    match kind {
        Kind::Text => WsEvent::Text(payload),
        Kind::Binary => WsEvent::Binary(payload),
        Kind::Ping => WsEvent::Ping(payload),
        Kind::Pong => WsEvent::Pong(payload),
        Kind::Close { code } => WsEvent::Close { code, reason: payload },
    }
}

fn message(op: u8, payload: &[u8]) -> Result<Kind, NetError> {
    if op == OP_BINARY {
        return Ok(Kind::Binary);
    }
    if std::str::from_utf8(payload).is_err() {
        return Err(NetError::Protocol("text message is not valid UTF-8"));
    }
    Ok(Kind::Text)
}

/// A close frame's code and where its reason starts in the payload.
fn close(payload: &[u8]) -> Result<(Option<u16>, usize), NetError> {
    match payload {
        [] => Ok((None, 0)),
        [_] => Err(NetError::Protocol("close frame with a 1-byte payload")),
        [a, b, reason @ ..] => {
            let code = u16::from_be_bytes([*a, *b]);
            let valid = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
            if !valid {
                return Err(NetError::Protocol("close frame with an invalid code"));
            }
            if std::str::from_utf8(reason).is_err() {
                return Err(NetError::Protocol("close reason is not valid UTF-8"));
            }
            Ok((Some(code), 2))
        }
    }
}

/// Bytes needed to read the header that starts `buf` (which is too short for it).
fn header_need(buf: &[u8]) -> usize {
    match buf.get(1).map(|b| b & 0x7f) {
        None => 2,
        Some(126) => 4,
        Some(127) => 10,
        Some(_) => 2,
    }
}

fn header(buf: &[u8]) -> Result<Option<Header>, NetError> {
    let [b0, b1, ..] = *buf else { return Ok(None) };
    if b0 & 0x70 != 0 {
        return Err(NetError::Protocol("RSV bits set (no extension was negotiated)"));
    }
    let op = b0 & 0x0f;
    if !matches!(op, OP_CONT | OP_TEXT | OP_BINARY | OP_CLOSE | OP_PING | OP_PONG) {
        return Err(NetError::Protocol("reserved opcode"));
    }
    if b1 & 0x80 != 0 {
        return Err(NetError::Protocol("masked frame from the server"));
    }
    let fin = b0 & 0x80 != 0;
    let (len, at) = match b1 & 0x7f {
        126 => match buf.get(2..4) {
            Some(b) => (u16::from_be_bytes([b[0], b[1]]) as u64, 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(b) => {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                (u64::from_be_bytes(a), 10)
            }
            None => return Ok(None),
        },
        n => (n as u64, 2),
    };
    if op >= OP_CLOSE && (!fin || len > 125) {
        return Err(NetError::Protocol("control frame fragmented or over 125 bytes"));
    }
    if (at == 4 && len < 126) || (at == 10 && len <= 0xffff) {
        return Err(NetError::Protocol("frame length not in its shortest form"));
    }
    // Lengths past usize (or with the top bit set) are refused as too large by the caller's limit.
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    Ok(Some(Header { fin, op, len, at }))
}

/// Bytes a masked client frame with `payload_len` bytes of payload takes.
pub fn encoded_len(payload_len: usize) -> usize {
    payload_len
        + 6
        + match payload_len {
            0..=125 => 0,
            126..=0xffff => 2,
            _ => 8,
        }
}

/// Write one final (FIN) client frame, masked with `mask`, into `out`; returns its length, or
/// `None` if `out` is shorter than [`encoded_len`].
pub fn encode(op: u8, payload: &[u8], mask: [u8; 4], out: &mut [u8]) -> Option<usize> {
    let n = encoded_len(payload.len());
    let out = out.get_mut(..n)?;
    out[0] = 0x80 | op;
    let at = match payload.len() {
        l @ 0..=125 => {
            out[1] = 0x80 | l as u8;
            2
        }
        l @ 126..=0xffff => {
            out[1] = 0x80 | 126;
            out[2..4].copy_from_slice(&(l as u16).to_be_bytes());
            4
        }
        l => {
            out[1] = 0x80 | 127;
            out[2..10].copy_from_slice(&(l as u64).to_be_bytes());
            10
        }
    };
    out[at..at + 4].copy_from_slice(&mask);
    for (i, (o, p)) in out[at + 4..].iter_mut().zip(payload).enumerate() {
        *o = p ^ mask[i & 3];
    }
    Some(n)
}
