//! The zmq context: sockets made from it, bound and connected with their security and
//! tuning, and the guard thread that watches its server sockets.

use super::error::TransportError;
use super::guard::{self, Handle, Watch};
use super::security::{self, Security, ServerSecurity};
use super::socket::{HANDSHAKE, Kind, Linger, Socket, Tuning, unique_inproc};

/// A zmq context: one I/O thread and the sockets made from it, and the guard thread that
/// watches its server sockets once it has one. Clones share both.
#[derive(Clone, Default)]
pub struct Context(std::sync::Arc<Shared>);

#[derive(Default)]
struct Shared {
    /// The guard ([`guard`]), started with the first socket it watches. Declared first, so
    /// it is stopped (its sockets closed) before `zmq` ends the context.
    guard: std::sync::Mutex<Option<Handle>>,
    /// Connections the guard refused or saw fail their handshake.
    refused: std::sync::Arc<std::sync::atomic::AtomicU64>,
    zmq: zmq::Context,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// The count of connections to this context's server sockets that were refused (by the
    /// ZAP handler) or failed their handshake or size limit, for the statistics.
    pub fn refused_connections(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.0.refused.clone()
    }

    /// A new socket of `kind` with `linger`.
    pub fn socket(&self, kind: Kind, linger: Linger) -> Result<Socket, TransportError> {
        Socket::new(&self.0.zmq, kind, linger)
    }

    /// A socket that connects to `endpoint`, proving itself with `security`.
    pub fn connect(
        &self,
        kind: Kind,
        linger: Linger,
        security: &Security,
        tuning: Tuning,
        endpoint: &str,
    ) -> Result<Socket, TransportError> {
        let socket = self.socket(kind, linger)?;
        socket.tune(tuning)?;
        security::secure_client(&socket.zmq(), security)?;
        socket.connect(endpoint)?;
        Ok(socket)
    }

    /// A socket bound to every endpoint of `binds`, checking peers as `security` says.
    /// Returns it with the endpoints actually bound (`*` ports resolved).
    pub fn bind(
        &self,
        kind: Kind,
        linger: Linger,
        security: ServerSecurity,
        tuning: Tuning,
        binds: &[String],
    ) -> Result<(Socket, Vec<String>), TransportError> {
        let socket = self.socket(kind, linger)?;
        socket.tune(tuning)?;
        // A connection that has not finished its handshake after this long is dropped
        // (libzmq's default is 30 s), so half-open connections cannot pile up for long.
        socket
            .zmq()
            .set_handshake_ivl(HANDSHAKE.as_millis() as i32)
            .map_err(|e| TransportError::option("set the handshake timeout", e))?;
        security::secure_server(&socket.zmq(), &security)?;
        if security != ServerSecurity::default() || tuning.max_message.is_some() {
            // Handshakes that fail (a wrong key, no CURVE, no credentials) never reach the
            // ZAP handler, and a message over the limit just drops its connection: the
            // monitor is how they get a log line, and how ZAP knows where connections are.
            self.watch(&socket)?;
        }
        let mut bound = Vec::with_capacity(binds.len());
        for endpoint in binds {
            bound.push(socket.bind(endpoint)?);
        }
        Ok((socket, bound))
    }

    /// Sends `watch` to this context's guard, starting the guard on first use.
    pub(super) fn give(&self, watch: Watch) -> Result<(), TransportError> {
        let mut guard = self.0.guard.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(Handle::start(&self.0.zmq, self.refused_connections())?);
        }
        guard.as_ref().expect("started above").give(watch)
    }

    /// Starts monitoring `socket` (before it binds, so no connection is missed).
    fn watch(&self, socket: &Socket) -> Result<(), TransportError> {
        let endpoint = unique_inproc("monitor");
        socket
            .zmq()
            .monitor(&endpoint, guard::events())
            .map_err(|e| TransportError::option("monitor the socket", e))?;
        let events = self.socket(Kind::Pair, Linger::Discard)?;
        // Connected here, before the socket binds, so no event is missed.
        events.connect(&endpoint)?;
        self.give(Watch::Monitor(events))
    }
}
