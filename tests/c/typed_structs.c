/*
 * typed_structs: the "start streaming to my server" program a C user
 * writes from the header alone, with no JSON parser: add a server (and
 * learn its id), find it by name, enable it, start live, read its live
 * state from the structs, stop. Plus the other structs (info, settings,
 * users, media files) and the array and NOT_FOUND conventions.
 *
 * Built by tests/it/typed_c.rs with -std=c11 -Wall -Wextra -Werror -pedantic
 * and run under valgrind, against the built-in simulator with a clock that
 * moves only when told ("advance"; time_scale 0.000001 makes real time negligible).
 * Prints "all checks passed" and exits 0 when every check holds.
 */
#include <stdio.h>
#include <string.h>

#include "ultrastream.h"

static int failures = 0;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__, __LINE__,     \
                    #cond, usapi_last_error());                                                    \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void advance(usapi_sim sim, int ms)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "{\"cmd\":\"advance\",\"ms\":%d}", ms);
    CHECK(usapi_sim_control(sim, cmd, NULL) == USAPI_OK);
}

int main(void)
{
    usapi_sim sim = 0;
    usapi_device dev = 0;
    char *host = NULL;
    char *json = NULL;

    if (usapi_sim_start("{\"time_scale\":0.000001}", &sim) != USAPI_OK || usapi_sim_address(sim, &host) != USAPI_OK) {
        fprintf(stderr, "simulator: %s\n", usapi_last_error());
        return 2;
    }
    CHECK(usapi_device_open(host, NULL, &dev) == USAPI_OK);
    CHECK(usapi_login(dev, "Admin", "Admin") == USAPI_OK);

    /* Device information and settings, without JSON. */
    usapi_info info;
    CHECK(usapi_get_info_struct(dev, &info) == 0);
    CHECK(strcmp(info.product.product_name, "Ultra Stream") == 0);
    CHECK(strlen(info.product.sn) > 0);
    CHECK(strlen(info.mac_addr.eth) == 17);
    usapi_settings settings;
    CHECK(usapi_get_settings_struct(dev, &settings) == 0);
    CHECK(strlen(settings.name) > 0);
    CHECK(settings.main_stream.cx > 0 && settings.main_stream.kbps > 0);
    CHECK(settings.server_count >= 0);
    int servers_before = settings.server_count;

    /* The server we want, added once: its id comes back. */
    usapi_server want;
    memset(&want, 0, sizeof want);
    want.server_type = 0;
    want.name = "My Studio RTMP";
    want.url = "rtmp://127.0.0.1:1935/live";
    want.key = "typed-struct-key";
    want.net_mode = 1;
    int32_t id = -1;
    CHECK(usapi_add_server_id(dev, &want, &id, &json) == 0);
    CHECK(json != NULL && strstr(json, "\"result\"") != NULL);
    usapi_string_free(json);
    json = NULL;
    CHECK(id >= 0);

    /* A second run: the name is taken (errSameName); find it instead. */
    int32_t again = -1;
    CHECK(usapi_add_server_id(dev, &want, &again, NULL) == USAPI_ERR_SAME_NAME);
    CHECK(again == -1);
    usapi_server_info mine;
    CHECK(usapi_find_server(dev, "My Studio RTMP", &mine) == 0);
    CHECK(mine.id == id);
    CHECK(strcmp(mine.url, "rtmp://127.0.0.1:1935/live") == 0);
    CHECK(mine.server_type == 0 && mine.net_mode == 1 && mine.is_auth == 0);
    CHECK(mine.is_use == 0);
    CHECK(mine.live_result == 27);
    usapi_server_info nobody;
    CHECK(usapi_find_server(dev, "Nobody", &nobody) == USAPI_ERR_NOT_FOUND);

    /* The list, and the array convention. */
    usapi_server_info list[16];
    size_t count = 0;
    CHECK(usapi_get_servers(dev, list, 16, &count) == 0);
    CHECK(count == (size_t)servers_before + 1);
    size_t needed = 0;
    CHECK(usapi_get_servers(dev, NULL, 0, &needed) == USAPI_E_BUFFER_TOO_SMALL);
    CHECK(needed == count);
    if (count >= 2) {
        usapi_server_info one[1];
        size_t n = 0;
        CHECK(usapi_get_servers(dev, one, 1, &n) == USAPI_E_BUFFER_TOO_SMALL);
        CHECK(n == count && one[0].id == list[0].id);
    }

    /* Only our server enabled, then live. */
    for (size_t i = 0; i < count && i < 16; i++) {
        if (list[i].is_use && list[i].id != id) {
            CHECK(usapi_enable_server(dev, list[i].id, 0, NULL) == 0);
        }
    }
    CHECK(usapi_enable_server(dev, id, 1, NULL) == 0);
    CHECK(usapi_find_server(dev, "My Studio RTMP", &mine) == 0);
    CHECK(mine.is_use == 1);
    CHECK(usapi_start_live(dev, NULL) == 0);
    CHECK(usapi_find_server(dev, "My Studio RTMP", &mine) == 0);
    CHECK(mine.live_result == USAPI_RET_LIVING_CONNECTING);
    advance(sim, 5000);
    CHECK(usapi_find_server(dev, "My Studio RTMP", &mine) == 0);
    CHECK(mine.live_result == USAPI_RET_LIVING_CONNECTED);
    usapi_status_summary status;
    CHECK(usapi_get_status_summary(dev, &status) == 0);
    CHECK(status.living == 1);
    /* Servers not enabled have no live state. */
    CHECK(usapi_get_servers(dev, list, 16, &count) == 0);
    for (size_t i = 0; i < count && i < 16; i++) {
        CHECK(list[i].live_result == (list[i].id == id ? USAPI_RET_LIVING_CONNECTED : 27));
    }
    CHECK(usapi_stop_live(dev, NULL) == 0);
    CHECK(usapi_find_server(dev, "My Studio RTMP", &mine) == 0);
    CHECK(mine.live_result == 27);

    /* Users and a page of media files. */
    usapi_user users[8];
    size_t nusers = 0;
    CHECK(usapi_get_users_struct(dev, users, 8, &nusers) == 0);
    CHECK(nusers >= 1 && strcmp(users[0].id, "Admin") == 0 && users[0].user_type == 1);
    CHECK(usapi_start_rec(dev, NULL) == 0);
    advance(sim, 60000);
    CHECK(usapi_stop_rec(dev, NULL) == 0);
    usapi_media_page page;
    usapi_media_file files[4];
    size_t nfiles = 0;
    int32_t rc = usapi_get_media_files_struct(dev, 0, 0, &page, files, 4, &nfiles);
    CHECK(rc == 0);
    CHECK(nfiles >= 1 && nfiles <= 4);
    CHECK(strlen(page.path) > 0);
    if (nfiles >= 1) {
        CHECK(strlen(files[0].name) > 0 && files[0].size_bytes > 0);
    }
    CHECK(usapi_get_media_files_struct(dev, 0, 0, &page, files, 0, &nfiles) == USAPI_E_INVALID_ARGUMENT);
    CHECK(usapi_get_servers(dev, list, 16, NULL) == USAPI_E_NULL_ARGUMENT);

    CHECK(usapi_del_server(dev, id, NULL) == 0);
    CHECK(usapi_find_server(dev, "My Studio RTMP", &mine) == USAPI_ERR_NOT_FOUND);

    CHECK(usapi_logout(dev) == 0);
    CHECK(usapi_device_close(dev) == USAPI_OK);
    usapi_string_free(host);
    CHECK(usapi_sim_stop(sim) == USAPI_OK);
    if (failures != 0) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
