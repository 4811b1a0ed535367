/*
 * ultrastream.hpp: header-only C++17 wrapper of the ultrastream C API.
 *
 *   #include <ultrastream.hpp>
 *
 *   ultrastream::Simulator sim;                  // or a device's address below
 *   ultrastream::Device dev(sim.address());
 *   dev.login("Admin", "Admin");
 *   std::string info = dev.get_info();          // the JSON reply
 *   auto r = dev.start_rec();                   // r.code: 0, or 1 (retRepeat) ...
 *
 * - RAII, move-only handles: ultrastream::Device (logs out if it logged in,
 *   then closes) and ultrastream::Simulator (stops).
 * - Failures (negative codes) throw ultrastream::Error, with code(), name()
 *   and what() = "name (code): detail" where detail is usapi_last_error()
 *   read right after the failing call.
 * - Every API method is a member named after it (set-rec-control ->
 *   set_rec_control) returning ultrastream::Reply: the device's result code
 *   (>= 0; positive outcomes such as 1 retRepeat, 2 retRunning and 29
 *   retLivingNotset are returned, not thrown) and the JSON as std::string.
 *   A Reply converts to const std::string& and prints with operator<<.
 * - The API members are const and thread-safe: one Device may be shared by
 *   threads (the C library synchronises).
 * - Long operations run to the end (run_format_usb, run_firmware_update,
 *   download_media, ...) take a lambda called with each usapi_progress on
 *   the calling thread; returning false cancels. An exception thrown by the
 *   lambda cancels too and is rethrown once the library has stopped.
 * - ultrastream::Watch: one background watcher for many devices, calling a
 *   lambda with each event's JSON (move-only; stops on destruction).
 *
 * Link with -lultrastream (pkg-config: `pkg-config --cflags --libs ultrastream`;
 * CMake: find_package(ultrastream) and ultrastream::ultrastream).
 */
#ifndef ULTRASTREAM_HPP
#define ULTRASTREAM_HPP

#include "ultrastream.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ultrastream {

/** The library version, "MAJOR.MINOR.PATCH". */
inline std::string version() { return usapi_version(); }

/** The name of a result code ("errBusy", "USAPI_E_TIMEOUT"), or "unknown". */
inline std::string result_name(int32_t code) { return usapi_result_name(code); }

/** What a result code means. */
inline std::string result_message(int32_t code) { return usapi_result_message(code); }

/** usapi_last_error(): detail of the last failure on this thread. */
inline std::string last_error() {
    const char *e = usapi_last_error();
    return e != nullptr ? e : "";
}

/** A failed call: the C return code, its name, and the detail message. */
class Error : public std::runtime_error {
public:
    Error(int32_t code, const std::string &detail)
        : std::runtime_error(result_name(code) + " (" + std::to_string(code) + "): " +
                             (detail.empty() ? result_message(code) : detail)),
          code_(code), name_(result_name(code)), detail_(detail) {}

    /** The code: a negative device code (-9 errBusy ...) or a library code (-1000 down). */
    int32_t code() const noexcept { return code_; }
    /** The code's name ("errBusy", "USAPI_E_CONNECT"). */
    const std::string &name() const noexcept { return name_; }
    /** usapi_last_error() at the time of the failure. */
    const std::string &detail() const noexcept { return detail_; }

    /** What to do about it: one of the USAPI_KIND_* values (usapi_result_kind). */
    int32_t kind() const noexcept { return usapi_result_kind(code_); }
    /** Wrong user or password, or not logged in (-1, 36, -17). */
    bool is_auth() const noexcept { return kind() == USAPI_KIND_AUTH; }
    /** The device is busy or held by other clients (-9, -2): retry later. */
    bool is_busy() const noexcept { return kind() == USAPI_KIND_BUSY; }
    /** An argument was refused (library or device). */
    bool is_invalid_argument() const noexcept { return kind() == USAPI_KIND_INVALID_ARGUMENT; }
    /** The device could not be reached, the connection broke, or it timed out. */
    bool is_connection() const noexcept { return kind() == USAPI_KIND_CONNECTION || kind() == USAPI_KIND_TIMEOUT; }

private:
    int32_t code_;
    std::string name_;
    std::string detail_;
};

namespace detail {

[[noreturn]] inline void fail(int32_t code) { throw Error(code, last_error()); }

inline int32_t check(int32_t code) {
    if (code < 0) {
        fail(code);
    }
    return code;
}

/** A char* owned by the library, freed with usapi_string_free. */
class OwnedString {
public:
    OwnedString() = default;
    OwnedString(const OwnedString &) = delete;
    OwnedString &operator=(const OwnedString &) = delete;
    ~OwnedString() { usapi_string_free(p_); }
    char **out() noexcept { return &p_; }
    std::string str() const { return p_ != nullptr ? std::string(p_) : std::string(); }

private:
    char *p_ = nullptr;
};

inline const char *opt(const std::optional<std::string> &s) noexcept { return s ? s->c_str() : nullptr; }

} // namespace detail

/** A reply: the device's result code (>= 0) and its JSON. */
struct Reply {
    /** 0 success; positive outcomes: 1 retRepeat, 2 retRunning, 29 retLivingNotset ... */
    int32_t code = 0;
    /** The JSON exactly as the device sent it. */
    std::string json;

    bool ok() const noexcept { return code == 0; }
    const std::string &str() const noexcept { return json; }
    operator const std::string &() const noexcept { return json; }
};

inline std::ostream &operator<<(std::ostream &os, const Reply &r) { return os << r.json; }

/** Names of the bits set in a cur-status mask ("statusRecord" ...), lowest first
 *  (the library's table, usapi_status_flag_name; undocumented bits are skipped). */
