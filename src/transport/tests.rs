//! The transport on real sockets: frames of every size, waits and the settled rule, binds
//! and dumps.

use std::time::Duration;

use super::dump::render_dump;
use super::*;

fn pair(ctx: &Context) -> (Socket, Socket) {
    let endpoint = format!("inproc://transport-test-{}", uuid::Uuid::new_v4());
    let (a, _) = ctx
        .bind(
            Kind::Pair,
            Linger::Discard,
            ServerSecurity::default(),
            Tuning::default(),
            std::slice::from_ref(&endpoint),
        )
        .unwrap();
    let b = ctx
        .connect(
            Kind::Pair,
            Linger::Discard,
            &Security::Null,
            Tuning::default(),
            &endpoint,
        )
        .unwrap();
    (a, b)
}

/// Receives from `socket` until it has nothing, as a loop served by [`Poller`] does.
fn settle(socket: &Socket) -> Vec<Vec<Frame>> {
    std::iter::from_fn(|| socket.try_recv().unwrap()).collect()
}

/// Waits on `sockets` until the `i`th has a message, and returns it. A socket named
/// without one (a command that was not a message woke it) is waited on again; a wake-up
/// that never comes fails after a minute, not the test's first wait.
fn wait_for(poller: &mut Poller, sockets: &[&Socket], i: usize) -> Vec<Frame> {
    for _ in 0..100 {
        poller
            .poll(sockets.iter().copied(), Duration::from_secs(60))
            .unwrap();
        assert!(
            (0..sockets.len()).any(|k| poller.readable(k)),
            "a minute passed: the message did not wake the wait"
        );
        if poller.readable(i)
            && let Some(frames) = sockets[i].try_recv().unwrap()
        {
            return frames;
        }
        for (k, socket) in sockets.iter().enumerate() {
            if poller.readable(k) {
                settle(socket);
            }
        }
    }
    panic!("named a hundred times without a message");
}

#[test]
fn the_poller_wakes_for_a_message_and_names_sockets_not_settled() {
    let ctx = Context::new();
    let (a, b) = pair(&ctx);
    let (c, d) = pair(&ctx);
    let mut poller = Poller::default();
    // New sockets have not been received from: named at once, whatever the wait.
    poller.poll([&a, &c], Duration::from_secs(3600)).unwrap();
    assert!(poller.readable(0) && poller.readable(1));
    assert!(settle(&a).is_empty() && settle(&c).is_empty());

    // A message to a settled socket wakes the wait, for whichever socket it came to.
    d.send(frames(&[b"to c"])).unwrap();
    assert_eq!(wait_for(&mut poller, &[&a, &c], 1), frames(&[b"to c"]));
    b.send(frames(&[b"to a"])).unwrap();
    assert_eq!(wait_for(&mut poller, &[&a, &c], 0), frames(&[b"to a"]));
    settle(&a);
    settle(&c);

    // A send may take in the command that announced a message: a socket sent on is
    // named at once, and its message is there.
    b.send(frames(&[b"waiting"])).unwrap();
    a.send(frames(&[b"reply"])).unwrap();
    poller.poll([&a, &c], Duration::from_secs(3600)).unwrap();
    assert!(
        poller.readable(0),
        "a socket sent on is named without a wait"
    );
    assert_eq!(wait_for(&mut poller, &[&a, &c], 0), frames(&[b"waiting"]));
    assert_eq!(settle(&b), vec![frames(&[b"reply"])]);
}

/// The libzmq this builds (crates/zmq-sys/README.md) signals a socket's commands
/// through an eventfd, as libzmq's own build on Linux does, not a socketpair, and opens
/// it close-on-exec, so `worker --exec` children do not inherit it.
#[cfg(target_os = "linux")]
#[test]
fn sockets_signal_through_eventfds_closed_on_exec() {
    let ctx = Context::new();
    let socket = ctx.socket(Kind::Dealer, Linger::Discard).unwrap();
    let link = std::fs::read_link(format!("/proc/self/fd/{}", socket.fd())).unwrap();
    assert_eq!(link.to_string_lossy(), "anon_inode:[eventfd]");
    // SAFETY: F_GETFD on a descriptor this process holds open (the socket is alive).
    let flags = unsafe { libc::fcntl(socket.fd(), libc::F_GETFD) };
    assert!(flags >= 0 && flags & libc::FD_CLOEXEC != 0, "flags {flags}");
}

