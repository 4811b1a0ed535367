/*
 * discover: list the Ultra Stream encoders on the network as a table.
 *
 *   discover [--timeout MS] [--local IPV4] [--target HOST[:PORT][,...]]
 *            [--multicast | --ssdp] [--stream]
 *
 * Without --target it sends the multicast probe (239.255.255.250:2538) and
 * an SSDP M-SEARCH (239.255.255.250:1900) on every interface. --target
 * probes hosts by unicast instead, e.g. a device in another subnet, or a
 * simulator on this machine: --target 127.0.0.1:PORT.
 *
 * By default it calls usapi_discover, which waits for the timeout and
 * returns every device once, with the answers of all its interfaces and
 * protocols merged. With --stream it calls usapi_discover_each instead and
 * prints each device the moment it first answers (what is known then).
 *
 * Build:  make -C examples/c discover
 *    or:  cc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/discover.c \
 *            -Ltarget/debug -Wl,-rpath,target/debug -lultrastream -o discover
 *
 * The device JSON is this library's own compact output, so the tiny
 * extractor below is enough here; use a JSON parser in real programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ultrastream.h"

/* Copy the string value of "key" in the flat part of `json` into `out`.
 * Handles the escapes serde_json writes; \uXXXX becomes '?'. */
static void json_string(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    const char *p;
    size_t n = 0;
    out[0] = '\0';
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    p = strstr(json, pattern);
    if (p == NULL) {
        return;
    }
    p += strlen(pattern);
    while (*p != '\0' && *p != '"' && n + 1 < size) {
        char c = *p++;
        if (c == '\\' && *p != '\0') {
            c = *p++;
            if (c == 'u') {
                int i;
                for (i = 0; i < 4 && *p != '\0'; i++) {
                    p++;
                }
                c = '?';
            } else if (c == 'n' || c == 't' || c == 'r' || c == 'b' || c == 'f') {
                c = ' ';
            }
        }
        out[n++] = c;
    }
    out[n] = '\0';
}

/* The text of the JSON array or object that starts at `open` (a '[' or
 * '{'), as [open, end): strings are skipped, nesting is counted. */
static const char *json_span_end(const char *open) {
    int depth = 0;
    int in_string = 0;
    const char *p;
    for (p = open; *p != '\0'; p++) {
        if (in_string) {
            if (*p == '\\' && p[1] != '\0') {
                p++;
            } else if (*p == '"') {
                in_string = 0;
            }
        } else if (*p == '"') {
            in_string = 1;
        } else if (*p == '[' || *p == '{') {
            depth++;
        } else if (*p == ']' || *p == '}') {
            if (--depth == 0) {
                return p + 1;
            }
        }
    }
    return p;
}

/* The unsigned number value of "key", or -1 when absent or null. */
static long long json_number(const char *json, const char *key) {
    char pattern[64];
    const char *p;
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    p = strstr(json, pattern);
    if (p == NULL) {
        return -1;
    }
    p += strlen(pattern);
    if (*p < '0' || *p > '9') {
        return -1;
    }
    return strtoll(p, NULL, 10);
}

struct table {
    int rows;
};

static int print_device(const char *device_json, void *user_data) {
    struct table *t = (struct table *)user_data;
    char serial[80], product[80], name[80], address[32], ethip[48], wifiip[48];
    char via[24] = "";
    long long status = json_number(device_json, "status");
    char status_text[24];

    json_string(device_json, "serialnumber", serial, sizeof serial);
    json_string(device_json, "product", product, sizeof product);
    json_string(device_json, "boxname", name, sizeof name);
    json_string(device_json, "address", address, sizeof address);
    json_string(device_json, "ethip", ethip, sizeof ethip);
    json_string(device_json, "wifiip", wifiip, sizeof wifiip);
    {
        /* "protocols":["multicast","ssdp"] */
        const char *list = strstr(device_json, "\"protocols\":[");
        if (list != NULL) {
            const char *start = list + strlen("\"protocols\":");
            size_t len = (size_t)(json_span_end(start) - start);
            char protocols[64];
            snprintf(protocols, sizeof protocols, "%.*s", (int)len, start);
            if (strstr(protocols, "\"multicast\"") != NULL) {
                strcat(via, "multicast");
            }
            if (strstr(protocols, "\"ssdp\"") != NULL) {
                strcat(via, via[0] != '\0' ? "+ssdp" : "ssdp");
            }
        }
    }
    if (status < 0) {
        snprintf(status_text, sizeof status_text, "-");
    } else {
        snprintf(status_text, sizeof status_text, "0x%llx", status);
    }
    printf("%-16s %-14s %-22s %-15s %-15s %-15s %-10s %s\n", serial[0] != '\0' ? serial : "?", product, name,
           address, ethip, wifiip, status_text, via);
    if (status >= 0 && (status & USAPI_STATUS_RECORD) != 0) {
        printf("%-16s   recording\n", "");
    }
    if (status >= 0 && (status & USAPI_STATUS_LIVING) != 0) {
        printf("%-16s   live streaming\n", "");
    }
    fflush(stdout);
    t->rows++;
    return 0; /* non-zero would stop the search here */
}

/* usapi_discover's {"devices":[{...},{...}],"diagnostics":{...}}: one row
 * per element of "devices". */
static void print_result(const char *json, struct table *t) {
    char device[8192];
    const char *p = strstr(json, "\"devices\":[");
    if (p == NULL) {
        return;
    }
    p += strlen("\"devices\":[");
    while (*p == '{') {
        const char *end = json_span_end(p);
        size_t len = (size_t)(end - p);
        if (len < sizeof device) {
            memcpy(device, p, len);
            device[len] = '\0';
            print_device(device, t);
        }
        p = end;
        if (*p == ',') {
            p++;
        }
    }
}

static int usage(const char *prog) {
    fprintf(stderr,
            "usage: %s [--timeout MS] [--local IPV4] [--target HOST[:PORT][,...]] [--multicast | --ssdp] [--stream]\n",
            prog);
    return 2;
}

int main(int argc, char **argv) {
    usapi_discover_options opts;
    struct table t = {0};
    int i;
    int stream = 0;
    int32_t rc;

    memset(&opts, 0, sizeof opts); /* zero = every default */
    opts.timeout_ms = 2000;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            opts.timeout_ms = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--local") == 0 && i + 1 < argc) {
            opts.local_address = argv[++i];
        } else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
            opts.target = argv[++i];
        } else if (strcmp(argv[i], "--multicast") == 0) {
            opts.protocols = USAPI_DISCOVER_MULTICAST;
        } else if (strcmp(argv[i], "--ssdp") == 0) {
            opts.protocols = USAPI_DISCOVER_SSDP;
        } else if (strcmp(argv[i], "--stream") == 0) {
            stream = 1;
        } else {
            return usage(argv[0]);
        }
    }

    printf("%-16s %-14s %-22s %-15s %-15s %-15s %-10s %s\n", "SERIAL", "PRODUCT", "NAME", "ADDRESS", "ETH IP",
           "WIFI IP", "STATUS", "FOUND BY");
    if (stream) {
        rc = usapi_discover_each(&opts, print_device, &t);
    } else {
        char *json = NULL;
        rc = usapi_discover(&opts, &json);
        if (rc == 0) {
            print_result(json, &t);
            usapi_string_free(json);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "discovery failed: %s (%d): %s\n", usapi_result_name(rc), (int)rc, usapi_last_error());
        return 1;
    }
    printf("%d device(s) found\n", t.rows);
    return 0;
}
