//! The integration tests, one binary (a cold `cargo test` builds and links
//! the crate into each test binary: one binary instead of one per file).
//! Each file here is a module; run one with `cargo test --test it NAME::`.
//!
//! A few tests measure or change the whole process, which other tests
//! running beside them would disturb: client_upload_memory (the process's
//! peak RSS), sim_hostile (raises RLIMIT_NOFILE, holds 1,100 sockets and
//! bounds the process's RSS), watch_engine (counts the process's watcher
//! threads) and sim_fuzz (a process-wide panic hook that counts panics on
//! any simulator thread). Each of those begins with `alone!`, which runs it
//! again in a child process of this binary (harness::rerun_alone): alone in
//! its process, yet beside the other tests rather than after them in a
//! binary of its own.

// The shared helpers (also used by the binaries above), one copy each.
#[path = "../common/cli.rs"]
mod cli_common;
#[path = "../common/mod.rs"]
mod common;
#[path = "../common/ffi.rs"]
mod ffi_common;
#[path = "../fuzzer/mod.rs"]
mod fuzzer;
#[path = "../common/harness.rs"]
mod harness;
#[path = "../sim_support/mod.rs"]
mod sim_support;
#[path = "../common/ssdp.rs"]
mod ssdp;

mod artefacts;
mod bindings;
mod busy_mask;
mod c_abi;
mod cli;
mod cli_fleet;
mod cli_ux;
mod client_fuzz;
mod client_replies;
mod client_session;
mod client_session_churn;
mod client_transport;
mod client_upload;
mod client_upload_memory;
mod discovery;
mod discovery_examples;
mod discovery_fetch_cap;
mod discovery_ffi;
mod discovery_sim;
mod docs;
mod engine;
mod ffi_matrix;
mod ffi_methods;
mod ffi_misuse;
mod ffi_ops;
mod ffi_sim_rules;
mod ffi_validation;
// The exporter under a real Prometheus (Debian's prometheus package).
#[cfg(all(feature = "simulator", feature = "exporter", feature = "cli"))]
mod exporter_prometheus;
mod fleet_ffi;
mod fuzz_corpus;
mod fuzz_discovery;
mod fuzz_replies;
mod fuzz_sim_request;
mod hostile_device;
mod hostile_http;
mod independent_client;
mod restart_matrix;
mod secrets_echo;
mod sim_discovery_wiring;
mod sim_faults;
mod sim_fleet;
mod sim_fuzz;
mod sim_hostile;
mod sim_latency;
mod sim_limits;
mod sim_longops;
mod sim_media;
mod sim_methods;
mod sim_protocol;
mod sim_rules;
mod sim_smoke;
mod typed_c;
mod typed_fields;
mod units;
mod version;
mod watch_engine;
mod watch_ffi;
mod watch_restarts;
