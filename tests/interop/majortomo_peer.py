"""Runs one majortomo peer (broker, worker or client) for tests/interop.rs.

majortomo is the maintained Python MDP/0.2 implementation; nothing here changes how it
speaks, this only starts it from the command line:

    majortomo_peer.py broker EP          bind EP ("tcp://127.0.0.1:*" allowed), print the endpoint
    majortomo_peer.py worker EP SERVICE  answer each request with PARTIAL "part", then FINAL
                                         "majortomo" + the request frames
    majortomo_peer.py client EP SERVICE FRAME...
                                         one request; print each reply frame on a line;
                                         exit 3 when no reply comes within 5 s
"""

import sys

import majortomo
import majortomo.broker
import zmq


def broker(endpoint):
    b = majortomo.broker.Broker(bind=endpoint, heartbeat_interval=0.5, heartbeat_timeout=5.0)
    b.bind()
    print(b._socket.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    while True:
        message = b.receive()
        if message:
            b.handle_message(message)


def worker(endpoint, service):
    w = majortomo.Worker(endpoint, service.encode(), heartbeat_interval=0.5, heartbeat_timeout=5.0)
    w.connect()
    while True:
        client, frames = w.wait_for_request()
        w.send_reply_partial(client, [b"part"])
        w.send_reply_final(client, [b"majortomo"] + frames)


def client(endpoint, service, frames):
    with majortomo.Client(endpoint) as c:
        c.send(service.encode(), *[f.encode() for f in frames])
        try:
            reply = c.recv_all_as_list(timeout=5.0)
        except majortomo.error.Timeout:
            sys.exit(3)
    for frame in reply:
        print(frame.decode())


if __name__ == "__main__":
    role, endpoint, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    if role == "broker":
        broker(endpoint)
    elif role == "worker":
        worker(endpoint, rest[0])
    else:
        client(endpoint, rest[0], rest[1:])
