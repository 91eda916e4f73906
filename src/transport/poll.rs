//! Every wait on sockets, by one mechanism: poll(2) on the sockets' ZMQ_FDs, a socket waited
//! on only when it is settled (see [`super::raw`]). [`Poller`] waits on many sockets,
//! [`Socket::recv`] on one; [`MAX_WAIT`] and [`wait_until`] cap every wait.

use std::time::{Duration, Instant};

use super::error::TransportError;
use super::frame::Frame;
use super::socket::Socket;

/// The longest a driver sleeps in one wait, so a stop request is seen promptly even when no
/// signal interrupts the wait (a server stopped from another thread).
pub const MAX_WAIT: Duration = Duration::from_millis(100);

/// The most messages a loop takes from a socket after one wait, between two looks at the
/// clock and its deadlines: what came in together is handled together, and a flood cannot
/// hold a loop's timers back for long.
pub const BATCH: usize = 64;

/// Waits on many sockets at once, for a loop that receives from each socket it is told of
/// until [`Socket::try_recv`] finds nothing. One poll(2) on the sockets' ZMQ_FDs, however many
/// there are: zmq_poll would ask every socket for its events, a system call each.
///
/// A settled socket (its last receive found nothing, and nothing was done on it since) is
/// waited on by its ZMQ_FD, which the next command to reach it (its next message among them)
/// makes readable. Any other socket may have a message now: it is named at once, and the wait
/// does not sleep. The list handed to poll(2) is kept from one wait to the next.
#[derive(Default)]
pub struct Poller {
    /// One entry per socket of the last wait, in order; a socket not settled has a negative
    /// descriptor, which poll(2) passes over.
    items: Vec<libc::pollfd>,
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
        self.items
            .extend(sockets.into_iter().map(|socket| item(socket.settled_fd())));
        let wait = match self.items.iter().any(|item| item.fd < 0) {
            true => Duration::ZERO,
            false => wait,
        };
        wait_on(&mut self.items, wait)
    }

    /// Whether the `i`th socket of the last wait may have a message: receive from it until
    /// [`Socket::try_recv`] finds nothing.
    pub fn readable(&self, i: usize) -> bool {
        self.items.get(i).is_some_and(may_have_message)
    }
}

impl Socket {
    /// Receives one whole message, waiting at most `wait` for one; `None` when nothing came in
    /// time or a signal interrupted the wait (the caller checks its stop flag and comes back).
    ///
    /// A message already queued is taken without a system call of its own; otherwise the wait
    /// is the [`Poller`]'s, on this one socket.
    pub fn recv(&mut self, wait: Duration) -> Result<Option<Vec<Frame>>, TransportError> {
        if let Some(frames) = self.try_recv()? {
            return Ok(Some(frames));
        }
        let started = Instant::now();
        // Nothing was waiting, so the socket is settled, unless a signal interrupted the
        // receive; woken by a command that was not a message, it waits out what is left.
        while let Some(fd) = self.settled_fd() {
            let mut items = [item(Some(fd))];
            wait_on(&mut items, wait.saturating_sub(started.elapsed()))?;
            if !may_have_message(&items[0]) {
                return Ok(None);
            }
            if let Some(frames) = self.try_recv()? {
                return Ok(Some(frames));
            }
        }
        Ok(None)
    }
}

/// What poll(2) is given for a socket whose settled descriptor is `fd` (`None`: not settled).
fn item(fd: Option<std::os::fd::RawFd>) -> libc::pollfd {
    libc::pollfd {
        fd: fd.unwrap_or(-1),
        events: libc::POLLIN,
        revents: 0,
    }
}

/// Whether the socket of `item` may have a message after a wait: it was not settled, or a
/// command reached it.
fn may_have_message(item: &libc::pollfd) -> bool {
    item.fd < 0 || item.revents & libc::POLLIN != 0
}

/// Waits until one of `items` is readable or `wait` passes; a signal ends the wait early
/// with none readable.
pub(super) fn wait_on(items: &mut [libc::pollfd], wait: Duration) -> Result<(), TransportError> {
    // Rounded up, so a wait never ends just before its deadline and spins.
    let timeout = wait.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    // SAFETY: the list is valid for its length; the descriptors are libzmq's or direct
    // connections', open for as long as their owners, which the callers borrow for the call.
    let rc = unsafe { libc::poll(items.as_mut_ptr(), items.len() as libc::nfds_t, timeout) };
    if rc < 0 {
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(TransportError::Wait { source: error });
        }
        items.iter_mut().for_each(|item| item.revents = 0);
    }
    Ok(())
}

/// Wait until `deadline`, capped at [`MAX_WAIT`].
pub fn wait_until(now: Instant, deadline: Instant) -> Duration {
    deadline.saturating_duration_since(now).min(MAX_WAIT)
}
