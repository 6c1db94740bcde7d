//! Host-name lookups on a thread of their own: `getaddrinfo` blocks, the feed thread must not.

use crate::endpoint::valid_host_name;
use crate::NetError;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};

type Answer = (u64, Result<SocketAddr, NetError>);

/// A resolver thread fed through a channel. `request` and `poll` never block; a lookup takes
/// as long as the system resolver takes (the caller owns any timeout).
///
/// ```no_run
/// let mut r = alphapulse_net::Resolver::spawn().unwrap();
/// let ticket = r.request("localhost", 9443);
/// loop {
///     if let Some((t, addr)) = r.poll() {
///         assert_eq!(t, ticket);
///         println!("{addr:?}");
///         break;
///     }
/// }
/// ```
pub struct Resolver {
    ask: Sender<(u64, String, u16)>,
    answers: Receiver<Answer>,
    /// Answers produced here without the thread (literal IPs, refused names).
    ready: Vec<Answer>,
    next: u64,
}

impl Resolver {
    /// Start the lookup thread (named `alphapulse-resolve`).
    pub fn spawn() -> Result<Resolver, NetError> {
        let (ask, asks) = channel::<(u64, String, u16)>();
        let (tell, answers) = channel::<Answer>();
        std::thread::Builder::new().name("alphapulse-resolve".into()).spawn(move || {
            while let Ok((ticket, host, port)) = asks.recv() {
                if tell.send((ticket, lookup(&host, port))).is_err() {
                    return;
                }
            }
        })?;
        Ok(Resolver { ask, answers, ready: Vec::new(), next: 1 })
    }

    /// Ask for `host:port`; returns the ticket its answer will carry. Never blocks. Literal IPs
    /// and names that cannot be host names are answered without the thread.
    pub fn request(&mut self, host: &str, port: u16) -> u64 {
        let ticket = self.next;
        self.next += 1;
        if let Some(a) = literal(host, port) {
            self.ready.push((ticket, Ok(a)));
        } else if !valid_host_name(host) {
            let why = "not a host name".to_string();
            self.ready.push((ticket, Err(NetError::Resolve { host: host.to_string(), why })));
        } else if self.ask.send((ticket, host.to_string(), port)).is_err() {
            self.ready.push((ticket, Err(NetError::ResolverGone)));
        }
        ticket
    }

    /// A finished lookup, if any: its ticket and the first address (IPv4 preferred). Never blocks.
    pub fn poll(&mut self) -> Option<(u64, Result<SocketAddr, NetError>)> {
        if let Some(a) = self.ready.pop() {
            return Some(a);
        }
        match self.answers.try_recv() {
            Ok(a) => Some(a),
            Err(TryRecvError::Empty) => None,
            // The thread is gone; every outstanding ticket is lost: say so once per poll.
            Err(TryRecvError::Disconnected) => Some((0, Err(NetError::ResolverGone))),
        }
    }
}

/// `host` as a literal IPv4 or IPv6 address (brackets allowed), resolved at once.
pub fn literal(host: &str, port: u16) -> Option<SocketAddr> {
    let h = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    h.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, port))
}

fn lookup(host: &str, port: u16) -> Result<SocketAddr, NetError> {
    let fail = |why: String| NetError::Resolve { host: host.to_string(), why };
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs().map_err(|e| fail(e.to_string()))?.collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| fail("no addresses".to_string()))
}
