# Generated from include/ultrastream.h by capi/src/generated.rs: do not edit.
# After a change to the C API (src/ffi), regenerate the header, then run
# `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p ultrastream-capi`.
"""The C declarations of ultrastream.h for ctypes: structs, callback types and
every function's ``restype`` and ``argtypes`` (generated; see the banner)."""

from __future__ import annotations

import ctypes
from ctypes import (
    POINTER,
    Structure,
    c_char_p,
    c_double,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any, Dict, List, Tuple, Type

# The array sizes of the structs' string fields.
USAPI_NAME_SIZE = 33
USAPI_URL_SIZE = 513
USAPI_MAC_SIZE = 18
USAPI_IP_SIZE = 46
USAPI_SHORT_SIZE = 33
USAPI_LABEL_SIZE = 65
USAPI_PATH_SIZE = 257
USAPI_FILE_NAME_SIZE = 256
USAPI_TIMEZONE_SIZE = 33
USAPI_FOLDER_SIZE = 66
USAPI_TIME_SIZE = 33

# The handles (opaque numbers; 0 is never valid).
c_device = c_uint64
c_sim = c_uint64
c_watch = c_uint64
#: ``char **out``: a string the library hands out, copied and freed by the caller.
c_out_str = POINTER(c_void_p)


class usapi_options(Structure):
    """``usapi_options``: Options for `usapi_device_open`."""

    _fields_ = [
        ("connect_timeout_ms", c_uint32),
        ("request_timeout_ms", c_uint32),
        ("upload_timeout_ms", c_uint32),
        ("max_reply_bytes", c_uint64),
        ("skip_validation", c_uint8),
    ]


class usapi_discover_options(Structure):
    """``usapi_discover_options``: Options of `usapi_discover` and `usapi_discover_each`."""

    _fields_ = [
        ("timeout_ms", c_uint32),
        ("protocols", c_uint32),
        ("local_address", c_char_p),
        ("target", c_char_p),
        ("multicast_port", c_uint16),
        ("ssdp_port", c_uint16),
        ("multicast_ttl", c_uint32),
        ("max_devices", c_uint32),
        ("flags", c_uint32),
        ("ssdp_search_target", c_char_p),
    ]


#: ``usapi_discover_callback``: Called by `usapi_discover_each` once per device, on the calling thread, as soon as the device is found.
usapi_discover_callback = ctypes.CFUNCTYPE(c_int32, c_char_p, c_void_p)


class usapi_many_options(Structure):
    """``usapi_many_options``: How `usapi_call_many` runs."""

    _fields_ = [
        ("max_in_flight", c_uint32),
        ("timeout_ms", c_uint32),
    ]


#: ``usapi_many_callback``: The result of one device in `usapi_call_many`, called on the thread that called `usapi_call_many`, once per device, in the order devices finish.
usapi_many_callback = ctypes.CFUNCTYPE(None, c_size_t, c_device, c_int32, c_char_p, c_void_p)


#: ``usapi_async_callback``: The result of `usapi_call_async`: called exactly once, on the library's engine thread (keep it short; hand the result to your own loop or thread).
usapi_async_callback = ctypes.CFUNCTYPE(None, c_int32, c_char_p, c_void_p)


class usapi_rec_control(Structure):
    """``usapi_rec_control``: Arguments of `usapi_set_rec_control`."""

    _fields_ = [
        ("usb_option", c_int32),
        ("sd_option", c_int32),
        ("mime_type", c_int32),
        ("root_folder", c_char_p),
        ("file_prefix", c_char_p),
        ("time_unit", c_int32),
    ]


class usapi_server(Structure):
    """``usapi_server``: A streaming server, for add-server, set-server and start-test-server."""

    _fields_ = [
        ("server_type", c_int32),
        ("name", c_char_p),
        ("url", c_char_p),
        ("key", c_char_p),
        ("is_auth", c_int32),
        ("user", c_char_p),
        ("passwd", c_char_p),
        ("token", c_char_p),
        ("net_mode", c_int32),
    ]


class usapi_video(Structure):
    """``usapi_video``: Arguments of `usapi_set_video`; values come from get-info's codec-cap."""

    _fields_ = [
        ("stream", c_int32),
        ("is_auto", c_int32),
        ("cx", c_int32),
        ("cy", c_int32),
        ("duration", c_int32),
        ("kbps", c_int32),
        ("gop", c_int32),
        ("codec", c_int32),
        ("profile", c_int32),
        ("cbrstat", c_int32),
        ("fullrange", c_int32),
    ]


class usapi_progress(Structure):
    """``usapi_progress``: One progress report, valid only during the callback (copy what you keep)."""

    _fields_ = [
        ("operation", c_char_p),
        ("phase", c_char_p),
        ("step", c_int32),
        ("percent", c_int32),
        ("done", c_uint64),
        ("total", c_uint64),
        ("result", c_int32),
    ]


#: ``usapi_progress_callback``: Called on the calling thread with each report; return non-zero to cancel.
usapi_progress_callback = ctypes.CFUNCTYPE(c_int32, POINTER(usapi_progress), c_void_p)


class usapi_run_options(Structure):
    """``usapi_run_options``: Options of a usapi_run_* operation."""

    _fields_ = [
        ("timeout_ms", c_uint32),
        ("poll_interval_ms", c_uint32),
        ("progress", usapi_progress_callback),
        ("user_data", c_void_p),
    ]


class usapi_ping_result(Structure):
    """``usapi_ping_result``: ping's reply."""

    _fields_ = [
        ("result", c_int32),
        ("cur_status", c_uint32),
    ]


class usapi_status_summary(Structure):
    """``usapi_status_summary``: The main facts of get-status."""

    _fields_ = [
        ("cur_status", c_uint32),
        ("recording", c_uint8),
        ("living", c_uint8),
        ("rec_result", c_int32),
        ("rec_run_ms", c_int64),
        ("rec_cur_bps", c_int64),
        ("rec_avg_bps", c_int64),
        ("live_result", c_int32),
        ("live_run_ms", c_int64),
        ("live_cur_bps", c_int64),
        ("live_avg_bps", c_int64),
        ("signal_present", c_uint8),
        ("signal_cx", c_int32),
        ("signal_cy", c_int32),
        ("signal_interlaced", c_uint8),
        ("signal_frame_rate", c_double),
        ("usb_disk_status", c_int32),
        ("usb_free_bytes", c_int64),
        ("usb_total_bytes", c_int64),
        ("sd_disk_status", c_int32),
        ("sd_free_bytes", c_int64),
        ("sd_total_bytes", c_int64),
    ]


class usapi_product(Structure):
    """``usapi_product``: get-info `product`."""

    _fields_ = [
        ("sn", ctypes.c_char * USAPI_SHORT_SIZE),
        ("product_id", c_int32),
        ("hardware_ver", ctypes.c_char * USAPI_SHORT_SIZE),
        ("firmware_id", c_int32),
        ("firmware_ver_s", ctypes.c_char * USAPI_SHORT_SIZE),
        ("factory_firmware_ver_s", ctypes.c_char * USAPI_SHORT_SIZE),
        ("product_name", ctypes.c_char * USAPI_LABEL_SIZE),
        ("module_name", ctypes.c_char * USAPI_LABEL_SIZE),
        ("manu_name", ctypes.c_char * USAPI_LABEL_SIZE),
        ("features", c_int64),
        ("max_lock_count", c_int32),
    ]


class usapi_mac_addr(Structure):
    """``usapi_mac_addr``: get-info `mac-addr`: MAC addresses as text; USAPI_MAC_SIZE ('xx:xx:xx:xx:xx:xx')."""

    _fields_ = [
        ("eth", ctypes.c_char * USAPI_MAC_SIZE),
        ("wifi", ctypes.c_char * USAPI_MAC_SIZE),
        ("blue", ctypes.c_char * USAPI_MAC_SIZE),
    ]


class usapi_info(Structure):
    """``usapi_info``: get-info, decoded (the ranges of `audio-range`, `codec-cap` and `rec-control` are lists: read them from usapi_get_info's JSON)."""

    _fields_ = [
        ("result", c_int32),
        ("product", usapi_product),
        ("mac_addr", usapi_mac_addr),
        ("snapshot", ctypes.c_char * USAPI_PATH_SIZE),
    ]


class usapi_softap(Structure):
    """``usapi_softap``: get-settings `softap`: the Wi-Fi access point."""

    _fields_ = [
        ("is_softap", c_int32),
        ("is_visible", c_int32),
        ("softap_ssid", ctypes.c_char * USAPI_NAME_SIZE),
        ("softap_passwd", ctypes.c_char * USAPI_NAME_SIZE),
    ]


class usapi_date_time(Structure):
    """``usapi_date_time``: get-settings `date-time`."""

    _fields_ = [
        ("timezone", ctypes.c_char * USAPI_TIMEZONE_SIZE),
        ("is_auto", c_int32),
    ]


class usapi_rec_control_info(Structure):
    """``usapi_rec_control_info``: get-settings `rec-control`: the recording configuration."""

    _fields_ = [
        ("mime_type", c_int32),
        ("usb_option", c_int32),
        ("sd_option", c_int32),
        ("root_folder", ctypes.c_char * USAPI_FOLDER_SIZE),
        ("file_prefix", ctypes.c_char * USAPI_NAME_SIZE),
        ("time_unit", c_int32),
    ]


class usapi_video_color(Structure):
    """``usapi_video_color``: get-settings `video-color`."""

    _fields_ = [
        ("contrast", c_int32),
        ("brightness", c_int32),
        ("saturation", c_int32),
        ("hue", c_int32),
    ]


class usapi_volume(Structure):
    """``usapi_volume``: get-settings `volume`: inputs on/off and their gains in dB."""

    _fields_ = [
        ("is_mic", c_int32),
        ("mic_gain", c_double),
        ("is_spi", c_int32),
        ("spi_gain", c_double),
        ("is_phone", c_int32),
        ("phone_gain", c_double),
    ]


class usapi_video_stream(Structure):
    """``usapi_video_stream``: get-settings `main-stream` / `sub-stream`: an encoder's settings."""

    _fields_ = [
        ("is_auto", c_int32),
        ("codec", c_int32),
        ("cx", c_int32),
        ("cy", c_int32),
        ("duration", c_int32),
        ("kbps", c_int32),
        ("gop", c_int32),
        ("fourcc", c_int64),
        ("profile", c_int32),
        ("cbrstat", c_int32),
        ("fullrange", c_int32),
    ]


class usapi_audio_info(Structure):
    """``usapi_audio_info``: get-settings `audio`: the audio encoder."""

    _fields_ = [
        ("sample_rate", c_int32),
        ("channels", c_int32),
        ("kbps", c_int32),
    ]


class usapi_eth_info(Structure):
    """``usapi_eth_info``: get-settings `eth`: the Ethernet configuration (empty strings with DHCP)."""

    _fields_ = [
        ("is_dhcp", c_int32),
        ("ip", ctypes.c_char * USAPI_IP_SIZE),
        ("mask", ctypes.c_char * USAPI_IP_SIZE),
        ("router", ctypes.c_char * USAPI_IP_SIZE),
        ("dns", ctypes.c_char * USAPI_IP_SIZE),
    ]


class usapi_settings(Structure):
    """``usapi_settings``: get-settings, decoded."""

    _fields_ = [
        ("result", c_int32),
        ("name", ctypes.c_char * USAPI_NAME_SIZE),
        ("passwd", c_int32),
        ("is_settings", c_int32),
        ("is_ssdp", c_int32),
        ("is_startup", c_int32),
        ("is_startup_rec", c_int32),
        ("is_startup_live", c_int32),
        ("is_signal_lost", c_int32),
        ("is_hdmi_rec_ctrl", c_int32),
        ("softap", usapi_softap),
        ("date_time", usapi_date_time),
        ("rec_control", usapi_rec_control_info),
        ("video_color", usapi_video_color),
        ("volume", usapi_volume),
        ("rec_stream", c_int32),
        ("live_stream", c_int32),
        ("mws_stream", c_int32),
        ("main_stream", usapi_video_stream),
        ("sub_stream", usapi_video_stream),
        ("audio", usapi_audio_info),
        ("eth", usapi_eth_info),
        ("server_count", c_int32),
    ]


class usapi_server_info(Structure):
    """``usapi_server_info``: A stream server (get-settings `stream-server`) with its live state (get-status `live-status`)."""

    _fields_ = [
        ("id", c_int32),
        ("server_type", c_int32),
        ("name", ctypes.c_char * USAPI_NAME_SIZE),
        ("url", ctypes.c_char * USAPI_URL_SIZE),
        ("is_use", c_int32),
        ("is_auth", c_int32),
        ("net_mode", c_int32),
        ("live_result", c_int32),
    ]


class usapi_media_page(Structure):
    """``usapi_media_page``: get-media-files: the folder of a page of files."""

    _fields_ = [
        ("result", c_int32),
        ("path", ctypes.c_char * USAPI_PATH_SIZE),
        ("thumbnail", ctypes.c_char * USAPI_PATH_SIZE),
    ]


class usapi_media_file(Structure):
    """``usapi_media_file``: get-media-files: one recorded file."""

    _fields_ = [
        ("name", ctypes.c_char * USAPI_FILE_NAME_SIZE),
        ("thumbnail_name", ctypes.c_char * USAPI_FILE_NAME_SIZE),
        ("status", c_int32),
        ("create_time", ctypes.c_char * USAPI_TIME_SIZE),
        ("size_bytes", c_int64),
        ("duration", c_int64),
        ("width", c_int32),
        ("height", c_int32),
        ("interval", c_int64),
        ("codec", c_int32),
    ]


class usapi_user(Structure):
    """``usapi_user``: get-users: one user."""

    _fields_ = [
        ("id", ctypes.c_char * USAPI_NAME_SIZE),
        ("user_type", c_int32),
    ]


class usapi_watch_options(Structure):
    """``usapi_watch_options``: Options of `usapi_watch_start`; zero in any field means its default, NULL options all defaults."""

    _fields_ = [
        ("interval_ms", c_uint32),
        ("offline_after_ms", c_uint32),
        ("timeout_ms", c_uint32),
        ("workers", c_uint32),
        ("max_backoff_ms", c_uint32),
    ]


#: ``usapi_event_callback``: Called on the watcher's event thread with one event's JSON (valid only during the call: copy what you keep).
usapi_event_callback = ctypes.CFUNCTYPE(c_int32, c_char_p, c_void_p)


#: Every struct, by its C name.
STRUCTS: Dict[str, Type[Structure]] = {
    "usapi_options": usapi_options,
    "usapi_discover_options": usapi_discover_options,
    "usapi_many_options": usapi_many_options,
    "usapi_rec_control": usapi_rec_control,
    "usapi_server": usapi_server,
    "usapi_video": usapi_video,
    "usapi_progress": usapi_progress,
    "usapi_run_options": usapi_run_options,
    "usapi_ping_result": usapi_ping_result,
    "usapi_status_summary": usapi_status_summary,
    "usapi_product": usapi_product,
    "usapi_mac_addr": usapi_mac_addr,
    "usapi_info": usapi_info,
    "usapi_softap": usapi_softap,
    "usapi_date_time": usapi_date_time,
    "usapi_rec_control_info": usapi_rec_control_info,
    "usapi_video_color": usapi_video_color,
    "usapi_volume": usapi_volume,
    "usapi_video_stream": usapi_video_stream,
    "usapi_audio_info": usapi_audio_info,
    "usapi_eth_info": usapi_eth_info,
    "usapi_settings": usapi_settings,
    "usapi_server_info": usapi_server_info,
    "usapi_media_page": usapi_media_page,
    "usapi_media_file": usapi_media_file,
    "usapi_user": usapi_user,
    "usapi_watch_options": usapi_watch_options,
}

#: Every function of the header: (name, restype, argtypes, simulator_only);
#: simulator_only: only in a library built with the simulator.
FUNCTIONS: List[Tuple[str, Any, List[Any], bool]] = [
    ("usapi_device_open", c_int32, [c_char_p, POINTER(usapi_options), POINTER(c_device)], False),
    ("usapi_device_close", c_int32, [c_device], False),
    ("usapi_login", c_int32, [c_device, c_char_p, c_char_p], False),
    ("usapi_login_md5", c_int32, [c_device, c_char_p, c_char_p], False),
    ("usapi_logout", c_int32, [c_device], False),
    ("usapi_call", c_int32, [c_device, c_char_p, c_char_p, c_out_str], False),
    ("usapi_string_free", None, [c_void_p], False),
    ("usapi_result_name", c_char_p, [c_int32], False),
    ("usapi_result_message", c_char_p, [c_int32], False),
    ("usapi_result_kind", c_int32, [c_int32], False),
    ("usapi_status_flag_name", c_char_p, [c_uint32], False),
    ("usapi_last_error", c_char_p, [], False),
    ("usapi_version", c_char_p, [], False),
    ("usapi_discover", c_int32, [POINTER(usapi_discover_options), c_out_str], False),
    ("usapi_discover_each", c_int32, [POINTER(usapi_discover_options), usapi_discover_callback, c_void_p], False),
    ("usapi_call_many", c_int32, [POINTER(c_device), c_size_t, c_char_p, c_char_p, POINTER(usapi_many_options), usapi_many_callback, c_void_p], False),
    ("usapi_call_async", c_int32, [c_device, c_char_p, c_char_p, usapi_async_callback, c_void_p], False),
    ("usapi_get_info", c_int32, [c_device, c_out_str], False),
    ("usapi_get_status", c_int32, [c_device, c_out_str], False),
    ("usapi_get_settings", c_int32, [c_device, c_out_str], False),
    ("usapi_start_rec", c_int32, [c_device, c_out_str], False),
    ("usapi_stop_rec", c_int32, [c_device, c_out_str], False),
    ("usapi_start_live", c_int32, [c_device, c_out_str], False),
    ("usapi_stop_live", c_int32, [c_device, c_out_str], False),
    ("usapi_ping", c_int32, [c_device, c_out_str], False),
    ("usapi_start_format_usb", c_int32, [c_device, c_out_str], False),
    ("usapi_start_format_sd", c_int32, [c_device, c_out_str], False),
    ("usapi_clear_format_usb", c_int32, [c_device, c_out_str], False),
    ("usapi_start_test_usb", c_int32, [c_device, c_out_str], False),
    ("usapi_stop_test_usb", c_int32, [c_device, c_out_str], False),
    ("usapi_clear_test_usb", c_int32, [c_device, c_out_str], False),
    ("usapi_stop_test_server", c_int32, [c_device, c_out_str], False),
    ("usapi_clear_test_server", c_int32, [c_device, c_out_str], False),
    ("usapi_reboot", c_int32, [c_device, c_out_str], False),
    ("usapi_reset_all_settings", c_int32, [c_device, c_out_str], False),
    ("usapi_get_users", c_int32, [c_device, c_out_str], False),
    ("usapi_disconn_wifi", c_int32, [c_device, c_out_str], False),
    ("usapi_close_softap", c_int32, [c_device, c_out_str], False),
    ("usapi_cancel_download", c_int32, [c_device, c_out_str], False),
    ("usapi_online_update_check", c_int32, [c_device, c_out_str], False),
    ("usapi_clear_upgrade", c_int32, [c_device, c_out_str], False),
    ("usapi_clear_check_update", c_int32, [c_device, c_out_str], False),
    ("usapi_set_name", c_int32, [c_device, c_char_p, c_out_str], False),
    ("usapi_set_app_settings", c_int32, [c_device, c_int32, c_out_str], False),
    ("usapi_set_app_passwd", c_int32, [c_device, c_int32, c_char_p, c_char_p, c_out_str], False),
    ("usapi_set_first_over", c_int32, [c_device, c_char_p, c_char_p, c_out_str], False),
    ("usapi_set_rec_control", c_int32, [c_device, POINTER(usapi_rec_control), c_out_str], False),
    ("usapi_set_softap", c_int32, [c_device, c_int32, c_int32, c_char_p, c_char_p, c_out_str], False),
    ("usapi_set_date_time", c_int32, [c_device, c_char_p, c_char_p, c_out_str], False),
    ("usapi_set_signal_lost_ctrl", c_int32, [c_device, c_int32, c_out_str], False),
    ("usapi_set_startup_rec", c_int32, [c_device, c_int32, c_out_str], False),
    ("usapi_set_startup_live", c_int32, [c_device, c_int32, c_out_str], False),
    ("usapi_set_ssdp", c_int32, [c_device, c_int32, c_out_str], False),
    ("usapi_set_hdmi_rec_ctrl", c_int32, [c_device, c_int32, c_out_str], False),
    ("usapi_get_media_files", c_int32, [c_device, c_int32, c_int32, c_int32, c_out_str], False),
    ("usapi_del_media_files", c_int32, [c_device, c_int32, POINTER(c_char_p), c_size_t, c_out_str], False),
    ("usapi_add_server", c_int32, [c_device, POINTER(usapi_server), c_out_str], False),
    ("usapi_enable_server", c_int32, [c_device, c_int32, c_int32, c_out_str], False),
    ("usapi_set_server", c_int32, [c_device, c_int32, POINTER(usapi_server), c_out_str], False),
    ("usapi_del_server", c_int32, [c_device, c_int32, c_out_str], False),
    ("usapi_start_test_server", c_int32, [c_device, POINTER(usapi_server), c_out_str], False),
    ("usapi_set_stream", c_int32, [c_device, c_int32, c_int32, c_int32, c_out_str], False),
    ("usapi_set_video", c_int32, [c_device, POINTER(usapi_video), c_out_str], False),
    ("usapi_set_audio", c_int32, [c_device, c_int32, c_out_str], False),
    ("usapi_add_user", c_int32, [c_device, c_char_p, c_char_p, c_out_str], False),
    ("usapi_del_user", c_int32, [c_device, c_char_p, c_out_str], False),
    ("usapi_ch_password", c_int32, [c_device, c_char_p, c_char_p, c_out_str], False),
    ("usapi_set_password", c_int32, [c_device, c_char_p, c_char_p, c_out_str], False),
    ("usapi_set_eth", c_int32, [c_device, c_int32, c_char_p, c_char_p, c_char_p, c_char_p, c_out_str], False),
    ("usapi_update", c_int32, [c_device, c_char_p, c_out_str], False),
    ("usapi_upload_update_file", c_int32, [c_device, c_char_p, c_out_str], False),
    ("usapi_upload_update_file_progress", c_int32, [c_device, c_char_p, usapi_progress_callback, c_void_p, c_out_str], False),
    ("usapi_upload_update_data", c_int32, [c_device, c_char_p, POINTER(c_uint8), c_size_t, c_out_str], False),
    ("usapi_run_format_usb", c_int32, [c_device, POINTER(usapi_run_options), c_out_str], False),
    ("usapi_run_format_sd", c_int32, [c_device, POINTER(usapi_run_options), c_out_str], False),
    ("usapi_run_test_usb", c_int32, [c_device, POINTER(usapi_run_options), c_out_str], False),
    ("usapi_run_test_server", c_int32, [c_device, POINTER(usapi_server), POINTER(usapi_run_options), c_out_str], False),
    ("usapi_run_update_check", c_int32, [c_device, POINTER(usapi_run_options), c_out_str], False),
    ("usapi_run_firmware_update", c_int32, [c_device, c_char_p, POINTER(usapi_run_options), c_out_str], False),
    ("usapi_run_reboot", c_int32, [c_device, POINTER(usapi_run_options)], False),
    ("usapi_run_reset_all_settings", c_int32, [c_device, POINTER(usapi_run_options)], False),
    ("usapi_wait_ready", c_int32, [c_device, c_uint32], False),
    ("usapi_download_media", c_int32, [c_device, c_int32, c_char_p, c_char_p, POINTER(usapi_run_options)], False),
    ("usapi_sim_start", c_int32, [c_char_p, POINTER(c_sim)], True),
    ("usapi_sim_address", c_int32, [c_sim, c_out_str], True),
    ("usapi_sim_port", c_int32, [c_sim, POINTER(c_uint16)], True),
    ("usapi_sim_discovery_ports", c_int32, [c_sim, POINTER(c_uint16), POINTER(c_uint16)], True),
    ("usapi_sim_control", c_int32, [c_sim, c_char_p, c_out_str], True),
    ("usapi_sim_stop", c_int32, [c_sim], True),
    ("usapi_sim_firmware", c_int32, [c_char_p, c_char_p, c_char_p], True),
    ("usapi_ping_status", c_int32, [c_device, POINTER(usapi_ping_result)], False),
    ("usapi_get_status_summary", c_int32, [c_device, POINTER(usapi_status_summary)], False),
    ("usapi_get_info_struct", c_int32, [c_device, POINTER(usapi_info)], False),
    ("usapi_get_settings_struct", c_int32, [c_device, POINTER(usapi_settings)], False),
    ("usapi_get_servers", c_int32, [c_device, POINTER(usapi_server_info), c_size_t, POINTER(c_size_t)], False),
    ("usapi_find_server", c_int32, [c_device, c_char_p, POINTER(usapi_server_info)], False),
    ("usapi_add_server_id", c_int32, [c_device, POINTER(usapi_server), POINTER(c_int32), c_out_str], False),
    ("usapi_get_media_files_struct", c_int32, [c_device, c_int32, c_int32, POINTER(usapi_media_page), POINTER(usapi_media_file), c_size_t, POINTER(c_size_t)], False),
    ("usapi_get_users_struct", c_int32, [c_device, POINTER(usapi_user), c_size_t, POINTER(c_size_t)], False),
    ("usapi_watch_start", c_int32, [POINTER(c_device), c_size_t, POINTER(usapi_watch_options), usapi_event_callback, c_void_p, POINTER(c_watch)], False),
    ("usapi_watch_stop", c_int32, [c_watch], False),
    ("usapi_watch_stats", c_int32, [c_watch, c_out_str], False),
]

__all__ = [
    "c_device",
    "c_sim",
    "c_watch",
    "c_out_str",
    "USAPI_NAME_SIZE",
    "USAPI_URL_SIZE",
    "USAPI_MAC_SIZE",
    "USAPI_IP_SIZE",
    "USAPI_SHORT_SIZE",
    "USAPI_LABEL_SIZE",
    "USAPI_PATH_SIZE",
    "USAPI_FILE_NAME_SIZE",
    "USAPI_TIMEZONE_SIZE",
    "USAPI_FOLDER_SIZE",
    "USAPI_TIME_SIZE",
    "usapi_options",
    "usapi_discover_options",
    "usapi_discover_callback",
    "usapi_many_options",
    "usapi_many_callback",
    "usapi_async_callback",
    "usapi_rec_control",
    "usapi_server",
    "usapi_video",
    "usapi_progress",
    "usapi_progress_callback",
    "usapi_run_options",
    "usapi_ping_result",
    "usapi_status_summary",
    "usapi_product",
    "usapi_mac_addr",
    "usapi_info",
    "usapi_softap",
    "usapi_date_time",
    "usapi_rec_control_info",
    "usapi_video_color",
    "usapi_volume",
    "usapi_video_stream",
    "usapi_audio_info",
    "usapi_eth_info",
    "usapi_settings",
    "usapi_server_info",
    "usapi_media_page",
    "usapi_media_file",
    "usapi_user",
    "usapi_watch_options",
    "usapi_event_callback",
    "STRUCTS",
    "FUNCTIONS",
]
