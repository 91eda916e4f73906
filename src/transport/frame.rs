//! [`Frame`]: one message part, held the way libzmq holds it.
//!
//! A frame received is handed up as it came, and handed back to libzmq to send without a
//! copy: a broker forwards a request's body from client to worker and its reply back as
//! the lean C broker does, never copying it into a buffer of its own. A frame of up to
//! [`Frame::INLINE`] bytes (the protocol's own frames: headers, command bytes, empty
//! delimiters, routing ids) lives inside the value itself, as libzmq keeps a "very small
//! message", so it costs no allocation; a larger one is libzmq's reference-counted block.
//!
//! Above this module a frame is just bytes: it derefs to `[u8]` (without a call into
//! libzmq: the length and the address of a large frame's block are read once), compares,
//! orders and hashes as its bytes do (so a `HashMap<Frame, _>` is looked up with a `&[u8]`),
//! and is made from a `Vec<u8>`, a slice or a string. [`recv`] and [`send`] move one frame
//! between a libzmq socket and a `Frame`, on libzmq's C API; `Socket` calls them.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::MaybeUninit;
use std::ops::{Deref, DerefMut};
use std::os::raw::c_void;
use std::ptr::NonNull;

/// One ZeroMQ message part.
pub struct Frame(Repr);

enum Repr {
    /// Up to [`Frame::INLINE`] bytes, here.
    Inline { len: u8, bytes: [u8; Frame::INLINE] },
    /// More: a libzmq message, whose bytes are in a block of their own (never inside the
    /// `zmq_msg_t`, as only a message of at most [`Frame::INLINE`] bytes is), so `data`
    /// stays valid however the message is moved.
    Message {
        message: Message,
        data: NonNull<u8>,
        len: usize,
    },
}

// SAFETY: `data` points into the block owned by `message` (a libzmq message, which may be
// sent between threads: libzmq counts the owners of a shared block atomically), and is
// written only through `&mut Frame`, which first gives the frame a block of its own. Not
// `Sync`: a clone through `&Frame` marks the message shared (see `Clone`).
unsafe impl Send for Frame {}

/// An initialised `zmq_msg_t`, closed when dropped. In a cell, because libzmq marks a
/// message shared when it is copied ([`Frame::clone`]).
struct Message(std::cell::UnsafeCell<zmq_sys::zmq_msg_t>);

impl Message {
    /// An empty message.
    fn new() -> Message {
        let mut raw = MaybeUninit::<zmq_sys::zmq_msg_t>::uninit();
        // SAFETY: zmq_msg_init initialises the message and cannot fail.
        unsafe {
            zmq_sys::zmq_msg_init(raw.as_mut_ptr());
            Message(std::cell::UnsafeCell::new(raw.assume_init()))
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
            let message = Message(std::cell::UnsafeCell::new(raw.assume_init()));
            let data = zmq_sys::zmq_msg_data(message.0.get()) as *mut u8;
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
            message
        }
    }

    /// Another owner of this message's block: libzmq counts the owners, and frees the block
    /// with the last.
    fn share(&self) -> Message {
        let mut raw = MaybeUninit::<zmq_sys::zmq_msg_t>::uninit();
        // SAFETY: zmq_msg_copy needs an initialised destination; the source is initialised,
        // and the cell lets libzmq mark it shared (this thread only: `Frame` is not `Sync`).
        unsafe {
            zmq_sys::zmq_msg_init(raw.as_mut_ptr());
            let rc = zmq_sys::zmq_msg_copy(raw.as_mut_ptr(), self.0.get());
            assert_eq!(rc, 0, "zmq_msg_copy of an initialised message");
            Message(std::cell::UnsafeCell::new(raw.assume_init()))
        }
    }
}

