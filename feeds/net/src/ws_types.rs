//! What a WebSocket connection is configured with, reports and counts.

/// Buffer sizes and limits of one WebSocket connection.
#[derive(Clone, Debug)]
pub struct WsOptions {
    /// Longest message (all fragments joined) accepted; default 4 MiB.
    pub max_message_bytes: usize,
    /// Initial read buffer; it grows once to hold a single frame longer than this. Default 256 KiB.
    pub read_buffer_bytes: usize,
    /// Fixed write buffer (the upgrade request must fit too); default 64 KiB.
    pub write_buffer_bytes: usize,
    /// Extra headers on the upgrade request.
    pub extra_headers: Vec<(String, String)>,
}

impl Default for WsOptions {
    fn default() -> WsOptions {
        WsOptions {
            max_message_bytes: 4 << 20,
            read_buffer_bytes: 256 << 10,
            write_buffer_bytes: 64 << 10,
            extra_headers: Vec::new(),
        }
    }
}

/// Where a connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WsState {
    /// TCP connect in flight.
    Connecting,
    /// TLS and/or the HTTP upgrade in flight.
    Handshaking,
    /// Messages flow.
    Open,
    /// The client sent a close frame and waits for the server's.
    Closing,
    /// Closed cleanly or dead after an error.
    Closed,
}

/// One event from [`WsClient::poll`].
#[derive(Debug, PartialEq, Eq)]
pub enum WsEvent<'a> {
    /// The upgrade succeeded (101).
    Opened,
    /// A complete text message (fragments already joined, UTF-8 checked), mutable so the caller
    /// can parse it in place (simd-json parses in place).
    Text(&'a mut [u8]),
    /// A complete binary message.
    Binary(&'a mut [u8]),
    /// A ping from the server: the caller decides when to answer (`send_pong` with this payload).
    Ping(&'a [u8]),
    /// A pong from the server.
    Pong(&'a [u8]),
    /// The server's close frame (the client answers it itself, then the state is Closed).
    Close { code: Option<u16>, reason: &'a [u8] },
}

/// Counters of one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WsStats {
    /// Plaintext bytes read (after TLS), including the upgrade answer.
    pub bytes_in: u64,
    /// Plaintext bytes handed to the socket (or to TLS).
    pub bytes_out: u64,
    /// Frames decoded (data and control).
    pub frames_in: u64,
    /// Text and binary messages delivered.
    pub messages_in: u64,
    /// Frames queued by the sends (text, ping, pong, close).
    pub messages_out: u64,
    /// Pings and pongs received.
    pub pings_in: u64,
    pub pongs_in: u64,
    /// Socket reads that returned data, and polls that found nothing to read (a readiness check
    /// or a read that returned `WouldBlock`).
    pub reads: u64,
    pub reads_would_block: u64,
    /// Flushes that left bytes queued because the socket would block.
    pub writes_would_block: u64,
    /// Sends refused with `WriteBufferFull`.
    pub write_buffer_full: u64,
    /// Times the read buffer grew to hold one long frame.
    pub read_buffer_grown: u64,
}