inline std::vector<std::string> status_flag_names(uint32_t mask) {
    std::vector<std::string> names;
    for (int i = 0; i < 32; ++i) {
        const uint32_t bit = uint32_t{1} << i;
        const char *name = (mask & bit) != 0 ? usapi_status_flag_name(bit) : "";
        if (*name != '\0') {
            names.emplace_back(name);
        }
    }
    return names;
}

/** A streaming server for add_server, set_server and start_test_server. */
struct Server {
    /** 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook. */
    int32_t type = 0;
    /** 1-32 characters of A-Z a-z 0-9 space . _ - + ' (ignored by start_test_server). */
    std::string name;
    std::string url;
    std::string key;
    /** true: user and passwd are required. */
    bool is_auth = false;
    std::string user;
    std::string passwd;
    std::string token;
    /** 0 mobile first, 1 Ethernet first, 2 Wi-Fi first. */
    int32_t net_mode = 1;

    usapi_server c() const noexcept {
        return usapi_server{type,   name.c_str(),   url.c_str(),   key.c_str(), is_auth ? 1 : 0,
                            user.c_str(), passwd.c_str(), token.c_str(), net_mode};
    }
};

/** Arguments of set_rec_control. */
struct RecControl {
    /** 0 don't record, 1 ordinary recording. */
    int32_t usb_option = 1;
    /** 0 don't record, 1 ordinary, 2 loop recording. */
    int32_t sd_option = 0;
    /** 0 mp4, 1 mov. */
    int32_t mime_type = 0;
    /** At most two levels ("a/b"). */
    std::string root_folder = "REC_Folder";
    /** 1-32 characters of A-Z a-z 0-9 space . _ - + ' */
    std::string file_prefix = "VID";
    /** Minutes per file: 5, 10, 30, 40, 50, 60, 90 or 120. */
    int32_t time_unit = 30;
};

/**
 * A progress callback of the long operations, called on the calling thread
 * with each usapi_progress (its strings valid during the call): return true
 * to go on, false to cancel (as for upload_update_file). May be empty.
 */
using ProgressFn = std::function<bool(const usapi_progress &)>;

/** How a long operation waits (zero: the defaults, per operation and 1 s). */
struct RunOptions {
    std::chrono::milliseconds timeout{0};
    std::chrono::milliseconds poll_interval{0};
};

namespace detail {

/** The C options and trampoline for one long operation; keeps a lambda's exception. */
class Runner {
public:
    Runner(const ProgressFn &fn, const RunOptions &o) : fn_(fn) {
        opts_.timeout_ms = static_cast<uint32_t>(o.timeout.count());
        opts_.poll_interval_ms = static_cast<uint32_t>(o.poll_interval.count());
        opts_.progress = fn_ ? &Runner::trampoline : nullptr;
        opts_.user_data = this;
    }
    Runner(const Runner &) = delete;
    Runner &operator=(const Runner &) = delete;
    const usapi_run_options *options() const noexcept { return &opts_; }

    /** Rethrow the lambda's exception, or throw for a failing code; else return it. */
    int32_t check(int32_t rc) const {
        std::string detail_text = rc < 0 ? last_error() : std::string();
        if (error_) {
            std::rethrow_exception(error_);
        }
        if (rc < 0) {
            throw Error(rc, detail_text);
        }
        return rc;
    }

private:
    static int32_t trampoline(const usapi_progress *p, void *user_data) noexcept {
        auto *self = static_cast<Runner *>(user_data);
        if (self->error_) {
            return 1;
        }
        try {
            return self->fn_(*p) ? 0 : 1;
        } catch (...) { // never unwind into the library
            self->error_ = std::current_exception();
            return 1;
        }
    }

    const ProgressFn &fn_;
    usapi_run_options opts_{};
    std::exception_ptr error_;
};

} // namespace detail

/** Arguments of set_video (the C struct; values come from get-info's codec-cap). */
using Video = usapi_video;

/** Options of Device (the C struct; zero fields mean defaults). */
using Options = usapi_options;

/*
 * Typed values: the C structs of usapi_get_info_struct and friends as
 * value types with std::string and std::vector (no JSON library needed).
 * Field names are the C structs' (which are the JSON keys with '-' -> '_',
 * `type` -> server_type / user_type); see ultrastream.h for each field.
 * A device string too long for the C field throws Error with
 * USAPI_E_TRUNCATED (never a cut string): read it from the JSON member.
 */
namespace detail {
template <size_t N> std::string str(const char (&a)[N]) {
    size_t n = 0;
    while (n < N && a[n] != '\0') {
        n++;
    }
    return std::string(a, n);
}

/** The whole list of a `usapi_*_struct`-style call `fill(out, capacity, &count)`:
 *  16 entries first, then as many as it says it needs. */
template <typename T, typename F> std::vector<T> fetch_list(F &&fill) {
    std::vector<T> c(16);
    size_t n = 0;
    int32_t rc = fill(c.data(), c.size(), &n);
    if (rc == USAPI_E_BUFFER_TOO_SMALL) {
        c.resize(n);
        rc = fill(c.data(), c.size(), &n);
    }
    check(rc);
    c.resize(n < c.size() ? n : c.size());
    return c;
}
} // namespace detail

/** get-info `product`. */
struct Product {
    std::string sn;
    int32_t product_id = 0;
    std::string hardware_ver;
    int32_t firmware_id = 0;
    std::string firmware_ver_s;
    std::string factory_firmware_ver_s;
    std::string product_name;
    std::string module_name;
    std::string manu_name;
    int64_t features = 0;
    int32_t max_lock_count = 0;
};

/** get-info `mac-addr`. */
struct MacAddr {
    std::string eth;
    std::string wifi;
    std::string blue;
};

/** get-info: product, serial, model, firmware / hardware versions, MAC addresses. */
struct Info {
    int32_t result = 0;
    Product product;
    MacAddr mac_addr;
    std::string snapshot;

