/* The firmware upload's memory: peak RSS of the client above its RSS after
 * login.
 *
 *   upload --port P --file F [--size BYTES] [--progress]
 *
 * Writes F first when it is missing or has another size: an image the
 * simulator accepts (see src/sim/firmware.rs), BYTES long in all (default
 * 64 MiB - 1 KiB: the simulator refuses a request body over 64 MiB, and the
 * multipart framing needs a few hundred bytes). Then logs in, notes VmRSS,
 * resets the peak (VmHWM, via /proc/self/clear_refs), uploads with
 * usapi_upload_update_file (or, with --progress,
 * usapi_upload_update_file_progress, looked up at run time so this builds
 * before it exists), and reports the new peak. A thread also samples VmRSS
 * every millisecond, in case the kernel cannot reset the peak. */
#include "common.h"
#include <dlfcn.h>
#include <pthread.h>
#include <sys/stat.h>
#include <ultrastream.h>

static volatile int sampling = 1;
static long sampled_max;

static void *sampler(void *arg) {
    while (sampling) {
        long v = status_kib("VmRSS");
        if (v > sampled_max) sampled_max = v;
        usleep(1000);
    }
    return NULL;
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void write_firmware(const char *path, long total) {
    /* The header's length depends on the digits of the payload size: try. */
    char head[512];
    long payload = total - 200;
    for (int iter = 0; iter < 4; iter++) {
        int hl = snprintf(head, sizeof head,
                          "MWF-SIM 1\nproduct: Ultra Stream\nmodel: hdmi\nhardware: C\nversion: 1.2.123\n"
                          "payload-bytes: %ld\npayload-fnv1a64: %016llx\n\n",
                          payload, 0ULL);
        payload = total - hl;
    }
    size_t chunk = 1 << 20;
    unsigned char *buf = malloc(chunk);
    if (!buf) die("out of memory");
    uint64_t x = 0x9e3779b97f4a7c15ULL, h = 0xcbf29ce484222325ULL;
    /* Pass 1: the checksum; pass 2: write. The filler is regenerated. */
    for (int pass = 0; pass < 2; pass++) {
        FILE *f = NULL;
        if (pass == 1) {
            char tmp[4096];
            snprintf(tmp, sizeof tmp, "%s.tmp", path);
            f = fopen(tmp, "wb");
            if (!f) die("cannot write the firmware file");
            fprintf(f,
                    "MWF-SIM 1\nproduct: Ultra Stream\nmodel: hdmi\nhardware: C\nversion: 1.2.123\n"
                    "payload-bytes: %ld\npayload-fnv1a64: %016llx\n\n",
                    payload, (unsigned long long)h);
        }
        x = 0x9e3779b97f4a7c15ULL;
        for (long left = payload; left > 0;) {
            size_t n = left < (long)chunk ? (size_t)left : chunk;
            for (size_t i = 0; i + 8 <= chunk; i += 8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                memcpy(buf + i, &x, 8);
            }
            if (pass == 0) h = fnv1a(h, buf, n);
            else if (fwrite(buf, 1, n, f) != n) die("short write of the firmware file");
            left -= n;
        }
        if (pass == 1) {
            if (fclose(f) != 0) die("cannot write the firmware file");
            char tmp[4096];
            snprintf(tmp, sizeof tmp, "%s.tmp", path);
            if (rename(tmp, path) != 0) die("cannot rename the firmware file");
        }
    }
    free(buf);
}

static long last_pct = -1, reports;
static int32_t on_progress(const usapi_progress *p, void *ud) {
    reports++;
    (void)ud;
    last_pct = p->percent;
    return 0;
}

typedef int32_t (*upload_progress_fn)(usapi_device, const char *, usapi_progress_callback, void *, char **);

int main(int argc, char **argv) {
    int port = 0, progress = 0;
    const char *file = NULL;
    long size = 64L * 1024 * 1024 - 1024;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--file") && i + 1 < argc) file = argv[++i];
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) size = atol(argv[++i]);
        else if (!strcmp(argv[i], "--progress")) progress = 1;
        else die("usage: upload --port P --file F [--size BYTES] [--progress]");
    }
    if (!port || !file) die("usage: upload --port P --file F [--size BYTES] [--progress]");
    struct stat stt;
    if (stat(file, &stt) != 0 || stt.st_size != size) write_firmware(file, size);

    upload_progress_fn up_progress = NULL;
    if (progress) {
        up_progress = (upload_progress_fn)dlsym(RTLD_DEFAULT, "usapi_upload_update_file_progress");
        if (!up_progress) {
            printf("RESULT mode=progress missing=usapi_upload_update_file_progress\n");
            return 3;
        }
    }
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", port);
    usapi_device dev;
    if (usapi_device_open(host, NULL, &dev) != 0) die("usapi_device_open failed");
    int rc = usapi_login_md5(dev, BENCH_USER, BENCH_PASS_MD5);
    if (rc != 0) die("login failed");
    long rss_login = status_kib("VmRSS");
    int hwm_reset = reset_hwm() == 0;
    sampled_max = rss_login;
    pthread_t th;
    pthread_create(&th, NULL, sampler, NULL);
    char *json = NULL;
    double t0 = now_s();
    rc = progress ? up_progress(dev, file, on_progress, NULL, &json) : usapi_upload_update_file(dev, file, &json);
    double took = now_s() - t0;
    sampling = 0;
    pthread_join(th, NULL);
    long hwm = status_kib("VmHWM");
    long peak = hwm_reset ? (hwm > sampled_max ? hwm : sampled_max) : sampled_max;
    if (rc < 0) fprintf(stderr, "bench: upload returned %d: %s\n", rc, usapi_last_error());
    printf("RESULT mode=%s bytes=%ld rc=%d seconds=%.2f rss_login_kib=%ld rss_peak_kib=%ld above_login_kib=%ld "
           "hwm_reset=%d progress_reports=%ld last_percent=%ld reply=%s\n",
           progress ? "progress" : "plain", size, rc, took, rss_login, peak, peak - rss_login, hwm_reset, reports,
           last_pct, json ? json : "(none)");
    usapi_string_free(json);
    usapi_logout(dev);
    usapi_device_close(dev);
    return rc < 0;
}