impl From<Vec<u8>> for Message {
    /// Takes `bytes` over without a copy; libzmq frees them when it is done with them.
    fn from(bytes: Vec<u8>) -> Message {
        unsafe extern "C" fn free_boxed(data: *mut c_void, len: *mut c_void) {
            let bytes = std::ptr::slice_from_raw_parts_mut(data as *mut u8, len as usize);
            // SAFETY: `data` and `len` are those of the boxed slice leaked below.
            drop(unsafe { Box::from_raw(bytes) });
        }
        let bytes = Box::into_raw(bytes.into_boxed_slice());
        let len = bytes.len();
        let mut raw = MaybeUninit::<zmq_sys::zmq_msg_t>::uninit();
        // SAFETY: the block stays valid until libzmq calls `free_boxed` with its length.
        unsafe {
            let rc = zmq_sys::zmq_msg_init_data(
                raw.as_mut_ptr(),
                bytes as *mut c_void,
                len,
                Some(free_boxed),
                len as *mut c_void,
            );
            assert_eq!(rc, 0, "libzmq could not allocate a message");
            Message(std::cell::UnsafeCell::new(raw.assume_init()))
        }
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        // SAFETY: the message is initialised (every constructor does it).
        unsafe { zmq_sys::zmq_msg_close(self.0.get()) };
    }
}

/// The `errno` of libzmq's last failed call on this thread.
pub(super) fn last_error() -> zmq::Error {
    // SAFETY: no arguments; reads a thread-local.
    zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() })
}

impl Frame {
    /// The longest frame kept inside the value: libzmq's own limit for a message kept
    /// inside its `zmq_msg_t` on 64-bit systems, so a small frame crosses into libzmq
    /// without an allocation either way. (Boxing the other kind to make a frame 32 bytes
    /// instead of 80 was measured: the allocations cost what the shorter moves saved.)
    pub const INLINE: usize = 33;

    /// An empty frame (the MDP/0.1 delimiter, a REQ envelope's end).
    pub fn empty() -> Frame {
        Frame::inline(&[])
    }

    /// A copy of `bytes`.
    pub fn copy(bytes: &[u8]) -> Frame {
        if bytes.len() <= Frame::INLINE {
            Frame::inline(bytes)
        } else {
            Frame::large(Message::copy(bytes))
        }
    }

    fn inline(bytes: &[u8]) -> Frame {
        let mut inline = [0; Frame::INLINE];
        inline[..bytes.len()].copy_from_slice(bytes);
        Frame(Repr::Inline {
            len: bytes.len() as u8,
            bytes: inline,
        })
    }

    /// `message`, which holds more than [`Frame::INLINE`] bytes.
    fn large(message: Message) -> Frame {
        // SAFETY: the message is initialised; its data and size describe its bytes.
        let (data, len) = unsafe {
            (
                zmq_sys::zmq_msg_data(message.0.get()) as *mut u8,
                zmq_sys::zmq_msg_size(message.0.get()),
            )
        };
        debug_assert!(len > Frame::INLINE);
        let data = NonNull::new(data).expect("a message of more than 33 bytes has a block");
        Frame(Repr::Message { message, data, len })
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        self
    }

    /// The bytes, as the `Vec` that code keeping them (a store, a test) wants.
    pub fn into_vec(self) -> Vec<u8> {
        self.to_vec()
    }
}

/// Receives one frame from the libzmq socket `socket` into `spare` (an initialised message
/// kept for the next call) and appends it to `frames`: a frame that may lie in libzmq's
/// receive buffer is copied out (into the frame itself when small), so a frame holds only its
/// own bytes; a larger one is taken as libzmq received it. Returns whether more frames of its
/// message follow.
///
/// # Safety
/// `socket` is a live libzmq socket used by this thread only.
pub(super) unsafe fn recv(
    socket: *mut c_void,
    spare: &mut Spare,
    flags: i32,
    frames: &mut Vec<Frame>,
) -> Result<bool, zmq::Error> {
    let msg = spare.0.0.get();
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
            Frame::inline(std::slice::from_raw_parts(data, len))
        } else if len < RECEIVE_BUFFER {
            // libzmq may have decoded it in place, in the connection's receive buffer, which
            // it keeps alive for as long as the frame lives (and no call tells): a broker
            // holding such frames would hold a buffer per queued request, whatever its byte
            // limits say. A block of its own holds just the bytes.
            let data = zmq_sys::zmq_msg_data(msg) as *const u8;
            Frame::large(Message::copy(std::slice::from_raw_parts(data, len)))
        } else {
            Frame::large(std::mem::replace(&mut spare.0, Message::new()))
        });
        Ok(more)
    }
}

