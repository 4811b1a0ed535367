// Tests of bindings/cpp/ultrastream.hpp against the built-in simulator.
// Built with -std=c++17 -Wall -Wextra -Werror by tests/cpp/Makefile; run by
// `cargo test` (tests/it/bindings.rs), also under valgrind there.
//
// Every member of ultrastream::Device is called; exceptions, RAII and move
// semantics, and a Device shared by threads are checked. Prints
// "N passed, M failed" and exits non-zero on any failure.

#include <ultrastream.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <unistd.h>

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const char *what, const char *file, int line) {
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::cerr << file << ":" << line << ": FAILED: " << what << "\n";
    }
}

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)

// Run `fn`, expecting ultrastream::Error with `code`; returns the error's what().
std::string expect_error(int32_t code, const std::function<void()> &fn, const char *what, int line) {
    try {
        fn();
    } catch (const ultrastream::Error &e) {
        check(e.code() == code, what, __FILE__, line);
        if (e.code() != code) {
            std::cerr << "  got " << e.what() << "\n";
        }
        return e.what();
    }
    check(false, what, __FILE__, line);
    std::cerr << "  no exception\n";
    return std::string();
}

#define EXPECT_ERROR(code, stmt) expect_error((code), [&] { stmt; }, #stmt " throws " #code, __LINE__)

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

// Text between `"key":` and the next ',' or '}' of a compact JSON object (first match).
std::string field(const std::string &json, const std::string &key) {
    std::string k = "\"" + key + "\":";
    size_t at = json.find(k);
    if (at == std::string::npos) {
        return "<missing>";
    }
    at += k.size();
    size_t end = json.find_first_of(",}", at);
    return json.substr(at, end - at);
}

void advance(const ultrastream::Simulator &sim, int ms) {
    CHECK(contains(sim.control("{\"cmd\":\"advance\",\"ms\":" + std::to_string(ms) + "}"), "\"ok\":true"));
}

struct TempDir {
    std::string path;
    TempDir() {
        const char *tmp = std::getenv("TMPDIR");
        path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ultrastream_cpp_test_XXXXXX";
        if (mkdtemp(path.data()) == nullptr) {
            std::perror("mkdtemp");
            std::exit(2);
        }
    }
    ~TempDir() {
        for (const char *f : {"/hdmi.mwf", "/sdi.mwf"}) {
            unlink((path + f).c_str());
        }
        rmdir(path.c_str());
    }
};

void test_types() {
    static_assert(!std::is_copy_constructible_v<ultrastream::Device>, "Device is move-only");
    static_assert(!std::is_copy_assignable_v<ultrastream::Device>, "Device is move-only");
    static_assert(std::is_nothrow_move_constructible_v<ultrastream::Device>, "Device moves");
    static_assert(std::is_nothrow_move_assignable_v<ultrastream::Device>, "Device moves");
    static_assert(!std::is_copy_constructible_v<ultrastream::Simulator>, "Simulator is move-only");
    static_assert(std::is_nothrow_move_constructible_v<ultrastream::Simulator>, "Simulator moves");
    static_assert(std::is_base_of_v<std::runtime_error, ultrastream::Error>, "Error is a runtime_error");
    CHECK(ultrastream::version() == USAPI_VERSION_STRING);
    CHECK(ultrastream::result_name(-9) == "errBusy");
    CHECK(ultrastream::result_name(USAPI_E_CONNECT) == "USAPI_E_CONNECT");
    CHECK(ultrastream::status_flag_names(65552) == (std::vector<std::string>{"statusDiskReady", "statusPasswd"}));
    CHECK(ultrastream::status_flag_names(0).empty());
    // The library's names: the document's spelling, undocumented bits skipped.
    CHECK(ultrastream::status_flag_names(USAPI_STATUS_IPV6 | 0x80u | 0x80000000u) ==
          (std::vector<std::string>{"stausIPv6"}));
    ultrastream::Error e(USAPI_ERR_BUSY, "detail here");
    CHECK(e.code() == -9 && e.name() == "errBusy" && e.detail() == "detail here");
    CHECK(std::string(e.what()) == "errBusy (-9): detail here");
    CHECK(e.is_busy() && !e.is_auth() && !e.is_connection() && !e.is_invalid_argument());
    CHECK(ultrastream::Error(USAPI_ERR_PASSWD, "").is_auth());
    CHECK(contains(ultrastream::Error(USAPI_ERR_PASSWD, "").what(), "wrong user name or password"));
    CHECK(ultrastream::Error(USAPI_E_TIMEOUT, "").is_connection());
    CHECK(ultrastream::Error(USAPI_E_INVALID_ARGUMENT, "").is_invalid_argument());
    // The kinds are the library's (usapi_result_kind), the same table Python reads.
    CHECK(ultrastream::Error(USAPI_RET_LOGIN_FAILED, "").is_auth() && ultrastream::Error(USAPI_ERR_NEED_AUTH, "").is_auth());
    CHECK(ultrastream::Error(USAPI_ERR_OCCUPIED, "").is_busy() && ultrastream::Error(USAPI_E_IO, "").is_connection());
    CHECK(ultrastream::Error(USAPI_ERR_STRING, "").kind() == USAPI_KIND_INVALID_ARGUMENT);
    CHECK(ultrastream::Error(USAPI_ERR_NO_USER, "").kind() == USAPI_KIND_NOT_FOUND);
    CHECK(ultrastream::Error(USAPI_E_PANIC, "").kind() == USAPI_KIND_OTHER && usapi_result_kind(0) == USAPI_KIND_OTHER);
}

