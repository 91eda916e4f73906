//! Waiting: on many sockets exactly ([`poll`], over zmq_poll), on many sockets by their
//! ZMQ_FDs without a system call per socket ([`Poller`]), and the cap on every wait
//! ([`MAX_WAIT`], [`wait_until`]).

use std::time::{Duration, Instant};

use super::error::TransportError;
use super::socket::{Socket, millis};

/// The longest a driver sleeps in one wait, so a stop request is seen promptly even when no
/// signal interrupts the wait (a server stopped from another thread).
pub const MAX_WAIT: Duration = Duration::from_millis(100);

/// Waits until at least one of `sockets` has a message, or `wait` passes; returns which are
/// readable, in order. A signal ends the wait early with none readable.
pub fn poll(sockets: &[&Socket], wait: Duration) -> Result<Vec<bool>, TransportError> {
    let mut items: Vec<zmq::PollItem> = sockets
        .iter()
        .map(|s| s.zmq().as_poll_item(zmq::POLLIN))
        .collect();
    match zmq::poll(&mut items, millis(wait)) {
        Ok(_) => Ok(items.iter().map(|i| i.is_readable()).collect()),
        Err(zmq::Error::EINTR) => Ok(vec![false; sockets.len()]),
        Err(e) => Err(TransportError::io("poll", e)),
    }
}

/// Waits on many sockets at once for a loop that receives from each socket it is told of
/// until [`Socket::try_recv`] finds nothing. Cheaper than [`poll`] by the system calls it
/// leaves out: [`poll`] (zmq_poll) asks every socket for its events, a system call each
/// whenever its command queue is empty; this waits on the sockets' ZMQ_FDs in one poll(2)
/// and names only the sockets that may have a message.
///
/// A ZMQ_FD tells of commands, not messages: it is readable when a command reached the
/// socket (a message arriving in an empty queue is one), and whatever takes the commands in
/// (a receive, a send, zmq_poll) clears it, message or not. So a socket is waited on by its
/// ZMQ_FD only when settled: its last receive found nothing (and libzmq took in every
/// command then), with nothing done on it since. Any other socket is named at once, for
/// the loop to receive from until it is settled again. The list handed to poll(2) is kept
/// from one wait to the next.
#[derive(Default)]
pub struct Poller {
    items: Vec<libc::pollfd>,
    /// Per socket of the last wait: named without waiting (not settled).
    unsettled: Vec<bool>,
}

impl Poller {
    /// Waits until one of `sockets` may have a message, or `wait` passes; then
    /// [`Poller::readable`] names them by their order here. A signal ends the wait early.
    pub fn poll<'a>(
        &mut self,
        sockets: impl IntoIterator<Item = &'a Socket>,
        wait: Duration,
    ) -> Result<(), TransportError> {
        self.items.clear();
        self.unsettled.clear();
        for socket in sockets {
            self.unsettled.push(!socket.settled.get());
            self.items.push(libc::pollfd {
                fd: socket.fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let timeout = if self.unsettled.contains(&true) {
            0
        } else {
            millis(wait).min(i32::MAX as i64) as i32
        };
        // SAFETY: the list is valid for its length; the descriptors are libzmq's, open for
        // as long as their sockets, which are borrowed for this call.
        let rc = unsafe {
            libc::poll(
                self.items.as_mut_ptr(),
                self.items.len() as libc::nfds_t,
                timeout,
            )
        };
        if rc < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(TransportError::Wait { source: error });
            }
            self.items.iter_mut().for_each(|item| item.revents = 0);
        }
        Ok(())
    }

    /// Whether the `i`th socket of the last wait may have a message: receive from it until
    /// [`Socket::try_recv`] finds nothing.
    pub fn readable(&self, i: usize) -> bool {
        self.unsettled.get(i).copied().unwrap_or(false)
            || self
                .items
                .get(i)
                .is_some_and(|item| item.revents & libc::POLLIN != 0)
    }
}

/// Wait until `deadline`, capped at [`MAX_WAIT`].
pub fn wait_until(now: Instant, deadline: Instant) -> Duration {
    deadline.saturating_duration_since(now).min(MAX_WAIT)
}
