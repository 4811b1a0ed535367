/* A fleet at a real encoder's pace (issue 17): N simulated devices that
 * answer in 100 ms +- 50 ms (ultrastream-sim --latency 100:50), polled with
 * get-status at 1 Hz.
 *
 *   fleet_pace --mode watch|engine|curl --ports-file F [--seconds 60]
 *              [--interval-ms 1000] [--offline-after-ms 4000] [--timeout-ms 1000]
 *              [--curl-loop socket|poll] [--curl-multis K] [--curl-dns-cache]
 *
 * watch:  the library's watcher (usapi_watch_start) on every device; polls
 *         and lags from usapi_watch_stats, offline from its events.
 * engine: one thread submits each device's poll when due with
 *         usapi_call_async (the fleet engine completes it).
 * curl:   libcurl's multi interface in one thread, one easy handle per
 *         device (its cookie engine keeps the session), the same schedule,
 *         driven with curl_multi_socket_action on epoll (libcurl's API for
 *         many connections), no DNS cache, devices spread over multi
 *         handles of 256 (see run_curl for why each).
 * Device i is due at T0 + i/N * interval + k * interval. In engine and curl
 * modes a poll whose device is still busy when due is skipped (not done).
 * Logins happen before the window (call_many for ours, the multi for curl).
 * Over the window: polls done of due (done = answered with result 0), the
 * devices ever without a good answer for offline-after ("offline"; the
 * watcher's own offline events in watch mode), the worst lag (how late a
 * poll started after its due time; the watcher's max_lag_ms), the process's
 * CPU as % of one core, its most threads, RSS peak. */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>
#if defined(PACE_OURS)
#include <ultrastream.h>
#elif defined(PACE_CURL)
#include <curl/curl.h>
#else
#error "build with -DPACE_OURS or -DPACE_CURL"
#endif

#define MAX_DEV 16384
static int ndev, ports[MAX_DEV];
static double seconds = 60, interval = 1.0, offline_after = 4.0, timeout_s = 1.0;
static double T0, T_END;
static const char *mode = "";

static long threads_now(void) { return status_kib("Threads"); }