void test_universal(const ultrastream::Simulator &sim, const ultrastream::Device &dev) {
    ultrastream::Reply info = dev.get_info();
    CHECK(info.code == 0 && info.ok());
    CHECK(contains(info, "\"module-name\":\"Ultra Stream HDMI\""));
    const std::string &as_string = info; // a Reply is a std::string JSON result
    CHECK(as_string == info.json && info.str() == info.json);
    CHECK(contains(dev.get_status(), "\"cur-status\":"));
    CHECK(contains(dev.get_settings(), "\"main-stream\":"));
    CHECK(field(dev.ping(), "result") == "0");
    usapi_ping_result p = dev.ping_status();
    CHECK(p.result == 0 && (p.cur_status & USAPI_STATUS_DISK_READY) != 0);

    CHECK(dev.start_rec().code == 0);
    CHECK(dev.start_rec().code == USAPI_RET_REPEAT); // an outcome, not an exception
    advance(sim, 30000);
    usapi_status_summary s = dev.status_summary();
    CHECK(s.recording == 1 && s.rec_run_ms >= 29000 && s.signal_present == 1 && s.signal_cx == 1920);
    CHECK(dev.stop_rec().code == 0);
    CHECK(dev.stop_rec().code == USAPI_RET_REPEAT);

    CHECK(dev.start_live().code == USAPI_RET_LIVING_NOTSET);
    ultrastream::Server server;
    server.name = "Cpp Live";
    server.url = "rtmp://127.0.0.1/live";
    server.key = "key1";
    CHECK(dev.add_server(server).code == 0);
    std::string settings = dev.get_settings();
    size_t at = settings.find("\"name\":\"Cpp Live\"");
    CHECK(at != std::string::npos);
    size_t id_at = settings.rfind("\"id\":", at);
    int id = std::atoi(settings.c_str() + id_at + 5);
    CHECK(dev.enable_server(id, true).code == 0);
    CHECK(dev.start_live().code == 0);
    CHECK(dev.status_summary().living == 1);
    CHECK(dev.stop_live().code == 0);
    server.name = "Cpp Live 2";
    server.is_auth = true;
    server.user = "u";
    server.passwd = "p";
    CHECK(dev.set_server(id, server).code == 0);
    CHECK(contains(dev.get_settings(), "\"name\":\"Cpp Live 2\""));
    CHECK(dev.enable_server(id, false).code == 0);
    CHECK(dev.start_test_server(server).code == 0);
    EXPECT_ERROR(USAPI_ERR_BUSY, dev.clear_test_server());
    CHECK(dev.stop_test_server().code == 0);
    CHECK(dev.clear_test_server().code == 0);
    CHECK(dev.del_server(id).code == 0);
    CHECK(!contains(dev.get_settings(), "Cpp Live"));
    EXPECT_ERROR(USAPI_ERR_NOT_FOUND, dev.del_server(id));
}

