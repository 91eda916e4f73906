/* mdpbroker: the leanest MDP/0.1 broker, as the floor for what a real broker's protocol work
   costs on top of libzmq. One ROUTER socket; frames are forwarded without copying; per
   service a FIFO of idle workers and a FIFO of waiting requests; a table from worker identity
   to service. Nothing else: no heartbeats sent or expected, no expiry, no MMI, no limits, no
   security, and a worker that goes away is never forgotten. A measuring instrument, not a
   broker to deploy.
   usage: mdpbroker ENDPOINT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define MAX_FRAMES 64
#define MAX_SERVICES 64
#define MAX_IDLE 4096      /* idle workers per service (a power of two) */
#define MAX_WAITING 65536  /* waiting requests per service (a power of two) */
#define WORKER_SLOTS 16384 /* identity -> service table (a power of two) */

typedef struct {
    int n;
    zmq_msg_t f[MAX_FRAMES];
} message;

typedef struct {
    char name[256];
    size_t len;
    zmq_msg_t idle[MAX_IDLE]; /* worker identities, a ring */
    unsigned idle_head, idle_tail;
    message *waiting[MAX_WAITING]; /* client requests, a ring */
    unsigned wait_head, wait_tail;
} service;

typedef struct {
    unsigned char id[256];
    size_t len; /* 0: a free slot */
    int service;
} worker;

static service services[MAX_SERVICES];
static int service_count;
static worker workers[WORKER_SLOTS];

/* The service with this name, made on first use; NULL when the table is full. */
static service *find_service(const void *name, size_t len) {
    for (int i = 0; i < service_count; i++)
        if (services[i].len == len && memcmp(services[i].name, name, len) == 0)
            return &services[i];
    if (service_count == MAX_SERVICES || len >= sizeof services[0].name)
        return NULL;
    service *s = &services[service_count++];
    memcpy(s->name, name, len);
    s->len = len;
    return s;
}

/* The slot of the worker with this identity: its own, or the free one it would take. */
static worker *worker_slot(const zmq_msg_t *identity) {
    const unsigned char *id = zmq_msg_data((zmq_msg_t *)identity);
    size_t len = zmq_msg_size((zmq_msg_t *)identity);
    unsigned h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ id[i]) * 16777619u;
    for (unsigned probe = 0; probe < WORKER_SLOTS; probe++) {
        worker *w = &workers[(h + probe) & (WORKER_SLOTS - 1)];
        if (w->len == 0 || (w->len == len && memcmp(w->id, id, len) == 0))
            return w;
    }
    return NULL;
}

static int receive(void *sock, message *m) {
    int more = 1;
    m->n = 0;
    while (more && m->n < MAX_FRAMES) {
        zmq_msg_init(&m->f[m->n]);
        if (zmq_msg_recv(&m->f[m->n], sock, 0) < 0)
            return -1;
        more = zmq_msg_more(&m->f[m->n]);
        m->n++;
    }
    return 0;
}

static void close_frames(message *m, int from, int to) {
    for (int i = from; i < to; i++)
        zmq_msg_close(&m->f[i]);
}

static int is(const zmq_msg_t *frame, const char *text) {
    size_t len = strlen(text);
    return zmq_msg_size((zmq_msg_t *)frame) == len &&
           memcmp(zmq_msg_data((zmq_msg_t *)frame), text, len) == 0;
}

/* A client's request [client] "" "MDPC01" service body... goes to worker `identity` as
   [worker] "" "MDPW01" 0x02 [client] "" body... Takes the identity and the request's frames. */
static void dispatch(void *sock, zmq_msg_t *identity, message *request) {
    char cmd = 2;
    zmq_msg_send(identity, sock, ZMQ_SNDMORE);
    zmq_send(sock, "", 0, ZMQ_SNDMORE);
    zmq_send(sock, "MDPW01", 6, ZMQ_SNDMORE);
    zmq_send(sock, &cmd, 1, ZMQ_SNDMORE);
    zmq_msg_send(&request->f[0], sock, ZMQ_SNDMORE);
    zmq_send(sock, "", 0, ZMQ_SNDMORE);
    for (int i = 4; i < request->n; i++)
        zmq_msg_send(&request->f[i], sock, i + 1 < request->n ? ZMQ_SNDMORE : 0);
    close_frames(request, 1, 4);
}

