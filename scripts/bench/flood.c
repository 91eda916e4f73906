/* flood: an MDP/0.1 client that costs as little as possible, so that what is measured is the
   broker (or proxy) in front of it. One DEALER socket keeps WINDOW requests of SIZE bytes in
   flight until COUNT replies have come back; replies are counted, not checked.
   usage: flood ENDPOINT SERVICE COUNT WINDOW SIZE
   prints one line: "requests elapsed_seconds requests_per_second"; exits 1 when no reply came
   for 5 s (the count printed is then what was answered). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One request: "" (the DEALER's stand-in for REQ's delimiter), "MDPC01", service, body. */
static void send_request(void *sock, const char *service, const char *body, int size) {
    zmq_send(sock, "", 0, ZMQ_SNDMORE);
    zmq_send(sock, "MDPC01", 6, ZMQ_SNDMORE);
    zmq_send(sock, service, strlen(service), ZMQ_SNDMORE);
    zmq_send(sock, body, (size_t)size, 0);
}

/* Reads and discards one whole reply, whatever its frames. */
static void drop_reply(void *sock) {
    zmq_msg_t frame;
    int more = 1;
    while (more) {
        zmq_msg_init(&frame);
        zmq_msg_recv(&frame, sock, 0);
        more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: flood ENDPOINT SERVICE COUNT WINDOW SIZE\n");
        return 2;
    }
    const char *service = argv[2];
    long count = atol(argv[3]), window = atol(argv[4]);
    int size = atoi(argv[5]);
    if (count < 1 || window < 1 || size < 0) {
        fprintf(stderr, "flood: COUNT and WINDOW must be at least 1, SIZE at least 0\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sock, argv[1]) != 0) {
        fprintf(stderr, "flood: connect: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    char *body = calloc(1, (size_t)size + 1);
    long sent = 0, answered = 0;
    double start = seconds();
    while (answered < count) {
        /* Top the window up, then wait for one reply. */
        for (; sent < count && sent - answered < window; sent++)
            send_request(sock, service, body, size);
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 5000) <= 0)
            break;
        drop_reply(sock);
        answered++;
    }
    double elapsed = seconds() - start;
    printf("%ld %.3f %.0f\n", answered, elapsed, (double)answered / elapsed);
    free(body);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return answered == count ? 0 : 1;
}
