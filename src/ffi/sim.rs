//! The simulator from C: start, address, control, stop.

use super::{HandleMap, guard, opt_str_arg, out_arg, str_arg, write_string};
use crate::sim::{Model, SimOptions, Simulator, fake_firmware};
use std::ffi::c_char;

/// A simulator handle. 0 is never a valid handle.
pub type usapi_sim = u64;

static SIMS: HandleMap<Simulator> = HandleMap::new("simulator");

/// Start a simulated Ultra Stream on 127.0.0.1 (an ephemeral port unless
/// told otherwise). `options_json` is NULL, "" or "{}" for the defaults, or
/// an object with any of: "port", "bind", "user", "password" (defaults
/// "Admin"/"Admin"), "model" ("hdmi" | "sdi"), "time_scale" (device time
/// runs this many times faster; 0 = manual), "clock" ("real" | "manual":
/// device time moves only on the "advance" command; what tests should use),
/// "session_idle_timeout_ms", "serial", "control_token" (HTTP requests to
/// /__sim/control must send `Authorization: Bearer <token>`), "log" (true:
/// one line per request, fault and state change on stderr, secrets masked),
/// "discovery" (true: answer discovery on 127.0.0.1, UDP 2538 and 1900),
/// "discovery_port" / "ssdp_port" (imply discovery; 0 = ephemeral, see
/// `usapi_sim_discovery_ports`). The readings of the document the device
/// follows (docs/simulator-readings.md): "restart" ("close": connections
/// closed during a restart, the default; "busy": every call, ping
/// included, answers -9 with statusReboot / statusReset in cur-status),
/// "update_restarts" (false: an update installs without a reboot),
/// "op_ms" (every long operation takes this many device ms, e.g. shorter
/// than a poll), "sd_format_flag" (true: statusFormatDisk for SD formats
/// too), "bps_unit" ("bytes", the default, or "bits": rec / live cur-bps
/// and avg-bps). "latency_ms" / "latency_jitter_ms": every API request
/// answered that many milliseconds late, plus or minus up to the jitter, as
/// on a real network; only that request waits.
/// On success `*out_sim` receives a handle; stop it with `usapi_sim_stop`.
///
/// Returns 0, USAPI_E_NULL_ARGUMENT, USAPI_E_INVALID_UTF8,
/// USAPI_E_SIMULATOR (bad options, or the port is taken).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_sim_start(
    options_json: *const c_char,
    out_sim: *mut usapi_sim,
) -> i32 {
    guard(|| {
        let out = out_arg(out_sim, "out_sim")?;
        let opts = match opt_str_arg(options_json, "options_json")? {
            None => SimOptions::default(),
            Some(s) => SimOptions::from_json(s)?,
        };
        let sim = Simulator::start(opts)?;
        *out = SIMS.insert(sim);
        Ok(0)
    })
}

/// The simulator's address as "127.0.0.1:PORT", what `usapi_device_open`
/// takes. Free `*out_host` with `usapi_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_sim_address(sim: usapi_sim, out_host: *mut *mut c_char) -> i32 {
    guard(|| {
        if out_host.is_null() {
            return Err(super::Failure::new(
                crate::model::codes::E_NULL_ARGUMENT,
                "argument 'out_host' is NULL",
            ));
        }
        write_string(out_host, &SIMS.get(sim)?.host())?;
        Ok(0)
    })
}

/// The simulator's TCP port.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_sim_port(sim: usapi_sim, out_port: *mut u16) -> i32 {
    guard(|| {
        let out = out_arg(out_port, "out_port")?;
        *out = SIMS.get(sim)?.addr().port();
        Ok(0)
    })
}

/// The UDP ports the simulator answers discovery on (multicast protocol,
/// SSDP), when it was started with "discovery": true or discovery ports.
/// Either out-pointer may be NULL.
///
/// Returns 0, USAPI_E_INVALID_HANDLE, or USAPI_E_SIMULATOR when discovery
/// is off for this simulator.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_sim_discovery_ports(
    sim: usapi_sim,
    out_multicast_port: *mut u16,
    out_ssdp_port: *mut u16,
) -> i32 {
    guard(|| {
        let (m, s) = SIMS.get(sim)?.discovery_addrs().ok_or_else(|| {
            super::Failure::new(
                crate::model::codes::E_SIMULATOR,
                "this simulator does not answer discovery: start it with \"discovery\": true",
            )
        })?;
        // SAFETY: NULL or writable, per the contract.
        if let Some(p) = unsafe { out_multicast_port.as_mut() } {
            *p = m.port();
        }
        if let Some(p) = unsafe { out_ssdp_port.as_mut() } {
            *p = s.port();
        }
        Ok(0)
    })
}

/// Run a control command, a JSON object with "cmd": "set-signal",
/// "set-disk", "expire-sessions", "fault", "clear-faults", "advance",
/// "state", "requests" (the API requests received, with the device's power
/// state when each was handled; "clear": true forgets them) (see
/// docs/simulator.md for their fields). The
/// reply JSON goes to `*out_json` (may be NULL).
///
/// Returns 0, or USAPI_E_SIMULATOR with the reason in usapi_last_error().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_sim_control(
    sim: usapi_sim,
    command_json: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    guard(|| {
        let cmd = str_arg(command_json, "command_json")?;
        let reply = SIMS.get(sim)?.control(cmd)?;
        write_string(out_json, &reply)?;
        Ok(0)
    })
}

/// Stop the simulator and release its port. The handle becomes invalid.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_sim_stop(sim: usapi_sim) -> i32 {
    guard(|| {
        let sim = SIMS.remove(sim)?;
        // Stop now if no other thread is inside a call with it; otherwise
        // the last user's drop stops it.
        if let Ok(sim) = std::sync::Arc::try_unwrap(sim) {
            sim.stop();
        }
        Ok(0)
    })
}

/// Write a test firmware image the simulator accepts to `path`: `model`
/// "hdmi" or "sdi", `version` like "1.2.123".
///
/// Returns 0, USAPI_E_INVALID_ARGUMENT or USAPI_E_FILE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_sim_firmware(
    model: *const c_char,
    version: *const c_char,
    path: *const c_char,
) -> i32 {
    guard(|| {
        let model = match str_arg(model, "model")? {
            "hdmi" => Model::Hdmi,
            "sdi" => Model::Sdi,
            _ => {
                return Err(super::Failure::new(
                    crate::model::codes::E_INVALID_ARGUMENT,
                    "invalid argument 'model': must be \"hdmi\" or \"sdi\"",
                ));
            }
        };
        let version = str_arg(version, "version")?;
        let path = str_arg(path, "path")?;
        std::fs::write(path, fake_firmware(model, version)).map_err(|e| {
            super::Failure::new(
                crate::model::codes::E_FILE,
                format!("cannot write {path}: {e}"),
            )
        })?;
        Ok(0)
    })
}
