//! C ABI layer (`ffi`): the exports of the stream-server methods
//! (document section 5) and their `usapi_server` argument struct.

use super::{flag, opt_or_empty, send_raw, skipping};
use crate::api::{Method, NetMode, ServerArgs, ServerType};
use crate::ffi::device::{usapi_device, with_device};
use crate::ffi::{Failure, FfiResult, ref_arg};
use crate::model::codes;
use std::ffi::c_char;

/// A streaming server, for add-server, set-server and start-test-server.
/// NULL strings count as "".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_server {
    /// 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook.
    pub server_type: i32,
    /// 1-32 characters of A-Z a-z 0-9 space . _ - + ' (ignored by start-test-server).
    pub name: *const c_char,
    /// The server's address, e.g. "rtmp://live.example/app" (at most 512 bytes).
    pub url: *const c_char,
    /// The stream key. Never appears in error messages.
    pub key: *const c_char,
    /// 1: `user` and `passwd` are required.
    pub is_auth: i32,
    /// User name at the server, when `is_auth` is 1.
    pub user: *const c_char,
    /// Password at the server, when `is_auth` is 1. Never appears in error messages.
    pub passwd: *const c_char,
    /// A token some servers require. Never appears in error messages.
    pub token: *const c_char,
    /// 0 mobile first, 1 Ethernet first, 2 Wi-Fi first.
    pub net_mode: i32,
}

/// The server's parameters as given (the `skip_validation` path).
fn server_raw(s: &usapi_server, with_name: bool) -> FfiResult<Vec<(&'static str, String)>> {
    let text = |p, n| opt_or_empty(p, n).map(str::to_string);
    let mut v = vec![("type", s.server_type.to_string())];
    if with_name {
        v.push(("name", text(s.name, "name")?));
    }
    v.extend([
        ("url", text(s.url, "url")?),
        ("key", text(s.key, "key")?),
        ("is-auth", s.is_auth.to_string()),
        ("user", text(s.user, "user")?),
        ("passwd", text(s.passwd, "passwd")?),
        ("token", text(s.token, "token")?),
        ("net-mode", s.net_mode.to_string()),
    ]);
    Ok(v)
}

pub(crate) fn server_args(s: &usapi_server) -> FfiResult<ServerArgs> {
    let bad = |name: &str, rule: &str| {
        Failure::new(
            codes::E_INVALID_ARGUMENT,
            format!("invalid argument '{name}': {rule}"),
        )
    };
    Ok(ServerArgs {
        kind: match s.server_type {
            0 => ServerType::Rtmp,
            1 => ServerType::Twitch,
            2 => ServerType::YouTube,
            3 => ServerType::Facebook,
            _ => {
                return Err(bad(
                    "server_type",
                    "must be 0 RTMP, 1 Twitch, 2 YouTube or 3 Facebook",
                ));
            }
        },
        name: opt_or_empty(s.name, "name")?.to_string(),
        url: opt_or_empty(s.url, "url")?.to_string(),
        key: opt_or_empty(s.key, "key")?.to_string(),
        is_auth: flag(s.is_auth, "is_auth")?,
        user: opt_or_empty(s.user, "user")?.to_string(),
        passwd: opt_or_empty(s.passwd, "passwd")?.to_string(),
        token: opt_or_empty(s.token, "token")?.to_string(),
        net_mode: match s.net_mode {
            0 => NetMode::Mobile,
            1 => NetMode::Ethernet,
            2 => NetMode::Wifi,
            _ => return Err(bad("net_mode", "must be 0 mobile, 1 Ethernet or 2 Wi-Fi")),
        },
    })
}

/// add-server: at most 16; a new server starts disabled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_add_server(
    dev: usapi_device,
    server: *const usapi_server,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let s = ref_arg(server, "server")?;
        if skipping(d) {
            return send_raw(d, Method::AddServer, &server_raw(s, true)?);
        }
        Ok(d.add_server(&server_args(s)?)?)
    })
}

/// enable-server: at most 2 enabled (USAPI_ERR_CHANNELS_LIMITED); Facebook
/// and 8 Mbps streams only alone; no live HEVC main stream.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_enable_server(
    dev: usapi_device,
    id: i32,
    is_use: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        if skipping(d) {
            return send_raw(
                d,
                Method::EnableServer,
                &[("id", id.to_string()), ("is-use", is_use.to_string())],
            );
        }
        Ok(d.enable_server(id as i64, flag(is_use, "is_use")?)?)
    })
}

/// set-server: change server `id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_server(
    dev: usapi_device,
    id: i32,
    server: *const usapi_server,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let s = ref_arg(server, "server")?;
        if skipping(d) {
            let mut p = vec![("id", id.to_string())];
            p.extend(server_raw(s, true)?);
            return send_raw(d, Method::SetServer, &p);
        }
        Ok(d.set_server(id as i64, &server_args(s)?)?)
    })
}

/// del-server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_del_server(
    dev: usapi_device,
    id: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| Ok(d.del_server(id as i64)?))
}

/// start-test-server: test streaming to a server (asynchronous; stops by
/// itself after 20 s; poll get-status living-test, then clear-test-server).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_test_server(
    dev: usapi_device,
    server: *const usapi_server,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let s = ref_arg(server, "server")?;
        if skipping(d) {
            return send_raw(d, Method::StartTestServer, &server_raw(s, false)?);
        }
        Ok(d.start_test_server(&server_args(s)?)?)
    })
}
