// stream_to_server: start streaming to the server named NAME, in C++17 on
// ultrastream.hpp, with typed values only (no JSON library).
//
//   ./stream_to_server NAME [URL] [<host[:port]> [user] [password]]
//   ./stream_to_server NAME       (no host: the built-in simulator)
//
// Finds the server by name (find_server), or adds it with URL and learns
// its id (add_server_id), enables it, starts live and polls its live state
// (ServerInfo::live_result) until it is connected (22). Against the
// simulator URL defaults to rtmp://127.0.0.1:1935/live and live is stopped
// at the end; against a device it keeps streaming. Errors are
// ultrastream::Error exceptions: printed with what(), exit status 1.
//
// Build: make -C examples/cpp

#include <ultrastream.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace {

int stream_to(const ultrastream::Device &dev, const std::string &name, const std::optional<std::string> &url,
              bool stop_after) {
    std::optional<ultrastream::ServerInfo> server = dev.find_server(name);
    if (!server) {
        if (!url) {
            std::cerr << "no server is named \"" << name << "\" and no URL was given to add it\n";
            return 1;
        }
        ultrastream::Server add;
        add.name = name;
        add.url = *url;
        int32_t id = dev.add_server_id(add);
        std::cout << "added server id " << id << "\n";
        server = dev.find_server(name);
        if (!server) {
            std::cerr << "the server added as id " << id << " is not in the list\n";
            return 1;
        }
    }
    std::cout << "server id " << server->id << ", url " << server->url << ", enabled " << server->is_use << "\n";
    if (!server->is_use) {
        dev.enable_server(server->id, true);
    }
    if (dev.start_live().code == USAPI_RET_LIVING_NOTSET) {
        std::cerr << "start-live: no server is enabled\n";
        return 1;
    }
    int32_t last = -1;
    for (int i = 0; i < 120 && last != USAPI_RET_LIVING_CONNECTED && last != USAPI_RET_LIVING_AUTH_ERR; i++) {
        if (i > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        server = dev.find_server(name);
        int32_t state = server ? server->live_result : 27;
        if (state != last) {
            last = state;
            std::cout << "live state: " << last << " " << ultrastream::result_name(last) << "\n";
        }
    }
    if (stop_after) {
        dev.stop_live();
        std::cout << "live stopped\n";
    }
    if (last != USAPI_RET_LIVING_CONNECTED) {
        std::cerr << "the server did not connect (live state " << last << ")\n";
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    if (argc < 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
        std::cerr << "usage: " << argv[0] << " NAME [URL] [<host[:port]> [user] [password]]\n"
                  << "  with no host, runs against the built-in simulator (libultrastream "
                  << ultrastream::version() << ")\n";
        return argc < 2 ? 2 : 0;
    }
    std::string name = argv[1];
    int next = 2;
    std::optional<std::string> url;
    if (argc > next && std::string(argv[next]).find("://") != std::string::npos) {
        url = argv[next++];
    }
    try {
        if (argc <= next) {
            ultrastream::Simulator sim; // stopped when it goes out of scope
            std::cout << "(no device given: using the built-in simulator at " << sim.address() << ")\n";
            ultrastream::Device dev(sim.address());
            dev.login("Admin", "Admin");
            return stream_to(dev, name, url ? url : std::string("rtmp://127.0.0.1:1935/live"), true);
        }
        ultrastream::Device dev(argv[next]); // logs out and closes when it goes out of scope
        dev.login(argc > next + 1 ? argv[next + 1] : "Admin", argc > next + 2 ? argv[next + 2] : "Admin");
        return stream_to(dev, name, url, false);
    } catch (const ultrastream::Error &e) {
        std::cerr << "failed: " << e.what() << "\n";
        return 1;
    }
}