    static Info from(const usapi_info &c) {
        Info i;
        i.result = c.result;
        const usapi_product &p = c.product;
        i.product = Product{detail::str(p.sn),           p.product_id,
                            detail::str(p.hardware_ver), p.firmware_id,
                            detail::str(p.firmware_ver_s), detail::str(p.factory_firmware_ver_s),
                            detail::str(p.product_name), detail::str(p.module_name),
                            detail::str(p.manu_name),    p.features,
                            p.max_lock_count};
        i.mac_addr = MacAddr{detail::str(c.mac_addr.eth), detail::str(c.mac_addr.wifi), detail::str(c.mac_addr.blue)};
        i.snapshot = detail::str(c.snapshot);
        return i;
    }
};

/** get-settings `softap` (softap_passwd is the AP's plain password: a secret). */
struct SoftAp {
    int32_t is_softap = 0;
    int32_t is_visible = 0;
    std::string softap_ssid;
    std::string softap_passwd;
};

/** get-settings `date-time`. */
struct DateTime {
    std::string timezone;
    int32_t is_auto = 0;
};

/** get-settings `rec-control` (RecControl is set_rec_control's argument). */
struct RecControlInfo {
    int32_t mime_type = 0;
    int32_t usb_option = 0;
    int32_t sd_option = 0;
    std::string root_folder;
    std::string file_prefix;
    int32_t time_unit = 0;
};

/** get-settings `video-color`, `volume`, `main-stream` / `sub-stream`, `audio`: the C structs. */
using VideoColor = usapi_video_color;
using Volume = usapi_volume;
using VideoStream = usapi_video_stream;
using AudioInfo = usapi_audio_info;

/** get-settings `eth`. */
struct EthInfo {
    int32_t is_dhcp = 0;
    std::string ip;
    std::string mask;
    std::string router;
    std::string dns;
};

/** get-settings (the stream servers: Device::servers()). */
struct Settings {
    int32_t result = 0;
    std::string name;
    int32_t passwd = 0;
    int32_t is_settings = 0;
    int32_t is_ssdp = 0;
    int32_t is_startup = 0;
    int32_t is_startup_rec = 0;
    int32_t is_startup_live = 0;
    int32_t is_signal_lost = 0;
    int32_t is_hdmi_rec_ctrl = 0;
    SoftAp softap;
    DateTime date_time;
    RecControlInfo rec_control;
    VideoColor video_color{};
    Volume volume{};
    int32_t rec_stream = 0;
    int32_t live_stream = 0;
    int32_t mws_stream = 0;
    VideoStream main_stream{};
    VideoStream sub_stream{};
    AudioInfo audio{};
    EthInfo eth;
    int32_t server_count = 0;

    static Settings from(const usapi_settings &c) {
        Settings s;
        s.result = c.result;
        s.name = detail::str(c.name);
        s.passwd = c.passwd;
        s.is_settings = c.is_settings;
        s.is_ssdp = c.is_ssdp;
        s.is_startup = c.is_startup;
        s.is_startup_rec = c.is_startup_rec;
        s.is_startup_live = c.is_startup_live;
        s.is_signal_lost = c.is_signal_lost;
        s.is_hdmi_rec_ctrl = c.is_hdmi_rec_ctrl;
        s.softap = SoftAp{c.softap.is_softap, c.softap.is_visible, detail::str(c.softap.softap_ssid),
                          detail::str(c.softap.softap_passwd)};
        s.date_time = DateTime{detail::str(c.date_time.timezone), c.date_time.is_auto};
        const usapi_rec_control_info &r = c.rec_control;
        s.rec_control = RecControlInfo{r.mime_type, r.usb_option, r.sd_option, detail::str(r.root_folder),
                                       detail::str(r.file_prefix), r.time_unit};
        s.video_color = c.video_color;
        s.volume = c.volume;
        s.rec_stream = c.rec_stream;
        s.live_stream = c.live_stream;
        s.mws_stream = c.mws_stream;
        s.main_stream = c.main_stream;
        s.sub_stream = c.sub_stream;
        s.audio = c.audio;
        s.eth = EthInfo{c.eth.is_dhcp, detail::str(c.eth.ip), detail::str(c.eth.mask), detail::str(c.eth.router),
                        detail::str(c.eth.dns)};
        s.server_count = c.server_count;
        return s;
    }
};

/** A stream server with its live state (usapi_server_info). */
struct ServerInfo {
    /** The device's id, for enable_server, set_server, del_server. */
    int32_t id = 0;
    /** 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook. */
    int32_t server_type = 0;
    std::string name;
    std::string url;
    int32_t is_use = 0;
    int32_t is_auth = 0;
    int32_t net_mode = 0;
    /** This server's live state (22 connected, 23 connecting ...), else 27. */
    int32_t live_result = 27;

    static ServerInfo from(const usapi_server_info &c) {
        return ServerInfo{c.id,     c.server_type, detail::str(c.name), detail::str(c.url),
                          c.is_use, c.is_auth,     c.net_mode,          c.live_result};
    }
};

/** A recorded file (usapi_media_file). */
struct MediaFile {
    std::string name;
    std::string thumbnail_name;
    int32_t status = 0;
    std::string create_time;
    int64_t size_bytes = 0;
    int64_t duration = 0;
    int32_t width = 0;
    int32_t height = 0;
    int64_t interval = 0;
    int32_t codec = 0;

    static MediaFile from(const usapi_media_file &c) {
        return MediaFile{detail::str(c.name),
                         detail::str(c.thumbnail_name),
                         c.status,
                         detail::str(c.create_time),
                         c.size_bytes,
                         c.duration,
                         c.width,
                         c.height,
                         c.interval,
                         c.codec};
    }
};

