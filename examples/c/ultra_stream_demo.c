/*
 * ultra_stream_demo: the vendor's C demo (ultra_stream_curl) on libultrastream.
 *
 *   ./ultra_stream_demo <host[:port]> [user] [password] [firmware.mwf]
 *   ./ultra_stream_demo                 (no arguments: the built-in simulator)
 *
 * Runs the vendor demo's steps with its headings: 1. login, 2. get info,
 * 3. upload firmware, printing each JSON reply indented. User and password
 * default to "Admin"/"Admin". Without a firmware file, step 3 is skipped
 * against a real device; against the simulator a test firmware is written
 * to a temporary file and uploaded.
 *
 *   ./ultra_stream_demo --stream NAME [URL] [host[:port] [user] [password]]
 *
 * With --stream, step 3 is skipped (unless a firmware is given) and step 4
 * starts streaming to the server named NAME using only structs, no JSON:
 * usapi_find_server, or usapi_add_server_id with URL when there is none
 * yet, usapi_enable_server, usapi_start_live, then usapi_find_server's
 * live_result until the server is connected (22). Against the simulator
 * (no host) URL defaults to rtmp://127.0.0.1:1935/live and live is stopped
 * at the end; against a device it keeps streaming.
 *
 * On an error it prints the code's name, the code and usapi_last_error(),
 * and exits with status 1. Every string the library returns is freed.
 *
 * Build: make -C examples/c   (see examples/c/Makefile)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ultrastream.h"

#ifdef _WIN32
/* MinGW has no mkdtemp: make the name unique, then the folder. */
#include <direct.h>
#include <io.h>
static char *mkdtemp(char *template_name)
{
    if (_mktemp(template_name) == NULL || _mkdir(template_name) != 0) {
        return NULL;
    }
    return template_name;
}
#define DEFAULT_TMP_ENV "TEMP"
/* nanosleep is in winpthreads, which a plain MinGW link lacks. */
__declspec(dllimport) void __stdcall Sleep(unsigned long milliseconds);
static void pause_quarter_second(void) { Sleep(250); }
#else
static void pause_quarter_second(void)
{
    struct timespec pause = {0, 250 * 1000 * 1000};
    nanosleep(&pause, NULL);
}
#define DEFAULT_TMP_ENV "TMPDIR"
#endif

/* Print `json` indented by two spaces per level, like the vendor demo.
 * A minimal pretty-printer: it tracks strings (and their escapes) and
 * re-flows the structure characters outside them. */
static void print_json(const char *json)
{
    int depth = 0;
    int in_string = 0;
    for (const char *p = json; *p != '\0'; p++) {
        char c = *p;
        if (in_string) {
            putchar(c);
            if (c == '\\' && p[1] != '\0') {
                putchar(*++p);
            } else if (c == '"') {
                in_string = 0;
            }
            continue;
        }
        switch (c) {
        case '"':
            in_string = 1;
            putchar(c);
            break;
        case '{':
        case '[': {
            /* an empty object or array stays on one line */
            const char *q = p + 1;
            while (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t') {
                q++;
            }
            if (*q == (c == '{' ? '}' : ']')) {
                putchar(c);
                putchar(*q);
                p = q;
                break;
            }
            putchar(c);
            depth++;
            printf("\n%*s", depth * 2, "");
            break;
        }
        case '}':
        case ']':
            depth--;
            printf("\n%*s%c", depth * 2, "", c);
            break;
        case ',':
            printf(",\n%*s", depth * 2, "");
            break;
        case ':':
            fputs(": ", stdout);
            break;
        case ' ':
        case '\n':
        case '\r':
        case '\t':
            break;
        default:
            putchar(c);
        }
    }
    putchar('\n');
}

/* Report a failed call: name, code and the thread's last error. */
static void report(const char *what, int32_t code)
{
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, usapi_result_name(code), (int)code, usapi_last_error());
}

