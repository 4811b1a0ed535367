/* The fleet: N simulated devices polled with get-status at 1 Hz.
 *
 *   fleet --mode ours|curl --ports-file F [--seconds 60] [--threads 8]
 *         [--timeout-ms 500] [--dead-port P]
 *
 * ours: one process, --threads threads through the C ABI, device i owned by
 *       thread i % threads, polled one after another in due order.
 * curl: curl multi in one thread, one easy handle per device (connections
 *       kept in the multi's cache).
 * Device i is due at T0 + i/N s + k s (polls spread over the second, the same
 * schedule in both modes). A poll that could not start within a whole period
 * of its due time is counted as missed and moved to the next tick.
 * Reported over the polling window only (logins excluded): CPU % of one core
 * (getrusage of the process, all threads), RSS peak (VmHWM) and steady (mean
 * VmRSS sampled each second in the second half), and how late polls of the
 * answering devices started (the device at --dead-port, which the caller made
 * stop answering, must not delay the others by more than its timeout). */
#include "common.h"
#include <pthread.h>
/* Built twice (fleet-ours, fleet-curl) so each process maps only its own
 * client library and the RSS figures compare like with like. */
#if defined(FLEET_OURS)
#include <ultrastream.h>
#elif defined(FLEET_CURL)
#include <curl/curl.h>
#else
#error "build with -DFLEET_OURS or -DFLEET_CURL"
#endif

#define MAX_DEV 1024
static int ndev, ports[MAX_DEV], dead_port;
static int nthreads = 8, timeout_ms = 500;
static double seconds = 60, T0, T_END, PERIOD = 1.0;

/* Lateness histogram: 10 us buckets below 10 ms, 1 ms buckets to 2 s, then
 * one overflow bucket. Fixed size, so the bench's own memory does not grow
 * with the run and blur the RSS figures. */
#define FINE 1000
#define COARSE 1990
#define NBUCKETS (FINE + COARSE + 1)
typedef struct {
    long ok, failed, missed, late_n;
    double late_max, dead_call_max;
    uint32_t hist[NBUCKETS];
} stats;

static void note_late(stats *s, double late) {
    if (late > s->late_max) s->late_max = late;
    long us = late < 0 ? 0 : (long)(late * 1e6);
    long b = us < 10000 ? us / 10 : FINE + (us - 10000) / 1000;
    s->hist[b < NBUCKETS ? b : NBUCKETS - 1]++;
    s->late_n++;
}

/* The lateness (s) below which a fraction q of the polls started. */
static double late_quantile(const stats *s, double q) {
    long want = (long)(s->late_n * q), seen = 0;
    for (long b = 0; b < NBUCKETS; b++) {
        seen += s->hist[b];
        if (seen > want) return b < FINE ? (b + 1) * 10e-6 : 0.010 + (b - FINE + 1) * 1e-3;
    }
    return s->late_max;
}

static void sleep_until(double t) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = ts.tv_sec + ts.tv_nsec / 1e9;
    if (t <= now) return;
    double d = t - now;
    ts.tv_sec = (time_t)d;
    ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

static double due_of(int i) { return T0 + (double)i / ndev * PERIOD; }

#ifdef FLEET_OURS
/* ---- ours: --threads threads through the C ABI ---- */
typedef struct {
    int tid;
    usapi_device dev[MAX_DEV];
    int idx[MAX_DEV], n;
    stats st;
    pthread_barrier_t *ready;
} worker;

