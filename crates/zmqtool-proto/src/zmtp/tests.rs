use super::*;

const LIMIT: usize = 1 << 20;

/// A peer's greeting: `version`, `mechanism`, as a server.
fn peer_greeting(major: u8, minor: u8, mechanism: &[u8]) -> Vec<u8> {
    let mut g = vec![0u8; GREETING];
    g[0] = 0xFF;
    g[9] = 0x7F;
    g[10] = major;
    g[11] = minor;
    g[12..12 + mechanism.len()].copy_from_slice(mechanism);
    g[32] = 1;
    g
}

fn peer_ready(socket_type: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_command(
        &mut out,
        b"READY",
        &properties(&[(b"Socket-Type", socket_type), (b"Identity", b"")]),
    );
    out
}

/// What a libzmq ROUTER writes on a new connection.
fn router_handshake() -> Vec<u8> {
    let mut bytes = peer_greeting(3, 1, b"NULL");
    bytes.extend(peer_ready(b"ROUTER"));
    bytes
}

/// Feeds `bytes` to `link` in pieces of `step`, collecting every message.
fn feed(link: &mut Link, bytes: &[u8], step: usize) -> Result<Vec<Vec<Vec<u8>>>, ZmtpError> {
    let mut messages = Vec::new();
    for piece in bytes.chunks(step.max(1)) {
        let room = link.room();
        room[..piece.len()].copy_from_slice(piece);
        link.received(piece.len());
        while let Some(message) = link.take()? {
            messages.push(message.iter().map(<[u8]>::to_vec).collect());
        }
    }
    Ok(messages)
}

fn message(frames: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_message(&mut out, frames.iter().copied());
    out
}