/* Step 4: stream to the server named `name`, adding it with `url` when
 * the device has none of that name. Structs only: no JSON is parsed.
 * Returns 0 once the server is connected. */
static int stream_to(usapi_device dev, const char *name, const char *url, int stop_after)
{
    usapi_server_info server;
    printf("***** 4. start streaming to the server named \"%s\" *****\n", name);
    int32_t rc = usapi_find_server(dev, name, &server);
    if (rc == USAPI_ERR_NOT_FOUND) {
        if (url == NULL) {
            fprintf(stderr, "no server is named \"%s\" and no URL was given to add it\n", name);
            return 1;
        }
        usapi_server add;
        memset(&add, 0, sizeof add);
        add.server_type = 0; /* RTMP */
        add.name = name;
        add.url = url;
        add.net_mode = 1; /* Ethernet first */
        int32_t id = -1;
        rc = usapi_add_server_id(dev, &add, &id, NULL);
        if (rc < 0) {
            report("add-server", rc);
            return 1;
        }
        printf("added server id %d\n", (int)id);
        rc = usapi_find_server(dev, name, &server);
    }
    if (rc != USAPI_OK) {
        report("find-server", rc);
        return 1;
    }
    printf("server id %d, url %s, enabled %d\n", (int)server.id, server.url, (int)server.is_use);
    if (!server.is_use) {
        rc = usapi_enable_server(dev, server.id, 1, NULL);
        if (rc < 0) {
            report("enable-server", rc);
            return 1;
        }
    }
    rc = usapi_start_live(dev, NULL);
    if (rc < 0 || rc == USAPI_RET_LIVING_NOTSET) {
        report("start-live", rc);
        return 1;
    }
    /* Poll this server's live state (about 30 s at most). */
    int32_t last = -1;
    for (int i = 0; i < 120; i++) {
        rc = usapi_find_server(dev, name, &server);
        if (rc != USAPI_OK) {
            report("find-server", rc);
            return 1;
        }
        if (server.live_result != last) {
            last = server.live_result;
            printf("live state: %d %s\n", (int)last, usapi_result_name(last));
        }
        if (last == USAPI_RET_LIVING_CONNECTED || last == USAPI_RET_LIVING_AUTH_ERR) {
            break;
        }
        pause_quarter_second();
    }
    int status = last == USAPI_RET_LIVING_CONNECTED ? 0 : 1;
    if (status != 0) {
        fprintf(stderr, "the server did not connect (live state %d %s)\n", (int)last, usapi_result_name(last));
    }
    if (stop_after) {
        rc = usapi_stop_live(dev, NULL);
        if (rc < 0) {
            report("stop-live", rc);
            return 1;
        }
        printf("live stopped\n");
    }
    return status;
}

/* The demo itself; returns the process exit status. */
static int run_demo(const char *host, const char *user, const char *password, const char *firmware,
                    const char *stream_name, const char *stream_url, int stop_after)
{
    usapi_device dev = 0;
    char *json = NULL;
    int status = 1;

    int32_t rc = usapi_device_open(host, NULL, &dev);
    if (rc != USAPI_OK) {
        report("usapi_device_open", rc);
        return 1;
    }

    printf("***** 1. login *****\n");
    rc = usapi_login(dev, user, password);
    if (rc != USAPI_OK) {
        report("login", rc);
        goto out;
    }
    /* usapi_login returns the device's result only; the device's reply to
     * login is exactly {"result": <code>}. */
    printf("login response data:\n{\n  \"result\": %d\n}\n\n", (int)rc);

    printf("***** 2. get info *****\n");
    rc = usapi_get_info(dev, &json);
    if (rc < 0) {
        report("get-info", rc);
        goto out;
    }
    printf("get info response data:\n");
    print_json(json);
    usapi_string_free(json);
    json = NULL;
    printf("\n");

    printf("***** 3. upload firmware *****\n");
    if (firmware == NULL && stream_name != NULL) {
        printf("upload firmware skipped\n\n");
    } else if (firmware == NULL) {
        printf("upload firmware skipped: no firmware file given\n");
    } else {
        rc = usapi_upload_update_file(dev, firmware, &json);
        if (rc < 0) {
            report("upload-update-file", rc);
            goto out;
        }
        printf("upload firmware response data:\n");
        print_json(json);
        usapi_string_free(json);
        json = NULL;
    }
    status = 0;
    if (stream_name != NULL) {
        status = stream_to(dev, stream_name, stream_url, stop_after);
    }

out:
    usapi_string_free(json);
    if (status == 0) {
        rc = usapi_logout(dev);
        if (rc < 0) {
            report("logout", rc);
            status = 1;
        }
    }
    usapi_device_close(dev);
    return status;
}