static void *ours_worker(void *arg) {
    worker *w = arg;
    usapi_options o = {.connect_timeout_ms = timeout_ms, .request_timeout_ms = timeout_ms};
    for (int j = 0; j < w->n; j++) {
        char host[64];
        snprintf(host, sizeof host, "127.0.0.1:%d", ports[w->idx[j]]);
        if (usapi_device_open(host, &o, &w->dev[j]) != 0) die("usapi_device_open failed");
        int rc = usapi_login_md5(w->dev[j], BENCH_USER, BENCH_PASS_MD5);
        if (rc != 0) {
            fprintf(stderr, "bench: login to %s: %d %s\n", host, rc, usapi_last_error());
            exit(2);
        }
    }
    pthread_barrier_wait(w->ready); /* logins done */
    pthread_barrier_wait(w->ready); /* T0 set */
    double due[MAX_DEV];
    for (int j = 0; j < w->n; j++) due[j] = due_of(w->idx[j]);
    for (int j = 0;; j = (j + 1) % w->n) {
        sleep_until(due[j]);
        double start = now_s();
        if (start >= T_END) break;
        while (start - due[j] >= PERIOD) { /* could not start within its tick */
            due[j] += PERIOD;
            if (ports[w->idx[j]] != dead_port) w->st.missed++;
        }
        int dead = ports[w->idx[j]] == dead_port;
        if (!dead) note_late(&w->st, start - due[j]);
        char *json = NULL;
        int rc = usapi_get_status(w->dev[j], &json);
        usapi_string_free(json);
        double took = now_s() - start;
        if (rc == 0) w->st.ok++;
        else w->st.failed++;
        if (dead && took > w->st.dead_call_max) w->st.dead_call_max = took;
        due[j] += PERIOD;
    }
    for (int j = 0; j < w->n; j++) {
        usapi_logout(w->dev[j]);
        usapi_device_close(w->dev[j]);
    }
    return NULL;
}

#endif

#ifdef FLEET_CURL
/* ---- curl multi, one thread ---- */
typedef struct {
    CURL *h;
    char *buf;
    size_t len, cap;
    char *hdr;
    size_t hlen, hcap;
    int busy;
    double due, start;
} cdev;
static cdev cd[MAX_DEV];

static size_t c_body(char *d, size_t sz, size_t n, void *ud) {
    cdev *c = ud;
    size_t k = sz * n;
    if (c->len + k + 1 > c->cap) {
        c->cap = (c->len + k + 1) * 2;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf) die("out of memory");
    }
    memcpy(c->buf + c->len, d, k);
    c->len += k;
    c->buf[c->len] = 0;
    return k;
}
static size_t c_hdr(char *d, size_t sz, size_t n, void *ud) {
    cdev *c = ud;
    size_t k = sz * n;
    if (c->hlen + k + 1 > c->hcap) {
        c->hcap = (c->hlen + k + 1) * 2;
        c->hdr = realloc(c->hdr, c->hcap);
        if (!c->hdr) die("out of memory");
    }
    memcpy(c->hdr + c->hlen, d, k);
    c->hlen += k;
    return k;
}

/* Run the multi until no transfer is left; returns per-handle results. */
static int c_result(CURLM *m, int *idx) {
    int q;
    CURLMsg *msg = curl_multi_info_read(m, &q);
    if (!msg) return INT32_MIN;
    if (msg->msg != CURLMSG_DONE) return INT32_MIN + 1;
    cdev *c;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
    *idx = (int)(c - cd);
    long code = 0;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
    int res = (msg->data.result == CURLE_OK && code == 200) ? scan_result(c->buf, c->len) : -1000;
    curl_multi_remove_handle(m, msg->easy_handle);
    c->busy = 0;
    return res;
}

/* Log every device in through the multi, keep the cookies. */
static CURLM *curl_login_all(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)ndev + 16);
    char url[160];
    for (int i = 0; i < ndev; i++) {
        cdev *c = &cd[i];
        c->h = curl_easy_init();
        curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
        curl_easy_setopt(c->h, CURLOPT_USERAGENT, "bench-curl");
        curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, c_body);
        curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, c_hdr);
        curl_easy_setopt(c->h, CURLOPT_HEADERDATA, c);
        curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
        curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        snprintf(url, sizeof url, "http://127.0.0.1:%d/usapi?method=login&id=%s&pass=%s", ports[i], BENCH_USER,
                 BENCH_PASS_MD5);
        curl_easy_setopt(c->h, CURLOPT_URL, url);
        c->busy = 1;
        curl_multi_add_handle(m, c->h);
    }
    int running = 1, idx, r, left = ndev;
    while (left) {
        curl_multi_perform(m, &running);
        while ((r = c_result(m, &idx)) != INT32_MIN) {
            char sid[64], cookie[80];
            if (r != 0 || find_sid(cd[idx].hdr, cd[idx].hlen, sid, sizeof sid) != 0) die("curl login failed");
            snprintf(cookie, sizeof cookie, "sid=%s", sid);
            curl_easy_setopt(cd[idx].h, CURLOPT_COOKIE, cookie);
            /* Both NULL: libcurl would otherwise pass headers to the write callback. */
            curl_easy_setopt(cd[idx].h, CURLOPT_HEADERFUNCTION, NULL);
            curl_easy_setopt(cd[idx].h, CURLOPT_HEADERDATA, NULL);
            snprintf(url, sizeof url, "http://127.0.0.1:%d/usapi?method=get-status", ports[idx]);
            curl_easy_setopt(cd[idx].h, CURLOPT_URL, url);
            left--;
        }
        if (left) curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    return m;
}

