/* get-status, three clients in one run, interleaved rounds:
 *   ours  the C ABI (usapi_get_status on one usapi_device)
 *   curl  libcurl, one reused easy handle
 *   raw   a raw keep-alive socket
 * Each client talks to its own device of one `ultrastream-sim --devices 3`
 * process (the simulator allows 2 sessions per device), logs in with the
 * same MD5 login URL and sends the same "Cookie: sid=..." header.
 *
 *   getstatus --ports P1,P2,P3 [--n 5000] [--rounds 10] [--only ours|curl|raw]
 *             [--warmup 50] [--rss-every K]
 *
 * CPU is the whole process's (CLOCK_PROCESS_CPUTIME_ID), so threads the
 * library might start are counted. With --only one client runs (for
 * callgrind / strace / valgrind: run twice with two --n and take the
 * difference so startup cancels out). --rss-every prints VmRSS every K
 * calls (for the 1 M-call growth check). */
#include "common.h"
#include <curl/curl.h>
#include <ultrastream.h>

enum { OURS, LIBCURL, RAW, NCLIENTS };
static const char *NAMES[NCLIENTS] = {"ours", "curl", "raw"};

/* ---- ours ---- */
static usapi_device ours_dev;
static void ours_setup(int port) {
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", port);
    if (usapi_device_open(host, NULL, &ours_dev) != 0) die("usapi_device_open failed");
    int rc = usapi_login_md5(ours_dev, BENCH_USER, BENCH_PASS_MD5);
    if (rc != 0) {
        fprintf(stderr, "ours login: %d %s\n", rc, usapi_last_error());
        exit(2);
    }
}
static int ours_call(void) {
    char *json = NULL;
    int rc = usapi_get_status(ours_dev, &json);
    usapi_string_free(json);
    return rc;
}
static void ours_teardown(void) {
    usapi_logout(ours_dev);
    usapi_device_close(ours_dev);
}

/* ---- libcurl, one reused easy handle ---- */
static CURL *curl_h;
static int curl_port;
static struct {
    char *p;
    size_t len, cap;
} curl_body, curl_hdrs;
static size_t curl_append(char *d, size_t sz, size_t n, void *ud) {
    typeof(curl_body) *b = ud;
    size_t k = sz * n;
    if (b->len + k + 1 > b->cap) {
        b->cap = (b->len + k + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) die("out of memory");
    }
    memcpy(b->p + b->len, d, k);
    b->len += k;
    b->p[b->len] = 0;
    return k;
}
static void curl_setup(int port) {
    char url[256], cookie[96], sid[64];
    curl_port = port;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl_h = curl_easy_init();
    if (!curl_h) die("curl_easy_init failed");
    curl_easy_setopt(curl_h, CURLOPT_USERAGENT, "bench-curl");
    curl_easy_setopt(curl_h, CURLOPT_WRITEFUNCTION, curl_append);
    curl_easy_setopt(curl_h, CURLOPT_WRITEDATA, &curl_body);
    curl_easy_setopt(curl_h, CURLOPT_HEADERFUNCTION, curl_append);
    curl_easy_setopt(curl_h, CURLOPT_HEADERDATA, &curl_hdrs);
    curl_easy_setopt(curl_h, CURLOPT_CONNECTTIMEOUT_MS, 3000L); /* ours' defaults */
    curl_easy_setopt(curl_h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_h, CURLOPT_TCP_NODELAY, 1L);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/usapi?method=login&id=%s&pass=%s", port, BENCH_USER,
             BENCH_PASS_MD5);
    curl_easy_setopt(curl_h, CURLOPT_URL, url);
    if (curl_easy_perform(curl_h) != CURLE_OK || scan_result(curl_body.p, curl_body.len) != 0 ||
        find_sid(curl_hdrs.p, curl_hdrs.len, sid, sizeof sid) != 0)
        die("curl login failed");
    snprintf(cookie, sizeof cookie, "sid=%s", sid);
    curl_easy_setopt(curl_h, CURLOPT_COOKIE, cookie); /* copied by libcurl */
    /* Both NULL: libcurl would otherwise pass headers to the write callback. */
    curl_easy_setopt(curl_h, CURLOPT_HEADERFUNCTION, NULL);
    curl_easy_setopt(curl_h, CURLOPT_HEADERDATA, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/usapi?method=get-status", port);
    curl_easy_setopt(curl_h, CURLOPT_URL, url);
}
static int curl_call(void) {
    curl_body.len = 0;
    if (curl_easy_perform(curl_h) != CURLE_OK) return -1000;
    long code = 0;
    curl_easy_getinfo(curl_h, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) return -1000;
    return scan_result(curl_body.p, curl_body.len);
}
static void curl_teardown(void) {
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/usapi?method=logout", curl_port);
    curl_easy_setopt(curl_h, CURLOPT_URL, url);
    curl_easy_perform(curl_h);
    curl_easy_cleanup(curl_h);
    curl_global_cleanup();
    free(curl_body.p);
    free(curl_hdrs.p);
}

