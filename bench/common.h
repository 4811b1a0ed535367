/* Shared helpers of the bench programs: clocks, /proc/self/status, the
 * fleet's ports file and descriptor limit, a raw
 * keep-alive HTTP/1.1 client, and sid parsing (every client logs in with
 * the same MD5 login URL and sends the same "Cookie: sid=..." header). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* MD5 hex of the simulator's default password "Admin". */
#define BENCH_USER "Admin"
#define BENCH_PASS_MD5 "e3afed0047b08059d0fada10f400c1e5"

static inline double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* CPU of the whole process (every thread): the library may start threads. */
static inline double proc_cpu_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static inline void die(const char *what) {
    fprintf(stderr, "bench: %s\n", what);
    exit(2);
}

/* The ports of a simulated fleet, listed in `path` (bench/run writes it),
 * into `ports`, at most `max`; the count read. Dies when it cannot open it. */
static inline int read_ports(const char *path, int *ports, int max) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench: cannot open the ports file %s\n", path);
        exit(2);
    }
    int n = 0;
    while (n < max && fscanf(f, "%d", &ports[n]) == 1) n++;
    fclose(f);
    return n;
}

/* One descriptor per device connection, and some: the soft limit of open
 * files raised to the hard one. */
static inline void raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), -1 if absent. */
static inline long status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Reset VmHWM to the current RSS (Linux >= 4.0). Returns 0 on success. */
static inline int reset_hwm(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return -1;
    int ok = fputs("5", f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* "sid=abc; path=/" somewhere in a header block -> abc (into out). */
static inline int find_sid(const char *hdrs, size_t len, char *out, size_t cap) {
    for (size_t i = 0; i + 16 < len; i++) {
        if ((hdrs[i] == '\n' || i == 0) && strncasecmp(hdrs + i + (i ? 1 : 0), "set-cookie:", 11) == 0) {
            const char *p = hdrs + i + (i ? 1 : 0) + 11;
            const char *end = hdrs + len;
            while (p < end && *p == ' ') p++;
            if (end - p > 4 && strncmp(p, "sid=", 4) == 0) {
                p += 4;
                size_t k = 0;
                while (p < end && *p != ';' && *p != '\r' && *p != '\n' && k + 1 < cap) out[k++] = *p++;
                out[k] = 0;
                return k ? 0 : -1;
            }
        }
    }
    return -1;
}

/* The top-level "result" of a reply, scanned, not parsed (what every
 * client here needs; ours reads it too). INT32_MIN if missing. */
static inline int scan_result(const char *body, size_t len) {
    const char *p = memmem(body, len, "\"result\"", 8);
    if (!p) return INT32_MIN;
    p += 8;
    while (p < body + len && (*p == ' ' || *p == ':')) p++;
    return (int)strtol(p, NULL, 10);
}

/* ---- raw keep-alive socket client ---- */
typedef struct {
    int fd;
    int port;
    char *buf;
    size_t cap, len; /* bytes in buf */
    char sid[64];
} raw_client;

static inline int raw_connect(raw_client *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(c->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

/* One GET; on success *body points into c->buf (body_len bytes), the head
 * is c->buf[0..head_len). Returns the HTTP status or -1. */
static inline int raw_get(raw_client *c, const char *method_query, const char **body, size_t *body_len,
                          size_t *head_len) {
    char req[512];
    int n;
    if (c->sid[0])
        n = snprintf(req, sizeof req,
                     "GET /usapi?method=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: bench-raw\r\n"
                     "Accept: */*\r\nCookie: sid=%s\r\n\r\n",
                     method_query, c->port, c->sid);
    else
        n = snprintf(req, sizeof req,
                     "GET /usapi?method=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: bench-raw\r\n"
                     "Accept: */*\r\n\r\n",
                     method_query, c->port);
    if (c->fd < 0 && raw_connect(c) != 0) return -1;
    if (send(c->fd, req, n, MSG_NOSIGNAL) != n) return -1;
    c->len = 0;
    size_t hl = 0, cl = 0;
    for (;;) {
        if (c->len == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 16384;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf) die("out of memory");
        }
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (r <= 0) return -1;
        c->len += r;
        if (!hl) {
            char *e = memmem(c->buf, c->len, "\r\n\r\n", 4);
            if (!e) continue;
            hl = e - c->buf + 4;
            char *p = c->buf;
            int got = 0;
            while (p < c->buf + hl) {
                if (strncasecmp(p, "content-length:", 15) == 0) {
                    cl = strtoul(p + 15, NULL, 10);
                    got = 1;
                }
                char *nl = memchr(p, '\n', c->buf + hl - p);
                if (!nl) break;
                p = nl + 1;
            }
            if (!got) return -1; /* the simulator always sends Content-Length */
        }
        if (hl && c->len >= hl + cl) break;
    }
    *body = c->buf + hl;
    *body_len = cl;
    if (head_len) *head_len = hl;
    return (int)strtol(c->buf + 9, NULL, 10);
}

static inline int raw_login(raw_client *c) {
    const char *b;
    size_t bl, hl;
    c->sid[0] = 0;
    int st = raw_get(c, "login&id=" BENCH_USER "&pass=" BENCH_PASS_MD5, &b, &bl, &hl);
    if (st != 200 || scan_result(b, bl) != 0) return -1;
    return find_sid(c->buf, hl, c->sid, sizeof c->sid);
}

#endif