void test_general(const ultrastream::Device &dev) {
    CHECK(dev.set_name("Cpp Box+1 'A'").code == 0);
    CHECK(field(dev.get_settings(), "name") == "\"Cpp Box+1 'A'\"");
    EXPECT_ERROR(USAPI_E_INVALID_ARGUMENT, dev.set_name("bad/name"));
    CHECK(dev.set_app_settings(true).code == 0);
    CHECK(field(dev.get_settings(), "is-settings") == "1");
    CHECK(dev.set_app_passwd(true, std::nullopt, std::string("one")).code == 0);
    CHECK(dev.set_app_passwd(true, std::string("one"), std::string("two")).code == 0);
    EXPECT_ERROR(USAPI_ERR_PASSWD, dev.set_app_passwd(false, std::string("wrong"), std::nullopt));
    CHECK(dev.set_app_passwd(false, std::string("two"), std::nullopt).code == 0);
    CHECK(dev.set_first_over("First Box").code == 0);
    CHECK(dev.set_first_over("First Box", std::string("pair")).code == 0);
    ultrastream::RecControl rc;
    rc.root_folder = "cpp/rec";
    rc.file_prefix = "CPP";
    rc.time_unit = 10;
    CHECK(dev.set_rec_control(rc).code == 0);
    CHECK(contains(dev.get_settings(), "\"root-folder\":\"cpp/rec\""));
    CHECK(dev.set_softap(true, true, "CppAP", "secret123").code == 0);
    CHECK(contains(dev.get_settings(), "\"softap-ssid\":\"CppAP\""));
    CHECK(dev.set_date_time("Asia/Shanghai", std::string("2024-02-03 04:05:06")).code == 0);
    CHECK(dev.set_date_time("UTC").code == 0);
    CHECK(dev.set_signal_lost_ctrl(true).code == 0);
    CHECK(dev.set_startup_rec(true).code == 0);
    CHECK(dev.set_startup_live(false).code == 0);
    CHECK(dev.set_ssdp(false).code == 0);
    CHECK(dev.set_hdmi_rec_ctrl(true).code == 0);
    std::string s = dev.get_settings();
    CHECK(field(s, "is-signal-lost") == "1" && field(s, "is-startup-rec") == "1" && field(s, "is-ssdp") == "0" &&
          field(s, "is-hdmi-rec-ctrl") == "1");
}

void test_storage(const ultrastream::Simulator &sim, const ultrastream::Device &dev) {
    CHECK(dev.start_format_usb().code == 0);
    EXPECT_ERROR(USAPI_ERR_BUSY, dev.start_test_usb());
    advance(sim, 20000);
    CHECK(dev.clear_format_usb().code == 0);
    CHECK(dev.start_format_sd().code == 0);
    advance(sim, 20000);
    CHECK(dev.clear_format_usb().code == 0);
    CHECK(dev.start_test_usb().code == 0);
    CHECK(dev.stop_test_usb().code == 0);
    CHECK(dev.clear_test_usb().code == 0);

    ultrastream::RecControl rc;
    rc.root_folder = "Media";
    rc.time_unit = 5;
    CHECK(dev.set_rec_control(rc).code == 0);
    CHECK(dev.start_rec().code == 0);
    advance(sim, 11 * 60 * 1000);
    CHECK(dev.stop_rec().code == 0);
    std::string page = dev.get_media_files(0, 0, 10);
    size_t at = page.find("\"name\":\"");
    CHECK(at != std::string::npos);
    std::string name = page.substr(at + 8, page.find('"', at + 8) - (at + 8));
    CHECK(!name.empty());
    CHECK(dev.del_media_files(0, {name}).code == 0);
    CHECK(!contains(dev.get_media_files(0, 0, 100), "\"" + name + "\""));
    EXPECT_ERROR(USAPI_E_INVALID_ARGUMENT, dev.del_media_files(0, {}));
}

void test_encoding(const ultrastream::Device &dev) {
    CHECK(dev.set_stream(0, 0, 1).code == 0);
    CHECK(field(dev.get_settings(), "mws-stream") == "1");
    ultrastream::Video v{};
    v.stream = 1;
    v.cx = 1280;
    v.cy = 720;
    v.duration = 333333;
    v.kbps = 2048;
    v.gop = 2;
    v.profile = 1;
    v.cbrstat = 60;
    v.fullrange = 1;
    CHECK(dev.set_video(v).code == 0);
    CHECK(contains(dev.get_settings(), "\"cx\":1280"));
    CHECK(dev.set_audio(64).code == 0);
    EXPECT_ERROR(USAPI_E_INVALID_ARGUMENT, dev.set_audio(17));
}