#[test]
fn a_socket_receives_into_the_list_it_last_sent() {
    let ctx = Context::new();
    let (a, b) = pair(&ctx);
    b.send(frames(&[b"one", b"two"])).unwrap();
    let mut poller = Poller::default();
    let received = wait_for(&mut poller, &[&a], 0);
    let list = received.as_ptr();
    a.send(received).unwrap();
    assert_eq!(settle(&b), vec![frames(&[b"one", b"two"])]);
    b.send(frames(&[b"three"])).unwrap();
    let next = wait_for(&mut poller, &[&a], 0);
    assert_eq!(next, frames(&[b"three"]));
    assert_eq!(next.as_ptr(), list, "the sent list was not kept");
}

#[test]
fn whole_messages_cross_and_waits_end() {
    let ctx = Context::new();
    let (mut a, b) = pair(&ctx);
    assert_eq!(a.recv(Duration::from_millis(1)).unwrap(), None);
    assert_eq!(
        b.send(vec![Frame::from("x"), Frame::empty()]).unwrap(),
        Sent::Queued
    );
    assert_eq!(
        a.recv(Duration::from_secs(5)).unwrap(),
        Some(frames(&[b"x", b""]))
    );
    assert_eq!(a.try_recv().unwrap(), None);
}

/// Frames of every kind of size cross TCP (where libzmq decodes in place) and come back
/// through a ROUTER: inline, copied out of libzmq's receive buffer, and taken as they are;
/// received ones are forwarded and clones sent, as a broker does.
#[test]
fn frames_of_every_size_cross_tcp_and_are_forwarded() {
    let ctx = Context::new();
    let (mut router, bound) = ctx
        .bind(
            Kind::Router,
            Linger::Discard,
            ServerSecurity::default(),
            Tuning::default(),
            &["tcp://127.0.0.1:*".to_string()],
        )
        .unwrap();
    let mut dealer = ctx
        .connect(
            Kind::Dealer,
            Linger::Discard,
            &Security::Null,
            Tuning::default(),
            &bound[0],
        )
        .unwrap();
    let sizes = [
        0,
        1,
        Frame::INLINE,
        Frame::INLINE + 1,
        100,
        8191,
        8192,
        100_000,
    ];
    let body: Vec<Frame> = sizes
        .iter()
        .map(|&n| Frame::from((0..n).map(|i| (i % 251) as u8).collect::<Vec<u8>>()))
        .collect();
    for _ in 0..3 {
        dealer.send(body.clone()).unwrap();
    }
    for _ in 0..3 {
        let mut got = router
            .recv(Duration::from_secs(10))
            .unwrap()
            .expect("a message");
        let id = got.remove(0);
        assert_eq!(got, body);
        let kept = got.clone();
        router.send_routed(id, got).unwrap();
        assert_eq!(dealer.recv(Duration::from_secs(10)).unwrap(), Some(kept));
    }
}

/// A transient socket takes frames as libzmq received them, many to one receive buffer:
/// each keeps its own bytes however many are received after it, and lists handed back are
/// filled again.
#[test]
fn transient_frames_keep_their_bytes_and_lists_are_reused() {
    let ctx = Context::new();
    let (mut pull, bound) = ctx
        .bind(
            Kind::Pull,
            Linger::Discard,
            ServerSecurity::default(),
            Tuning {
                transient: true,
                ..Tuning::default()
            },
            &["tcp://127.0.0.1:*".to_string()],
        )
        .unwrap();
    let push = ctx
        .connect(
            Kind::Push,
            Linger::Discard,
            &Security::Null,
            Tuning::default(),
            &bound[0],
        )
        .unwrap();
    let message = |i: usize| {
        vec![
            Frame::from(vec![i as u8; 100]),
            Frame::from(vec![!i as u8; 200]),
        ]
    };
    for i in 0..200 {
        let mut list = push.list();
        list.extend(message(i));
        assert_eq!(push.send(list).unwrap(), Sent::Queued);
    }
    let mut kept = Vec::new();
    while kept.len() < 200 {
        let first = pull.recv(Duration::from_secs(10)).unwrap();
        let first = first.expect("a message within ten seconds");
        kept.push(first.clone());
        pull.reuse(first);
        while let Some(frames) = pull.try_recv().unwrap() {
            kept.push(frames.clone());
            pull.reuse(frames);
            assert!(pull.list().capacity() >= 2, "the list handed back is kept");
        }
    }
    for (i, frames) in kept.iter().enumerate() {
        assert_eq!(frames, &message(i));
    }
}

