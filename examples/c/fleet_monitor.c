/*
 * fleet_monitor: print what happens on a fleet of Ultra Stream encoders,
 * one line per event, from one background watcher (usapi_watch_start).
 *
 *   fleet_monitor [--user USER] [--password PASS] [--interval MS]
 *                 [--seconds N] HOST [HOST...]
 *
 * Given hosts, it logs in to each (default Admin / Admin) and prints every
 * event until Ctrl-C (or for --seconds). Given none, it starts three
 * simulated devices on 127.0.0.1 and shows a short scene: all come online,
 * one starts recording, one loses its input signal, one is switched off;
 * then it exits.
 *
 * Events are JSON: "online", "offline", "back", "auth-failed", "occupied",
 * "rebooting", "changed" (with "changes" and "previous"); each names the
 * device handle ("device") and "host".
 *
 * Build:  make -C examples/c fleet_monitor
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, sigaction under -std=c11 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ultrastream.h"

#define MAX_DEVICES 256

static atomic_int online_count;
static atomic_int offline_count;
static atomic_int changed_count;
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

/* Runs on the watcher's thread, one event at a time. */
static int32_t on_event(const char *event_json, void *user_data) {
    (void)user_data;
    if (strstr(event_json, "\"event\":\"online\"") != NULL) {
        atomic_fetch_add(&online_count, 1);
    } else if (strstr(event_json, "\"event\":\"offline\"") != NULL) {
        atomic_fetch_add(&offline_count, 1);
    } else if (strstr(event_json, "\"event\":\"changed\"") != NULL) {
        atomic_fetch_add(&changed_count, 1);
    }
    printf("%s\n", event_json);
    fflush(stdout);
    return 0; /* non-zero would end the watch */
}

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* Wait up to 60 s for *counter to reach want. */
static int wait_count(atomic_int *counter, int want) {
    int i;
    for (i = 0; i < 3000; i++) {
        if (atomic_load(counter) >= want) {
            return 1;
        }
        sleep_ms(20);
    }
    return 0;
}

static int fail(const char *what, int32_t rc) {
    fprintf(stderr, "%s: %s (%d): %s\n", what, usapi_result_name(rc), (int)rc, usapi_last_error());
    return 1;
}

int main(int argc, char **argv) {
    const char *user = "Admin";
    const char *password = "Admin";
    const char *hosts[MAX_DEVICES];
    usapi_sim sims[3] = {0, 0, 0};
    usapi_device devs[MAX_DEVICES];
    usapi_watch_options opts;
    usapi_watch watch = 0;
    size_t n = 0;
    size_t i;
    long seconds = 0;
    int use_sims;
    int status = 0;
    int32_t rc;

    memset(&opts, 0, sizeof opts);
    for (i = 1; i < (size_t)argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < (size_t)argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: %s [--user USER] [--password PASS] [--interval MS] [--seconds N] [HOST...]\n"
                   "Without hosts: three simulated devices and a short scene.\n",
                   argv[0]);
            return 0;
        } else if (strcmp(a, "--user") == 0 && v != NULL) {
            user = v;
            i++;
        } else if (strcmp(a, "--password") == 0 && v != NULL) {
            password = v;
            i++;
        } else if (strcmp(a, "--interval") == 0 && v != NULL) {
            opts.interval_ms = (uint32_t)strtoul(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--seconds") == 0 && v != NULL) {
            seconds = strtol(v, NULL, 10);
            i++;
        } else if (a[0] == '-') {
            fprintf(stderr, "unknown option %s (try --help)\n", a);
            return 2;
        } else if (n < MAX_DEVICES) {
            hosts[n++] = a;
        } else {
            fprintf(stderr, "at most %d devices\n", MAX_DEVICES);
            return 2;
        }
    }

    use_sims = n == 0;
    if (use_sims) {
        opts.interval_ms = 200;
        opts.offline_after_ms = 1000;
        for (i = 0; i < 3; i++) {
            char *host = NULL;
            rc = usapi_sim_start(NULL, &sims[i]);
            if (rc == USAPI_OK) {
                rc = usapi_sim_address(sims[i], &host);
            }
            if (rc != USAPI_OK) {
                status = fail("start a simulator", rc);
                goto done;
            }
            rc = usapi_device_open(host, NULL, &devs[n]);
            usapi_string_free(host);
            if (rc != USAPI_OK) {
                status = fail("open", rc);
                goto done;
            }
            n++;
        }
        printf("no hosts given: watching 3 simulated devices\n");
    } else {
        for (i = 0; i < n; i++) {
            rc = usapi_device_open(hosts[i], NULL, &devs[i]);
            if (rc != USAPI_OK) {
                n = i;
                status = fail(hosts[i], rc);
                goto done;
            }
        }
    }
    for (i = 0; i < n; i++) {
        rc = usapi_login(devs[i], user, password);
        if (rc != USAPI_OK) {
            /* Not fatal: the watcher reports the device ("offline" or
             * "auth-failed") and watches it with ping until it answers. */
            fprintf(stderr, "login to device %zu: %s (%d): %s\n", i, usapi_result_name(rc), (int)rc,
                    usapi_last_error());
        }
    }

    rc = usapi_watch_start(devs, n, &opts, on_event, NULL, &watch);
    if (rc != USAPI_OK) {
        status = fail("usapi_watch_start", rc);
        goto done;
    }

    if (use_sims) {
        /* The scene, each step waiting for the event it causes. */
        if (!wait_count(&online_count, 3)) {
            status = fail("waiting for 3 online events", USAPI_E_TIMEOUT);
            goto done;
        }
        printf("-- starting a recording on device 2\n");
        fflush(stdout);
        rc = usapi_start_rec(devs[1], NULL);
        if (rc < 0 || !wait_count(&changed_count, 1)) {
            status = fail("start-rec", rc < 0 ? rc : USAPI_E_TIMEOUT);
            goto done;
        }
        printf("-- unplugging the input of device 3\n");
        fflush(stdout);
        usapi_sim_control(sims[2], "{\"cmd\":\"set-signal\",\"present\":false}", NULL);
        if (!wait_count(&changed_count, 2)) {
            status = fail("waiting for the signal change", USAPI_E_TIMEOUT);
            goto done;
        }
        printf("-- switching device 1 off\n");
        fflush(stdout);
        usapi_sim_stop(sims[0]);
        sims[0] = 0;
        if (!wait_count(&offline_count, 1)) {
            status = fail("waiting for offline", USAPI_E_TIMEOUT);
            goto done;
        }
    } else {
        long waited = 0;
        signal(SIGINT, on_sigint);
        while (!interrupted && (seconds <= 0 || waited < seconds * 10)) {
            sleep_ms(100);
            waited++;
        }
    }

done:
    if (watch != 0) {
        rc = usapi_watch_stop(watch); /* returns after the last callback */
        if (rc != USAPI_OK && status == 0) {
            status = fail("usapi_watch_stop", rc);
        }
    }
    for (i = 0; i < n; i++) {
        usapi_logout(devs[i]);
        usapi_device_close(devs[i]);
    }
    for (i = 0; i < 3; i++) {
        if (sims[i] != 0) {
            usapi_sim_stop(sims[i]);
        }
    }
    return status;
}