void test_users_network(const ultrastream::Simulator &sim, const ultrastream::Device &dev) {
    CHECK(contains(dev.get_users(), "\"id\":\"Admin\""));
    CHECK(dev.add_user("carol", "pw1").code == 0);
    {
        ultrastream::Device carol(sim.address());
        carol.login("carol", "pw1");
        CHECK(carol.ch_password("pw1", "pw2").code == 0);
    }
    CHECK(dev.set_password("carol", "pw3").code == 0);
    {
        ultrastream::Device carol(sim.address());
        EXPECT_ERROR(USAPI_ERR_PASSWD, carol.login("carol", "pw2"));
        carol.login_md5("carol", "de1774aac52706b13a39a08ad3ca7dfe"); // md5("pw3")
        CHECK(carol.logout() == 0);
    }
    CHECK(dev.del_user("carol").code == 0);
    EXPECT_ERROR(USAPI_ERR_NO_USER, dev.del_user("carol"));

    CHECK(dev.set_eth(false, std::string("192.0.2.10"), std::string("255.255.255.0"), std::string("192.0.2.1"),
                      std::string("192.0.2.1"))
              .code == 0);
    CHECK(contains(dev.get_settings(), "\"ip\":\"192.0.2.10\""));
    CHECK(dev.set_eth(true).code == 0);
    CHECK(dev.disconn_wifi().code == 0);
    CHECK(dev.close_softap().code == 0);
}