/** A page of get-media-files: the folder and the files. */
struct MediaPage {
    int32_t result = 0;
    std::string path;
    std::string thumbnail;
    std::vector<MediaFile> media_files;
};

/** A user of get-users. */
struct User {
    std::string id;
    /** 1 administrator, 2 general user. */
    int32_t user_type = 0;
};

/**
 * One Ultra Stream encoder. Move-only. Opening does no network traffic.
 * The destructor logs out if this object logged in (errors ignored), then
 * closes the handle (usapi_device_close logs out too, bounded by 2 s).
 */
class Device {
public:
    /** Open the device at host ("10.0.0.5", "127.0.0.1:8080", "[::1]:8080"). */
    explicit Device(const std::string &host) { detail::check(usapi_device_open(host.c_str(), nullptr, &dev_)); }
    Device(const std::string &host, const Options &options) {
        detail::check(usapi_device_open(host.c_str(), &options, &dev_));
    }
    ~Device() { close(); }

    Device(const Device &) = delete;
    Device &operator=(const Device &) = delete;
    Device(Device &&other) noexcept
        : dev_(std::exchange(other.dev_, 0)), logged_in_(std::exchange(other.logged_in_, false)) {}
    Device &operator=(Device &&other) noexcept {
        if (this != &other) {
            close();
            dev_ = std::exchange(other.dev_, 0);
            logged_in_ = std::exchange(other.logged_in_, false);
        }
        return *this;
    }

    /** The C handle (0 after close or move). */
    usapi_device handle() const noexcept { return dev_; }

    /** Log out (if logged in; errors ignored) and close. Idempotent. */
    void close() noexcept {
        if (dev_ != 0) {
            if (logged_in_) {
                (void)usapi_logout(dev_);
            }
            (void)usapi_device_close(dev_);
            dev_ = 0;
            logged_in_ = false;
        }
    }

    /** login with a plain password (sent as its MD5; only the hash is kept). */
    void login(const std::string &user, const std::string &password) {
        detail::check(usapi_login(dev_, user.c_str(), password.c_str()));
        logged_in_ = true;
    }
    /** login with the MD5 of the password (32 hex digits). */
    void login_md5(const std::string &user, const std::string &password_md5) {
        detail::check(usapi_login_md5(dev_, user.c_str(), password_md5.c_str()));
        logged_in_ = true;
    }
    /** logout: end the session and forget the credentials. */
    int32_t logout() {
        int32_t rc = detail::check(usapi_logout(dev_));
        logged_in_ = false;
        return rc;
    }