/* Worker `identity` (a frame the caller owns) is free: it takes the oldest waiting request,
   or joins the idle workers. */
static void worker_free(void *sock, service *s, zmq_msg_t *identity) {
    if (s->wait_head != s->wait_tail) {
        message *request = s->waiting[s->wait_head++ & (MAX_WAITING - 1)];
        dispatch(sock, identity, request);
        free(request);
        return;
    }
    zmq_msg_t *slot = &s->idle[s->idle_tail++ & (MAX_IDLE - 1)];
    zmq_msg_init(slot);
    zmq_msg_move(slot, identity);
    zmq_msg_close(identity);
}

/* Returns 1 when the message was kept (queued), so the caller needs a new one. */
static int from_client(void *sock, message *m) {
    service *s = m->n >= 5 ? find_service(zmq_msg_data(&m->f[3]), zmq_msg_size(&m->f[3])) : NULL;
    if (s == NULL) {
        close_frames(m, 0, m->n);
        return 0;
    }
    if (s->idle_head != s->idle_tail) {
        dispatch(sock, &s->idle[s->idle_head++ & (MAX_IDLE - 1)], m);
        return 0;
    }
    if (s->wait_tail - s->wait_head == MAX_WAITING) { /* full: dropped, unanswered */
        close_frames(m, 0, m->n);
        return 0;
    }
    s->waiting[s->wait_tail++ & (MAX_WAITING - 1)] = m;
    return 1;
}

static void from_worker(void *sock, message *m) {
    char cmd = m->n >= 4 && zmq_msg_size(&m->f[3]) == 1 ? *(char *)zmq_msg_data(&m->f[3]) : 0;
    worker *w = worker_slot(&m->f[0]);
    if (cmd == 1 && m->n >= 5 && w != NULL) { /* READY: [worker] "" W01 0x01 service */
        service *s = find_service(zmq_msg_data(&m->f[4]), zmq_msg_size(&m->f[4]));
        if (s != NULL) {
            memcpy(w->id, zmq_msg_data(&m->f[0]), zmq_msg_size(&m->f[0]));
            w->len = zmq_msg_size(&m->f[0]);
            w->service = (int)(s - services);
            close_frames(m, 1, m->n);
            worker_free(sock, s, &m->f[0]);
            return;
        }
    } else if (cmd == 3 && m->n >= 7 && w != NULL && w->len != 0) {
        /* REPLY [worker] "" W01 0x03 client "" body... -> [client] "" C01 service body... */
        service *s = &services[w->service];
        zmq_msg_send(&m->f[4], sock, ZMQ_SNDMORE);
        zmq_send(sock, "", 0, ZMQ_SNDMORE);
        zmq_send(sock, "MDPC01", 6, ZMQ_SNDMORE);
        zmq_send(sock, s->name, s->len, ZMQ_SNDMORE);
        for (int i = 6; i < m->n; i++)
            zmq_msg_send(&m->f[i], sock, i + 1 < m->n ? ZMQ_SNDMORE : 0);
        close_frames(m, 1, 4);
        zmq_msg_close(&m->f[5]);
        worker_free(sock, s, &m->f[0]);
        return;
    }
    close_frames(m, 0, m->n); /* HEARTBEAT, DISCONNECT, anything else: nothing to do */
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: mdpbroker ENDPOINT\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    if (zmq_bind(sock, argv[1]) != 0) {
        fprintf(stderr, "mdpbroker: bind: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    message *m = malloc(sizeof *m);
    while (m != NULL && receive(sock, m) == 0) {
        if (m->n >= 3 && is(&m->f[2], "MDPC01")) {
            if (from_client(sock, m))
                m = malloc(sizeof *m);
        } else if (m->n >= 3 && is(&m->f[2], "MDPW01")) {
            from_worker(sock, m);
        } else {
            close_frames(m, 0, m->n);
        }
    }
    return 0;
}
