//! The resolver thread: `localhost` resolves, literals answer at once, bad names give errors.

use alphapulse_net::{literal, NetError, Resolver};
use std::time::{Duration, Instant};

fn wait(r: &mut Resolver, ticket: u64) -> Result<std::net::SocketAddr, NetError> {
    let start = Instant::now();
    loop {
        if let Some((t, a)) = r.poll() {
            assert_eq!(t, ticket);
            return a;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "the resolver hangs");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn localhost_resolves_on_the_thread() {
    let mut r = Resolver::spawn().expect("spawn");
    let t = r.request("localhost", 9443);
    let a = wait(&mut r, t).expect("localhost resolves");
    assert!(a.ip().is_loopback());
    assert_eq!(a.port(), 9443);
}

#[test]
fn literals_resolve_at_once() {
    let mut r = Resolver::spawn().expect("spawn");
    let t = r.request("127.0.0.1", 80);
    assert_eq!(r.poll().map(|(t, a)| (t, a.ok())), Some((t, literal("127.0.0.1", 80))));
    assert_eq!(literal("[::1]", 443).map(|a| a.to_string()), Some("[::1]:443".to_string()));
    assert_eq!(literal("localhost", 80), None);
}

#[test]
fn bad_names_give_errors() {
    let mut r = Resolver::spawn().expect("spawn");
    let t = r.request("not a host!", 80);
    assert!(matches!(wait(&mut r, t), Err(NetError::Resolve { .. })));
    // A well-formed name that does not exist (RFC 6761 reserves .invalid): an error, not a hang.
    let t = r.request("no-such-host.invalid", 80);
    assert!(matches!(wait(&mut r, t), Err(NetError::Resolve { .. })));
}
