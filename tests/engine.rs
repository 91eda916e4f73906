//! libzmq's stream engine as zmqtool builds it (patches/0004: POLLOUT is asked for only when a
//! write leaves data behind): output that stops and restarts thousands of times, bursts the
//! socket takes at once, and bursts that fill the socket buffer and must wait for POLLOUT.
//! Every message must arrive, whole and in order, over TCP and IPC.

/// A DEALER connected to a ROUTER on `endpoint` (with `{dir}` for IPC), the ROUTER first.
fn pair(ctx: &zmq::Context, endpoint: &str) -> (zmq::Socket, zmq::Socket) {
    let router = ctx.socket(zmq::ROUTER).unwrap();
    router.set_linger(0).unwrap();
    router.set_rcvtimeo(60_000).unwrap();
    router.bind(endpoint).unwrap();
    let bound = router.get_last_endpoint().unwrap().unwrap();
    let dealer = ctx.socket(zmq::DEALER).unwrap();
    dealer.set_linger(0).unwrap();
    dealer.set_rcvtimeo(60_000).unwrap();
    dealer.set_sndhwm(0).unwrap();
    router.set_rcvhwm(0).unwrap();
    dealer.connect(&bound).unwrap();
    (router, dealer)
}

fn endpoints(dir: &tempfile::TempDir) -> [String; 2] {
    [
        "tcp://127.0.0.1:*".to_string(),
        format!("ipc://{}/engine", dir.path().display()),
    ]
}

fn body(i: usize, len: usize) -> Vec<u8> {
    let mut body = vec![(i % 251) as u8; len];
    body[..8].copy_from_slice(&(i as u64).to_be_bytes());
    body
}

#[test]
fn ping_pong_stops_and_restarts_output_every_message() {
    let dir = tempfile::tempdir().unwrap();
    for endpoint in endpoints(&dir) {
        let ctx = zmq::Context::new();
        let (router, dealer) = pair(&ctx, &endpoint);
        for i in 0..5_000 {
            let request = body(i, 64);
            dealer.send_multipart([&b""[..], &request], 0).unwrap();
            let got = router.recv_multipart(0).expect("a request within a minute");
            assert_eq!(got[2], request, "request {i} on {endpoint}");
            router
                .send_multipart([&got[0][..], b"", &got[2]], 0)
                .unwrap();
            let reply = dealer.recv_multipart(0).expect("a reply within a minute");
            assert_eq!(reply[1], request, "reply {i} on {endpoint}");
        }
    }
}

#[test]
fn bursts_that_fill_the_socket_buffer_arrive_whole_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    for endpoint in endpoints(&dir) {
        let ctx = zmq::Context::new();
        let (router, dealer) = pair(&ctx, &endpoint);
        // Say hello so that the ROUTER knows the DEALER, then burst both ways while nobody
        // reads: 64 MiB in each direction is far more than the kernel buffers, so writes are
        // partial and the engines must wait for POLLOUT to go on.
        dealer.send("hello", 0).unwrap();
        let id = router.recv_multipart(0).unwrap().remove(0);
        let (count, len) = (64, 1 << 20);
        for i in 0..count {
            dealer.send(body(i, len), 0).unwrap();
            router.send_multipart([&id[..], &body(i, len)], 0).unwrap();
        }
        for i in 0..count {
            let got = router
                .recv_multipart(0)
                .expect("a burst message within a minute");
            assert!(
                got[1] == body(i, len),
                "message {i} to the ROUTER on {endpoint}"
            );
            let got = dealer
                .recv_bytes(0)
                .expect("a burst message within a minute");
            assert!(
                got == body(i, len),
                "message {i} to the DEALER on {endpoint}"
            );
        }
        // Small bursts after the large ones: output restarts after every one.
        for round in 0..200 {
            for i in 0..10 {
                dealer.send(body(round * 10 + i, 100), 0).unwrap();
            }
            for i in 0..10 {
                let got = router.recv_multipart(0).unwrap();
                assert_eq!(got[1], body(round * 10 + i, 100));
            }
        }
    }
}
