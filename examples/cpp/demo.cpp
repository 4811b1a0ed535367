// demo: the vendor's C demo (ultra_stream_curl) in C++17, on ultrastream.hpp.
//
//   ./demo <host[:port]> [user] [password] [firmware.mwf]
//   ./demo                 (no arguments: the built-in simulator)
//
// Runs the vendor demo's steps with its headings (1. login, 2. get info,
// 3. upload firmware) and prints the JSON replies, then the status mask's
// flag names. Errors are ultrastream::Error exceptions: the demo prints
// what() ("name (code): detail") and exits with status 1.
//
// Build: make -C examples/cpp

#include <ultrastream.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include <unistd.h>

namespace {

void run_demo(const std::string &host, const std::string &user, const std::string &password,
              const std::optional<std::string> &firmware) {
    ultrastream::Device dev(host); // logs out and closes when it goes out of scope

    std::cout << "***** 1. login *****\n";
    dev.login(user, password);
    std::cout << "login response data:\n{\"result\":0}\n\n";

    std::cout << "***** 2. get info *****\n";
    ultrastream::Reply info = dev.get_info();
    std::cout << "get info response data:\n" << info << "\n\n";

    std::cout << "***** 3. upload firmware *****\n";
    if (!firmware) {
        std::cout << "upload firmware skipped: no firmware file given\n";
    } else {
        std::cout << "upload firmware response data:\n" << dev.upload_update_file(*firmware) << "\n";
    }

    usapi_status_summary s = dev.status_summary();
    std::cout << "\nstatus:";
    for (const std::string &flag : ultrastream::status_flag_names(s.cur_status)) {
        std::cout << ' ' << flag;
    }
    std::cout << (s.signal_present ? "; input " + std::to_string(s.signal_cx) + "x" + std::to_string(s.signal_cy)
                                   : std::string("; no input signal"))
              << "\n";
}

int run_against_simulator() {
    ultrastream::Simulator sim; // stopped when it goes out of scope
    const char *tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ultra_stream_demo_XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) {
        std::perror("mkdtemp");
        return 1;
    }
    std::string firmware = dir + "/ultra_stream_hdmi_1_2_123.mwf";
    int status = 0;
    try {
        ultrastream::Simulator::write_firmware(firmware, "hdmi", "1.2.123");
        std::cout << "(no device given: using the built-in simulator at " << sim.address() << ")\n\n";
        run_demo(sim.address(), "Admin", "Admin", firmware);
    } catch (const ultrastream::Error &e) {
        std::cerr << "failed: " << e.what() << "\n";
        status = 1;
    }
    unlink(firmware.c_str());
    rmdir(dir.c_str());
    return status;
}

} // namespace

int main(int argc, char **argv) {
    if (argc > 5 || (argc > 1 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))) {
        std::cerr << "usage: " << argv[0] << " [<host[:port]> [user] [password] [firmware.mwf]]\n"
                  << "  with no arguments, runs against the built-in simulator (libultrastream "
                  << ultrastream::version() << ")\n";
        return argc > 5 ? 2 : 0;
    }
    try {
        if (argc == 1) {
            return run_against_simulator();
        }
        std::optional<std::string> firmware;
        if (argc > 4) {
            firmware = argv[4];
        }
        run_demo(argv[1], argc > 2 ? argv[2] : "Admin", argc > 3 ? argv[3] : "Admin", firmware);
    } catch (const ultrastream::Error &e) {
        std::cerr << "failed: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
