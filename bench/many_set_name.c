/* The many-devices call (issue 17): set the name of every device of a
 * simulated fleet (1000 devices answering in 100 ms: ultrastream-sim
 * --latency 100) with one usapi_call_many, and time it. Target: under 2 s.
 *
 *   many-set-name --ports-file F [--max-in-flight N] [--rounds R]
 *
 * Logs in with usapi_call_many("login") first (not timed), then R rounds of
 * set-name, each checked afterwards with get-settings on a sample. */
#include "common.h"
#include <ultrastream.h>

#define MAX_DEV 16384
static int ndev, ports[MAX_DEV];

typedef struct {
    int ok, failed;
} tally;

static void on_result(size_t index, usapi_device dev, int32_t code, const char *text, void *user) {
    (void)dev;
    tally *t = user;
    if (code == 0) {
        t->ok++;
    } else {
        if (t->failed++ < 5) fprintf(stderr, "bench: device %zu: %d %s\n", index, code, text);
    }
}

int main(int argc, char **argv) {
    const char *ports_file = NULL;
    unsigned max_in_flight = 0;
    int rounds = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ports-file") && i + 1 < argc) ports_file = argv[++i];
        else if (!strcmp(argv[i], "--max-in-flight") && i + 1 < argc) max_in_flight = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s --ports-file F [--max-in-flight N] [--rounds R]\n", argv[0]);
            return 2;
        }
    }
    if (!ports_file) die("--ports-file is required");
    ndev = read_ports(ports_file, ports, MAX_DEV);
    raise_nofile();
    usapi_device *devs = calloc(ndev, sizeof *devs);
    for (int i = 0; i < ndev; i++) {
        char host[32];
        snprintf(host, sizeof host, "127.0.0.1:%d", ports[i]);
        if (usapi_device_open(host, NULL, &devs[i]) != 0) die("usapi_device_open");
    }
    usapi_many_options o = {0};
    o.max_in_flight = max_in_flight ? max_in_flight : (unsigned)ndev;
    tally t = {0, 0};
    double t0 = now_s();
    usapi_call_many(devs, ndev, "login", "{\"id\":\"" BENCH_USER "\",\"pass\":\"" BENCH_PASS_MD5 "\"}", &o,
                    on_result, &t);
    fprintf(stderr, "bench: %d logins in %.2f s (%d failed)\n", ndev, now_s() - t0, t.failed);
    if (t.failed) return 1;
    double worst = 0;
    int all_ok = 1;
    for (int r = 0; r < rounds; r++) {
        char params[64], want[64];
        snprintf(params, sizeof params, "{\"name\":\"Fleet round %d\"}", r);
        snprintf(want, sizeof want, "\"name\":\"Fleet round %d\"", r);
        tally s = {0, 0};
        double a = now_s();
        int rc = usapi_call_many(devs, ndev, "set-name", params, &o, on_result, &s);
        double took = now_s() - a;
        if (took > worst) worst = took;
        /* Check a sample: the name arrived. */
        char *out = NULL;
        int ok_sample = usapi_call(devs[ndev / 2], "get-settings", NULL, &out) == 0 && out &&
                        strstr(out, want) != NULL;
        usapi_string_free(out);
        all_ok &= rc == 0 && s.ok == ndev && ok_sample;
        printf("ROUND %d devices=%d ok=%d failed=%d seconds=%.3f sample_ok=%d\n", r, ndev, s.ok, s.failed, took,
               ok_sample);
    }
    printf("RESULT mode=c-call-many devices=%d max_in_flight=%u rounds=%d worst_s=%.3f all_ok=%d\n", ndev,
           o.max_in_flight, rounds, worst, all_ok);
    fflush(stdout);
    _exit(all_ok ? 0 : 1); /* closing would log every device out: not what is timed */
}
