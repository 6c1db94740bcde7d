//! Property: any sequence of valid server frames (messages fragmented anyhow, control frames
//! between fragments), cut at any byte boundaries, decodes to the same events as sent; and
//! random bytes never panic the decoder.

mod common;
use alphapulse_net::frame::{Decoded, Decoder};
use common::{raw_frame, Ev};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Msg {
    /// A text or binary message in `pieces` fragments, a ping after the first if `ping`.
    Data {
        text: bool,
        payload: Vec<u8>,
        pieces: usize,
        ping: bool,
    },
    Pong(Vec<u8>),
}

fn msg() -> impl Strategy<Value = Msg> {
    prop_oneof![
        (any::<String>(), 1..5usize, any::<bool>()).prop_map(|(s, pieces, ping)| Msg::Data {
            text: true,
            payload: s.into_bytes(),
            pieces,
            ping
        }),
        (proptest::collection::vec(any::<u8>(), 0..70_000), 1..4usize, any::<bool>())
            .prop_map(|(payload, pieces, ping)| Msg::Data { text: false, payload, pieces, ping }),
        proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Msg::Pong),
    ]
}

/// The wire bytes and the events they must decode to.
fn encode(msgs: &[Msg]) -> (Vec<u8>, Vec<Ev>) {
    let (mut wire, mut want) = (Vec::new(), Vec::new());
    for m in msgs {
        match m {
            Msg::Pong(p) => {
                wire.extend(raw_frame(0x8a, p));
                want.push(Ev::Pong(p.clone()));
            }
            Msg::Data { text, payload, pieces, ping } => {
                let size = payload.len().div_ceil(*pieces).max(1);
                let parts: Vec<&[u8]> =
                    if payload.is_empty() { vec![&[][..]] } else { payload.chunks(size).collect() };
                for (i, part) in parts.iter().enumerate() {
                    let op = if i > 0 {
                        0
                    } else if *text {
                        1
                    } else {
                        2
                    };
                    let fin = if i + 1 == parts.len() { 0x80 } else { 0 };
                    wire.extend(raw_frame(fin | op, part));
                    if i == 0 && *ping && parts.len() > 1 {
                        wire.extend(raw_frame(0x89, b"keepalive"));
                        want.push(Ev::Ping(b"keepalive".to_vec()));
                    }
                }
                want.push(if *text { Ev::Text(payload.clone()) } else { Ev::Binary(payload.clone()) });
            }
        }
    }
    wire.extend(raw_frame(0x88, &[0x03, 0xe8, b'o', b'k']));
    want.push(Ev::Close(Some(1000), b"ok".to_vec()));
    (wire, want)
}

/// Feed `wire` to a decoder in pieces ending at `cuts`, the way the client's read buffer does;
/// the events and the bytes left undecoded.
fn decode(wire: &[u8], cuts: &[usize]) -> Result<(Vec<Ev>, usize), alphapulse_net::NetError> {
    let mut dec = Decoder::new(1 << 20);
    let (mut buf, mut start, mut out) = (Vec::new(), 0usize, Vec::new());
    let mut from = 0;
    for &end in cuts.iter().chain(std::iter::once(&wire.len())) {
        buf.extend_from_slice(&wire[from..end]);
        from = end;
        loop {
            match dec.decode(&mut buf[start..])? {
                Decoded::Need(_) => break,
                Decoded::Absorbed(n) => start += n,
                Decoded::Event(n, ev) => {
                    out.push(Ev::of(ev));
                    start += n;
                }
            }
        }
    }
    Ok((out, buf.len() - start))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_cuts_decode_to_the_same_events(msgs in proptest::collection::vec(msg(), 1..8), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..40)) {
        let (wire, want) = encode(&msgs);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(decode(&wire, &cuts).expect("valid frames"), (want.clone(), 0));
        // One byte at a time too.
        let ones: Vec<usize> = (1..wire.len()).step_by(wire.len() / 300 + 1).collect();
        prop_assert_eq!(decode(&wire, &ones).expect("valid frames"), (want, 0));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode(&bytes, &[]);
    }
}