static void curl_poll_all(CURLM *m, stats *st) {
    int next = 0, running = 0, idx, r;
    for (int i = 0; i < ndev; i++) cd[i].due = due_of(i);
    for (;;) {
        double now = now_s();
        if (now >= T_END) break;
        /* Start every poll that is due (due order is index order). */
        while (cd[next].due <= now) {
            cdev *c = &cd[next];
            int dead = ports[next] == dead_port;
            while (now - c->due >= PERIOD) {
                c->due += PERIOD;
                if (!dead) st->missed++;
            }
            if (c->due > now) break;
            if (c->busy) { /* still waiting for the previous poll */
                c->due += PERIOD;
                if (!dead) st->missed++;
            } else {
                if (!dead) note_late(st, now - c->due);
                c->len = 0;
                c->start = now;
                c->busy = 1;
                curl_multi_add_handle(m, c->h);
                c->due += PERIOD;
            }
            next = (next + 1) % ndev;
        }
        curl_multi_perform(m, &running);
        while ((r = c_result(m, &idx)) != INT32_MIN) {
            if (r == 0) st->ok++;
            else st->failed++;
            if (ports[idx] == dead_port && now_s() - cd[idx].start > st->dead_call_max)
                st->dead_call_max = now_s() - cd[idx].start;
        }
        double wait = cd[next].due - now_s();
        int ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
        if (ms > 1000) ms = 1000;
        if (ms > 0) curl_multi_poll(m, NULL, 0, ms, NULL);
    }
    for (int i = 0; i < ndev; i++) {
        if (cd[i].busy) curl_multi_remove_handle(m, cd[i].h);
        curl_easy_cleanup(cd[i].h);
        free(cd[i].buf);
        free(cd[i].hdr);
    }
    curl_multi_cleanup(m);
    curl_global_cleanup();
}

#endif

static double cpu_of(const struct rusage *a, const struct rusage *b) {
    return (b->ru_utime.tv_sec - a->ru_utime.tv_sec) + (b->ru_utime.tv_usec - a->ru_utime.tv_usec) / 1e6 +
           (b->ru_stime.tv_sec - a->ru_stime.tv_sec) + (b->ru_stime.tv_usec - a->ru_stime.tv_usec) / 1e6;
}

/* Sample VmRSS every second until T_END; mean of the second half. */
static double sample_rss_until_end(void) {
    double sum = 0;
    int n = 0;
    for (double t = T0 + 1; t < T_END; t += 1) {
        sleep_until(t);
        if (t >= T0 + (T_END - T0) / 2) {
            sum += status_kib("VmRSS");
            n++;
        }
    }
    return n ? sum / n : status_kib("VmRSS");
}

#ifdef FLEET_CURL
static void *curl_thread(void *arg) {
    void **a = arg;
    curl_poll_all(a[0], a[1]);
    return NULL;
}

#endif

int main(int argc, char **argv) {
    const char *mode = NULL, *ports_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) die("every option takes a value (see the comment at the top of fleet.c)");
        if (!strcmp(a, "--mode")) mode = argv[++i];
        else if (!strcmp(a, "--ports-file")) ports_file = argv[++i];
        else if (!strcmp(a, "--seconds")) seconds = atof(argv[++i]);
        else if (!strcmp(a, "--threads")) nthreads = atoi(argv[++i]);
        else if (!strcmp(a, "--timeout-ms")) timeout_ms = atoi(argv[++i]);
        else if (!strcmp(a, "--dead-port")) dead_port = atoi(argv[++i]);
        else die("unknown option");
    }
    if (!mode || !ports_file) die("usage: fleet --mode ours|curl --ports-file F [--seconds S] ...");
