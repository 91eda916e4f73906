/* proxy: the floor for any broker. A ROUTER frontend and a DEALER backend joined by
   zmq_proxy(): no protocol, no parsing, no state; messages are passed as they come and
   replies find their way back by the routing id the ROUTER prepended. High-water marks are
   off so that a deep window never blocks or drops.
   usage: proxy FRONTEND_ENDPOINT BACKEND_ENDPOINT */
#include <stdio.h>
#include <zmq.h>

static void no_hwm(void *sock) {
    int zero = 0;
    zmq_setsockopt(sock, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &zero, sizeof zero);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: proxy FRONTEND_ENDPOINT BACKEND_ENDPOINT\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *front = zmq_socket(ctx, ZMQ_ROUTER);
    void *back = zmq_socket(ctx, ZMQ_DEALER);
    no_hwm(front);
    no_hwm(back);
    if (zmq_bind(front, argv[1]) != 0 || zmq_bind(back, argv[2]) != 0) {
        fprintf(stderr, "proxy: bind: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    zmq_proxy(front, back, NULL); /* returns only when the context ends */
    return 0;
}
