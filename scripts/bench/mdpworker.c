/* mdpworker: an MDP/0.1 echo worker that costs as little as possible, so that a broker's
   cost can be measured apart from any worker's. One thread holds SESSIONS worker
   connections (DEALER sockets, each READY for SERVICE) and polls them all; each REQUEST is
   answered at once with its body, a HEARTBEAT goes to the broker every second, and after
   SECONDS (or on SIGTERM/SIGINT) every session says DISCONNECT.
   usage: mdpworker ENDPOINT SERVICE SESSIONS SECONDS
   prints the number of requests answered when it ends. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define MAX_FRAMES 64
enum { READY = 1, REQUEST = 2, REPLY = 3, HEARTBEAT = 4, DISCONNECT = 5 };

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A command with no body ("" "MDPW01" cmd), or READY's (with the service name). */
static void command(void *sock, char cmd, const char *service) {
    zmq_send(sock, "", 0, ZMQ_SNDMORE);
    zmq_send(sock, "MDPW01", 6, ZMQ_SNDMORE);
    zmq_send(sock, &cmd, 1, service ? ZMQ_SNDMORE : 0);
    if (service)
        zmq_send(sock, service, strlen(service), 0);
}

/* Receives one message without waiting; returns its frame count (0: nothing there). */
static int receive(void *sock, zmq_msg_t *frame) {
    int n = 0, more = 1;
    while (more && n < MAX_FRAMES) {
        zmq_msg_init(&frame[n]);
        if (zmq_msg_recv(&frame[n], sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame[n]);
            break;
        }
        more = zmq_msg_more(&frame[n]);
        n++;
    }
    return n;
}

/* A REQUEST is "" "MDPW01" 0x02 client "" body...; its REPLY is the same with 0x03, so the
   frames from the client's address on are sent back as they came (zero copy). Anything
   else (a broker HEARTBEAT, a DISCONNECT) is dropped. Returns 1 when it answered. */
static int answer(void *sock, zmq_msg_t *frame, int n) {
    int is_request = n >= 6 && zmq_msg_size(&frame[2]) == 1 &&
                     *(const char *)zmq_msg_data(&frame[2]) == REQUEST;
    if (is_request) {
        char reply = REPLY;
        zmq_send(sock, "", 0, ZMQ_SNDMORE);
        zmq_send(sock, "MDPW01", 6, ZMQ_SNDMORE);
        zmq_send(sock, &reply, 1, ZMQ_SNDMORE);
        for (int i = 3; i < n; i++)
            zmq_msg_send(&frame[i], sock, i + 1 < n ? ZMQ_SNDMORE : 0);
        n = 3; /* the frames sent are the socket's now; close the rest */
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close(&frame[i]);
    return is_request;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: mdpworker ENDPOINT SERVICE SESSIONS SECONDS\n");
        return 2;
    }
    int sessions = atoi(argv[3]);
    if (sessions < 1) {
        fprintf(stderr, "mdpworker: SESSIONS must be at least 1\n");
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    double end = seconds() + atof(argv[4]), next_heartbeat = seconds() + 1;
    void *ctx = zmq_ctx_new();
    void **sock = calloc((size_t)sessions, sizeof *sock);
    zmq_pollitem_t *item = calloc((size_t)sessions, sizeof *item);
    for (int i = 0; i < sessions; i++) {
        int linger = 0;
        sock[i] = zmq_socket(ctx, ZMQ_DEALER);
        zmq_setsockopt(sock[i], ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(sock[i], argv[1]) != 0) {
            fprintf(stderr, "mdpworker: connect: %s\n", zmq_strerror(zmq_errno()));
            return 1;
        }
        command(sock[i], READY, argv[2]);
        item[i] = (zmq_pollitem_t){sock[i], 0, ZMQ_POLLIN, 0};
    }
    zmq_msg_t frame[MAX_FRAMES];
    long answered = 0;
    while (!stopping && seconds() < end) {
        if (zmq_poll(item, sessions, 200) < 0)
            continue; /* EINTR: the loop condition sees the signal */
        for (int i = 0; i < sessions; i++) {
            if (!(item[i].revents & ZMQ_POLLIN))
                continue;
            /* Drain the session: the broker may have sent several messages. */
            for (int n; (n = receive(sock[i], frame)) > 0;)
                answered += answer(sock[i], frame, n);
        }
        if (seconds() >= next_heartbeat) {
            for (int i = 0; i < sessions; i++)
                command(sock[i], HEARTBEAT, NULL);
            next_heartbeat = seconds() + 1;
        }
    }
    for (int i = 0; i < sessions; i++) {
        command(sock[i], DISCONNECT, NULL);
        zmq_close(sock[i]);
    }
    zmq_ctx_term(ctx);
    printf("%ld\n", answered);
    return 0;
}
