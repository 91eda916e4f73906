//! What can go wrong at the socket layer, with the `zmq` error kept as the source.

/// A socket operation that failed, saying which and where.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot bind {endpoint}: {}{hint}", lower_first(.source.message()))]
    Bind {
        endpoint: String,
        hint: &'static str,
        #[source]
        source: zmq::Error,
    },
    #[error("cannot connect to {endpoint}: {}{hint}", lower_first(.source.message()))]
    Connect {
        endpoint: String,
        hint: &'static str,
        #[source]
        source: zmq::Error,
    },
    #[error("cannot bind {endpoint}: {source}{hint}")]
    DirectBind {
        endpoint: String,
        hint: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to {endpoint}: {why}")]
    Endpoint { endpoint: String, why: String },
    #[error("cannot {what}: {}", lower_first(.source.message()))]
    Option {
        what: &'static str,
        #[source]
        source: zmq::Error,
    },
    #[error("{what} failed: {}", lower_first(.source.message()))]
    Io {
        what: &'static str,
        #[source]
        source: zmq::Error,
    },
    #[error("waiting on sockets failed: {source}")]
    Wait {
        #[source]
        source: std::io::Error,
    },
    #[error("CURVE is not available: this build's libzmq has no libsodium (see zmqtool --version)")]
    NoCurve,
    #[error("the thread that checks connections (ZAP and the socket monitors) has stopped")]
    GuardGone,
}

impl TransportError {
    pub(super) fn bind(endpoint: &str, source: zmq::Error) -> TransportError {
        let hint = match source {
            zmq::Error::EADDRINUSE => {
                " (another process is bound to it: a zmqtool already running?)"
            }
            zmq::Error::EINVAL => {
                " (endpoints look like tcp://127.0.0.1:5555 or ipc:///tmp/zmqtool)"
            }
            zmq::Error::EPROTONOSUPPORT => " (use tcp://, ipc:// or inproc://)",
            zmq::Error::ENODEV | zmq::Error::EADDRNOTAVAIL => " (no such local address)",
            _ => "",
        };
        TransportError::Bind {
            endpoint: endpoint.to_string(),
            hint,
            source,
        }
    }

    pub(super) fn connect(endpoint: &str, source: zmq::Error) -> TransportError {
        let hint = match source {
            zmq::Error::EINVAL => " (endpoints look like tcp://127.0.0.1:5555)",
            zmq::Error::EPROTONOSUPPORT => " (use tcp://, ipc:// or inproc://)",
            _ => "",
        };
        TransportError::Connect {
            endpoint: endpoint.to_string(),
            hint,
            source,
        }
    }

    pub(super) fn option(what: &'static str, source: zmq::Error) -> TransportError {
        TransportError::Option { what, source }
    }

    pub(super) fn io(what: &'static str, source: zmq::Error) -> TransportError {
        TransportError::Io { what, source }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
