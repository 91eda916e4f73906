//! [`Frame`]: one message part, as bytes, with no copy between the socket and the codec.
//!
//! A frame of up to [`Frame::INLINE`] bytes (the protocol's own frames: headers, command
//! bytes, empty delimiters, routing ids) lives inside the value itself, so it costs no
//! allocation. A larger one is a block held by an [`Owner`]: the frame keeps the block's
//! address and length, and the owner keeps the block alive. This crate's own owners are
//! reference-counted heap blocks (what `From<Vec<u8>>` and [`Frame::copy`] make); a driver brings others through [`Owner::new`]: the transport wraps a libzmq message
//! as it was received (its handle is stored in the owner, no allocation), and when it sends
//! the frame it recognises its own [`Vtable`] ([`Frame::into_storage_of`]) and hands the
//! message back to libzmq as it is. A heap block goes to a C library without a copy too
//! ([`Frame::into_raw`]: the shape of `zmq_msg_init_data`'s free function). So a broker
//! forwards a request's body from client to worker, and keeps a shared copy for requeueing,
//! without ever copying its bytes, and this crate never names libzmq.
//!
//! Above this module a frame is just bytes: it derefs to `[u8]` (the address and length of a
//! large frame's block are read once, when it is made), compares, orders and hashes as its
//! bytes do (so a `HashMap<Frame, _>` is looked up with a `&[u8]`), and is made from a
//! `Vec<u8>`, a slice or a string. Writing through `&mut Frame` first gives it a block of its
//! own. All of this crate's `unsafe` is in this module.

use std::borrow::Borrow;
use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::Arc;

/// One ZeroMQ message part.
pub struct Frame(Repr);

enum Repr {
    /// Up to [`Frame::INLINE`] bytes, here.
    Inline { len: u8, bytes: [u8; Frame::INLINE] },
    /// More: `len` bytes at `data`, in a block that `owner` keeps alive. The block is never
    /// inside the owner's storage, so `data` stays valid however the frame is moved.
    Held {
        data: NonNull<u8>,
        len: usize,
        owner: Owner,
    },
}

// SAFETY: `data` points into the block kept by `owner`, whose handle may be sent between
// threads (a contract of `Owner::new`: the owners here count their shares atomically), and
// is written only through `&mut Frame`, when the block is this frame's alone. Not `Sync`:
// cloning through `&Frame` may write the owner's handle (libzmq marks a message shared).
unsafe impl Send for Frame {}

/// Room for an owner's handle: 64 bytes, 8-aligned (the size of a `zmq_msg_t`).
#[derive(Clone, Copy)]
#[repr(C, align(8))]
pub struct Storage(pub [MaybeUninit<u8>; 64]);

impl Storage {
    /// Storage holding nothing yet.
    pub const fn uninit() -> Storage {
        Storage([MaybeUninit::uninit(); 64])
    }
}

/// A C library's function that releases a block it was given: called with the block's
/// address and the `hint` given with it (the shape `zmq_msg_init_data` takes).
pub type Release = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// Turns the handle in `storage` (of a block of `len` bytes at `data`) into one pointer and
/// the function that releases it.
pub type IntoRaw =
    unsafe fn(storage: *mut Storage, data: NonNull<u8>, len: usize) -> (*mut c_void, Release);

/// What an owner does with the handle in its [`Storage`].
pub struct Vtable {
    /// Writes into `to` another owner of the same block (a share, not a copy of the bytes).
    /// `from` may be written too (libzmq marks a message shared).
    pub clone: unsafe fn(from: *mut Storage, to: *mut Storage),
    /// Releases this owner's share of the block.
    pub drop: unsafe fn(storage: *mut Storage),
    /// Turns the handle into one pointer and the function that releases it, if it can be
    /// (the handle is gone from the storage afterwards).
    pub into_raw: Option<IntoRaw>,
}

/// What keeps a large frame's block alive: a handle in a few words of storage, and the
/// [`Vtable`] that knows it.
pub struct Owner {
    vtable: &'static Vtable,
    storage: UnsafeCell<Storage>,
}

impl Owner {
    /// An owner whose handle is in `storage`.
    ///
    /// # Safety
    /// `storage` holds a live handle that `vtable`'s functions expect; the handle may be
    /// moved by copying its bytes and sent to another thread; it keeps a block alive, whose
    /// bytes do not change while any owner of it lives; and that block is never inside the
    /// storage.
    pub unsafe fn new(vtable: &'static Vtable, storage: Storage) -> Owner {
        Owner {
            vtable,
            storage: UnsafeCell::new(storage),
        }
    }