/* ---- raw keep-alive socket ---- */
static raw_client raw_c = {.fd = -1};
static void raw_setup(int port) {
    raw_c.port = port;
    if (raw_login(&raw_c) != 0) die("raw login failed");
}
static int raw_call(void) {
    const char *b;
    size_t bl;
    if (raw_get(&raw_c, "get-status", &b, &bl, NULL) != 200) return -1000;
    return scan_result(b, bl);
}
static void raw_teardown(void) {
    const char *b;
    size_t bl;
    raw_get(&raw_c, "logout", &b, &bl, NULL);
    close(raw_c.fd);
    free(raw_c.buf);
}

static void (*const SETUP[NCLIENTS])(int) = {ours_setup, curl_setup, raw_setup};
static int (*const CALL[NCLIENTS])(void) = {ours_call, curl_call, raw_call};
static void (*const TEARDOWN[NCLIENTS])(void) = {ours_teardown, curl_teardown, raw_teardown};

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int ports[NCLIENTS] = {0, 0, 0};
    long n = 5000, rounds = 10, warmup = 50, rss_every = 0;
    int only = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--ports") && v) {
            if (sscanf(v, "%d,%d,%d", &ports[0], &ports[1], &ports[2]) < 1) die("--ports P1,P2,P3");
            i++;
        } else if (!strcmp(a, "--n") && v) n = atol(argv[++i]);
        else if (!strcmp(a, "--rounds") && v) rounds = atol(argv[++i]);
        else if (!strcmp(a, "--warmup") && v) warmup = atol(argv[++i]);
        else if (!strcmp(a, "--rss-every") && v) rss_every = atol(argv[++i]);
        else if (!strcmp(a, "--only") && v) {
            i++;
            for (int k = 0; k < NCLIENTS; k++)
                if (!strcmp(argv[i], NAMES[k])) only = k;
            if (only < 0) die("--only ours|curl|raw");
        } else {
            fprintf(stderr, "usage: %s --ports P1,P2,P3 [--n N] [--rounds R] [--only ours|curl|raw] "
                            "[--warmup W] [--rss-every K]\n", argv[0]);
            return 2;
        }
    }
    if (!ports[0]) die("--ports is required");
    if (only >= 0) rounds = 1;
    if (rounds < 1 || n < rounds) die("need --n >= --rounds >= 1");
    long per_round = n / rounds;
    n = per_round * rounds;

    int active[NCLIENTS], na = 0;
    for (int k = 0; k < NCLIENTS; k++)
        if (only < 0 || only == k) active[na++] = k;
    for (int j = 0; j < na; j++) {
        int k = active[j];
        int port = only >= 0 ? ports[0] : ports[k];
        if (!port) die("--ports needs three ports (one device per client)");
        SETUP[k](port);
        for (long w = 0; w < warmup; w++)
            if (CALL[k]() != 0) die("a warm-up call failed");
    }

    double *wall[NCLIENTS] = {0};
    double cpu[NCLIENTS] = {0}, elapsed[NCLIENTS] = {0};
    double *round_cpu[NCLIENTS] = {0};
    for (int j = 0; j < na; j++) {
        wall[active[j]] = malloc(n * sizeof(double));
        round_cpu[active[j]] = calloc(rounds, sizeof(double));
        if (!wall[active[j]] || !round_cpu[active[j]]) die("out of memory");
        /* Touch every page now, so the RSS growth check does not count them. */
        memset(wall[active[j]], 0x55, n * sizeof(double)); /* not 0: the compiler would make it calloc */
    }
    long rss0 = status_kib("VmRSS"), done = 0;
    if (rss_every) printf("rss calls=0 kib=%ld\n", rss0);
    for (long r = 0; r < rounds; r++) {
        for (int j = 0; j < na; j++) {
            int k = active[(j + r) % na]; /* rotate the order every round */
            double c0 = proc_cpu_s(), t0 = now_s();
            double *w = wall[k] + r * per_round;
            for (long i = 0; i < per_round; i++) {
                double a = now_s();
                int rc = CALL[k]();
                double b = now_s();
                if (rc != 0) {
                    fprintf(stderr, "bench: %s get-status returned %d at call %ld\n", NAMES[k], rc, i);
                    if (k == OURS) fprintf(stderr, "bench: %s\n", usapi_last_error());
                    return 1;
                }
                w[i] = b - a;
                if (rss_every && ++done % rss_every == 0) {
                    printf("rss calls=%ld kib=%ld\n", done, status_kib("VmRSS"));
                    fflush(stdout);
                }
            }
            double dc = proc_cpu_s() - c0;
            cpu[k] += dc;
            round_cpu[k][r] = dc / per_round;
            elapsed[k] += now_s() - t0;
        }
    }
    if (rss_every) printf("rss growth_kib=%ld\n", status_kib("VmRSS") - rss0);

    printf("%-5s %8s %12s %12s %10s %10s %10s\n", "", "calls", "cpu_us/call", "cpu_med_rnd", "wall_p50", "wall_p99",
           "wall_mean");
    double cpu_call[NCLIENTS] = {0};
    for (int j = 0; j < na; j++) {
        int k = active[j];
        qsort(wall[k], n, sizeof(double), cmp_d);
        qsort(round_cpu[k], rounds, sizeof(double), cmp_d);
        cpu_call[k] = cpu[k] / n * 1e6;
        printf("%-5s %8ld %12.2f %12.2f %10.2f %10.2f %10.2f\n", NAMES[k], n, cpu_call[k],
               round_cpu[k][rounds / 2] * 1e6, wall[k][n / 2] * 1e6, wall[k][(long)(n * 0.99)] * 1e6,
               elapsed[k] / n * 1e6);
        printf("RESULT client=%s calls=%ld cpu_us=%.3f cpu_med_round_us=%.3f p50_us=%.2f p99_us=%.2f\n",
               NAMES[k], n, cpu_call[k], round_cpu[k][rounds / 2] * 1e6, wall[k][n / 2] * 1e6,
               wall[k][(long)(n * 0.99)] * 1e6);
    }
    if (na == NCLIENTS)
        printf("RATIO cpu ours/curl=%.3f ours/raw=%.3f curl/raw=%.3f\n", cpu_call[OURS] / cpu_call[LIBCURL],
               cpu_call[OURS] / cpu_call[RAW], cpu_call[LIBCURL] / cpu_call[RAW]);
    for (int j = 0; j < na; j++) {
        TEARDOWN[active[j]]();
        free(wall[active[j]]);
        free(round_cpu[active[j]]);
    }
    return 0;
}
