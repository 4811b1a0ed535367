/* A C program against the header and the built library: the simulator,
 * login, typed and JSON calls, status structs, and misuse codes.
 * Built with -Wall -Wextra -Werror and run from tests/it/c_abi.rs. */
#include "ultrastream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n",     \
                    __FILE__, __LINE__, #cond, usapi_last_error());            \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* Progress of the streamed upload: counts reports, cancels when asked. */
struct upload_seen {
    int reports;
    int cancel_at;
    unsigned long long last_done;
    unsigned long long total;
    int bad;
};

static int32_t on_upload(const usapi_progress *p, void *user_data) {
    struct upload_seen *s = (struct upload_seen *)user_data;
    s->reports++;
    if (strcmp(p->operation, "upload") != 0 || strcmp(p->phase, "uploading") != 0 || p->done < s->last_done ||
        p->done > p->total) {
        s->bad++;
    }
    s->last_done = p->done;
    s->total = p->total;
    return s->cancel_at > 0 && s->reports >= s->cancel_at;
}

int main(void) {
    usapi_sim sim = 0;
    usapi_device dev = 0;
    char *host = NULL;
    char *json = NULL;

    CHECK(USAPI_VERSION_NUM == USAPI_VERSION_MAJOR * 10000 + USAPI_VERSION_MINOR * 100 + USAPI_VERSION_PATCH);
    CHECK(strcmp(usapi_version(), USAPI_VERSION_STRING) == 0);
    CHECK(strcmp(usapi_result_name(USAPI_ERR_BUSY), "errBusy") == 0);

    CHECK(usapi_sim_start(NULL, &sim) == USAPI_OK);
    CHECK(sim != 0);
    CHECK(usapi_sim_address(sim, &host) == USAPI_OK);
    CHECK(host != NULL && strncmp(host, "127.0.0.1:", 10) == 0);

    CHECK(usapi_device_open(host, NULL, &dev) == USAPI_OK);
    /* Without a session the device answers errNeedAuth. */
    CHECK(usapi_get_status(dev, NULL) == USAPI_ERR_NEED_AUTH);
    CHECK(usapi_login(dev, "Admin", "wrong") == USAPI_ERR_PASSWD);
    CHECK(usapi_login(dev, "Admin", "Admin") == USAPI_OK);

    CHECK(usapi_get_info(dev, &json) == USAPI_OK);
    CHECK(json != NULL && strstr(json, "\"codec-cap\"") != NULL);
    usapi_string_free(json);
    json = NULL;

    CHECK(usapi_set_name(dev, "My Box+1 'A'", NULL) == USAPI_OK);
    CHECK(usapi_get_settings(dev, &json) == USAPI_OK);
    CHECK(json != NULL && strstr(json, "\"My Box+1 'A'\"") != NULL);
    usapi_string_free(json);
    json = NULL;

    usapi_ping_result ping;
    memset(&ping, 0, sizeof ping);
    CHECK(usapi_ping_status(dev, &ping) == USAPI_OK);
    CHECK(ping.result == 0);

    usapi_status_summary st;
    memset(&st, 0, sizeof st);
    CHECK(usapi_start_rec(dev, NULL) == USAPI_OK);
    CHECK(usapi_start_rec(dev, NULL) == USAPI_RET_REPEAT);
    CHECK(usapi_get_status_summary(dev, &st) == USAPI_OK);
    CHECK(st.recording == 1 && (st.cur_status & USAPI_STATUS_RECORD) != 0);
    CHECK(st.usb_disk_status == (int32_t)USAPI_DISK_VALID);
    CHECK(usapi_stop_rec(dev, NULL) == USAPI_OK);

    CHECK(usapi_call(dev, "set-audio", "{\"kbps\":64}", &json) == USAPI_OK);
    usapi_string_free(json);
    json = NULL;

    usapi_server server = {0, "My Server", "rtmp://127.0.0.1/live", "key-1", 0, NULL, NULL, NULL, 1};
    CHECK(usapi_add_server(dev, &server, NULL) == USAPI_OK);
    CHECK(usapi_add_server(dev, &server, NULL) == USAPI_ERR_SAME_NAME);

    /* The streamed upload with a progress callback; a non-zero return cancels. */
    {
        const char *fw = "abi_test_fw.mwf";
        struct upload_seen seen = {0, 0, 0, 0, 0};
        CHECK(usapi_sim_firmware("hdmi", "1.2.150", fw) == USAPI_OK);
        CHECK(usapi_upload_update_file_progress(dev, fw, on_upload, &seen, &json) == USAPI_OK);
        CHECK(json != NULL && strstr(json, "\"1.2.150\"") != NULL);
        usapi_string_free(json);
        json = NULL;
        CHECK(seen.reports >= 2 && seen.bad == 0 && seen.total > 0 && seen.last_done == seen.total);
        struct upload_seen stop = {0, 1, 0, 0, 0};
        CHECK(usapi_upload_update_file_progress(dev, fw, on_upload, &stop, &json) == USAPI_E_CANCELLED);
        CHECK(json == NULL && stop.reports == 1);
        CHECK(usapi_upload_update_file_progress(dev, fw, NULL, NULL, NULL) == USAPI_OK);
        CHECK(usapi_upload_update_file_progress(dev, NULL, NULL, NULL, NULL) == USAPI_E_NULL_ARGUMENT);
        remove(fw);
    }

    /* Misuse gives defined codes, never a crash. */
    CHECK(usapi_set_name(dev, " bad", NULL) == USAPI_E_INVALID_ARGUMENT);
    CHECK(strstr(usapi_last_error(), "name") != NULL);
    CHECK(usapi_set_name(dev, NULL, NULL) == USAPI_E_NULL_ARGUMENT);
    CHECK(usapi_get_status(0, &json) == USAPI_E_INVALID_HANDLE);
    CHECK(json == NULL);

    CHECK(usapi_logout(dev) == USAPI_OK);
    CHECK(usapi_device_close(dev) == USAPI_OK);
    CHECK(usapi_get_status(dev, NULL) == USAPI_E_INVALID_HANDLE);
    CHECK(usapi_sim_stop(sim) == USAPI_OK);
    CHECK(usapi_sim_stop(sim) == USAPI_E_INVALID_HANDLE);
    usapi_string_free(host);

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("abi_test: all checks passed\n");
    return 0;
}