#[test]
fn the_greeting_is_zmtp_3_1_null_as_client() {
    let g = greeting();
    assert_eq!(&g[..12], b"\xff\0\0\0\0\0\0\0\0\x7f\x03\x01");
    assert_eq!(&g[12..32], b"NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    assert_eq!(g[32], 0, "as-server");
    assert!(g[33..].iter().all(|&b| b == 0));
}

#[test]
fn a_new_link_offers_its_greeting_and_ready_and_holds_messages_back() {
    let mut link = Link::new(LIMIT);
    link.send([&b""[..], b"MDPC01", b"echo", b"hi"].into_iter());
    let mut expected = greeting().to_vec();
    expected.extend_from_slice(b"\x04\x1c\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER");
    assert_eq!(link.outgoing(), &expected[..]);
    link.wrote(10);
    assert_eq!(link.outgoing(), &expected[10..]);
    link.wrote(expected.len() - 10);
    assert!(
        link.outgoing().is_empty(),
        "the message waits for the peer's READY"
    );

    assert!(feed(&mut link, &router_handshake(), 7).unwrap().is_empty());
    assert!(link.is_open());
    assert_eq!(
        link.outgoing(),
        b"\x01\x00\x01\x06MDPC01\x01\x04echo\x00\x02hi"
    );
}

#[test]
fn messages_come_whole_however_the_bytes_are_cut() {
    let mut bytes = router_handshake();
    let big = vec![7u8; 300];
    bytes.extend(message(&[b"", b"MDPC01", b"echo", b"body"]));
    bytes.extend(message(&[&big]));
    bytes.extend(message(&[b""]));
    for step in [1, 2, 3, 5, 64, 1000, 1 << 20] {
        let mut link = Link::new(LIMIT);
        let got = feed(&mut link, &bytes, step).unwrap();
        assert_eq!(
            got,
            vec![
                vec![
                    b"".to_vec(),
                    b"MDPC01".to_vec(),
                    b"echo".to_vec(),
                    b"body".to_vec()
                ],
                vec![big.clone()],
                vec![Vec::new()],
            ],
            "in pieces of {step}"
        );
    }
}

#[test]
fn a_long_frame_is_written_with_an_8_byte_size() {
    let body = vec![1u8; 256];
    let bytes = message(&[b"a", &body]);
    assert_eq!(&bytes[..3], b"\x01\x01a");
    assert_eq!(&bytes[3..12], b"\x02\0\0\0\0\0\0\x01\x00");
    assert_eq!(bytes.len(), 3 + 9 + 256);
}

#[test]
fn a_ping_is_answered_with_its_context() {
    let mut link = Link::new(LIMIT);
    let mut bytes = router_handshake();
    encode_command(&mut bytes, b"PING", b"\x00\x64ctx");
    bytes.extend(message(&[b"after"]));
    let got = feed(&mut link, &bytes, 1000).unwrap();
    assert_eq!(got, vec![vec![b"after".to_vec()]]);
    let handshake = link.handshake;
    link.wrote(handshake);
    assert_eq!(link.outgoing(), b"\x04\x08\x04PONGctx");
}

#[test]
fn refusals_and_strangers_end_the_link() {
    let refused = {
        let mut bytes = peer_greeting(3, 0, b"NULL");
        encode_command(&mut bytes, b"ERROR", b"\x0fAccess denied..");
        bytes
    };
    let cases: Vec<(Vec<u8>, ZmtpError)> = vec![
        (
            b"GET / HTTP/1.1\r\n".to_vec(),
            ZmtpError::NotZmtp("474554".into()),
        ),
        (peer_greeting(2, 0, b"NULL"), ZmtpError::OldVersion(2, 0)),
        (
            peer_greeting(3, 0, b"CURVE"),
            ZmtpError::Mechanism("CURVE".into()),
        ),
        (refused, ZmtpError::Refused("Access denied..".into())),
        (
            [peer_greeting(3, 1, b"NULL"), peer_ready(b"PUB")].concat(),
            ZmtpError::SocketType("PUB".into(), "DEALER"),
        ),
        (
            [peer_greeting(3, 1, b"NULL"), message(&[b"early"])].concat(),
            ZmtpError::Malformed("handshake (a message before READY)"),
        ),
        (
            [router_handshake(), vec![0x08, 0]].concat(),
            ZmtpError::Malformed("frame (reserved flag bits set)"),
        ),
        (
            [router_handshake(), vec![0x05, 0]].concat(),
            ZmtpError::Malformed("command (with MORE set)"),
        ),
    ];
    for (bytes, error) in cases {
        let mut link = Link::new(LIMIT);
        assert_eq!(feed(&mut link, &bytes, 3), Err(error));
    }
}

#[test]
fn a_message_over_the_limit_is_refused_before_it_is_buffered() {
    let mut link = Link::new(1000);
    let mut bytes = router_handshake();
    // A size announced of 2^40 bytes: refused from its header.
    bytes.extend_from_slice(b"\x02\x00\x00\x01\x00\x00\x00\x00\x00");
    assert_eq!(
        feed(&mut link, &bytes, 1000),
        Err(ZmtpError::TooLarge(1000))
    );

    // Many small frames add up to the limit too.
    let mut link = Link::new(1000);
    let mut bytes = router_handshake();
    for _ in 0..600 {
        bytes.extend_from_slice(b"\x01\x00");
    }
    assert_eq!(feed(&mut link, &bytes, 64), Err(ZmtpError::TooLarge(1000)));
    assert!(
        link.input.len() < 200_000,
        "nothing near unbounded was held"
    );
}

#[test]
fn the_input_buffer_is_reused_once_messages_are_taken() {
    let mut link = Link::new(LIMIT);
    feed(&mut link, &router_handshake(), 1000).unwrap();
    let one = message(&[b"", b"MDPC01", b"echo", &[9u8; 100]]);
    for _ in 0..10_000 {
        assert_eq!(feed(&mut link, &one, one.len()).unwrap().len(), 1);
    }
    assert!(link.input.len() <= 2 * READ_ROOM, "{}", link.input.len());
}

#[test]
fn the_output_buffer_is_reused_once_written() {
    let mut link = Link::new(LIMIT);
    feed(&mut link, &router_handshake(), 1000).unwrap();
    for _ in 0..10_000 {
        link.send([&b""[..], &[1u8; 200]].into_iter());
        let n = link.outgoing().len();
        link.wrote(n);
    }
    assert!(link.output.capacity() < 4096, "{}", link.output.capacity());
}

#[test]
fn properties_round_trip_and_cut_ones_are_refused() {
    let props = properties(&[(b"Socket-Type", b"ROUTER"), (b"X", b"")]);
    assert_eq!(
        parse_properties(&props).unwrap(),
        vec![(&b"Socket-Type"[..], &b"ROUTER"[..]), (b"X", b"")]
    );
    for cut in 1..props.len() {
        if cut == 22 {
            continue; // the end of the first property: a whole list
        }
        assert!(parse_properties(&props[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn random_bytes_never_panic() {
    // xorshift: deterministic, so a failure reproduces.
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..2000 {
        let mut bytes = match round % 3 {
            0 => Vec::new(),
            _ => router_handshake(),
        };
        let len = (next() % 400) as usize;
        bytes.extend((0..len).map(|_| next() as u8));
        if round % 2 == 0 {
            // Mostly valid frame headers, so parsing goes deep.
            for b in bytes.iter_mut().skip(GREETING + 30).step_by(5) {
                *b &= 0x07;
            }
        }
        let mut link = Link::new(256);
        let _ = feed(&mut link, &bytes, 1 + (next() % 50) as usize);
    }
}

#[test]
fn a_restart_keeps_the_messages_not_begun_and_drops_one_cut_short() {
    let mut link = Link::new(LIMIT);
    link.send([&b"queued"[..]].into_iter());
    let handshake = link.outgoing().len();
    link.wrote(handshake - 1);
    link.restart(LIMIT);
    feed(&mut link, &router_handshake(), 1000).unwrap();
    let n = link.outgoing().len();
    assert_eq!(
        &link.outgoing()[handshake..],
        b"\x00\x06queued",
        "kept: {n} bytes"
    );

    link.wrote(handshake + 3);
    link.send([&b"next"[..]].into_iter());
    link.restart(LIMIT);
    assert!(!link.is_open());
    assert_eq!(link.outgoing().len(), handshake, "the handshake only");
    feed(&mut link, &router_handshake(), 1000).unwrap();
    assert_eq!(
        &link.outgoing()[handshake..],
        b"",
        "both dropped with the cut one"
    );
}

#[test]
fn a_ping_flood_from_a_peer_that_does_not_read_is_bounded() {
    let mut link = Link::new(LIMIT);
    let mut bytes = router_handshake();
    for _ in 0..100_000 {
        encode_command(&mut bytes, b"PING", b"\x00\x64context-16-bytes");
    }
    feed(&mut link, &bytes, 4096).unwrap();
    assert!(
        link.outgoing().len() < 2 * READ_ROOM,
        "{} bytes of PONG",
        link.outgoing().len()
    );
}

#[test]
fn the_handshake_alone_opens_the_link_and_lets_out_what_waited() {
    let mut link = Link::new(LIMIT);
    link.send([&b"waiting"[..]].into_iter());
    let handshake = link.outgoing().len();
    link.wrote(handshake);
    let bytes = [router_handshake(), message(&[b"first"])].concat();
    link.room()[..bytes.len()].copy_from_slice(&bytes);
    link.received(bytes.len());
    assert_eq!(link.handshake(), Ok(true));
    assert_eq!(link.outgoing(), b"\x00\x07waiting");
    // The message that came with the handshake is still there to take.
    let got: Vec<Vec<u8>> = link
        .take()
        .unwrap()
        .unwrap()
        .iter()
        .map(<[u8]>::to_vec)
        .collect();
    assert_eq!(got, vec![b"first".to_vec()]);
}

#[test]
fn a_router_link_takes_dealers_and_reqs_and_keeps_their_identity() {
    let peer = |socket_type: &[u8], identity: &[u8]| {
        let mut bytes = peer_greeting(3, 1, b"NULL");
        encode_command(
            &mut bytes,
            b"READY",
            &properties(&[(b"Socket-Type", socket_type), (b"Identity", identity)]),
        );
        bytes
    };
    for socket_type in [&b"DEALER"[..], b"REQ", b"ROUTER"] {
        let mut link = Link::with_role(Role::Router, LIMIT);
        assert!(link.outgoing().ends_with(b"\x06ROUTER"));
        feed(&mut link, &peer(socket_type, b"w1"), 5).unwrap();
        assert!(link.is_open());
        assert_eq!(link.peer_identity(), b"w1");
    }
    let mut link = Link::with_role(Role::Router, LIMIT);
    assert_eq!(
        feed(&mut link, &peer(b"REP", b""), 5),
        Err(ZmtpError::SocketType("REP".into(), "ROUTER"))
    );
}

#[test]
fn a_quiet_connection_holds_little_and_a_busy_one_reads_in_large_pieces() {
    let mut link = Link::new(LIMIT);
    feed(&mut link, &router_handshake(), 1000).unwrap();
    assert!(link.input.len() <= FIRST_READ_ROOM, "{}", link.input.len());
    // Reads that fill their room double it, up to READ_ROOM.
    for _ in 0..10 {
        let n = link.room().len();
        link.room()[..n].fill(0);
        link.received(n);
        link.head = link.tail;
        link.scan = link.tail;
    }
    assert_eq!(link.read_room, READ_ROOM);
}