/// Sends `frame` on the libzmq socket `socket` with `flags`: a small frame is copied into
/// libzmq's message (`zmq_send`), a larger one handed over without a copy.
///
/// # Safety
/// `socket` is a live libzmq socket used by this thread only.
pub(super) unsafe fn send(socket: *mut c_void, frame: Frame, flags: i32) -> Result<(), zmq::Error> {
    // SAFETY: `socket` is live; the buffers passed are valid for the lengths given, and a
    // message handed to zmq_msg_send is libzmq's once it succeeds (it is then empty, and
    // forgetting it leaks nothing), ours to close when it fails.
    let rc = unsafe {
        match frame.0 {
            Repr::Inline { len, bytes } => {
                zmq_sys::zmq_send(socket, bytes.as_ptr() as *const c_void, len as usize, flags)
            }
            Repr::Message { message, .. } => {
                let mut message = std::mem::ManuallyDrop::new(message);
                let rc = zmq_sys::zmq_msg_send(message.0.get(), socket, flags);
                if rc < 0 {
                    let error = last_error();
                    std::mem::ManuallyDrop::drop(&mut message);
                    return Err(error);
                }
                rc
            }
        }
    };
    if rc < 0 { Err(last_error()) } else { Ok(()) }
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
            let value = zmq_sys::zmq_msg_gets(self.0.0.get(), c"User-Id".as_ptr());
            if value.is_null() {
                return None;
            }
            Some(std::ffi::CStr::from_ptr(value).to_bytes().to_vec())
        }
    }
}

/// Frames holding copies of `parts` (tests, and messages made of constants).
pub fn frames(parts: &[&[u8]]) -> Vec<Frame> {
    parts.iter().map(|part| Frame::copy(part)).collect()
}

/// The bytes `frames` hold, all told (what size limits count).
pub fn bytes_in(frames: &[Frame]) -> usize {
    frames.iter().map(|frame| frame.len()).sum()
}

impl Default for Frame {
    fn default() -> Frame {
        Frame::empty()
    }
}

impl Deref for Frame {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..*len as usize],
            // SAFETY: `data` and `len` describe `message`'s block, which lives as long as
            // `self` (see `Repr::Message`).
            Repr::Message { data, len, .. } => unsafe {
                std::slice::from_raw_parts(data.as_ptr(), *len)
            },
        }
    }
}

impl DerefMut for Frame {
    fn deref_mut(&mut self) -> &mut [u8] {
        if let Repr::Message { .. } = self.0 {
            // Its block may be shared with clones: written only in a block of its own.
            *self = Frame::large(Message::copy(self));
        }
        match &mut self.0 {
            Repr::Inline { len, bytes } => &mut bytes[..*len as usize],
            // SAFETY: as in `deref`, and the block is this frame's alone.
            Repr::Message { data, len, .. } => unsafe {
                std::slice::from_raw_parts_mut(data.as_ptr(), *len)
            },
        }
    }
}

impl<'a> IntoIterator for &'a Frame {
    type Item = &'a u8;
    type IntoIter = std::slice::Iter<'a, u8>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Borrow<[u8]> for Frame {
    fn borrow(&self) -> &[u8] {
        self
    }
}

impl Clone for Frame {
    /// A small frame is copied; a larger one shares its block (libzmq's reference count),
    /// as a broker keeps a request it has sent until the reply comes.
    fn clone(&self) -> Frame {
        match &self.0 {
            Repr::Inline { len, bytes } => Frame(Repr::Inline {
                len: *len,
                bytes: *bytes,
            }),
            Repr::Message { message, data, len } => Frame(Repr::Message {
                message: message.share(),
                data: *data,
                len: *len,
            }),
        }
    }
}

