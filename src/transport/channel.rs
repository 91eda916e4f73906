//! Typed messages between threads, with a wake-up a socket driver can poll beside its other
//! sockets: the values go over an `mpsc` channel, and an empty message on an inproc PUSH/PULL
//! pair wakes the receiving thread. The data itself is never encoded into frames.

use std::sync::mpsc;

use super::context::Context;
use super::error::TransportError;
use super::socket::{Kind, Linger, Socket, unique_inproc};

/// The sending side; one per thread (see [`Sender::try_clone`]).
pub struct Sender<T> {
    tx: mpsc::Sender<T>,
    waker: Socket,
    ctx: Context,
    endpoint: String,
}

/// The receiving side, owned by the driver thread.
pub struct Receiver<T> {
    rx: mpsc::Receiver<T>,
    wake: Socket,
}

/// A channel whose receiver can be waited on with a [`Poller`](super::Poller) beside other
/// sockets.
pub fn channel<T>(ctx: &Context) -> Result<(Sender<T>, Receiver<T>), TransportError> {
    let endpoint = unique_inproc("channel");
    let wake = ctx.socket(Kind::Pull, Linger::Discard)?;
    wake.bind(&endpoint)?;
    let waker = waker(ctx, &endpoint)?;
    let (tx, rx) = mpsc::channel();
    Ok((
        Sender {
            tx,
            waker,
            ctx: ctx.clone(),
            endpoint,
        },
        Receiver { rx, wake },
    ))
}

fn waker(ctx: &Context, endpoint: &str) -> Result<Socket, TransportError> {
    let socket = ctx.socket(Kind::Push, Linger::Discard)?;
    socket.connect(endpoint)?;
    Ok(socket)
}

impl<T> Sender<T> {
    /// Sends `value` and wakes the receiver. `false` when the receiver is gone.
    pub fn send(&self, value: T) -> bool {
        if self.tx.send(value).is_err() {
            return false;
        }
        // A wake-up lost to a full queue is harmless: the ones queued wake the receiver,
        // which then takes every value waiting.
        // Not dumped at -vv: it carries nothing.
        let _ = self.waker.zmq().send(&[][..], zmq::DONTWAIT);
        true
    }

    /// Another sender to the same receiver, for another thread (a socket is not `Sync`).
    pub fn try_clone(&self) -> Result<Sender<T>, TransportError> {
        Ok(Sender {
            tx: self.tx.clone(),
            waker: waker(&self.ctx, &self.endpoint)?,
            ctx: self.ctx.clone(),
            endpoint: self.endpoint.clone(),
        })
    }
}

impl<T> Receiver<T> {
    /// The socket to poll: readable when values may be waiting.
    pub fn socket(&self) -> &Socket {
        &self.wake
    }

    /// Every value waiting now. The wake-ups are taken until none is left, so the socket is
    /// settled and a `Poller` waits on it for the next; each one taken is for a value
    /// collected here.
    pub fn drain(&self) -> Vec<T> {
        // A receive fails only as the context ends, when the values are all there is left.
        let _ = self.wake.discard_waiting();
        self.rx.try_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Poller;
    use std::time::Duration;

    #[test]
    fn values_arrive_in_order_and_wake_the_poller() {
        let ctx = Context::new();
        let (tx, rx) = channel::<u32>(&ctx).unwrap();
        let mut poller = Poller::default();
        assert!(rx.drain().is_empty());
        let other = tx.try_clone().unwrap();
        std::thread::spawn(move || {
            other.send(1);
            other.send(2);
        })
        .join()
        .unwrap();
        // Drained, the receiver is waited on by its descriptor: the values' wake-ups end
        // a wait that nothing else would.
        poller
            .poll([rx.socket()], Duration::from_secs(3600))
            .unwrap();
        assert!(poller.readable(0));
        assert_eq!(rx.drain(), [1, 2]);
        assert!(rx.drain().is_empty());
        drop(rx);
        assert!(!tx.send(3), "a send to a dropped receiver says so");
    }
}