    /** Any GET method by name; params_json is "" or a flat JSON object. */
    Reply call(const std::string &method, const std::string &params_json = std::string()) const {
        return invoke(usapi_call, method.c_str(), params_json.empty() ? nullptr : params_json.c_str());
    }

#define ULTRASTREAM_SIMPLE_(name) \
    Reply name() const { return invoke(usapi_##name); }

    // Generated from include/ultrastream.h by capi/src/generated.rs: one member per
    // `int32_t usapi_NAME(usapi_device dev, char **out_json)`. Do not edit.
    ULTRASTREAM_SIMPLE_(get_info)
    ULTRASTREAM_SIMPLE_(get_status)
    ULTRASTREAM_SIMPLE_(get_settings)
    ULTRASTREAM_SIMPLE_(start_rec)
    ULTRASTREAM_SIMPLE_(stop_rec)
    ULTRASTREAM_SIMPLE_(start_live)
    ULTRASTREAM_SIMPLE_(stop_live)
    ULTRASTREAM_SIMPLE_(ping)
    ULTRASTREAM_SIMPLE_(start_format_usb)
    ULTRASTREAM_SIMPLE_(start_format_sd)
    ULTRASTREAM_SIMPLE_(clear_format_usb)
    ULTRASTREAM_SIMPLE_(start_test_usb)
    ULTRASTREAM_SIMPLE_(stop_test_usb)
    ULTRASTREAM_SIMPLE_(clear_test_usb)
    ULTRASTREAM_SIMPLE_(stop_test_server)
    ULTRASTREAM_SIMPLE_(clear_test_server)
    ULTRASTREAM_SIMPLE_(reboot)
    ULTRASTREAM_SIMPLE_(reset_all_settings)
    ULTRASTREAM_SIMPLE_(get_users)
    ULTRASTREAM_SIMPLE_(disconn_wifi)
    ULTRASTREAM_SIMPLE_(close_softap)
    ULTRASTREAM_SIMPLE_(cancel_download)
    ULTRASTREAM_SIMPLE_(online_update_check)
    ULTRASTREAM_SIMPLE_(clear_upgrade)
    ULTRASTREAM_SIMPLE_(clear_check_update)
    // End of the generated members.

#undef ULTRASTREAM_SIMPLE_

    /** ping decoded into a struct (works without login). */
    usapi_ping_result ping_status() const {
        usapi_ping_result r{};
        detail::check(usapi_ping_status(dev_, &r));
        return r;
    }
    /** get-status decoded into a struct. */
    usapi_status_summary status_summary() const {
        usapi_status_summary s{};
        detail::check(usapi_get_status_summary(dev_, &s));
        return s;
    }

    /** get-info as a value (usapi_get_info_struct). */
    Info info() const {
        usapi_info c{};
        detail::check(usapi_get_info_struct(dev_, &c));
        return Info::from(c);
    }
    /** get-settings as a value (usapi_get_settings_struct). */
    Settings settings() const {
        usapi_settings c{};
        detail::check(usapi_get_settings_struct(dev_, &c));
        return Settings::from(c);
    }
    /** The stream servers with their live state (usapi_get_servers). */
    std::vector<ServerInfo> servers() const {
        auto c = detail::fetch_list<usapi_server_info>(
            [this](usapi_server_info *p, size_t cap, size_t *n) { return usapi_get_servers(dev_, p, cap, n); });
        std::vector<ServerInfo> out;
        for (const auto &s : c) {
            out.push_back(ServerInfo::from(s));
        }
        return out;
    }
    /** The server named exactly `name`, or nullopt (usapi_find_server). */
    std::optional<ServerInfo> find_server(const std::string &name) const {
        usapi_server_info c{};
        int32_t rc = usapi_find_server(dev_, name.c_str(), &c);
        if (rc == USAPI_ERR_NOT_FOUND) {
            return std::nullopt;
        }
        detail::check(rc);
        return ServerInfo::from(c);
    }
    /** add-server, returning the id the device gave it (usapi_add_server_id). */
    int32_t add_server_id(const Server &s) const {
        usapi_server c = s.c();
        int32_t id = -1;
        detail::check(usapi_add_server_id(dev_, &c, &id, nullptr));
        return id;
    }
    /** A page of up to `count` files from index `start` (usapi_get_media_files_struct). */
    MediaPage media_files(int32_t disk_type, int32_t start, size_t count) const {
        std::vector<usapi_media_file> c(count);
        usapi_media_page page{};
        size_t n = 0;
        detail::check(usapi_get_media_files_struct(dev_, disk_type, start, &page, c.data(), c.size(), &n));
        MediaPage out;
        out.result = page.result;
        out.path = detail::str(page.path);
        out.thumbnail = detail::str(page.thumbnail);
        for (size_t i = 0; i < n && i < c.size(); i++) {
            out.media_files.push_back(MediaFile::from(c[i]));
        }
        return out;
    }
    /** get-users as values (usapi_get_users_struct). */
    std::vector<User> users() const {
        auto c = detail::fetch_list<usapi_user>(
            [this](usapi_user *p, size_t cap, size_t *n) { return usapi_get_users_struct(dev_, p, cap, n); });
        std::vector<User> out;
        for (const auto &u : c) {
            out.push_back(User{detail::str(u.id), u.user_type});
        }
        return out;
    }

    // general
    Reply set_name(const std::string &name) const { return invoke(usapi_set_name, name.c_str()); }
    Reply set_app_settings(bool is_settings) const { return invoke(usapi_set_app_settings, flag(is_settings)); }
    /** enable (true, nullopt, new), disable (false, old, nullopt) or modify (true, old, new); plain passwords. */
    Reply set_app_passwd(bool is_pass, const std::optional<std::string> &old_password,
                         const std::optional<std::string> &new_password) const {
        return invoke(usapi_set_app_passwd, flag(is_pass), detail::opt(old_password), detail::opt(new_password));
    }
    Reply set_first_over(const std::string &name, const std::optional<std::string> &password = std::nullopt) const {
        return invoke(usapi_set_first_over, name.c_str(), detail::opt(password));
    }
    Reply set_rec_control(const RecControl &rc) const {
        usapi_rec_control c{rc.usb_option, rc.sd_option,        rc.mime_type,
                            rc.root_folder.c_str(), rc.file_prefix.c_str(), rc.time_unit};
        return invoke(usapi_set_rec_control, static_cast<const usapi_rec_control *>(&c));
    }
    Reply set_softap(bool is_softap, bool is_visible, const std::string &ssid, const std::string &password) const {
        return invoke(usapi_set_softap, flag(is_softap), flag(is_visible), ssid.c_str(), password.c_str());
    }
    /** time: nullopt for automatic time, else "YYYY-MM-DD HH:MM:SS". */
    Reply set_date_time(const std::string &timezone, const std::optional<std::string> &time = std::nullopt) const {
        return invoke(usapi_set_date_time, timezone.c_str(), detail::opt(time));
    }
    Reply set_signal_lost_ctrl(bool on) const { return invoke(usapi_set_signal_lost_ctrl, flag(on)); }
    Reply set_startup_rec(bool on) const { return invoke(usapi_set_startup_rec, flag(on)); }
    Reply set_startup_live(bool on) const { return invoke(usapi_set_startup_live, flag(on)); }
    Reply set_ssdp(bool on) const { return invoke(usapi_set_ssdp, flag(on)); }
    Reply set_hdmi_rec_ctrl(bool on) const { return invoke(usapi_set_hdmi_rec_ctrl, flag(on)); }

    // storage
    /** disk_type 0 USB, 1 SD. */
    Reply get_media_files(int32_t disk_type, int32_t start, int32_t count) const {
        return invoke(usapi_get_media_files, disk_type, start, count);
    }
    Reply del_media_files(int32_t disk_type, const std::vector<std::string> &names) const {
        std::vector<const char *> ptrs;
        ptrs.reserve(names.size() + 1);
        for (const auto &n : names) {
            ptrs.push_back(n.c_str());
        }
        ptrs.push_back(nullptr); // never an empty array
        return invoke(usapi_del_media_files, disk_type, static_cast<const char *const *>(ptrs.data()),
                      static_cast<size_t>(names.size()));
    }

    // servers
    Reply add_server(const Server &s) const {
        usapi_server c = s.c();
        return invoke(usapi_add_server, static_cast<const usapi_server *>(&c));
    }
    Reply enable_server(int32_t id, bool is_use) const { return invoke(usapi_enable_server, id, flag(is_use)); }
    Reply set_server(int32_t id, const Server &s) const {
        usapi_server c = s.c();
        return invoke(usapi_set_server, id, static_cast<const usapi_server *>(&c));
    }
    Reply del_server(int32_t id) const { return invoke(usapi_del_server, id); }
    Reply start_test_server(const Server &s) const {
        usapi_server c = s.c();
        return invoke(usapi_start_test_server, static_cast<const usapi_server *>(&c));
    }

    // encoding
    Reply set_stream(int32_t rec, int32_t live, int32_t mws) const { return invoke(usapi_set_stream, rec, live, mws); }
    Reply set_video(const Video &v) const { return invoke(usapi_set_video, &v); }
    Reply set_audio(int32_t kbps) const { return invoke(usapi_set_audio, kbps); }

    // users
    Reply add_user(const std::string &id, const std::string &password) const {
        return invoke(usapi_add_user, id.c_str(), password.c_str());
    }
    Reply del_user(const std::string &id) const { return invoke(usapi_del_user, id.c_str()); }
    Reply ch_password(const std::string &old_password, const std::string &new_password) const {
        return invoke(usapi_ch_password, old_password.c_str(), new_password.c_str());
    }
    Reply set_password(const std::string &id, const std::string &password) const {
        return invoke(usapi_set_password, id.c_str(), password.c_str());
    }

    // network
    /** DHCP: set_eth(true); static: set_eth(false, ip, mask[, router, dns]). */
    Reply set_eth(bool is_dhcp, const std::optional<std::string> &ip = std::nullopt,
                  const std::optional<std::string> &mask = std::nullopt,
                  const std::optional<std::string> &router = std::nullopt,
                  const std::optional<std::string> &dns = std::nullopt) const {
        return invoke(usapi_set_eth, flag(is_dhcp), detail::opt(ip), detail::opt(mask), detail::opt(router),
                      detail::opt(dns));
    }

    // firmware
    /** mode "upload" (after upload_update_file) or "online". */
    Reply update(const std::string &mode) const { return invoke(usapi_update, mode.c_str()); }
    /** Send the .mwf at path; the reply carries "status", "up-to-date", "version", "size". */
    Reply upload_update_file(const std::string &path) const { return invoke(usapi_upload_update_file, path.c_str()); }
    /**
     * Send the .mwf at path, streamed, with progress: `progress` is called on
     * this thread with each usapi_progress (operation "upload", phase
     * "uploading", done / total bytes) and returns true to go on, false to
     * stop (throws Error USAPI_E_CANCELLED). An exception thrown by
     * `progress` stops the upload and is rethrown here.
     *
     *   dev.upload_update_file(path, [](const usapi_progress &p) {
     *       std::cout << p.percent << "%\n";
     *       return true;
     *   });
     */
    template <typename F>
    Reply upload_update_file(const std::string &path, F &&progress) const {
        struct Ctx {
            std::remove_reference_t<F> *fn;
            std::exception_ptr error;
        } ctx{&progress, nullptr};
        auto trampoline = [](const usapi_progress *p, void *user) -> int32_t {
            auto *c = static_cast<Ctx *>(user);
            try {
                return (*c->fn)(*p) ? 0 : 1;
            } catch (...) {
                c->error = std::current_exception();
                return 1;
            }
        };
        detail::OwnedString out;
        int32_t rc = usapi_upload_update_file_progress(dev_, path.c_str(), trampoline, &ctx, out.out());
        if (ctx.error) {
            std::rethrow_exception(ctx.error);
        }
        if (rc < 0) {
            detail::fail(rc);
        }
        return Reply{rc, out.str()};
    }
    Reply upload_update_data(const std::string &filename, const std::vector<uint8_t> &data) const {
        static const uint8_t empty = 0;
        return invoke(usapi_upload_update_data, filename.c_str(), data.empty() ? &empty : data.data(),
                      static_cast<size_t>(data.size()));
    }

    // long operations, run to the end (see usapi_run_* in ultrastream.h)
    /** USB format to the end; cannot be stopped on the device (cancelling stops the waiting). */
    Reply run_format_usb(const ProgressFn &progress = {}, const RunOptions &o = {}) const {
        return run(usapi_run_format_usb, progress, o);
    }
    Reply run_format_sd(const ProgressFn &progress = {}, const RunOptions &o = {}) const {
        return run(usapi_run_format_sd, progress, o);
    }
    /** USB speed test with the verdict: code 3 (USAPI_RET_LOW_SPEED) when too slow; cancelling stops it. */
    Reply run_test_usb(const ProgressFn &progress = {}, const RunOptions &o = {}) const {
        return run(usapi_run_test_usb, progress, o);
    }
    Reply run_test_server(const Server &server, const ProgressFn &progress = {}, const RunOptions &o = {}) const {
        usapi_server s = server.c();
        detail::Runner r(progress, o);
        detail::OwnedString out;
        int32_t rc = r.check(usapi_run_test_server(dev_, &s, r.options(), out.out()));
        return Reply{rc, out.str()};
    }
    Reply run_update_check(const ProgressFn &progress = {}, const RunOptions &o = {}) const {
        return run(usapi_run_update_check, progress, o);
    }
    /** Upload mwf (std::nullopt: online update), update, reboot, log in again, check the version. */
    Reply run_firmware_update(const std::optional<std::string> &mwf, const ProgressFn &progress = {},
                              const RunOptions &o = {}) const {
        detail::Runner r(progress, o);
        detail::OwnedString out;
        int32_t rc = r.check(usapi_run_firmware_update(dev_, detail::opt(mwf), r.options(), out.out()));
        return Reply{rc, out.str()};
    }
    /** reboot, wait until the device is back, log in again. */
    void run_reboot(const ProgressFn &progress = {}, const RunOptions &o = {}) const {
        detail::Runner r(progress, o);
        r.check(usapi_run_reboot(dev_, r.options()));
    }
    void run_reset_all_settings(const ProgressFn &progress = {}, const RunOptions &o = {}) const {
        detail::Runner r(progress, o);
        r.check(usapi_run_reset_all_settings(dev_, r.options()));
    }
    /** Wait until the device answers, is not restarting, and is logged in again. */
    void wait_ready(std::chrono::milliseconds timeout = std::chrono::milliseconds(300000)) const {
        detail::check(usapi_wait_ready(dev_, static_cast<uint32_t>(timeout.count())));
    }
    /** Download a recorded file (or its thumbnail) to dest, resuming a prefix already there. */
    void download_media(int32_t disk_type, const std::string &name, const std::string &dest,
                        const ProgressFn &progress = {}, const RunOptions &o = {}) const {
        detail::Runner r(progress, o);
        r.check(usapi_download_media(dev_, disk_type, name.c_str(), dest.c_str(), r.options()));
    }

private:
    static int32_t flag(bool b) noexcept { return b ? 1 : 0; }

    template <typename F>
    Reply run(F fn, const ProgressFn &progress, const RunOptions &o) const {
        detail::Runner r(progress, o);
        detail::OwnedString out;
        int32_t rc = r.check(fn(dev_, r.options(), out.out()));
        return Reply{rc, out.str()};
    }

    template <typename F, typename... Args>
    Reply invoke(F fn, Args... args) const {
        detail::OwnedString out;
        int32_t rc = fn(dev_, args..., out.out());
        if (rc < 0) {
            detail::fail(rc);
        }
        return Reply{rc, out.str()};
    }

    usapi_device dev_ = 0;
    bool logged_in_ = false;
};

/**
 * The built-in virtual device on 127.0.0.1. Move-only; the destructor stops it.
 *
 *   ultrastream::Simulator sim;                 // defaults: Admin/Admin, hdmi
 *   ultrastream::Device dev(sim.address());
 */
class Simulator {
public:
    /** options_json: "" or "{}" for the defaults, or e.g. {"model":"sdi","password":"x"};
     *  the keys of usapi_sim_start, including the readings of the document the device
     *  follows (docs/simulator-readings.md), e.g. {"clock":"manual","restart":"busy",
     *  "update_restarts":false,"op_ms":100,"sd_format_flag":true,"bps_unit":"bits"}, or {"latency_ms":100,"latency_jitter_ms":50}
     *  (every request answered that late). */
    explicit Simulator(const std::string &options_json = std::string()) {
        detail::check(usapi_sim_start(options_json.empty() ? nullptr : options_json.c_str(), &sim_));
        try {
            detail::OwnedString host;
            detail::check(usapi_sim_address(sim_, host.out()));
            address_ = host.str();
            detail::check(usapi_sim_port(sim_, &port_));
        } catch (...) {
            stop();
            throw;
        }
    }
    ~Simulator() { stop(); }

    Simulator(const Simulator &) = delete;
    Simulator &operator=(const Simulator &) = delete;
    Simulator(Simulator &&other) noexcept
        : sim_(std::exchange(other.sim_, 0)), address_(std::move(other.address_)), port_(other.port_) {}
    Simulator &operator=(Simulator &&other) noexcept {
        if (this != &other) {
            stop();
            sim_ = std::exchange(other.sim_, 0);
            address_ = std::move(other.address_);
            port_ = other.port_;
        }
        return *this;
    }

    /** "127.0.0.1:PORT": what Device takes. */
    const std::string &address() const noexcept { return address_; }
    uint16_t port() const noexcept { return port_; }
    usapi_sim handle() const noexcept { return sim_; }

    /** UDP ports (multicast protocol, SSDP) it answers discovery on; throws
     *  USAPI_E_SIMULATOR unless started with {"discovery":true} or discovery ports. */
    std::pair<uint16_t, uint16_t> discovery_ports() const {
        uint16_t multicast = 0;
        uint16_t ssdp = 0;
        detail::check(usapi_sim_discovery_ports(sim_, &multicast, &ssdp));
        return {multicast, ssdp};
    }

    /** A control command such as {"cmd":"set-signal","present":false}; returns the JSON answer. */
    std::string control(const std::string &command_json) const {
        detail::OwnedString out;
        detail::check(usapi_sim_control(sim_, command_json.c_str(), out.out()));
        return out.str();
    }

    /** Stop the simulator (idempotent; errors ignored). */
    void stop() noexcept {
        if (sim_ != 0) {
            (void)usapi_sim_stop(sim_);
            sim_ = 0;
        }
    }

    /** Write a test .mwf firmware the simulator accepts. */
    static void write_firmware(const std::string &path, const std::string &model = "hdmi",
                               const std::string &version = "1.2.123") {
        detail::check(usapi_sim_firmware(model.c_str(), version.c_str(), path.c_str()));
    }

private:
    usapi_sim sim_ = 0;
    std::string address_;
    uint16_t port_ = 0;
};


/** Options of a Watch, in milliseconds; 0 in a field means its default
 *  (interval 1000, offline after 3 intervals, request timeout half the
 *  interval, backoff up to 10000; `workers` is ignored: one reactor
 *  thread polls every device). */
using WatchOptions = usapi_watch_options;

/**
 * Watch devices in the background: the library polls every handle at an
 * interval and calls `on_event(const std::string &event_json)` on its own
 * event thread, one event at a time ("online", "offline", "back",
 * "auth-failed", "occupied", "rebooting", "changed"; each names "device"
 * (the handle) and "host"). A lambda returning bool ends the watch by
 * returning false; one returning void never does. An exception thrown by
 * the lambda ends the watch and is rethrown by stop().
 *
 *   ultrastream::Watch w({dev1.handle(), dev2.handle()},
 *                        [](const std::string &e) { std::cout << e << "\n"; });
 *
 * The devices must outlive the Watch. Move-only; the destructor stops it.
 * Never stop or destroy a Watch from its own callback (stop() throws
 * USAPI_E_WATCH there).
 */
class Watch {
public:
    template <class F>
    Watch(const std::vector<usapi_device> &devices, F &&on_event, const WatchOptions &options = WatchOptions{})
        : state_(new State) {
        using R = std::invoke_result_t<F &, const std::string &>;
        if constexpr (std::is_void_v<R>) {
            state_->fn = [f = std::forward<F>(on_event)](const std::string &e) mutable {
                f(e);
                return true;
            };
        } else {
            state_->fn = [f = std::forward<F>(on_event)](const std::string &e) mutable {
                return static_cast<bool>(f(e));
            };
        }
        detail::check(usapi_watch_start(devices.data(), devices.size(), &options, &Watch::trampoline, state_.get(),
                                        &watch_));
    }
    ~Watch() {
        if (watch_ != 0 && usapi_watch_stop(watch_) == USAPI_E_WATCH) {
            // Destroyed from its own callback: the event thread still uses
            // the state, so it is left to outlive it rather than freed.
            (void)state_.release();
        }
    }

    Watch(const Watch &) = delete;
    Watch &operator=(const Watch &) = delete;
    Watch(Watch &&other) noexcept : state_(std::move(other.state_)), watch_(std::exchange(other.watch_, 0)) {}
    Watch &operator=(Watch &&other) noexcept {
        if (this != &other) {
            if (watch_ != 0) {
                (void)usapi_watch_stop(watch_);
            }
            state_ = std::move(other.state_);
            watch_ = std::exchange(other.watch_, 0);
        }
        return *this;
    }

    /** Stop; returns after the last callback has returned. Rethrows what the
     *  callback threw, if it did. Idempotent. */
    void stop() {
        if (watch_ != 0) {
            detail::check(usapi_watch_stop(watch_));
            watch_ = 0;
        }
        if (state_ && state_->error) {
            std::rethrow_exception(std::exchange(state_->error, nullptr));
        }
    }

    /** Counters as JSON: {"polls","failed","devices":[{"device","host","state","polls","failed","max_lag_ms"}]}. */
    std::string stats() const {
        detail::OwnedString out;
        detail::check(usapi_watch_stats(watch_, out.out()));
        return out.str();
    }

    /** The C handle (0 after stop or move). */
    usapi_watch handle() const noexcept { return watch_; }

private:
    struct State {
        std::function<bool(const std::string &)> fn;
        std::exception_ptr error;
    };

    static int32_t trampoline(const char *event_json, void *user_data) noexcept {
        auto *st = static_cast<State *>(user_data);
        try {
            return st->fn(std::string(event_json)) ? 0 : 1;
        } catch (...) {
            st->error = std::current_exception();
            return 1;
        }
    }

    std::unique_ptr<State> state_;
    usapi_watch watch_ = 0;
};

/** How call_many runs: max_in_flight (0: 64), timeout_ms (0: each device's own). */
using ManyOptions = usapi_many_options;

/** One device's result from call_many. */
struct ManyResult {
    /** The device's position in the vector given. */
    size_t index = 0;
    /** Its handle. */
    usapi_device device = 0;
    /** What usapi_call returns for it: >= 0 the device's result, < 0 a failure. */
    int32_t code = 0;
    /** The reply's JSON when code >= 0, else the failure's message. */
    std::string text;

    bool ok() const noexcept { return code == 0; }
    /** The reply (code >= 0); throws the failure as an Error otherwise. */
    Reply reply() const {
        if (code < 0) {
            throw Error(code, text);
        }
        return Reply{code, text};
    }
};

/** Run method (params_json: "" or a flat JSON object) on every device, at
 *  most options.max_in_flight at once, calling on_result(const ManyResult&)
 *  on this thread as each device finishes; returns when all have. What
 *  on_result throws is rethrown at the end (later results are then not
 *  delivered). Throws Error only when nothing could be called (bad
 *  arguments). */
template <class F>
void call_many_each(const std::vector<usapi_device> &devices, const std::string &method,
                    const std::string &params_json, F &&on_result, const ManyOptions &options = ManyOptions{}) {
    struct State {
        std::remove_reference_t<F> *fn;
        std::exception_ptr error;
    } st{&on_result, nullptr};
    auto tramp = [](size_t index, usapi_device dev, int32_t code, const char *text, void *user) noexcept {
        auto *s = static_cast<State *>(user);
        if (s->error) {
            return;
        }
        try {
            (*s->fn)(ManyResult{index, dev, code, text != nullptr ? std::string(text) : std::string()});
        } catch (...) {
            s->error = std::current_exception();
        }
    };
    detail::check(usapi_call_many(devices.data(), devices.size(), method.c_str(),
                                  params_json.empty() ? nullptr : params_json.c_str(), &options, tramp, &st));
    if (st.error) {
        std::rethrow_exception(st.error);
    }
}

/** call_many_each, collecting the results in device order. */
inline std::vector<ManyResult> call_many(const std::vector<usapi_device> &devices, const std::string &method,
                                         const std::string &params_json = std::string(),
                                         const ManyOptions &options = ManyOptions{}) {
    std::vector<ManyResult> out(devices.size());
    call_many_each(devices, method, params_json, [&](const ManyResult &r) { out[r.index] = r; }, options);
    return out;
}

/** Start method on one device and return at once; done(int32_t code,
 *  const std::string &text) runs exactly once, on the library's engine
 *  thread (keep it short; it must not throw: what it throws is dropped). */
template <class F>
void call_async(usapi_device device, const std::string &method, const std::string &params_json, F &&done) {
    using Fn = std::decay_t<F>;
    auto *fn = new Fn(std::forward<F>(done));
    auto tramp = [](int32_t code, const char *text, void *user) noexcept {
        std::unique_ptr<Fn> f(static_cast<Fn *>(user));
        try {
            (*f)(code, std::string(text != nullptr ? text : ""));
        } catch (...) {
        }
    };
    int32_t rc = usapi_call_async(device, method.c_str(), params_json.empty() ? nullptr : params_json.c_str(), tramp,
                                  fn);
    if (rc != 0) {
        delete fn;
        detail::fail(rc);
    }
}

} // namespace ultrastream

#endif // ULTRASTREAM_HPP