/* No device: start the simulator, write a test firmware, run the demo
 * (or, with a stream name, the streaming flow). */
static int run_against_simulator(const char *stream_name, const char *stream_url)
{
    usapi_sim sim = 0;
    char *host = NULL;
    char dir[1024];
    char firmware[sizeof dir + 64];
    const char *tmp = getenv(DEFAULT_TMP_ENV);
    int status = 1;

    if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 900) {
        tmp = "/tmp";
    }
    snprintf(dir, sizeof dir, "%s/ultra_stream_demo_XXXXXX", tmp);

    int32_t rc = usapi_sim_start(NULL, &sim);
    if (rc != USAPI_OK) {
        report("usapi_sim_start", rc);
        return 1;
    }
    rc = usapi_sim_address(sim, &host);
    if (rc != USAPI_OK) {
        report("usapi_sim_address", rc);
        usapi_sim_stop(sim);
        return 1;
    }
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        usapi_string_free(host);
        usapi_sim_stop(sim);
        return 1;
    }
    snprintf(firmware, sizeof firmware, "%s/ultra_stream_hdmi_1_2_123.mwf", dir);
    rc = usapi_sim_firmware("hdmi", "1.2.123", firmware);
    if (rc != USAPI_OK) {
        report("usapi_sim_firmware", rc);
    } else {
        printf("(no device given: using the built-in simulator at %s)\n\n", host);
        if (stream_name != NULL) {
            status = run_demo(host, "Admin", "Admin", NULL, stream_name,
                              stream_url != NULL ? stream_url : "rtmp://127.0.0.1:1935/live", 1);
        } else {
            status = run_demo(host, "Admin", "Admin", firmware, NULL, NULL, 0);
        }
        unlink(firmware);
    }
    rmdir(dir);
    usapi_string_free(host);
    rc = usapi_sim_stop(sim);
    if (rc != USAPI_OK) {
        report("usapi_sim_stop", rc);
        status = 1;
    }
    return status;
}

int main(int argc, char **argv)
{
    const char *stream_name = NULL;
    const char *stream_url = NULL;
    if (argc > 2 && strcmp(argv[1], "--stream") == 0) {
        stream_name = argv[2];
        argv += 2;
        argc -= 2;
        if (argc > 1 && strstr(argv[1], "://") != NULL) {
            stream_url = argv[1];
            argv++;
            argc--;
        }
    }
    if (argc > 5 || (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
                                  strcmp(argv[1], "--stream") == 0))) {
        fprintf(stderr, "usage: %s [<host[:port]> [user] [password] [firmware.mwf]]\n"
                        "       %s --stream NAME [URL] [<host[:port]> [user] [password]]\n"
                        "  with no host, runs against the built-in simulator\n"
                        "  (libultrastream %s)\n",
                argv[0], argv[0], usapi_version());
        return argc > 5 || (argc > 1 && strcmp(argv[1], "--stream") == 0) ? 2 : 0;
    }
    if (argc == 1) {
        return run_against_simulator(stream_name, stream_url);
    }
    return run_demo(argv[1], argc > 2 ? argv[2] : "Admin", argc > 3 ? argv[3] : "Admin", argc > 4 ? argv[4] : NULL,
                    stream_name, stream_url, 0);
}
