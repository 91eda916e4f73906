//! The leanest MDP/0.1 broker that can be written on the transport, as a measuring instrument
//! for `bench --compare`: frames are forwarded as they arrived (the transport's [`Frame`]s,
//! which hold what libzmq received without a copy), through the same receive and send as the
//! real broker's; an idle-worker FIFO and a request queue per service; a worker's HEARTBEAT is
//! answered so that it stays. Nothing else: no expiry, no MMI, no limits, no checks beyond
//! what routing needs. Not a broker to deploy: the floor a real broker's cost is measured
//! against, so the difference is the cost of the broker core's rules.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::transport::{Frame, Socket, TransportError};

const CLIENT: &[u8] = b"MDPC01";
const WORKER: &[u8] = b"MDPW01";
const READY: u8 = 1;
const REQUEST: u8 = 2;
const REPLY: u8 = 3;
const HEARTBEAT: u8 = 4;
const DISCONNECT: u8 = 5;

/// One message as the transport handed it over, frame by frame.
type Message = Vec<Frame>;

#[derive(Default)]
struct Service {
    /// Routing ids of the workers waiting for a request, longest waiting first.
    idle: VecDeque<Frame>,
    /// Requests waiting for a worker: `[client, "", MDPC01, service, body...]`.
    queue: VecDeque<Message>,
}

/// Serves MDP/0.1 on `socket` (a bound ROUTER) until `stopped` says so (looked at every
/// 100 ms at the least).
pub fn lean_broker(mut socket: Socket, stopped: &dyn Fn() -> bool) -> Result<(), TransportError> {
    let mut services: HashMap<Vec<u8>, Service> = HashMap::new();
    // Each worker's service, by routing id.
    let mut workers: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    while !stopped() {
        let Some(msg) = socket.recv(Duration::from_millis(100))? else {
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
                    HEARTBEAT => send(
                        &socket,
                        vec![id, empty(), msg_of(WORKER), msg_of(&[HEARTBEAT])],
                    )?,
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
fn idle_again(socket: &Socket, service: &mut Service, id: Frame) -> Result<(), TransportError> {
    match service.queue.pop_front() {
        Some(request) => dispatch(socket, id, request),
        None => {
            service.idle.push_back(id);
            Ok(())
        }
    }
}

/// `[worker, "", MDPW01, REQUEST, client, "", body...]` from a client's
/// `[client, "", MDPC01, service, body...]`, in the request's own list.
fn dispatch(socket: &Socket, worker: Frame, mut request: Message) -> Result<(), TransportError> {
    let client = std::mem::replace(&mut request[0], worker);
    request[2] = msg_of(WORKER);
    request[3] = msg_of(&[REQUEST]);
    request.splice(4..4, [client, empty()]);
    send(socket, request)
}

/// `[client, "", MDPC01, service, body...]` from a worker's `[REPLY, client, "", body...]`,
/// in the reply's own list.
fn reply(socket: &Socket, service: &[u8], mut rest: Message) -> Result<(), TransportError> {
    rest.remove(0);
    rest.splice(2..2, [msg_of(CLIENT), msg_of(service)]);
    send(socket, rest)
}

/// Sends `frames` as one message; a peer gone or not reading loses it, as ROUTER does.
fn send(socket: &Socket, frames: Message) -> Result<(), TransportError> {
    socket.send(frames).map(drop)
}

fn empty() -> Frame {
    Frame::empty()
}

fn msg_of(bytes: &[u8]) -> Frame {
    Frame::copy(bytes)
}