#ifdef FLEET_OURS
    int ours = 1;
    if (strcmp(mode, "ours")) die("this is fleet-ours: --mode ours (fleet-curl runs curl)");
#else
    int ours = 0;
    if (strcmp(mode, "curl")) die("this is fleet-curl: --mode curl (fleet-ours runs ours)");
#endif
    ndev = read_ports(ports_file, ports, MAX_DEV);
    if (!ndev) die("no ports in --ports-file");
    if (nthreads < 1 || nthreads > 64) die("--threads 1..64");

    static stats total;
    long rss_start = status_kib("VmRSS"); /* before any device is opened */
    struct rusage r0, r1;
    double steady_kib, rss_login;
#ifdef FLEET_OURS
    {
        static worker w[64];
        pthread_t th[64];
        pthread_barrier_t ready;
        pthread_barrier_init(&ready, NULL, nthreads + 1);
        for (int i = 0; i < ndev; i++) {
            worker *x = &w[i % nthreads];
            x->idx[x->n++] = i;
        }
        for (int t = 0; t < nthreads; t++) {
            w[t].tid = t;
            w[t].ready = &ready;
            pthread_create(&th[t], NULL, ours_worker, &w[t]);
        }
        pthread_barrier_wait(&ready); /* all logged in */
        rss_login = status_kib("VmRSS");
        T0 = now_s() + 0.2;
        T_END = T0 + seconds;
        getrusage(RUSAGE_SELF, &r0);
        pthread_barrier_wait(&ready);
        steady_kib = sample_rss_until_end();
        for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
        getrusage(RUSAGE_SELF, &r1);
        for (int t = 0; t < nthreads; t++) {
            stats *s = &w[t].st;
            total.ok += s->ok;
            total.failed += s->failed;
            total.missed += s->missed;
            if (s->late_max > total.late_max) total.late_max = s->late_max;
            if (s->dead_call_max > total.dead_call_max) total.dead_call_max = s->dead_call_max;
            for (long b = 0; b < NBUCKETS; b++) total.hist[b] += s->hist[b];
            total.late_n += s->late_n;
        }
    }
#else
    {
        CURLM *m = curl_login_all();
        rss_login = status_kib("VmRSS");
        T0 = now_s() + 0.2;
        T_END = T0 + seconds;
        getrusage(RUSAGE_SELF, &r0);
        /* The polling runs in one thread; the main thread only samples RSS. */
        pthread_t th;
        void *args[2] = {m, &total};
        pthread_create(&th, NULL, curl_thread, args);
        steady_kib = sample_rss_until_end();
        pthread_join(th, NULL);
        getrusage(RUSAGE_SELF, &r1);
    }
#endif
    double cpu = cpu_of(&r0, &r1), wall = now_s() - T0;
    double p50 = late_quantile(&total, 0.5), p99 = late_quantile(&total, 0.99);
    long expected = (long)(ndev * seconds);
    printf("RESULT mode=%s devices=%d threads=%d seconds=%.0f cpu_pct=%.2f rss_start_mib=%.1f rss_login_mib=%.1f "
           "rss_peak_mib=%.1f rss_steady_mib=%.1f polls_ok=%ld polls_failed=%ld expected=%ld missed=%ld "
           "late_p50_ms=%.2f late_p99_ms=%.1f late_max_ms=%.1f dead_port=%d dead_call_max_ms=%.1f timeout_ms=%d\n",
           mode, ndev, ours ? nthreads : 1, seconds, cpu / wall * 100, rss_start / 1024.0, rss_login / 1024.0,
           status_kib("VmHWM") / 1024.0, steady_kib / 1024.0, total.ok, total.failed, expected, total.missed,
           p50 * 1e3, p99 * 1e3, total.late_max * 1e3, dead_port, total.dead_call_max * 1e3, timeout_ms);
    return 0;
}