__attribute__((unused)) static void sleep_until(double t) {
    double d = t - now_s();
    if (d <= 0) return;
    struct timespec ts = {(time_t)d, (long)((d - (time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Per-device schedule state shared by the engine and curl modes. */
typedef struct {
    double next_due;    /* next due time */
    double started_due; /* due time of the poll in flight */
    double last_ok;     /* last good answer (or T0) */
    _Atomic int busy;
    int was_offline;
} dev_state;
static dev_state *st;
static long due_n, done_n __attribute__((unused)), skipped_n, failed_n __attribute__((unused));
static _Atomic long done_async __attribute__((unused)), failed_async __attribute__((unused));
static double lag_max;

static double due_of(int i) { return T0 + (double)i / ndev * interval; }

static void note_offline(int i, double now) {
    if (!st[i].was_offline && now - st[i].last_ok > offline_after) st[i].was_offline = 1;
}

static int offline_count(double now) {
    int n = 0;
    for (int i = 0; i < ndev; i++) {
        note_offline(i, now);
        n += st[i].was_offline;
    }
    return n;
}

static double cpu0, peak_threads;
static void window_start(void) { cpu0 = proc_cpu_s(); }

static void report(long due, long done, int offline, double lag_ms, const char *extra) {
    double cpu = proc_cpu_s() - cpu0;
    double t = threads_now();
    if (t > peak_threads) peak_threads = t;
    printf("RESULT mode=%s devices=%d seconds=%.0f due=%ld done=%ld done_pct=%.2f offline=%d lag_max_ms=%.0f "
           "cpu_pct=%.2f threads=%.0f rss_peak_mib=%.1f rss_mib=%.1f %s\n",
           mode, ndev, seconds, due, done, due ? 100.0 * done / due : 0, offline, lag_ms, 100.0 * cpu / seconds,
           peak_threads, status_kib("VmHWM") / 1024.0, status_kib("VmRSS") / 1024.0, extra);
    fflush(stdout);
}

#ifdef PACE_OURS
static usapi_device *devs;

static void on_login(size_t index, usapi_device dev, int32_t code, const char *text, void *user) {
    (void)dev;
    if (code != 0) {
        fprintf(stderr, "bench: login %zu: %d %s\n", index, code, text);
        ++*(int *)user;
    }
}

static void open_and_login(void) {
    devs = calloc(ndev, sizeof *devs);
    usapi_options o = {0};
    o.request_timeout_ms = (uint32_t)(timeout_s * 1000);
    for (int i = 0; i < ndev; i++) {
        char host[32];
        snprintf(host, sizeof host, "127.0.0.1:%d", ports[i]);
        if (usapi_device_open(host, &o, &devs[i]) != 0) die("usapi_device_open");
    }
    usapi_many_options m = {0};
    m.max_in_flight = (uint32_t)ndev;
    m.timeout_ms = 20000; /* logins are not measured: generous, for a loaded machine */
    int bad = 0;
    double t = now_s();
    int rc = usapi_call_many(devs, ndev, "login", "{\"id\":\"" BENCH_USER "\",\"pass\":\"" BENCH_PASS_MD5 "\"}",
                             &m, on_login, &bad);
    if (rc != 0 || bad) {
        fprintf(stderr, "bench: call_many login: %d, %d failed\n", rc, bad);
        exit(1);
    }
    fprintf(stderr, "bench: %d logins in %.2f s (call_many)\n", ndev, now_s() - t);
}

/* ---- watch ---- */
static _Atomic int offline_events;
static int32_t on_event(const char *e, void *user) {
    (void)user;
    if (strstr(e, "\"event\":\"offline\"")) offline_events++;
    return 0;
}

/* The first number after "key": in s. */
static double json_num(const char *s, const char *key) {
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(s, k);
    return p ? strtod(p + strlen(k), NULL) : -1;
}

static double max_of(const char *s, const char *key) {
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    double m = 0;
    for (const char *p = strstr(s, k); p; p = strstr(p + 1, k)) {
        double v = strtod(p + strlen(k), NULL);
        if (v > m) m = v;
    }
    return m;
}

static void run_watch(void) {
    usapi_watch_options w = {0};
    w.interval_ms = (uint32_t)(interval * 1000);
    w.offline_after_ms = (uint32_t)(offline_after * 1000);
    w.timeout_ms = (uint32_t)(timeout_s * 1000);
    usapi_watch h;
    if (usapi_watch_start(devs, ndev, &w, on_event, NULL, &h) != 0) {
        fprintf(stderr, "bench: watch_start: %s\n", usapi_last_error());
        exit(1);
    }
    /* Warm up one interval and a half (first polls, connections), then measure. */
    sleep_until(now_s() + 1.5 * interval);
    char *s0 = NULL, *s1 = NULL;
    if (usapi_watch_stats(h, &s0) != 0) die("stats");
    double polls0 = json_num(s0, "polls");
    int off0 = offline_events;
    reset_hwm();
    window_start();
    T0 = now_s();
    T_END = T0 + seconds;
    while (now_s() < T_END) {
        sleep_until(now_s() + 1);
        double t = threads_now();
        if (t > peak_threads) peak_threads = t;
    }
    if (usapi_watch_stats(h, &s1) != 0) die("stats");
    double polls1 = json_num(s1, "polls");
    char extra[128];
    snprintf(extra, sizeof extra, "failed=%.0f", json_num(s1, "failed") - json_num(s0, "failed"));
    long due = (long)(ndev * seconds / interval);
    report(due, (long)(polls1 - polls0), offline_events - off0, max_of(s1, "max_lag_ms"), extra);
    double t = now_s();
    usapi_watch_stop(h);
    fprintf(stderr, "bench: watch_stop took %.0f ms\n", (now_s() - t) * 1000);
    usapi_string_free(s0);
    usapi_string_free(s1);
}

/* ---- engine: usapi_call_async on a schedule ---- */
static void on_done(int32_t code, const char *text, void *user) {
    (void)text;
    int i = (int)(intptr_t)user;
    if (code == 0) {
        st[i].last_ok = now_s();
        done_async++;
    } else {
        failed_async++;
    }
    atomic_store(&st[i].busy, 0);
}

static void run_engine(void) {
    st = calloc(ndev, sizeof *st);
    reset_hwm();
    window_start();
    T0 = now_s() + 0.2;
    T_END = T0 + seconds;
    for (int i = 0; i < ndev; i++) st[i].next_due = due_of(i), st[i].last_ok = T0;
    double next_sample = T0 + 1;
    /* Polls are submitted in due order: the device whose due time is
     * soonest is i = k mod N over the interval, so walk a cursor. */
    long k = 0;
    while (1) {
        int i = (int)(k % ndev);
        double due = st[i].next_due;
        if (due >= T_END) break;
        sleep_until(due);
        double now = now_s();
        if (now >= next_sample) {
            double t = threads_now();
            if (t > peak_threads) peak_threads = t;
            next_sample += 1;
        }
        due_n++;
        note_offline(i, now);
        if (atomic_load(&st[i].busy)) {
            skipped_n++;
        } else {
            atomic_store(&st[i].busy, 1);
            if (now - due > lag_max) lag_max = now - due;
            if (usapi_call_async(devs[i], "get-status", NULL, on_done, (void *)(intptr_t)i) != 0) {
                atomic_store(&st[i].busy, 0);
                failed_async++;
            }
        }
        st[i].next_due += interval;
        k++;
    }
    /* Polls still in flight at the end finish (they were due in the window). */
    double until = now_s() + timeout_s + 0.5;
    for (int i = 0; i < ndev; i++)
        while (atomic_load(&st[i].busy) && now_s() < until) usleep(1000);
    char extra[96];
    snprintf(extra, sizeof extra, "skipped=%ld failed=%ld", skipped_n, (long)failed_async);
    report(due_n, done_async, offline_count(T_END), lag_max * 1000, extra);
}
#endif

#ifdef PACE_CURL
/* curl multi at its best for thousands of devices, one thread:
 *
 * - The multi_socket API (curl_multi_socket_action) on our own epoll with
 *   curl's timer, as libcurl documents for many connections. The
 *   curl_multi_perform / curl_multi_poll loop (--curl-loop poll, the
 *   bench's first form) walks every transfer in flight on each wake-up.
 * - No DNS cache: libcurl 7.88 prunes it by walking every entry (one per
 *   host:port, so one per device) as transfers end. Every address here is
 *   an IP literal, which curl reads without a resolver, and a kept-alive
 *   connection needs no lookup. --curl-dns-cache keeps curl's default.
 * - Devices spread over several multi handles of at most 256 devices each
 *   (--curl-multis K; all driven by the same thread and epoll):
 *   curl_multi_remove_handle in 7.88 walks the whole connection cache of
 *   its multi (closing connect-only connections) at every removal, and a
 *   finished transfer must be removed to run again.
 *
 * Measured alone at 4096 devices x 100+-50 ms (15 s): one multi with the
 * perform/poll loop did 27 % of polls; socket_action alone 4 % (the walks
 * above made each transfer ~150 us, it fell behind and timeouts piled up);
 * without the DNS cache 93 % at 49 % of a core; sharded, see README. */
#include <sys/epoll.h>
#define MAX_MULTI 64
static CURL **easy;
static char (*urls)[96];
static CURLM *multis[MAX_MULTI];
static int nmulti = 0;                 /* --curl-multis; 0: ceil(devices / 256) */
static double timer_at[MAX_MULTI];     /* when multi k wants CURL_SOCKET_TIMEOUT; -1: never */
static int epfd = -1;
static int use_poll_loop;              /* --curl-loop poll */
static int keep_dns_cache;             /* --curl-dns-cache: curl's default DNS cache */

static size_t sink(char *p, size_t s, size_t n, void *u) {
    (void)p;
    (void)u;
    return s * n;
}

/* epoll's data: the multi's index above the socket. */
static int on_curl_socket(CURL *e, curl_socket_t s, int what, void *u, void *sp) {
    (void)e;
    (void)sp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    struct epoll_event ev = {0};
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    ev.data.u64 = ((uint64_t)(uintptr_t)u << 32) | (uint32_t)s;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
    return 0;
}

static int on_curl_timer(CURLM *m, long ms, void *u) {
    (void)m;
    timer_at[(uintptr_t)u] = ms < 0 ? -1 : now_s() + ms / 1000.0;
    return 0;
}

/* Wait at most until `until` (or an event), let curl act on what is ready
 * and on its timers. */
static void curl_wait(double until) {
    int running;
    if (use_poll_loop) {
        curl_multi_perform(multis[0], &running);
        double wait = until - now_s();
        int ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
        curl_multi_poll(multis[0], NULL, 0, ms > 100 ? 100 : ms, NULL);
        return;
    }
    double next = until;
    for (int k = 0; k < nmulti; k++)
        if (timer_at[k] >= 0 && timer_at[k] < next) next = timer_at[k];
    double wait = next - now_s();
    int ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
    struct epoll_event evs[512];
    int n = epoll_wait(epfd, evs, 512, ms > 100 ? 100 : ms);
    for (int k = 0; k < n; k++) {
        int flags = (evs[k].events & EPOLLIN ? CURL_CSELECT_IN : 0) | (evs[k].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (evs[k].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(multis[evs[k].data.u64 >> 32], (curl_socket_t)(uint32_t)evs[k].data.u64, flags,
                                 &running);
    }
    double now = now_s();
    for (int k = 0; k < nmulti; k++) {
        if (timer_at[k] >= 0 && now >= timer_at[k]) {
            timer_at[k] = -1;
            curl_multi_socket_action(multis[k], CURL_SOCKET_TIMEOUT, 0, &running);
        }
    }
}

/* Each finished transfer: `on(index, ok)`, its handle removed. */
static void curl_collect(void (*on)(int, int)) {
    for (int k = 0; k < nmulti; k++) {
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(multis[k], &q))) {
            if (msg->msg != CURLMSG_DONE) continue;
            void *p;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
            long http = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &http);
            int ok = msg->data.result == CURLE_OK && http == 200;
            CURL *e = msg->easy_handle;
            curl_multi_remove_handle(multis[k], e);
            on((int)(intptr_t)p, ok);
        }
    }
}

static int logins_left, logins_bad, in_flight;
static void on_login(int i, int ok) {
    (void)i;
    logins_left--;
    logins_bad += !ok;
}
static void on_poll(int j, int ok) {
    if (ok) {
        done_n++;
        st[j].last_ok = now_s();
    } else {
        failed_n++;
    }
    st[j].busy = 0;
    in_flight--;
}

static void run_curl(void) {
    st = calloc(ndev, sizeof *st);
    easy = calloc(ndev, sizeof *easy);
    urls = calloc(ndev, sizeof *urls);
    if (use_poll_loop) nmulti = 1;
    if (nmulti <= 0) nmulti = (ndev + 255) / 256;
    if (nmulti > MAX_MULTI) nmulti = MAX_MULTI;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    for (int k = 0; k < nmulti; k++) {
        CURLM *m = curl_multi_init();
        multis[k] = m;
        timer_at[k] = -1;
        /* One kept-alive connection per device, none closed for want of
         * room (the default cache keeps 4 x the handles added, counted as
         * they come: set it outright). No per-host or total limit: curl's
         * defaults are unlimited. */
        curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)(ndev / nmulti) + 16);
        curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
        curl_multi_setopt(m, CURLMOPT_SOCKETDATA, (void *)(uintptr_t)k);
        curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_curl_timer);
        curl_multi_setopt(m, CURLMOPT_TIMERDATA, (void *)(uintptr_t)k);
    }
    /* Logins: every device at once. */
    double t = now_s();
    for (int i = 0; i < ndev; i++) {
        CURL *e = curl_easy_init();
        easy[i] = e;
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/usapi?method=login&id=%s&pass=%s", ports[i],
                 BENCH_USER, BENCH_PASS_MD5);
        curl_easy_setopt(e, CURLOPT_URL, urls[i]);
        curl_easy_setopt(e, CURLOPT_COOKIEFILE, ""); /* the cookie engine keeps the sid */
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 20000L); /* logins: generous, not measured */
        curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)(intptr_t)i);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        if (!keep_dns_cache) curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
        curl_multi_add_handle(multis[i % nmulti], e);
    }
    logins_left = ndev;
    while (logins_left > 0) {
        curl_wait(now_s() + 0.1);
        curl_collect(on_login);
    }
    if (logins_bad) {
        fprintf(stderr, "bench: curl logins: %d failed\n", logins_bad);
        exit(1);
    }
    fprintf(stderr, "bench: %d logins in %.2f s (curl multi, %s, %d multi handles)\n", ndev, now_s() - t,
            use_poll_loop ? "perform/poll loop" : "socket_action on epoll", nmulti);
    for (int i = 0; i < ndev; i++) {
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/usapi?method=get-status", ports[i]);
        curl_easy_setopt(easy[i], CURLOPT_URL, urls[i]);
        curl_easy_setopt(easy[i], CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
    }
    reset_hwm();
    window_start();
    T0 = now_s() + 0.2;
    T_END = T0 + seconds;
    for (int i = 0; i < ndev; i++) st[i].next_due = due_of(i), st[i].last_ok = T0;
    double next_sample = T0 + 1;
    long k = 0;
    for (;;) {
        /* Start every poll that is due (in due order: a cursor). */
        double now = now_s();
        double due = st[k % ndev].next_due;
        while (due < T_END && due <= now) {
            int i = (int)(k % ndev);
            due_n++;
            note_offline(i, now);
            if (st[i].busy) {
                skipped_n++;
            } else {
                st[i].busy = 1;
                if (now - due > lag_max) lag_max = now - due;
                curl_multi_add_handle(multis[i % nmulti], easy[i]);
                in_flight++;
            }
            st[i].next_due += interval;
            k++;
            due = st[k % ndev].next_due;
        }
        if (due >= T_END && in_flight == 0) break;
        if (due >= T_END && now > T_END + timeout_s + 0.5) break;
        if (now >= next_sample) {
            double th = threads_now();
            if (th > peak_threads) peak_threads = th;
            next_sample += 1;
        }
        curl_wait(due < T_END ? due : now + 0.05);
        curl_collect(on_poll);
    }
    char extra[128];
    snprintf(extra, sizeof extra, "skipped=%ld failed=%ld loop=%s dns_cache=%d multis=%d", skipped_n, failed_n,
             use_poll_loop ? "poll" : "socket", keep_dns_cache, nmulti);
    report(due_n, done_n, offline_count(T_END), lag_max * 1000, extra);
}
#endif

