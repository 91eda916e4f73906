//! The libzmq socket inside a [`Socket`](super::Socket), and whether it is settled: the one
//! record the descriptor waits of [`super::poll`] rely on, kept true by this module alone.
//!
//! A socket's ZMQ_FD tells of commands, not messages: it is readable when a command reached
//! the socket (a message arriving in an empty queue is one), and whatever takes the commands
//! in (a receive, a send, an option, a ZMQ_EVENTS read) clears it, message or not. So waiting
//! on it sees the next message only when the socket is settled: the last call on it took in
//! every command and found no message. [`Raw`]'s fields are private to this module, so every
//! call reaches libzmq through one of its methods, and each says what it leaves:
//!
//! - [`Raw::zmq`] lends the socket for any call through a [`Touch`], which marks it unsettled
//!   when made and again when dropped, and while one is out nothing marks it settled;
//! - [`Raw::send_frame`] marks it unsettled;
//! - only [`Raw::recv_frame`] finding nothing (`EAGAIN` from a receive that does not wait) and
//!   [`Raw::events`] finding no message mark it settled: libzmq takes in every command before
//!   it says either.

use std::cell::Cell;
use std::os::fd::RawFd;
use std::os::raw::c_void;

use super::frame::{self, Frame, Spare};

/// A libzmq socket, the descriptor libzmq signals it through, and whether it is settled.
pub(super) struct Raw {
    socket: zmq::Socket,
    /// `socket`'s libzmq socket, for receiving and sending [`Frame`]s (see [`frame::recv`]).
    raw: *mut c_void,
    /// libzmq's ZMQ_FD of the socket.
    fd: RawFd,
    /// True when the last call on the socket took in every command and found no message.
    settled: Cell<bool>,
    /// How many [`Touch`]es are out: a call may be made through one at any time.
    touches: Cell<u32>,
}

// SAFETY: `raw` is `socket`'s own, which zmq lets move between threads (`zmq::Socket` is
// `Send`); the raw pointer and the `Cell` keep `Raw` from being `Sync`, as libzmq sockets must
// not be, so every call below is on the one thread that holds the socket.
unsafe impl Send for Raw {}

impl Raw {
    /// Holds `socket`, not settled (it has not been received from).
    pub(super) fn new(mut socket: zmq::Socket) -> Result<Raw, zmq::Error> {
        let fd = socket.get_fd()?;
        let raw = socket.as_mut_ptr();
        Ok(Raw {
            socket,
            raw,
            fd,
            settled: Cell::new(false),
            touches: Cell::new(0),
        })
    }

    /// The socket, lent for any call but a receive of [`Frame`]s.
    #[inline]
    pub(super) fn zmq(&self) -> Touch<'_> {
        self.settled.set(false);
        self.touches.set(self.touches.get() + 1);
        Touch(self)
    }

    /// Receives one frame without waiting (see [`frame::recv`]); returns whether more frames
    /// of its message follow. `EAGAIN` (nothing waiting) leaves the socket settled.
    #[inline]
    pub(super) fn recv_frame(
        &self,
        spare: &mut Spare,
        transient: bool,
        frames: &mut Vec<Frame>,
    ) -> Result<bool, zmq::Error> {
        // SAFETY: `raw` is this socket's, and `&self` is on the thread that holds it.
        let received = unsafe { frame::recv(self.raw, spare, zmq::DONTWAIT, transient, frames) };
        // A receive that does not wait takes in every command before it says EAGAIN; after a
        // frame, more may be queued behind it, which the descriptor will not announce.
        self.settled.set(match received {
            Err(zmq::Error::EAGAIN) => self.untouched(),
            _ => false,
        });
        received
    }

    /// Sends `frame` with `flags` (see [`frame::send`]).
    #[inline]
    pub(super) fn send_frame(&self, frame: Frame, flags: i32) -> Result<(), zmq::Error> {
        self.settled.set(false);
        // SAFETY: `raw` is this socket's, and `&self` is on the thread that holds it.
        unsafe { frame::send(self.raw, frame, flags) }
    }

    /// The socket's ZMQ_EVENTS, read after taking in every command: settled when no message
    /// is waiting.
    pub(super) fn events(&self) -> Result<zmq::PollEvents, zmq::Error> {
        let events = self.socket.get_events();
        self.settled
            .set(events.as_ref().is_ok_and(|e| !e.contains(zmq::POLLIN)) && self.untouched());
        events
    }

    /// No [`Touch`] is out, so no call can follow the one that settles the socket unseen.
    #[inline]
    fn untouched(&self) -> bool {
        self.touches.get() == 0
    }

    /// The descriptor to wait on for the socket's next message, when it is settled; `None`
    /// when a message may be waiting now.
    #[inline]
    pub(super) fn settled_fd(&self) -> Option<RawFd> {
        self.settled.get().then_some(self.fd)
    }

    /// The socket itself, for a call that takes it for good (the steerable proxy).
    pub(super) fn into_zmq(self) -> zmq::Socket {
        self.socket
    }

    /// The socket's ZMQ_FD, settled or not, for tests of the descriptor itself.
    #[cfg(test)]
    pub(super) fn fd(&self) -> RawFd {
        self.fd
    }
}

/// The socket lent by [`Raw::zmq`]: unsettled when lent and again when given back, and never
/// settled while lent, so no call made through it can go unseen by a wait.
#[must_use = "a touch is for making a call on the socket"]
pub(super) struct Touch<'a>(&'a Raw);

impl std::ops::Deref for Touch<'_> {
    type Target = zmq::Socket;

    #[inline]
    fn deref(&self) -> &zmq::Socket {
        &self.0.socket
    }
}

impl Drop for Touch<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.touches.set(self.0.touches.get() - 1);
        self.0.settled.set(false);
    }
}
