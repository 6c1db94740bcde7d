//! The sentiment model in the engine against tools/models/sentiment/goldens.json (written by
//! onnxruntime 1.31.1 in Python): the Rust normalisation reproduces every test vector byte for
//! byte, and every golden text through `TextClassifier` gives the recorded label and
//! probabilities within 1e-5, for both committed models. The stocknet goldens are stored by
//! reference (file, line, sha256 of the normalised text: the tweets may not be republished), so
//! they run only when the shared data is there.

mod common;

use alphapulse_agents::sentiment::normalise::{join_stocknet, normalise};
use alphapulse_ml::{TextClassifier, TextSpec};
use serde_json::Value;
use std::path::PathBuf;

const TOLERANCE: f32 = 1e-5;

fn models_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/models/sentiment"))
}

fn goldens() -> Value {
    let p = models_dir().join("goldens.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("goldens.json parses")
}

#[test]
fn normalisation_matches_the_python_vectors() {
    let g = goldens();
    let cases = g["normalise_cases"].as_array().expect("normalise_cases");
    assert!(cases.len() >= 10, "{} cases", cases.len());
    for c in cases {
        let (raw, want) = (c["raw"].as_str().expect("raw"), c["normalised"].as_str().expect("normalised"));
        assert_eq!(normalise(raw), want, "raw {raw:?}");
        assert_eq!(normalise(want), want, "idempotent on {want:?}");
    }
}

/// The normalised text of a golden entry: given, or (stocknet) read from the shared data and
/// checked against the recorded length and sha256. `None`: the shared data is absent.
fn golden_text(t: &Value, shared: Option<&std::path::Path>) -> Option<String> {
    if let Some(n) = t["normalised"].as_str() {
        if let Some(raw) = t["raw"].as_str() {
            assert_eq!(normalise(raw), n, "entry {t}");
        }
        if let Some(tokens) = t["tokens"].as_array() {
            let tokens: Vec<&str> = tokens.iter().map(|x| x.as_str().expect("token")).collect();
            assert_eq!(normalise(&join_stocknet(&tokens)), n);
        }
        return Some(n.to_string());
    }
    let source = t["source"].as_str().expect("source");
    let line = t["line"].as_u64().expect("line") as usize;
    let dir = shared?;
    let file = dir.join(source.trim_start_matches("equities/"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let l = text.lines().nth(line).unwrap_or_else(|| panic!("{}: no line {line}", file.display()));
    let (_, raw) = alphapulse_agents::sentiment::source::stocknet_line(l).expect("stocknet line");
    let n = normalise(&raw);
    assert_eq!(n.len() as u64, t["normalised_bytes"].as_u64().expect("bytes"), "{source}:{line}");
    assert_eq!(sha256_hex(n.as_bytes()), t["normalised_sha256"].as_str().expect("sha"), "{source}:{line}");
    Some(n)
}

#[test]
fn every_golden_text_gives_the_recorded_outputs() {
    let g = goldens();
    let texts = g["texts"].as_array().expect("texts");
    let mut checked = 0;
    let shared = common::equities("sentiment goldens (the 10 stocknet references)");
    for (key, file) in [("candidate", "sentiment.onnx"), ("tfidf_lr_baseline", "sentiment_baseline.onnx")] {
        assert_eq!(g["models"][key]["file"].as_str(), Some(file));
        let mut c = TextClassifier::load(&TextSpec::sentiment(models_dir().join(file))).expect("model loads");
        let entries: Vec<(String, &Value)> = texts
            .iter()
            .filter_map(|t| golden_text(t, shared.as_deref()).map(|n| (n, &t["outputs"][key])))
            .collect();
        let refs: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        // Once as a batch, once one by one (as `[1, 1]`, the way the goldens were made).
        let batch = c.classify(&refs).expect("batch");
        for (i, (text, want)) in entries.iter().enumerate() {
            let single = c.classify(&[text.as_str()]).expect("single").remove(0);
            let want_p: Vec<f32> = want["probabilities"]
                .as_array()
                .expect("p")
                .iter()
                .map(|x| x.as_f64().expect("f") as f32)
                .collect();
            for got in [&batch[i], &single] {
                assert_eq!(got.label, want["label"].as_i64().expect("label"), "{key} {text:?}");
                assert_eq!(got.probabilities.len(), want_p.len());
                for (a, b) in got.probabilities.iter().zip(&want_p) {
                    assert!(
                        (a - b).abs() <= TOLERANCE,
                        "{key} {text:?}: {:?} vs {want_p:?}",
                        got.probabilities
                    );
                }
            }
            checked += 1;
        }
    }
    // 10 sent_valid + 5 handwritten per model always; + 10 stocknet each with the shared data.
    assert!(checked >= 30, "only {checked} golden outputs checked");
    println!("{checked} golden outputs checked");
}

#[test]
fn sha256_is_right() {
    assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/// SHA-256 (FIPS 180-4), only to check the goldens' `normalised_sha256` without a crate.
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];
    let mut h: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([block[4 * i], block[4 * i + 1], block[4 * i + 2], block[4 * i + 3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7].wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [t1.wrapping_add(t2), v[0], v[1], v[2], v[3].wrapping_add(t1), v[4], v[5], v[6]];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}
