//! A blocking client: connect, send one request line, read its response line (what `alphapulse
//! ctl`, the tests and the round-trip benchmark use).

use crate::protocol::{RawRequest, Response};
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why no response came back: the socket cannot be reached or the server went away.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {path}: {error}")]
    Connect { path: PathBuf, error: io::Error },
    #[error("no answer from {path} within {ms} ms")]
    Timeout { path: PathBuf, ms: u128 },
    #[error("{path} closed the connection without an answer")]
    Closed { path: PathBuf },
    #[error("talking to {path}: {error}")]
    Io { path: PathBuf, error: io::Error },
    #[error("{path} answered something that is not a response: {message}")]
    BadResponse { path: PathBuf, message: String },
}

/// One connection to a control socket.
pub struct Client {
    path: PathBuf,
    timeout: Duration,
    writer: UnixStream,
    reader: BufReader<UnixStream>,
    next_id: u64,
    line: String,
}

impl Client {
    /// Connect; every later read waits at most `timeout`.
    pub fn connect(path: &Path, timeout: Duration) -> Result<Client, ClientError> {
        let connect_err = |error| ClientError::Connect { path: path.to_path_buf(), error };
        let stream = UnixStream::connect(path).map_err(connect_err)?;
        let io_err = |error| ClientError::Io { path: path.to_path_buf(), error };
        stream.set_read_timeout(Some(timeout)).map_err(io_err)?;
        stream.set_write_timeout(Some(timeout)).map_err(io_err)?;
        let reader = BufReader::new(stream.try_clone().map_err(io_err)?);
        Ok(Client {
            path: path.to_path_buf(),
            timeout,
            writer: stream,
            reader,
            next_id: 1,
            line: String::new(),
        })
    }

    /// Send `cmd args…` with the next id and wait for its response.
    pub fn request(&mut self, cmd: &str, args: &[String]) -> Result<Response, ClientError> {
        let id = Value::from(self.next_id);
        self.next_id += 1;
        let req = RawRequest { id: id.clone(), cmd: cmd.to_string(), args: args.to_vec() };
        let response = self.send_line(&req.to_line())?;
        // A connection-level answer (refused uid, too many clients) is an error with no id.
        let connection_level = response.id.is_null() && !response.ok;
        if response.id != id && !connection_level {
            let message = format!("response id {} for request id {id}", response.id);
            return Err(ClientError::BadResponse { path: self.path.clone(), message });
        }
        Ok(response)
    }

    /// Send one raw line (`\n` added if missing) and read the next response line.
    pub fn send_line(&mut self, line: &str) -> Result<Response, ClientError> {
        let mut bytes = line.as_bytes().to_vec();
        if bytes.last() != Some(&b'\n') {
            bytes.push(b'\n');
        }
        // A server that refused us at accept wrote its answer and closed: the write may fail
        // (EPIPE) while the answer waits to be read, so read either way.
        let written = self.writer.write_all(&bytes);
        match self.read_response() {
            Err(ClientError::Closed { .. }) if written.is_err() => Err(ClientError::Io {
                path: self.path.clone(),
                error: written.err().unwrap_or_else(|| io::ErrorKind::BrokenPipe.into()),
            }),
            r => r,
        }
    }

    /// Read the next response line.
    pub fn read_response(&mut self) -> Result<Response, ClientError> {
        self.line.clear();
        match self.reader.read_line(&mut self.line) {
            Ok(0) => Err(ClientError::Closed { path: self.path.clone() }),
            Ok(_) => serde_json::from_str(self.line.trim_end())
                .map_err(|e| ClientError::BadResponse { path: self.path.clone(), message: e.to_string() }),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                Err(ClientError::Timeout { path: self.path.clone(), ms: self.timeout.as_millis() })
            }
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => {
                Err(ClientError::Closed { path: self.path.clone() })
            }
            Err(error) => Err(ClientError::Io { path: self.path.clone(), error }),
        }
    }

    /// The last response line read, as received (`\n` included).
    pub fn last_line(&self) -> &str {
        &self.line
    }

    /// The stream, for tests that write byte by byte.
    pub fn stream(&mut self) -> &mut UnixStream {
        &mut self.writer
    }
}