void test_firmware(const ultrastream::Simulator &sim, const ultrastream::Device &dev) {
    TempDir dir;
    std::string hdmi = dir.path + "/hdmi.mwf";
    std::string sdi = dir.path + "/sdi.mwf";
    ultrastream::Simulator::write_firmware(hdmi, "hdmi", "1.2.123");
    ultrastream::Simulator::write_firmware(sdi, "sdi", "1.2.123");
    ultrastream::Reply up = dev.upload_update_file(hdmi);
    CHECK(up.code == 0 && field(up, "version") == "\"1.2.123\"");
    EXPECT_ERROR(USAPI_ERR_MWF_UNSUPPORTED, dev.upload_update_file(sdi));
    EXPECT_ERROR(USAPI_E_FILE, dev.upload_update_file(dir.path + "/missing.mwf"));
    // Streamed, with progress through a lambda; false cancels, a throw is rethrown.
    std::vector<uint64_t> done;
    uint64_t total = 0;
    ultrastream::Reply streamed = dev.upload_update_file(hdmi, [&](const usapi_progress &p) {
        CHECK(std::string(p.operation) == "upload" && std::string(p.phase) == "uploading");
        done.push_back(p.done);
        total = p.total;
        return true;
    });
    CHECK(streamed.code == 0 && field(streamed, "version") == "\"1.2.123\"");
    CHECK(done.size() >= 2 && done.front() == 0 && done.back() == total && total > 0);
    EXPECT_ERROR(USAPI_E_CANCELLED, dev.upload_update_file(hdmi, [](const usapi_progress &) { return false; }));
    bool rethrown = false;
    try {
        dev.upload_update_file(hdmi, [](const usapi_progress &) -> bool { throw std::logic_error("stop"); });
    } catch (const std::logic_error &) {
        rethrown = true;
    }
    CHECK(rethrown);
    std::ifstream in(hdmi, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(!bytes.empty());
    CHECK(dev.upload_update_data("fw.mwf", bytes).code == 0);
    CHECK(dev.update("upload").code == 0);
    advance(sim, 120000);
    CHECK(contains(dev.get_info(), "\"firmware-ver-s\":\"1.2.123\"")); // after a transparent re-login
    CHECK(dev.clear_upgrade().code == 0);
    int32_t check_code = dev.online_update_check().code;
    CHECK(check_code == 0 || check_code == USAPI_RET_REPEAT);
    advance(sim, 10000);
    CHECK(dev.clear_check_update().code == 0);
    CHECK(dev.cancel_download().code == 0);
    EXPECT_ERROR(USAPI_E_INVALID_ARGUMENT, dev.update("sideways"));
}

void test_reset(const ultrastream::Simulator &sim, const ultrastream::Device &dev) {
    CHECK(dev.set_name("Before Reboot").code == 0);
    CHECK(dev.reboot().code == 0);
    advance(sim, 30000);
    CHECK(field(dev.get_settings(), "name") == "\"Before Reboot\"");
    CHECK(dev.status_summary().recording == 1); // set_startup_rec(true) in test_general
    CHECK(dev.stop_rec().code == 0);
    CHECK(dev.reset_all_settings().code == 0);
    advance(sim, 30000);
    CHECK(field(dev.get_settings(), "name") != "\"Before Reboot\"");
}

void test_call_and_errors(const ultrastream::Simulator &sim, const ultrastream::Device &dev) {
    CHECK(dev.call("set-name", "{\"name\":\"Called\"}").code == 0);
    CHECK(field(dev.call("get-settings"), "name") == "\"Called\"");
    EXPECT_ERROR(USAPI_E_UNKNOWN_METHOD, dev.call("Not A Method"));
    EXPECT_ERROR(USAPI_E_INVALID_ARGUMENT, dev.call("set-name", "not json"));

    std::string what = EXPECT_ERROR(USAPI_ERR_NEED_AUTH, ultrastream::Device(sim.address()).get_status());
    CHECK(contains(what, "errNeedAuth (-17): "));
    ultrastream::Device anon(sim.address());
    what = EXPECT_ERROR(USAPI_ERR_PASSWD, anon.login("Admin", "S3cr3t-Pw!"));
    CHECK(contains(what, "errPasswd (-1): ") && !contains(what, "S3cr3t"));
    EXPECT_ERROR(USAPI_E_INVALID_ARGUMENT, ultrastream::Device("bad host/"));

    sim.control("{\"cmd\":\"fault\",\"method\":\"get-info\",\"kind\":\"no-answer\"}");
    usapi_options opts{};
    // Short enough to keep the test quick, long enough that login itself
    // never times out under valgrind on a loaded machine.
    opts.request_timeout_ms = 3000;
    ultrastream::Device slow(sim.address(), opts);
    slow.login("Admin", "Admin");
    try {
        slow.get_info();
        CHECK(false);
    } catch (const ultrastream::Error &e) {
        CHECK(e.code() == USAPI_E_TIMEOUT && e.is_connection());
    }
}

void gone_sim_ports() {
    ultrastream::Simulator quiet; // no discovery
    (void)quiet.discovery_ports();
}

void test_raii_and_moves() {
    ultrastream::Simulator sim;
    CHECK(sim.port() != 0 && sim.address() == "127.0.0.1:" + std::to_string(sim.port()));
    auto sessions = [&] { return field(sim.control("{\"cmd\":\"state\"}"), "sessions"); };
    {
        ultrastream::Device a(sim.address());
        a.login("Admin", "Admin");
        CHECK(sessions() == "1");
        ultrastream::Device b(std::move(a));
        CHECK(a.handle() == 0 && b.handle() != 0);
        EXPECT_ERROR(USAPI_E_INVALID_HANDLE, a.ping());
        CHECK(b.ping().code == 0);
        ultrastream::Device c(sim.address());
        c = std::move(b);
        CHECK(c.ping().code == 0 && sessions() == "1");
    }
    CHECK(sessions() == "0"); // the destructor logged out
    ultrastream::Device closed(sim.address());
    closed.close();
    closed.close(); // idempotent
    EXPECT_ERROR(USAPI_E_INVALID_HANDLE, closed.ping());

    ultrastream::Simulator moved(std::move(sim));
    CHECK(sim.handle() == 0 && moved.handle() != 0);
    std::string address = moved.address();
    moved.stop();
    moved.stop(); // idempotent
    ultrastream::Device gone(address);
    EXPECT_ERROR(USAPI_E_CONNECT, gone.ping());
    EXPECT_ERROR(USAPI_E_SIMULATOR, ultrastream::Simulator("{\"model\":\"vga\"}"));
    ultrastream::Simulator answering("{\"discovery_port\":0,\"ssdp_port\":0}");
    std::pair<uint16_t, uint16_t> ports = answering.discovery_ports();
    CHECK(ports.first != 0 && ports.second != 0 && ports.first != answering.port());
    EXPECT_ERROR(USAPI_E_SIMULATOR, gone_sim_ports());
}

void test_threads(const ultrastream::Simulator &sim) {
    ultrastream::Device dev(sim.address());
    dev.login("Admin", "Admin");
    std::atomic<int> ok{0};
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&dev, &ok, &bad, t] {
            for (int i = 0; i < 20; ++i) {
                try {
                    if (dev.get_status().code == 0 && dev.ping().code == 0) {
                        ++ok;
                    }
                    if (t % 2 == 0) {
                        dev.set_name("bad/name");
                    }
                } catch (const ultrastream::Error &e) {
                    // each thread sees its own failure's detail
                    if (e.code() == USAPI_E_INVALID_ARGUMENT && contains(e.detail(), "'name'")) {
                        ++ok;
                    } else {
                        ++bad;
                    }
                }
            }
        });
    }
    sim.control("{\"cmd\":\"expire-sessions\"}");
    for (auto &th : threads) {
        th.join();
    }
    CHECK(bad == 0);
    CHECK(ok == 6 * 20 + 3 * 20);
}

