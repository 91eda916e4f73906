//! Frames to and from libzmq's C API, without copies.
//!
//! A [`Frame`] (the protocol crate's) of more than [`Frame::INLINE`] bytes is held by an
//! owner; a frame received here is held by its libzmq message itself: the `zmq_msg_t` is
//! stored in the owner's storage (no allocation), and its block is libzmq's reference-counted
//! one. [`send`] recognises such a frame by its vtable ([`MESSAGE`]) and hands the message
//! back to libzmq as it is; a heap block of the protocol crate's is handed over as it is too
//! (`zmq_msg_init_data` with the block's release function). So a broker forwards a request's
//! body from client to worker and its reply back as the lean C broker does, never copying it
//! into a buffer of its own; and a clone of a received frame (a request kept for requeueing)
//! is `zmq_msg_copy`, a reference count.

use std::mem::MaybeUninit;
use std::os::raw::c_void;
use std::ptr::NonNull;

use zmqtool_proto::frame::{Owner, Storage, Vtable};

pub use zmqtool_proto::frame::{Frame, bytes_in, frames};

// The layout the code below relies on: a `zmq_msg_t` fits an owner's storage (it is moved
// there and back by copying its bytes, which libzmq allows for a message whose bytes are not
// inside it: every message of more than `Frame::INLINE` bytes), and libzmq's "very small
// message" limit is the protocol crate's inline limit (so a frame held here is never one
// whose bytes live inside the `zmq_msg_t`).
const _: () = assert!(std::mem::size_of::<zmq_sys::zmq_msg_t>() == std::mem::size_of::<Storage>());
const _: () =
    assert!(std::mem::align_of::<zmq_sys::zmq_msg_t>() <= std::mem::align_of::<Storage>());
const _: () = assert!(std::mem::size_of::<zmq_sys::zmq_msg_t>() == 64);
// libzmq 4.3 keeps up to 33 bytes inside a 64-bit target's zmq_msg_t (its max_vsm_size).
const _: () = assert!(Frame::INLINE == 33 && std::mem::size_of::<usize>() == 8);

/// The owner of a frame received from libzmq: its storage holds the `zmq_msg_t`.
pub(super) static MESSAGE: Vtable = Vtable {
    clone: message_clone,
    drop: message_drop,
    into_raw: None,
};

/// Another owner of the message in `from` (libzmq counts the owners of its block, and marks
/// `from` shared).
///
/// # Safety
/// `from` holds an initialised message; `to` is writable storage.
unsafe fn message_clone(from: *mut Storage, to: *mut Storage) {
    let (from, to) = (
        from.cast::<zmq_sys::zmq_msg_t>(),
        to.cast::<zmq_sys::zmq_msg_t>(),
    );
    // SAFETY: zmq_msg_copy needs an initialised destination; the source is initialised.
    unsafe {
        zmq_sys::zmq_msg_init(to);
        let rc = zmq_sys::zmq_msg_copy(to, from);
        assert_eq!(rc, 0, "zmq_msg_copy of an initialised message");
    }
}

/// Closes the message in `storage`.
///
/// # Safety
/// `storage` holds an initialised message, closed once.
unsafe fn message_drop(storage: *mut Storage) {
    // SAFETY: as the caller promises.
    unsafe { zmq_sys::zmq_msg_close(storage.cast()) };
}

/// An initialised `zmq_msg_t`, closed when dropped.
struct Message(zmq_sys::zmq_msg_t);

impl Message {
    /// An empty message.
    fn new() -> Message {
        let mut raw = MaybeUninit::<zmq_sys::zmq_msg_t>::uninit();
        // SAFETY: zmq_msg_init initialises the message and cannot fail.
        unsafe {
            zmq_sys::zmq_msg_init(raw.as_mut_ptr());
            Message(raw.assume_init())
        }
    }

    /// A message holding a copy of `bytes`.
    fn copy(bytes: &[u8]) -> Message {
        let mut raw = MaybeUninit::<zmq_sys::zmq_msg_t>::uninit();
        // SAFETY: after zmq_msg_init_size the message is initialised with room for
        // `bytes.len()` bytes at zmq_msg_data; it fails only when out of memory.
        unsafe {
            let rc = zmq_sys::zmq_msg_init_size(raw.as_mut_ptr(), bytes.len());
            assert_eq!(rc, 0, "libzmq could not allocate a message");
            let mut message = Message(raw.assume_init());
            let data = zmq_sys::zmq_msg_data(&mut message.0) as *mut u8;
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
            message
        }
    }

