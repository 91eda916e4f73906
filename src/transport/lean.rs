//! The leanest MDP/0.1 broker that can be written on libzmq, as a measuring instrument for
//! `bench --compare` (the counterpart in this process of `scripts/bench/mdpbroker.c`): frames
//! are forwarded as the libzmq messages they arrived in, never copied; an idle-worker FIFO and
//! a request queue per service; a worker's HEARTBEAT is answered so that it stays. Nothing
//! else: no expiry, no MMI, no limits, no checks beyond what routing needs. Not a broker to
//! deploy: the floor a real broker's cost is measured against.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use super::{Socket, TransportError};

const CLIENT: &[u8] = b"MDPC01";
const WORKER: &[u8] = b"MDPW01";
const READY: u8 = 1;
const REQUEST: u8 = 2;
const REPLY: u8 = 3;
const HEARTBEAT: u8 = 4;
const DISCONNECT: u8 = 5;

/// One message as libzmq handed it over, frame by frame.
type Message = Vec<zmq::Message>;

#[derive(Default)]
struct Service {
    /// Routing ids of the workers waiting for a request, longest waiting first.
    idle: VecDeque<zmq::Message>,
    /// Requests waiting for a worker: `[client, "", MDPC01, service, body...]`.
    queue: VecDeque<Message>,
}

/// Serves MDP/0.1 on `socket` (a bound ROUTER) until `stopped` says so (looked at every
/// 100 ms at the least).
pub fn lean_broker(mut socket: Socket, stopped: &dyn Fn() -> bool) -> Result<(), TransportError> {
    let mut services: HashMap<Vec<u8>, Service> = HashMap::new();
    // Each worker's service, by routing id.
    let mut workers: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    socket.set_rcvtimeo(Duration::from_millis(100))?;
    while !stopped() {
        let Some(msg) = receive(&socket)? else {
            continue;
        };
        if msg.len() < 4 {
            continue;
        }
        match &msg[2][..] {
            CLIENT if msg.len() >= 5 => {
                let service = service(&mut services, &msg[3]);
                match service.idle.pop_front() {
                    Some(worker) => dispatch(&socket, worker, msg)?,
                    None => service.queue.push_back(msg),
                }
            }
            WORKER => {
                let command = msg[3].first().copied().unwrap_or(0);
                let mut msg = msg.into_iter();
                let id = msg.next().expect("four frames");
                let rest: Message = msg.skip(2).collect(); // after "" and MDPW01
                match command {
                    READY if rest.len() >= 2 => {
                        workers.insert(id.to_vec(), rest[1].to_vec());
                        idle_again(&socket, service(&mut services, &rest[1]), id)?;
                    }
                    REPLY if rest.len() >= 4 => {
                        let Some(name) = workers.get(&id[..]) else {
                            continue;
                        };
                        reply(&socket, name, rest)?;
                        idle_again(&socket, service(&mut services, name), id)?;
                    }
                    HEARTBEAT => {
                        send(&socket, [id, empty(), msg_of(WORKER), msg_of(&[HEARTBEAT])])?
                    }
                    DISCONNECT => {
                        if let Some(name) = workers.remove(&id[..])
                            && let Some(service) = services.get_mut(&name)
                        {
                            service.idle.retain(|w| w[..] != id[..]);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The service called `name`, made when first named.
fn service<'a>(services: &'a mut HashMap<Vec<u8>, Service>, name: &[u8]) -> &'a mut Service {
    if !services.contains_key(name) {
        services.insert(name.to_vec(), Service::default());
    }
    services.get_mut(name).expect("present")
}

/// The worker `id` is free: it gets the next queued request, or waits in line.
fn idle_again(
    socket: &Socket,
    service: &mut Service,
    id: zmq::Message,
) -> Result<(), TransportError> {
    match service.queue.pop_front() {
        Some(request) => dispatch(socket, id, request),
        None => {
            service.idle.push_back(id);
            Ok(())
        }
    }
}

/// `[worker, "", MDPW01, REQUEST, client, "", body...]` from a client's
/// `[client, "", MDPC01, service, body...]`.
fn dispatch(socket: &Socket, worker: zmq::Message, request: Message) -> Result<(), TransportError> {
    let mut request = request.into_iter();
    let client = request.next().expect("five frames");
    let body = request.skip(3);
    let head = [
        worker,
        empty(),
        msg_of(WORKER),
        msg_of(&[REQUEST]),
        client,
        empty(),
    ];
    send(socket, head.into_iter().chain(body))
}

/// `[client, "", MDPC01, service, body...]` from a worker's `[REPLY, client, "", body...]`.
fn reply(socket: &Socket, service: &[u8], rest: Message) -> Result<(), TransportError> {
    let mut rest = rest.into_iter().skip(1);
    let client = rest.next().expect("four frames");
    let body = rest.skip(1);
    let head = [client, empty(), msg_of(CLIENT), msg_of(service)];
    send(socket, head.into_iter().chain(body))
}

/// Sends `frames` as one message; a peer gone or not reading loses it, as ROUTER does.
fn send(
    socket: &Socket,
    frames: impl IntoIterator<Item = zmq::Message>,
) -> Result<(), TransportError> {
    socket.send_messages(frames).map(drop)
}

fn empty() -> zmq::Message {
    zmq::Message::new()
}

fn msg_of(bytes: &[u8]) -> zmq::Message {
    zmq::Message::from(bytes)
}

/// One whole message, each frame the message libzmq filled (no copy).
fn receive(socket: &Socket) -> Result<Option<Message>, TransportError> {
    let mut msg = Vec::with_capacity(8);
    loop {
        let mut frame = zmq::Message::new();
        match socket.zmq().recv(&mut frame, 0) {
            Ok(()) => {}
            Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) if msg.is_empty() => {
                return Ok(None);
            }
            Err(e) => return Err(TransportError::io("receive", e)),
        }
        let more = frame.get_more();
        msg.push(frame);
        if !more {
            return Ok(Some(msg));
        }
    }
}
