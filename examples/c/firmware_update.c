/*
 * firmware_update: update a device's firmware with a progress bar.
 *
 *   ./firmware_update <host[:port]> [user] [password] [firmware.mwf]
 *   ./firmware_update                 (no arguments: the built-in simulator)
 *
 * Uploads the .mwf file (or, without one, runs the online update), then
 * usapi_run_firmware_update does the rest: `update` with its steps, the
 * reboot, the wait until the device answers again, a fresh login, and the
 * check that get-info reports the new version. The bar shows each phase;
 * press Ctrl-C to stop waiting. User and password default to "Admin".
 * Without arguments it starts the built-in simulator (its clock 20 times
 * faster than real time) and writes a test firmware 1.2.200 for it.
 *
 * Exit status 0 when the device runs the new firmware; on an error it
 * prints the code's name, the code and usapi_last_error(), and exits 1.
 *
 * Build: make -C examples/c   (see examples/c/Makefile)
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ultrastream.h"

static volatile sig_atomic_t interrupted = 0;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

struct bar {
    int tty;
    char last_key[64];
    int last_percent;
};

/* The progress callback: one bar per operation phase. Non-zero cancels. */
static int32_t on_progress(const usapi_progress *p, void *user_data)
{
    struct bar *b = user_data;
    char key[64];
    snprintf(key, sizeof key, "%s %s", p->operation, p->phase);
    int changed = strcmp(key, b->last_key) != 0;
    if (b->tty || changed || p->percent / 10 != b->last_percent / 10) {
        char bar[31];
        int filled = p->percent * 30 / 100;
        for (int i = 0; i < 30; i++) {
            bar[i] = i < filled ? '#' : '.';
        }
        bar[30] = '\0';
        if (b->tty && changed && b->last_key[0] != '\0') {
            putchar('\n');
        }
        printf("%s[%s] %3d%% %s", b->tty ? "\r" : "", bar, (int)p->percent, key);
        if (p->step != 0) {
            printf(" (step %d)", (int)p->step);
        }
        if (p->total != 0) {
            printf(" %llu/%llu bytes", (unsigned long long)p->done, (unsigned long long)p->total);
        }
        if (!b->tty) {
            putchar('\n');
        }
        fflush(stdout);
    }
    snprintf(b->last_key, sizeof b->last_key, "%s", key);
    b->last_percent = p->percent;
    return interrupted ? 1 : 0;
}

static int report(const char *what, int32_t rc)
{
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, usapi_result_name(rc), (int)rc, usapi_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : NULL;
    const char *user = argc > 2 ? argv[2] : "Admin";
    const char *password = argc > 3 ? argv[3] : "Admin";
    const char *firmware = argc > 4 ? argv[4] : NULL;
    usapi_sim sim = 0;
    char *sim_host = NULL;
    char dir[512] = "";
    char file[600] = "";
    usapi_device dev = 0;
    char *out = NULL;
    int status = 1;
    int32_t rc;

    signal(SIGINT, on_sigint);
    if (host == NULL) {
        /* No device given: the built-in simulator and a firmware it accepts. */
        rc = usapi_sim_start("{\"time_scale\":20}", &sim);
        if (rc != USAPI_OK) {
            return report("usapi_sim_start", rc);
        }
        rc = usapi_sim_address(sim, &sim_host);
        if (rc != USAPI_OK) {
            report("usapi_sim_address", rc);
            goto done;
        }
        host = sim_host;
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/firmware_update_XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            perror("mkdtemp");
            dir[0] = '\0';
            goto done;
        }
        snprintf(file, sizeof file, "%s/firmware.mwf", dir);
        rc = usapi_sim_firmware("hdmi", "1.2.200", file);
        if (rc != USAPI_OK) {
            report("usapi_sim_firmware", rc);
            goto done;
        }
        firmware = file;
        printf("no device given: using the built-in simulator at %s\n", host);
    }

    rc = usapi_device_open(host, NULL, &dev);
    if (rc != USAPI_OK) {
        report("usapi_device_open", rc);
        goto done;
    }
    rc = usapi_login(dev, user, password);
    if (rc != USAPI_OK) {
        report("login", rc);
        goto done;
    }
    printf("updating %s from %s\n", host, firmware != NULL ? firmware : "the online update service");

    struct bar b = {isatty(STDOUT_FILENO), "", -1};
    usapi_run_options opts = {0, 200, on_progress, &b};
    rc = usapi_run_firmware_update(dev, firmware, &opts, &out);
    if (b.tty) {
        putchar('\n');
    }
    if (rc < 0) {
        report("firmware update", rc);
        goto done;
    }
    printf("done: %s\n", out);
    status = 0;

done:
    usapi_string_free(out);
    usapi_device_close(dev); /* logs out */
    usapi_string_free(sim_host);
    if (file[0] != '\0') {
        unlink(file);
    }
    if (dir[0] != '\0') {
        rmdir(dir);
    }
    if (sim != 0) {
        usapi_sim_stop(sim);
    }
    return status;
}
