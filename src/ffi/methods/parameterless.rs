//! C ABI layer (`ffi`): the exports of the parameterless methods, whatever
//! their section, each a one-line body with the shape
//! `int32_t usapi_x(usapi_device dev, char **out_json)`. They come first in
//! the header, so they stay together here.

use super::no_params;
use crate::api::Method;
use crate::ffi::device::usapi_device;
use std::ffi::c_char;

/// get-info: device information: product, MAC addresses, audio ranges, codec and recording capabilities.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_info(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::GetInfo)
}

/// get-status: the real-time working status (see also usapi_get_status_summary).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_status(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::GetStatus)
}

/// get-settings: the device configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_settings(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::GetSettings)
}

/// start-rec: start recording; returns USAPI_RET_REPEAT (1) when already recording.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_rec(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StartRec)
}

/// stop-rec: stop recording.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_stop_rec(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StopRec)
}

/// start-live: start live streaming; returns USAPI_RET_LIVING_NOTSET (29) when no server is enabled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_live(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StartLive)
}

/// stop-live: stop live streaming.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_stop_live(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StopLive)
}

/// ping: works without login; use it to wait for reboot, reset or an address change (see also usapi_ping_status).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_ping(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::Ping)
}

/// start-format-usb: start formatting the USB drive (asynchronous; poll get-status format-status, then clear-format-usb).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_format_usb(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::StartFormatUsb)
}

/// start-format-sd: start formatting the SD card (asynchronous; cleared with clear-format-usb).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_format_sd(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::StartFormatSd)
}

/// clear-format-usb: reset format-status to 27 after a format.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_format_usb(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ClearFormatUsb)
}

/// start-test-usb: start the USB write-speed test (asynchronous; poll get-status disk-test).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_test_usb(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::StartTestUsb)
}

/// stop-test-usb: cancel the USB speed test; disk-test result becomes 5.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_stop_test_usb(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StopTestUsb)
}

/// clear-test-usb: reset disk-test to 27.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_test_usb(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ClearTestUsb)
}

/// stop-test-server: cancel the stream test.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_stop_test_server(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::StopTestServer)
}

/// clear-test-server: reset living-test to 27.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_test_server(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ClearTestServer)
}

/// reboot: reboot; the device stops answering until it is back (wait with usapi_ping), then log in again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_reboot(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::Reboot)
}

/// reset-all-settings: restore all defaults and restart.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_reset_all_settings(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ResetAllSettings)
}

/// get-users: list the users.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_users(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::GetUsers)
}

/// disconn-wifi: disconnect Wi-Fi.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_disconn_wifi(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::DisconnWifi)
}

/// close-softap: turn the Wi-Fi access point off.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_close_softap(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::CloseSoftap)
}

/// cancel-download: cancel an online update's download.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_cancel_download(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::CancelDownload)
}

/// online-update-check: look for new firmware online (asynchronous; poll get-status check-upgrade).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_online_update_check(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::OnlineUpdateCheck)
}

/// clear-upgrade: reset upgrade-status to 27.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_upgrade(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::ClearUpgrade)
}

/// clear-check-update: reset check-upgrade to 27.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_check_update(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ClearCheckUpdate)
}
