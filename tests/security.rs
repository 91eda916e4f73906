//! Hostile peers: what one peer that may connect can do to the broker.

mod common;

use std::time::Duration;

use common::*;

/// DEALERs that claim routing ids, as an attacker would.
fn squat(ctx: &zmq::Context, endpoint: &str, first: u32, count: u32) -> Vec<zmq::Socket> {
    (0..count)
        .map(|i| {
            let s = ctx.socket(zmq::DEALER).unwrap();
            s.set_linger(0).unwrap();
            let mut id = vec![0u8];
            id.extend_from_slice(&first.wrapping_add(i).to_be_bytes());
            s.set_identity(&id).unwrap();
            s.connect(endpoint).unwrap();
            // Say something, so the connection is certainly up and identified.
            s.send_multipart([&b""[..], b"MDPC01", b"mmi.service", b"x"], 0)
                .unwrap();
            s.set_rcvtimeo(5000).unwrap();
            s.recv_multipart(0).expect("the squatter is answered");
            s
        })
        .collect()
}

/// Regression: libzmq 4.3.x's ROUTER hands out 0x00 + a 32-bit counter as routing ids,
/// starting at glibc rand()'s first value, and never checks whether a peer already claimed the
/// id it generates: the next ordinary connection aborted the broker (socket_base.cpp:2128,
/// exit 134). Squatting the first ids, and the next ones learned from a forwarded request,
/// must leave the broker serving.
#[test]
fn squatted_routing_ids_do_not_crash_the_broker() {
    let mut b = broker(&[]);
    let ctx = zmq::Context::new();
    let _first = squat(&ctx, &b.endpoint, 0x6b8b_4567, 8);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    assert_eq!(stdout(&client(&b.endpoint, &["echo", "alive"])), "alive\n");

    // Learn the counter as an attacker can: a worker of our own sees client addresses.
    let spy = RawWorker::connect(&b.endpoint, "spy");
    wait_for_service(&b.endpoint, "spy");
    let ep = b.endpoint.clone();
    let call = std::thread::spawn(move || raw_call(&ep, "spy", &[b"hi"], 3000));
    let request = spy.recv_command(2).expect("the spy gets the request");
    let learned = &request[3];
    assert_eq!(learned.len(), 5, "a generated id: {learned:?}");
    let next = u32::from_be_bytes(learned[1..5].try_into().unwrap()).wrapping_add(1);
    let _ = call.join();
    let _next = squat(&ctx, &b.endpoint, next, 8);
    for i in 0..4 {
        let out = client(&b.endpoint, &["echo", &i.to_string()]);
        assert_eq!(stdout(&out), format!("{i}\n"), "{}", b.proc.stderr());
    }
    assert!(
        b.proc.child.try_wait().unwrap().is_none(),
        "the broker died: {}",
        b.proc.stderr()
    );
}