#[test]
fn a_sender_finds_room_only_where_a_message_can_be_queued() {
    let ctx = Context::new();
    let (a, _b) = pair(&ctx);
    assert!(a.room(Duration::ZERO).unwrap());
    // Queueing only to established connections, with none: no room, and a send drops.
    let nobody = std::env::temp_dir().join(format!("zmqtool-nobody-{}", uuid::Uuid::new_v4()));
    let lonely = ctx
        .connect(
            Kind::Dealer,
            Linger::Discard,
            &Security::Null,
            Tuning {
                immediate: true,
                ..Tuning::default()
            },
            &format!("ipc://{}", nobody.display()),
        )
        .unwrap();
    assert!(!lonely.room(Duration::from_millis(20)).unwrap());
    assert_eq!(lonely.send(frames(&[b"lost"])).unwrap(), Sent::Dropped);
}

/// A socket is waited on by its descriptor only when settled, and only a receive that finds
/// nothing (or a ZMQ_EVENTS read that finds no message) settles it: every other call on
/// libzmq unsettles it, a lent socket included, while it is lent and after.
#[test]
fn only_a_receive_that_finds_nothing_settles_a_socket() {
    let ctx = Context::new();
    let (a, b) = pair(&ctx);
    let settled = |socket: &Socket| socket.settled_fd().is_some();
    assert!(!settled(&a), "a new socket");
    assert_eq!(a.try_recv().unwrap(), None);
    assert!(settled(&a), "a receive that found nothing");
    a.zmq().get_rcvmore().unwrap();
    assert!(!settled(&a), "an option read");

    settle(&a);
    a.send(frames(&[b"out"])).unwrap();
    assert!(!settled(&a), "a send");
    a.writable().unwrap();
    assert!(settled(&a), "an events read that found no message");

    b.send(frames(&[b"in"])).unwrap();
    a.writable().unwrap();
    assert!(!settled(&a), "an events read that found a message");
    assert_eq!(a.try_recv().unwrap(), Some(frames(&[b"in"])));
    assert!(!settled(&a), "a receive that found a message");

    let touch = a.zmq();
    settle(&a);
    assert!(
        !settled(&a),
        "a receive that found nothing while the socket is lent"
    );
    touch.get_rcvmore().unwrap();
    drop(touch);
    assert!(!settled(&a), "given back");
    settle(&a);
    assert!(settled(&a));
}

/// The timed receive waits as the poller does, on the socket's descriptor: a message sent
/// while it waits ends the wait.
#[test]
fn a_timed_receive_is_woken_by_a_message() {
    let ctx = Context::new();
    let (mut a, b) = pair(&ctx);
    assert_eq!(a.recv(Duration::from_millis(1)).unwrap(), None);
    let sender = std::thread::spawn(move || {
        // Most likely after the receive below has begun to wait; before it is as good.
        std::thread::sleep(Duration::from_millis(20));
        b.send(frames(&[b"late"])).unwrap();
        b
    });
    assert_eq!(
        a.recv(Duration::from_secs(60)).unwrap(),
        Some(frames(&[b"late"])),
        "a minute passed: the message did not wake the wait"
    );
    drop(sender.join().unwrap());
}

#[test]
fn bind_errors_name_the_endpoint_and_the_cure() {
    let ctx = Context::new();
    let (_s, bound) = ctx
        .bind(
            Kind::Router,
            Linger::Discard,
            ServerSecurity::default(),
            Tuning::default(),
            &["tcp://127.0.0.1:*".into()],
        )
        .unwrap();
    let err = ctx
        .bind(
            Kind::Router,
            Linger::Discard,
            ServerSecurity::default(),
            Tuning::default(),
            &bound,
        )
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains(&bound[0]) && err.contains("another"), "{err}");
    let err = ctx
        .socket(Kind::Dealer, Linger::Discard)
        .unwrap()
        .connect("nonsense")
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot connect to nonsense"), "{err}");
}

#[test]
fn credentials_parse_and_hide_the_password() {
    let c: Credentials = "ann:pa:ss".parse().unwrap();
    assert_eq!((c.user.as_str(), c.password.as_str()), ("ann", "pa:ss"));
    assert!(!format!("{c:?}").contains("pa:ss"));
    assert!("nocolon".parse::<Credentials>().is_err());
    assert!(":x".parse::<Credentials>().is_err());
}

#[test]
fn dumps_show_text_or_hex() {
    assert_eq!(render_dump(b"MDPC01"), "MDPC01");
    assert_eq!(render_dump(&[0, 0x80, 1]), "008001");
    assert!(render_dump(&[b'a'; 100]).ends_with("..."));
}