    /// The handle, which the caller now owns (it is not released here).
    #[inline]
    fn into_storage(self) -> Storage {
        let owner = ManuallyDrop::new(self);
        // SAFETY: read once, from an owner that is never dropped.
        unsafe { std::ptr::read(owner.storage.get()) }
    }
}

impl Clone for Owner {
    #[inline]
    fn clone(&self) -> Owner {
        let mut to = Storage::uninit();
        // SAFETY: the storage holds a live handle of this vtable (`Owner::new`); the cell
        // lets `clone` write it, on this thread only (`Frame` is not `Sync`).
        unsafe { (self.vtable.clone)(self.storage.get(), &mut to) };
        Owner {
            vtable: self.vtable,
            storage: UnsafeCell::new(to),
        }
    }
}

impl Drop for Owner {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the handle is live, and released once: here.
        unsafe { (self.vtable.drop)(self.storage.get()) }
    }
}

/// A large frame's block given away: release it with `release(data, hint)`.
pub struct Raw {
    pub data: NonNull<u8>,
    pub len: usize,
    pub hint: *mut c_void,
    pub release: Release,
}

/// The heap blocks of this crate: [`Frame::copy`] makes an `Arc<[u8]>` (one allocation, the
/// count beside the bytes), `From<Vec<u8>>` an `Arc<Vec<u8>>` (the vector's bytes stay where
/// they are).
static SLICE: Vtable = Vtable {
    clone: heap::clone::<[u8]>,
    drop: heap::drop::<[u8]>,
    into_raw: Some(heap::slice_into_raw),
};

static VEC: Vtable = Vtable {
    clone: heap::clone::<Vec<u8>>,
    drop: heap::drop::<Vec<u8>>,
    into_raw: Some(heap::vec_into_raw),
};

mod heap {
    //! The owner functions of [`super::SLICE`] and [`super::VEC`]: the storage holds an
    //! `Arc<T>`, whose bytes the frame's `data` points to.
    use super::*;

    /// The bytes of a heap block, and the vtable of its owners.
    pub(super) trait Block: Send + Sync {
        fn bytes(&self) -> &[u8];
        fn vtable() -> &'static Vtable;
    }

    impl Block for [u8] {
        fn bytes(&self) -> &[u8] {
            self
        }

        fn vtable() -> &'static Vtable {
            &SLICE
        }
    }

    impl Block for Vec<u8> {
        fn bytes(&self) -> &[u8] {
            self
        }

        fn vtable() -> &'static Vtable {
            &VEC
        }
    }

    /// `block` as an owner, and where its bytes are.
    #[inline]
    pub(super) fn owner<T: Block + ?Sized>(block: Arc<T>) -> (NonNull<u8>, usize, Owner) {
        let (data, len) = (
            NonNull::from(block.bytes()).cast::<u8>(),
            block.bytes().len(),
        );
        let mut storage = Storage::uninit();
        // SAFETY: an `Arc` is at most 16 bytes and 8-aligned: it fits the storage.
        unsafe { std::ptr::write(storage.0.as_mut_ptr().cast::<Arc<T>>(), block) };
        // SAFETY: an `Arc` may be moved bytewise and sent between threads (`T: Send +
        // Sync`); its bytes are on the heap, apart from the storage, and written only
        // through `Arc::get_mut`, when no other owner exists (`DerefMut for Frame`).
        (data, len, unsafe { Owner::new(T::vtable(), storage) })
    }

    /// The `Arc` in `storage`, borrowed.
    ///
    /// # Safety
    /// `storage` holds a live `Arc<T>` (one that [`owner`] stored), borrowed no other way
    /// for `'a`.
    pub(super) unsafe fn get<'a, T: ?Sized>(storage: *mut Storage) -> &'a mut Arc<T> {
        // SAFETY: as the caller promises.
        unsafe { &mut *storage.cast::<Arc<T>>() }
    }

    /// The bytes of the heap block `owner` holds, if no other owner shares them.
    #[inline]
    pub(super) fn unshared(owner: &mut Owner) -> Option<&mut [u8]> {
        let storage = owner.storage.get_mut();
        // SAFETY: `SLICE`'s owners hold an `Arc<[u8]>`, `VEC`'s an `Arc<Vec<u8>>`; the
        // `&mut Owner` is the only way to them.
        unsafe {
            if owner.vtable.is_same(&SLICE) {
                Arc::get_mut(get::<[u8]>(storage))
            } else if owner.vtable.is_same(&VEC) {
                Arc::get_mut(get::<Vec<u8>>(storage)).map(|bytes| bytes.as_mut_slice())
            } else {
                None
            }
        }
    }

    pub(super) unsafe fn clone<T: ?Sized>(from: *mut Storage, to: *mut Storage) {
        // SAFETY: `from` holds a live `Arc<T>` (the vtable's contract); `to` is writable.
        unsafe {
            let block = Arc::clone(get::<T>(from));
            std::ptr::write(to.cast::<Arc<T>>(), block);
        }
    }

    pub(super) unsafe fn drop<T: ?Sized>(storage: *mut Storage) {
        // SAFETY: the live `Arc`, read out once and dropped.
        unsafe { std::mem::drop(std::ptr::read(storage.cast::<Arc<T>>())) }
    }

    pub(super) unsafe fn slice_into_raw(
        storage: *mut Storage,
        data: NonNull<u8>,
        len: usize,
    ) -> (*mut c_void, Release) {
        /// Rebuilds the `Arc` from its data pointer and its length (the hint).
        unsafe extern "C" fn release(data: *mut c_void, hint: *mut c_void) {
            let slice = std::ptr::slice_from_raw_parts(data as *const u8, hint as usize);
            // SAFETY: `data` and `hint` are the pointer `Arc::into_raw` gave and its length.
            std::mem::drop(unsafe { Arc::from_raw(slice) });
        }
        // SAFETY: the live `Arc`, moved out once.
        let block = unsafe { std::ptr::read(storage.cast::<Arc<[u8]>>()) };
        debug_assert_eq!(
            (block.as_ptr(), block.len()),
            (data.as_ptr() as *const u8, len)
        );
        let _ = Arc::into_raw(block);
        (len as *mut c_void, release)
    }

    pub(super) unsafe fn vec_into_raw(
        storage: *mut Storage,
        _: NonNull<u8>,
        _: usize,
    ) -> (*mut c_void, Release) {
        /// Rebuilds the `Arc` from the pointer `Arc::into_raw` gave (the hint).
        unsafe extern "C" fn release(_: *mut c_void, hint: *mut c_void) {
            // SAFETY: `hint` is that pointer, released once.
            std::mem::drop(unsafe { Arc::from_raw(hint as *const Vec<u8>) });
        }
        // SAFETY: the live `Arc`, moved out once.
        let block = unsafe { std::ptr::read(storage.cast::<Arc<Vec<u8>>>()) };
        (Arc::into_raw(block) as *mut c_void, release)
    }
}