int main(int argc, char **argv) {
    const char *ports_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc) mode = argv[++i];
        else if (!strcmp(argv[i], "--ports-file") && i + 1 < argc) ports_file = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc) interval = atof(argv[++i]) / 1000;
        else if (!strcmp(argv[i], "--offline-after-ms") && i + 1 < argc) offline_after = atof(argv[++i]) / 1000;
        else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc) timeout_s = atof(argv[++i]) / 1000;
#ifdef PACE_CURL
        else if (!strcmp(argv[i], "--curl-loop") && i + 1 < argc) use_poll_loop = !strcmp(argv[++i], "poll");
        else if (!strcmp(argv[i], "--curl-dns-cache")) keep_dns_cache = 1;
        else if (!strcmp(argv[i], "--curl-multis") && i + 1 < argc) nmulti = atoi(argv[++i]);
#endif
        else {
            fprintf(stderr, "usage: %s --mode watch|engine|curl --ports-file F [--seconds S] [--interval-ms MS] "
                            "[--offline-after-ms MS] [--timeout-ms MS] [--curl-loop socket|poll] [--curl-multis K] "
                            "[--curl-dns-cache]\n", argv[0]);
            return 2;
        }
    }
    if (!ports_file) die("--ports-file is required");
    ndev = read_ports(ports_file, ports, MAX_DEV);
    if (ndev == 0) die("no ports");
    raise_nofile();
#ifdef PACE_OURS
    open_and_login();
    if (!strcmp(mode, "watch")) run_watch();
    else if (!strcmp(mode, "engine")) run_engine();
    else die("--mode must be watch or engine for this binary");
    /* Exit without closing: closing logs every device out, which is not
     * what is measured. */
    fflush(stdout);
    _exit(0);
#else
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (strcmp(mode, "curl")) die("--mode must be curl for this binary");
    run_curl();
    fflush(stdout);
    _exit(0);
#endif
}