// The typed values: servers by name with their live state, info, settings,
// users and a page of files, with no JSON library.
void test_typed_values() {
    ultrastream::Simulator sim("{\"time_scale\":0.000001}");
    ultrastream::Device dev(sim.address());
    dev.login("Admin", "Admin");

    ultrastream::Info info = dev.info();
    CHECK(info.result == 0);
    CHECK(info.product.product_name == "Ultra Stream");
    CHECK(!info.product.sn.empty() && info.mac_addr.eth.size() == 17);
    ultrastream::Settings settings = dev.settings();
    CHECK(!settings.name.empty());
    CHECK(settings.main_stream.cx > 0 && settings.audio.sample_rate > 0);
    CHECK(contains(dev.get_settings().json, "\"name\":\"" + settings.name + "\""));
    const int32_t before = settings.server_count;
    CHECK(static_cast<int32_t>(dev.servers().size()) == before);

    CHECK(!dev.find_server("Cpp Server").has_value());
    ultrastream::Server s;
    s.name = "Cpp Server";
    s.url = "rtmp://127.0.0.1:1935/cpp";
    s.key = "cpp-key";
    const int32_t id = dev.add_server_id(s);
    CHECK(id >= 0);
    EXPECT_ERROR(USAPI_ERR_SAME_NAME, dev.add_server_id(s));
    std::optional<ultrastream::ServerInfo> found = dev.find_server("Cpp Server");
    CHECK(found.has_value());
    if (found) {
        CHECK(found->id == id && found->url == s.url && found->server_type == 0);
        CHECK(found->is_use == 0 && found->live_result == 27);
    }
    std::vector<ultrastream::ServerInfo> all = dev.servers();
    CHECK(static_cast<int32_t>(all.size()) == before + 1);
    for (const auto &other : all) {
        if (other.is_use && other.id != id) {
            dev.enable_server(other.id, false);
        }
    }
    dev.enable_server(id, true);
    CHECK(dev.start_live().code == 0);
    advance(sim, 5000);
    found = dev.find_server("Cpp Server");
    CHECK(found && found->is_use == 1 && found->live_result == USAPI_RET_LIVING_CONNECTED);
    dev.stop_live();
    found = dev.find_server("Cpp Server");
    CHECK(found && found->live_result == 27);

    std::vector<ultrastream::User> users = dev.users();
    CHECK(!users.empty() && users[0].id == "Admin" && users[0].user_type == 1);
    dev.start_rec();
    advance(sim, 30000);
    dev.stop_rec();
    ultrastream::MediaPage page = dev.media_files(0, 0, 4);
    CHECK(page.result == 0 && !page.path.empty());
    CHECK(!page.media_files.empty() && page.media_files.size() <= 4);
    if (!page.media_files.empty()) {
        CHECK(!page.media_files[0].name.empty() && page.media_files[0].size_bytes > 0);
    }
    EXPECT_ERROR(USAPI_E_INVALID_ARGUMENT, dev.media_files(0, 0, 0));
    dev.del_server(id);
    CHECK(!dev.find_server("Cpp Server").has_value());
}