impl Vtable {
    /// Whether `self` and `other` are the same static.
    #[inline]
    fn is_same(&'static self, other: &'static Vtable) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Frame {
    /// The longest frame kept inside the value: libzmq's own limit for a message kept
    /// inside its `zmq_msg_t` on 64-bit systems, so a small frame crosses into libzmq
    /// without an allocation either way.
    pub const INLINE: usize = 33;

    /// An empty frame (the MDP/0.1 delimiter, a REQ envelope's end).
    #[inline]
    pub fn empty() -> Frame {
        Frame::inline(&[])
    }

    /// A copy of `bytes`.
    #[inline]
    pub fn copy(bytes: &[u8]) -> Frame {
        if bytes.len() <= Frame::INLINE {
            Frame::inline(bytes)
        } else {
            Frame::heap(Arc::<[u8]>::from(bytes))
        }
    }

    #[inline]
    fn inline(bytes: &[u8]) -> Frame {
        let mut inline = [0; Frame::INLINE];
        inline[..bytes.len()].copy_from_slice(bytes);
        Frame(Repr::Inline {
            len: bytes.len() as u8,
            bytes: inline,
        })
    }

    /// `block`, which holds more than [`Frame::INLINE`] bytes.
    #[inline]
    fn heap<T: heap::Block + ?Sized>(block: Arc<T>) -> Frame {
        let (data, len, owner) = heap::owner(block);
        Frame(Repr::Held { data, len, owner })
    }

    /// The `len` bytes at `data`, kept alive by `owner`: a frame of at most
    /// [`Frame::INLINE`] bytes copies them in and lets `owner` go.
    ///
    /// # Safety
    /// `data` is valid for reads of `len` bytes for as long as `owner` or a clone of it
    /// lives, and the bytes do not change meanwhile.
    #[inline]
    pub unsafe fn from_owner(data: NonNull<u8>, len: usize, owner: Owner) -> Frame {
        if len <= Frame::INLINE {
            // SAFETY: valid for `len` bytes, as the caller promises.
            return Frame::inline(unsafe { std::slice::from_raw_parts(data.as_ptr(), len) });
        }
        Frame(Repr::Held { data, len, owner })
    }

    /// Whether this frame's block is held by an owner of `vtable`.
    #[inline]
    pub fn is_held_by(&self, vtable: &'static Vtable) -> bool {
        matches!(&self.0, Repr::Held { owner, .. } if owner.vtable.is_same(vtable))
    }

    /// The handle of this frame's owner if it is one of `vtable` (the caller now owns it),
    /// or the frame unchanged.
    #[inline]
    pub fn into_storage_of(self, vtable: &'static Vtable) -> Result<Storage, Frame> {
        match self.0 {
            Repr::Held { owner, .. } if owner.vtable.is_same(vtable) => Ok(owner.into_storage()),
            repr => Err(Frame(repr)),
        }
    }

    /// This frame's block given away as a pointer, a length and a release function, if it
    /// is a large frame whose owner can be given away so; or the frame unchanged.
    #[inline]
    pub fn into_raw(self) -> Result<Raw, Frame> {
        match self.0 {
            Repr::Held { data, len, owner } => match owner.vtable.into_raw {
                Some(into_raw) => {
                    let mut storage = owner.into_storage();
                    // SAFETY: the handle is live and this vtable's; it is taken once.
                    let (hint, release) = unsafe { into_raw(&mut storage, data, len) };
                    Ok(Raw {
                        data,
                        len,
                        hint,
                        release,
                    })
                }
                None => Err(Frame(Repr::Held { data, len, owner })),
            },
            repr => Err(Frame(repr)),
        }
    }

    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        self
    }