    /// A frame held by this message, which holds more than [`Frame::INLINE`] bytes.
    fn into_frame(mut self) -> Frame {
        // SAFETY: the message is initialised; its data and size describe its bytes, in a
        // block of their own (more than `Frame::INLINE` bytes are never inside the
        // `zmq_msg_t`: see the assertions above), which libzmq keeps unchanged while any
        // copy of the message lives; a `zmq_msg_t` may be moved by copying its bytes, and
        // sent between threads (libzmq counts the owners of a shared block atomically).
        unsafe {
            let data = zmq_sys::zmq_msg_data(&mut self.0) as *mut u8;
            let len = zmq_sys::zmq_msg_size(&self.0);
            debug_assert!(len > Frame::INLINE);
            let data = NonNull::new(data).expect("a message of more than 33 bytes has a block");
            let raw = std::mem::ManuallyDrop::new(self);
            let mut storage = Storage::uninit();
            std::ptr::copy_nonoverlapping(
                &raw.0 as *const zmq_sys::zmq_msg_t,
                storage.0.as_mut_ptr().cast(),
                1,
            );
            Frame::from_owner(data, len, Owner::new(&MESSAGE, storage))
        }
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        // SAFETY: the message is initialised (every constructor does it).
        unsafe { zmq_sys::zmq_msg_close(&mut self.0) };
    }
}

/// The `errno` of libzmq's last failed call on this thread.
pub(super) fn last_error() -> zmq::Error {
    // SAFETY: no arguments; reads a thread-local.
    zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() })
}

/// Receives one frame from the libzmq socket `socket` into `spare` (an initialised message
/// kept for the next call) and appends it to `frames`: a small frame is copied into the frame
/// itself; one that may lie in libzmq's receive buffer is copied out of it, so a frame holds
/// only its own bytes, unless `transient` (it is let go soon: see `Tuning::transient`); any
/// other is taken as libzmq received it. Returns whether more frames of its message follow.
///
/// # Safety
/// `socket` is a live libzmq socket used by this thread only.
pub(super) unsafe fn recv(
    socket: *mut c_void,
    spare: &mut Spare,
    flags: i32,
    transient: bool,
    frames: &mut Vec<Frame>,
) -> Result<bool, zmq::Error> {
    let msg = &mut spare.0.0 as *mut zmq_sys::zmq_msg_t;
    // SAFETY: `msg` is initialised (zmq_msg_recv closes what it held); `socket` is live.
    unsafe {
        // The size of the message received, or INT_MAX for one as large or larger.
        let len = zmq_sys::zmq_msg_recv(msg, socket, flags);
        if len < 0 {
            return Err(last_error());
        }
        let len = len as usize;
        let more = zmq_sys::zmq_msg_more(msg) != 0;
        frames.push(if len <= Frame::INLINE {
            let data = zmq_sys::zmq_msg_data(msg) as *const u8;
            Frame::copy(std::slice::from_raw_parts(data, len))
        } else if len < RECEIVE_BUFFER && !transient {
            // libzmq may have decoded it in place, in the connection's receive buffer, which
            // it keeps alive for as long as the frame lives (and no call tells): a broker
            // holding such frames would hold a buffer per queued request, whatever its byte
            // limits say. A block of its own holds just the bytes.
            let data = zmq_sys::zmq_msg_data(msg) as *const u8;
            Message::copy(std::slice::from_raw_parts(data, len)).into_frame()
        } else {
            std::mem::replace(&mut spare.0, Message::new()).into_frame()
        });
        Ok(more)
    }
}