// Long operations with lambdas; the lambda moves the simulator's clock.
void test_long_operations() {
    ultrastream::Simulator sim("{\"clock\":\"manual\"}");
    ultrastream::Device dev(sim.address());
    dev.login("Admin", "Admin");
    CHECK(dev.set_startup_rec(false).code == 0); // no recording after each reboot
    ultrastream::RunOptions fast;
    fast.poll_interval = std::chrono::milliseconds(2);
    struct Seen {
        std::string operation;
        int32_t step;
        int32_t percent;
    };
    std::vector<Seen> seen;
    auto record = [&](const usapi_progress &p) {
        seen.push_back(Seen{p.operation, p.step, p.percent});
        advance(sim, 500);
        return true;
    };
    auto rises = [&](const std::string &op) {
        int n = 0;
        const Seen *prev = nullptr;
        for (const auto &p : seen) {
            if (p.operation != op) {
                continue;
            }
            if (prev != nullptr && prev->step == p.step && p.percent > prev->percent) {
                ++n;
            }
            prev = &p;
        }
        return n;
    };

    ultrastream::Reply r = dev.run_format_usb(record, fast);
    CHECK(r.code == 0 && contains(r, "\"operation\":\"format-usb\""));
    CHECK(rises("format-usb") >= 3);

    // Cancelling the speed test stops it on the device.
    seen.clear();
    EXPECT_ERROR(USAPI_E_CANCELLED, dev.run_test_usb(
                                        [&](const usapi_progress &p) {
                                            record(p);
                                            return p.percent < 30;
                                        },
                                        fast));
    CHECK(rises("test-usb") >= 3);

    // An exception from the lambda cancels and comes back out.
    bool rethrown = false;
    try {
        dev.run_test_usb(
            [&](const usapi_progress &p) -> bool {
                record(p);
                if (p.percent >= 20) {
                    throw std::logic_error("from the lambda");
                }
                return true;
            },
            fast);
    } catch (const std::logic_error &e) {
        rethrown = std::string(e.what()) == "from the lambda";
    }
    CHECK(rethrown);

    // A firmware update from a file: upload, steps, reboot, new version.
    TempDir tmp;
    std::string fw = tmp.path + "/hdmi.mwf";
    ultrastream::Simulator::write_firmware(fw, "hdmi", "1.2.200");
    seen.clear();
    r = dev.run_firmware_update(fw, record, fast);
    CHECK(r.code == 0 && contains(r, "\"version\":\"1.2.200\""));
    CHECK(rises("update") >= 3);
    CHECK(contains(sim.control("{\"cmd\":\"state\"}"), "\"firmware\":\"1.2.200\""));
    std::string wrong = tmp.path + "/sdi.mwf";
    ultrastream::Simulator::write_firmware(wrong, "sdi", "1.2.201");
    EXPECT_ERROR(USAPI_ERR_MWF_UNSUPPORTED, dev.run_firmware_update(wrong, record, fast));

    seen.clear();
    dev.run_reboot(record, fast);
    CHECK(rises("reboot") >= 3);
    dev.wait_ready(std::chrono::milliseconds(5000));
    CHECK(dev.get_status().code == 0);

    // errBusy names what blocks it.
    CHECK(dev.start_rec().code == 0);
    std::string busy = EXPECT_ERROR(USAPI_ERR_BUSY, dev.run_format_usb(record, fast));
    CHECK(contains(busy, "recording is in progress (USB Format × REC are mutually exclusive)"));
}

// Wait up to 60 s for `cond`; machine load never matters.
bool wait_for(const std::function<bool()> &cond) {
    for (int i = 0; i < 3000; ++i) {
        if (cond()) {
            return true;
        }
        usleep(20 * 1000);
    }
    return cond();
}

void test_watch() {
    ultrastream::Simulator a;
    ultrastream::Simulator b;
    ultrastream::Device da(a.address());
    ultrastream::Device db(b.address());
    da.login("Admin", "Admin");
    db.login("Admin", "Admin");
    std::mutex m;
    std::vector<std::string> events;
    auto count = [&](const std::string &needle) {
        std::lock_guard<std::mutex> g(m);
        int n = 0;
        for (const auto &e : events) {
            n += contains(e, needle) ? 1 : 0;
        }
        return n;
    };
    ultrastream::WatchOptions opts{};
    // Generous bounds: this test also runs under valgrind.
    opts.interval_ms = 300;
    opts.offline_after_ms = 2000;
    opts.timeout_ms = 300;
    ultrastream::Watch w({da.handle(), db.handle()}, [&](const std::string &e) {
        std::lock_guard<std::mutex> g(m);
        events.push_back(e);
    }, opts);
    static_assert(!std::is_copy_constructible_v<ultrastream::Watch>, "Watch is move-only");
    static_assert(std::is_nothrow_move_constructible_v<ultrastream::Watch>, "Watch moves");
    CHECK(wait_for([&] { return count("\"event\":\"online\"") == 2; }));
    CHECK(count("\"host\":\"" + a.address() + "\"") >= 1);
    ultrastream::Watch moved(std::move(w));
    CHECK(w.handle() == 0);
    CHECK(moved.handle() != 0);
    db.start_rec();
    CHECK(wait_for([&] { return count("\"changes\":{\"recording\":true") == 1; }));
    a.stop();
    CHECK(wait_for([&] { return count("\"event\":\"offline\"") == 1; }));
    CHECK(contains(moved.stats(), "\"devices\""));
    moved.stop();
    moved.stop();
    EXPECT_ERROR(USAPI_E_INVALID_HANDLE, moved.stats());

    // Returning false ends the watch; an exception is rethrown by stop().
    std::atomic<int> calls{0};
    ultrastream::Watch once({db.handle()}, [&](const std::string &) {
        ++calls;
        return false;
    });
    CHECK(wait_for([&] { return calls.load() == 1; }));
    ultrastream::Watch throws({db.handle()}, [&](const std::string &) -> void { throw std::runtime_error("cb"); });
    usleep(300 * 1000);
    bool rethrown = false;
    try {
        throws.stop();
    } catch (const std::runtime_error &e) {
        rethrown = std::string(e.what()) == "cb";
    }
    CHECK(rethrown);
    CHECK(calls.load() == 1);
}