    /// The bytes, as the `Vec` that code keeping them (a store, a test) wants.
    pub fn into_vec(self) -> Vec<u8> {
        self.to_vec()
    }
}

/// Frames holding copies of `parts` (tests, and messages made of constants).
pub fn frames(parts: &[&[u8]]) -> Vec<Frame> {
    parts.iter().map(|part| Frame::copy(part)).collect()
}

/// The bytes `frames` hold, all told (what size limits count).
#[inline]
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

    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..*len as usize],
            // SAFETY: `data` and `len` describe the block `owner` keeps alive for as long as
            // `self` lives (see `Repr::Held`).
            Repr::Held { data, len, .. } => unsafe {
                std::slice::from_raw_parts(data.as_ptr(), *len)
            },
        }
    }
}

impl DerefMut for Frame {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        let shared = match &mut self.0 {
            Repr::Inline { .. } => false,
            Repr::Held { owner, .. } => heap::unshared(owner).is_none(),
        };
        if shared {
            // Its block may be shared with clones, or not ours to write: a copy of our own.
            *self = Frame::heap(Arc::<[u8]>::from(&self[..]));
        }
        match &mut self.0 {
            Repr::Inline { len, bytes } => &mut bytes[..*len as usize],
            Repr::Held { owner, .. } => heap::unshared(owner).expect("a block of its own"),
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
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Borrow<[u8]> for Frame {
    #[inline]
    fn borrow(&self) -> &[u8] {
        self
    }
}

impl Clone for Frame {
    /// A small frame is copied; a larger one shares its block (its owner's reference
    /// count), as a broker keeps a request it has sent until the reply comes.
    #[inline]
    fn clone(&self) -> Frame {
        match &self.0 {
            Repr::Inline { len, bytes } => Frame(Repr::Inline {
                len: *len,
                bytes: *bytes,
            }),
            Repr::Held { data, len, owner } => Frame(Repr::Held {
                data: *data,
                len: *len,
                owner: owner.clone(),
            }),
        }
    }
}

impl From<Vec<u8>> for Frame {
    /// A small `bytes` is copied into the frame; a larger one moves to a block of its own.
    #[inline]
    fn from(bytes: Vec<u8>) -> Frame {
        if bytes.len() <= Frame::INLINE {
            Frame::inline(&bytes)
        } else {
            Frame::heap(Arc::new(bytes))
        }
    }
}

impl From<&[u8]> for Frame {
    #[inline]
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
    #[inline]
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
    #[inline]
    fn eq(&self, other: &Frame) -> bool {
        self[..] == other[..]
    }
}

impl Eq for Frame {}

impl PartialOrd for Frame {
    #[inline]
    fn partial_cmp(&self, other: &Frame) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Frame {
    #[inline]
    fn cmp(&self, other: &Frame) -> std::cmp::Ordering {
        self[..].cmp(&other[..])
    }
}

impl Hash for Frame {
    /// As `[u8]` hashes, which [`Borrow`] requires.
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self[..].hash(state);
    }
}

impl PartialEq<[u8]> for Frame {
    #[inline]
    fn eq(&self, other: &[u8]) -> bool {
        self[..] == *other
    }
}

impl PartialEq<&[u8]> for Frame {
    #[inline]
    fn eq(&self, other: &&[u8]) -> bool {
        self[..] == **other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Frame {
    #[inline]
    fn eq(&self, other: &[u8; N]) -> bool {
        self[..] == other[..]
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Frame {
    #[inline]
    fn eq(&self, other: &&[u8; N]) -> bool {
        self[..] == other[..]
    }
}

impl PartialEq<Vec<u8>> for Frame {
    #[inline]
    fn eq(&self, other: &Vec<u8>) -> bool {
        self[..] == other[..]
    }
}

impl PartialEq<Frame> for Vec<u8> {
    #[inline]
    fn eq(&self, other: &Frame) -> bool {
        self[..] == other[..]
    }
}

impl PartialEq<Frame> for &[u8] {
    #[inline]
    fn eq(&self, other: &Frame) -> bool {
        **self == other[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

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

    #[test]
    fn writing_a_shared_frame_leaves_its_clones_alone() {
        let original = Frame::from(vec![1u8; 64]);
        let mut written = original.clone();
        written[0] = 9;
        assert_eq!(original, vec![1u8; 64]);
        assert_eq!(written[..2], [9, 1]);
        // A block of its own is written in place.
        let before = written.as_ptr();
        written[1] = 9;
        assert_eq!(written.as_ptr(), before);
    }

    /// A foreign owner that counts its live shares in a static, as a driver's would.
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static BLOCK: [u8; 40] = [5; 40];

    static COUNTED: Vtable = Vtable {
        clone: |_, to| {
            LIVE.fetch_add(1, Ordering::SeqCst);
            // SAFETY: `to` is writable storage.
            unsafe { std::ptr::write(to, Storage::uninit()) }
        },
        drop: |_| {
            LIVE.fetch_sub(1, Ordering::SeqCst);
        },
        into_raw: None,
    };

    fn counted() -> Frame {
        LIVE.fetch_add(1, Ordering::SeqCst);
        let data = NonNull::from(&BLOCK).cast::<u8>();
        // SAFETY: the block is a static; the handle is nothing.
        unsafe { Frame::from_owner(data, BLOCK.len(), Owner::new(&COUNTED, Storage::uninit())) }
    }

    #[test]
    fn a_foreign_owner_is_cloned_dropped_and_recognised() {
        let frame = counted();
        let clone = frame.clone();
        assert_eq!(LIVE.load(Ordering::SeqCst), 2);
        assert_eq!(clone, BLOCK);
        drop(clone);
        assert_eq!(LIVE.load(Ordering::SeqCst), 1);
        // Not a heap block: it cannot be given away as a pointer, but its own vtable knows it.
        let frame = frame.into_raw().err().expect("no into_raw");
        let frame = frame.into_storage_of(&SLICE).err().expect("not SLICE's");
        assert!(frame.into_storage_of(&COUNTED).is_ok());
        // The handle was taken, not released.
        assert_eq!(LIVE.load(Ordering::SeqCst), 1);
        LIVE.fetch_sub(1, Ordering::SeqCst);
        // Written to, it gets a block of its own and lets the owner go.
        let mut frame = counted();
        frame[0] = 1;
        assert_eq!(LIVE.load(Ordering::SeqCst), 0);
        assert_eq!(BLOCK[0], 5);
        // A small frame is copied in, and its owner let go at once.
        LIVE.fetch_add(1, Ordering::SeqCst);
        let data = NonNull::from(&BLOCK).cast::<u8>();
        // SAFETY: as in `counted`.
        let frame = unsafe { Frame::from_owner(data, 4, Owner::new(&COUNTED, Storage::uninit())) };
        assert_eq!(LIVE.load(Ordering::SeqCst), 0);
        assert_eq!(frame, [5u8; 4]);
        assert!(frame.into_storage_of(&COUNTED).is_err());
    }

    #[test]
    fn a_heap_block_is_given_away_and_released() {
        let frame = Frame::from(vec![3u8; 50]);
        let clone = frame.clone();
        for frame in [frame, Frame::copy(&[3u8; 50])] {
            let Ok(raw) = frame.into_raw() else {
                panic!("a heap block is given away")
            };
            assert_eq!(raw.len, 50);
            // SAFETY: the block is alive until released, once, below.
            let bytes = unsafe { std::slice::from_raw_parts(raw.data.as_ptr(), raw.len) };
            assert_eq!(bytes, &clone[..]);
            // SAFETY: released once, with the hint given.
            unsafe { (raw.release)(raw.data.as_ptr().cast(), raw.hint) };
        }
        assert_eq!(clone, vec![3u8; 50]);
        assert!(Frame::from("small").into_raw().is_err());
    }
}