/// Sends `frame` on the libzmq socket `socket` with `flags`: a small frame is copied into
/// libzmq's message (`zmq_send`), a larger one handed over without a copy: a received one
/// as the libzmq message it is, a heap block of the protocol crate's with its release function.
///
/// # Safety
/// `socket` is a live libzmq socket used by this thread only.
pub(super) unsafe fn send(socket: *mut c_void, frame: Frame, flags: i32) -> Result<(), zmq::Error> {
    if frame.len() <= Frame::INLINE {
        // SAFETY: `socket` is live; the buffer is valid for its length.
        let rc = unsafe {
            zmq_sys::zmq_send(socket, frame.as_ptr() as *const c_void, frame.len(), flags)
        };
        return if rc < 0 { Err(last_error()) } else { Ok(()) };
    }
    // Checked by reference first: the common case moves the frame once.
    let frame = match frame.is_held_by(&MESSAGE) {
        true => match frame.into_storage_of(&MESSAGE) {
            // SAFETY: the storage holds an initialised message (MESSAGE's owners do), ours now.
            Ok(storage) => return unsafe { send_message(socket, storage_message(storage), flags) },
            Err(frame) => frame,
        },
        false => frame,
    };
    match frame.into_raw() {
        Ok(raw) => {
            let mut message = MaybeUninit::<zmq_sys::zmq_msg_t>::uninit();
            // SAFETY: the block stays valid until libzmq calls `release` with the hint.
            let message = unsafe {
                let rc = zmq_sys::zmq_msg_init_data(
                    message.as_mut_ptr(),
                    raw.data.as_ptr() as *mut c_void,
                    raw.len,
                    Some(raw.release),
                    raw.hint,
                );
                assert_eq!(rc, 0, "libzmq could not allocate a message");
                Message(message.assume_init())
            };
            // SAFETY: as for `send_message`.
            unsafe { send_message(socket, message, flags) }
        }
        Err(frame) => {
            // An owner that cannot give its block away: libzmq copies the bytes.
            // SAFETY: `socket` is live; the buffer is valid for its length.
            let rc = unsafe {
                zmq_sys::zmq_send(socket, frame.as_ptr() as *const c_void, frame.len(), flags)
            };
            if rc < 0 { Err(last_error()) } else { Ok(()) }
        }
    }
}

/// The message in `storage`, taken from a frame's owner.
#[inline]
fn storage_message(storage: Storage) -> Message {
    // SAFETY: the storage holds an initialised `zmq_msg_t`, moved out bytewise (see the
    // layout assertions above).
    Message(unsafe { std::ptr::read(storage.0.as_ptr().cast::<zmq_sys::zmq_msg_t>()) })
}

/// Sends `message`: libzmq's once it succeeds (it is then empty, and forgetting it leaks
/// nothing), closed here when it fails.
///
/// # Safety
/// `socket` is a live libzmq socket used by this thread only.
unsafe fn send_message(
    socket: *mut c_void,
    message: Message,
    flags: i32,
) -> Result<(), zmq::Error> {
    let mut message = std::mem::ManuallyDrop::new(message);
    // SAFETY: `socket` is live and the message initialised.
    let rc = unsafe { zmq_sys::zmq_msg_send(&mut message.0, socket, flags) };
    if rc < 0 {
        let error = last_error();
        // SAFETY: not sent: still ours, closed once.
        unsafe { std::mem::ManuallyDrop::drop(&mut message) };
        return Err(error);
    }
    Ok(())
}

/// libzmq's receive buffer per connection (`ZMQ_IN_BATCH_SIZE`, left at its default): a
/// frame smaller than this may be decoded into it, a larger one never is.
const RECEIVE_BUFFER: usize = 8192;

/// The message [`recv`] receives into, kept between calls.
pub(super) struct Spare(Message);

impl Spare {
    pub(super) fn new() -> Spare {
        Spare(Message::new())
    }

    /// The ZAP user id (`User-Id`) of the connection the frame last received came from, if
    /// the spare still holds that frame (a frame taken whole leaves a fresh message here)
    /// and the connection's ZAP handler gave one.
    pub(super) fn user_id(&self) -> Option<Vec<u8>> {
        // SAFETY: the message is initialised; libzmq returns NULL or a NUL-terminated string
        // owned by the message's metadata, copied out before the message changes.
        unsafe {
            let value = zmq_sys::zmq_msg_gets(&self.0.0, c"User-Id".as_ptr());
            if value.is_null() {
                return None;
            }
            Some(std::ffi::CStr::from_ptr(value).to_bytes().to_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_every_size_become_frames_and_go_back() {
        for n in [Frame::INLINE + 1, 100, 4096, 10_000] {
            let bytes: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let frame = Message::copy(&bytes).into_frame();
            let clone = frame.clone();
            let mut moved = vec![frame];
            moved.reserve(100); // the frame moves to a new allocation
            assert_eq!(moved[0], bytes);
            let storage = moved.pop().unwrap().into_storage_of(&MESSAGE).ok().unwrap();
            let message = storage_message(storage);
            // SAFETY: an initialised message.
            let len = unsafe { zmq_sys::zmq_msg_size(&message.0) };
            assert_eq!(len, n);
            drop(message);
            assert_eq!(clone, bytes);
        }
    }
}
