/* echo: the raw responder behind `proxy`. A REP socket that sends every message back as it
   came. An MDP/0.1 client request's frames after the envelope ["MDPC01", service, body...]
   are also a well-formed MDP/0.1 reply, so the same flood client drives this pair and a
   real broker alike.
   usage: echo BACKEND_ENDPOINT */
#include <stdio.h>
#include <zmq.h>

#define MAX_FRAMES 64

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: echo BACKEND_ENDPOINT\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_REP);
    if (zmq_connect(sock, argv[1]) != 0) {
        fprintf(stderr, "echo: connect: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    zmq_msg_t frame[MAX_FRAMES];
    for (;;) {
        /* Receive one whole message (REP strips and keeps the envelope for us). */
        int n = 0, more = 1;
        while (more && n < MAX_FRAMES) {
            zmq_msg_init(&frame[n]);
            if (zmq_msg_recv(&frame[n], sock, 0) < 0)
                return 1;
            more = zmq_msg_more(&frame[n]);
            n++;
        }
        /* Send the same frames back; zmq_msg_send takes ownership of each. */
        for (int i = 0; i < n; i++)
            zmq_msg_send(&frame[i], sock, i + 1 < n ? ZMQ_SNDMORE : 0);
    }
}