void test_many() {
    // Three devices answering 50 ms late, one never logged in, one closed.
    std::vector<ultrastream::Simulator> sims;
    for (int i = 0; i < 3; ++i) {
        sims.emplace_back("{\"latency_ms\":50}");
    }
    std::vector<ultrastream::Device> devs;
    for (auto &s : sims) {
        devs.emplace_back(s.address());
    }
    devs[0].login("Admin", "Admin");
    devs[2].login("Admin", "Admin");
    ultrastream::Device closed(sims[0].address());
    usapi_device dead = closed.handle();
    closed.close();
    std::vector<usapi_device> handles{devs[0].handle(), devs[1].handle(), devs[2].handle(), dead};
    ultrastream::ManyOptions opts{};
    opts.max_in_flight = 2;
    auto results = ultrastream::call_many(handles, "set-name", "{\"name\":\"Many 1\"}", opts);
    CHECK(results.size() == 4);
    CHECK(results[0].ok() && results[0].index == 0 && results[0].device == handles[0]);
    CHECK(contains(results[0].reply().json, "\"result\":0"));
    CHECK(results[1].code == USAPI_ERR_NEED_AUTH);
    CHECK(results[2].ok());
    CHECK(results[3].code == USAPI_E_INVALID_HANDLE && contains(results[3].text, "handle"));
    EXPECT_ERROR(USAPI_E_INVALID_HANDLE, results[3].reply());
    CHECK(contains(devs[2].get_settings().json, "\"name\":\"Many 1\""));
    EXPECT_ERROR(USAPI_E_INVALID_ARGUMENT, ultrastream::call_many(handles, "set-name", "{oops"));

    // Streaming form: each result as it finishes; a throw is rethrown at the end.
    int seen = 0;
    ultrastream::call_many_each({devs[0].handle(), devs[2].handle()}, "get-status", "",
                                [&](const ultrastream::ManyResult &r) { seen += r.ok() ? 1 : 0; });
    CHECK(seen == 2);
    bool rethrown = false;
    try {
        ultrastream::call_many_each({devs[0].handle(), devs[2].handle()}, "ping", "",
                                    [&](const ultrastream::ManyResult &) { throw std::runtime_error("many"); });
    } catch (const std::runtime_error &e) {
        rethrown = std::string(e.what()) == "many";
    }
    CHECK(rethrown);

    // Async: one completion per call, on the engine's thread.
    std::mutex m;
    std::condition_variable cv;
    int done = 0, good = 0;
    for (int i = 0; i < 10; ++i) {
        ultrastream::call_async(devs[i % 2 == 0 ? 0 : 2].handle(), "get-status", "", [&](int32_t code, const std::string &t) {
            std::lock_guard<std::mutex> g(m);
            ++done;
            good += (code == 0 && contains(t, "cur-status")) ? 1 : 0;
            cv.notify_all();
        });
    }
    {
        std::unique_lock<std::mutex> lk(m);
        cv.wait_for(lk, std::chrono::seconds(60), [&] { return done == 10; });
        CHECK(done == 10 && good == 10);
    }
    EXPECT_ERROR(USAPI_E_INVALID_HANDLE, ultrastream::call_async(dead, "ping", "", [](int32_t, const std::string &) {}));
}

} // namespace

int main() {
    try {
        test_types();
        {
            ultrastream::Simulator sim;
            ultrastream::Device dev(sim.address());
            dev.login("Admin", "Admin");
            test_universal(sim, dev);
            test_general(dev);
            test_storage(sim, dev);
            test_encoding(dev);
            test_users_network(sim, dev);
            test_reset(sim, dev);
            test_firmware(sim, dev);
            test_call_and_errors(sim, dev);
        }
        test_typed_values();
        test_raii_and_moves();
        test_watch();
        test_many();
        {
            ultrastream::Simulator sim;
            test_threads(sim);
        }
        test_long_operations();
    } catch (const ultrastream::Error &e) {
        std::cerr << "unexpected exception: " << e.what() << "\n";
        ++failed;
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    return failed == 0 ? 0 : 1;
}