impl From<Vec<u8>> for Frame {
    /// A small `bytes` is copied into the frame; a larger one is taken over without a copy.
    fn from(bytes: Vec<u8>) -> Frame {
        if bytes.len() <= Frame::INLINE {
            Frame::inline(&bytes)
        } else {
            Frame::large(Message::from(bytes))
        }
    }
}

impl From<&[u8]> for Frame {
    fn from(bytes: &[u8]) -> Frame {
        Frame::copy(bytes)
    }
}

impl<const N: usize> From<&[u8; N]> for Frame {
    fn from(bytes: &[u8; N]) -> Frame {
        Frame::copy(bytes)
    }
}

impl From<&str> for Frame {
    fn from(text: &str) -> Frame {
        Frame::copy(text.as_bytes())
    }
}

impl From<String> for Frame {
    fn from(text: String) -> Frame {
        Frame::from(text.into_bytes())
    }
}

impl From<Frame> for Vec<u8> {
    fn from(frame: Frame) -> Vec<u8> {
        frame.into_vec()
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self[..], f)
    }
}

impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        self[..] == other[..]
    }
}

impl Eq for Frame {}

impl PartialOrd for Frame {
    fn partial_cmp(&self, other: &Frame) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Frame {
    fn cmp(&self, other: &Frame) -> std::cmp::Ordering {
        self[..].cmp(&other[..])
    }
}

impl Hash for Frame {
    /// As `[u8]` hashes, which [`Borrow`] requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self[..].hash(state);
    }
}

impl PartialEq<[u8]> for Frame {
    fn eq(&self, other: &[u8]) -> bool {
        self[..] == *other
    }
}

impl PartialEq<&[u8]> for Frame {
    fn eq(&self, other: &&[u8]) -> bool {
        self[..] == **other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Frame {
    fn eq(&self, other: &[u8; N]) -> bool {
        self[..] == other[..]
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Frame {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self[..] == other[..]
    }
}

impl PartialEq<Vec<u8>> for Frame {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self[..] == other[..]
    }
}

impl PartialEq<Frame> for Vec<u8> {
    fn eq(&self, other: &Frame) -> bool {
        self[..] == other[..]
    }
}

impl PartialEq<Frame> for &[u8] {
    fn eq(&self, other: &Frame) -> bool {
        **self == other[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_its_bytes() {
        let small = Frame::from(b"MDPW01".to_vec());
        let large = Frame::from(vec![7u8; 100]);
        assert_eq!(small, b"MDPW01");
        assert_eq!(large, vec![7u8; 100]);
        assert_eq!(large.clone(), large);
        assert_eq!(Frame::empty().len(), 0);
        assert!(Frame::from("a") < Frame::from("b"));
        assert_eq!(format!("{:?}", Frame::from("hi")), format!("{:?}", b"hi"));
        let mut map = std::collections::HashMap::new();
        map.insert(Frame::from("echo"), 1);
        assert_eq!(map.get(&b"echo"[..]), Some(&1));
        assert_eq!(large.into_vec(), vec![7u8; 100]);
    }

    #[test]
    fn frames_of_every_size_survive_moves() {
        for n in [
            0,
            1,
            Frame::INLINE - 1,
            Frame::INLINE,
            Frame::INLINE + 1,
            4096,
        ] {
            let bytes: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let mut moved = Vec::new();
            for frame in [Frame::copy(&bytes), Frame::from(bytes.clone())] {
                moved.push(frame);
                moved.reserve(100); // the frames move to a new allocation
            }
            for mut frame in moved {
                assert_eq!(frame, bytes);
                assert_eq!(frame.clone(), bytes);
                if n > 0 {
                    frame[0] ^= 0xff;
                    assert_ne!(frame, bytes);
                }
            }
        }
    }
}
