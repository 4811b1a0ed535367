"""Loading ``libultrastream`` and declaring its C functions for ctypes.

The library is looked up in this order (the first that loads wins):

1. the ``ULTRASTREAM_LIB`` environment variable: a path to the library file
   or to a folder holding it (when set, nothing else is tried, so a wrong
   value is reported instead of silently loading another copy);
2. this package's own folder: the library a wheel carries (``pip install``
   builds it with cargo and puts it there);
3. the cargo target folders of the ultrastream source tree this file sits
   in (a checkout or an editable install), ``target/release`` and
   ``target/debug``, the most recently built first (``$CARGO_TARGET_DIR``
   before ``target``);
4. the system: ``ctypes.util.find_library("ultrastream")`` (e.g. after
   ``make install``).

Every function is declared with ``argtypes`` and ``restype``. Strings the
library hands out (``char **out``) are declared as ``c_void_p`` so ctypes
does not convert (and leak) them; :func:`take_string` copies and frees them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import (
    POINTER,
    Structure,
    byref,
    c_char_p,
    c_double,
    c_int32,
    c_uint8,
    c_uint16,
    c_uint32,
    c_int64,
    c_uint64,
    c_size_t,
    c_void_p,
)
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

from . import _tables

__all__ = [
    "LibraryNotFoundError",
    "lib",
    "library_path",
    "take_string",
    "encode",
    "usapi_options",
    "usapi_server",
    "usapi_video",
    "usapi_rec_control",
    "usapi_ping_result",
    "usapi_status_summary",
    "usapi_discover_options",
    "usapi_discover_callback",
    "usapi_progress",
    "usapi_progress_callback",
    "usapi_run_options",
    "usapi_watch_options",
    "usapi_event_callback",
]

c_device = c_uint64
c_sim = c_uint64
c_watch = c_uint64
c_out_str = POINTER(c_void_p)


class LibraryNotFoundError(OSError):
    """``libultrastream`` could not be found or loaded.

    The message lists every place that was tried and how to fix it.
    """


# --- C structs (must match include/ultrastream.h field for field) ---------


class usapi_options(Structure):
    """``usapi_options``: zero in a field means its default."""

    _fields_ = [
        ("connect_timeout_ms", c_uint32),
        ("request_timeout_ms", c_uint32),
        ("upload_timeout_ms", c_uint32),
        ("max_reply_bytes", c_uint64),
        ("skip_validation", c_uint8),
    ]


class usapi_rec_control(Structure):
    """``usapi_rec_control``: the arguments of set-rec-control."""

    _fields_ = [
        ("usb_option", c_int32),
        ("sd_option", c_int32),
        ("mime_type", c_int32),
        ("root_folder", c_char_p),
        ("file_prefix", c_char_p),
        ("time_unit", c_int32),
    ]


class usapi_server(Structure):
    """``usapi_server``: a streaming server (NULL strings count as "")."""

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


class usapi_server_info(Structure):
    """``usapi_server_info``: a stream server with its live state (fixed-size strings)."""

    _fields_ = [
        ("id", c_int32),
        ("server_type", c_int32),
        ("name", ctypes.c_char * 33),  # USAPI_NAME_SIZE
        ("url", ctypes.c_char * 513),  # USAPI_URL_SIZE
        ("is_use", c_int32),
        ("is_auth", c_int32),
        ("net_mode", c_int32),
        ("live_result", c_int32),
    ]


class usapi_product(Structure):
    """``usapi_product`` (see ultrastream.h)."""

    _fields_ = [
        ("sn", ctypes.c_char * 33),  # USAPI_SHORT_SIZE
        ("product_id", c_int32),
        ("hardware_ver", ctypes.c_char * 33),  # USAPI_SHORT_SIZE
        ("firmware_id", c_int32),
        ("firmware_ver_s", ctypes.c_char * 33),  # USAPI_SHORT_SIZE
        ("factory_firmware_ver_s", ctypes.c_char * 33),  # USAPI_SHORT_SIZE
        ("product_name", ctypes.c_char * 65),  # USAPI_LABEL_SIZE
        ("module_name", ctypes.c_char * 65),  # USAPI_LABEL_SIZE
        ("manu_name", ctypes.c_char * 65),  # USAPI_LABEL_SIZE
        ("features", ctypes.c_int64),
        ("max_lock_count", c_int32),
    ]


class usapi_mac_addr(Structure):
    """``usapi_mac_addr`` (see ultrastream.h)."""

    _fields_ = [
        ("eth", ctypes.c_char * 18),  # USAPI_MAC_SIZE
        ("wifi", ctypes.c_char * 18),  # USAPI_MAC_SIZE
        ("blue", ctypes.c_char * 18),  # USAPI_MAC_SIZE
    ]


class usapi_info(Structure):
    """``usapi_info`` (see ultrastream.h)."""

    _fields_ = [
        ("result", c_int32),
        ("product", usapi_product),
        ("mac_addr", usapi_mac_addr),
        ("snapshot", ctypes.c_char * 257),  # USAPI_PATH_SIZE
    ]


class usapi_softap(Structure):
    """``usapi_softap`` (see ultrastream.h)."""

    _fields_ = [
        ("is_softap", c_int32),
        ("is_visible", c_int32),
        ("softap_ssid", ctypes.c_char * 33),  # USAPI_NAME_SIZE
        ("softap_passwd", ctypes.c_char * 33),  # USAPI_NAME_SIZE
    ]


class usapi_date_time(Structure):
    """``usapi_date_time`` (see ultrastream.h)."""

    _fields_ = [
        ("timezone", ctypes.c_char * 33),  # USAPI_TIMEZONE_SIZE
        ("is_auto", c_int32),
    ]


class usapi_rec_control_info(Structure):
    """``usapi_rec_control_info`` (see ultrastream.h)."""

    _fields_ = [
        ("mime_type", c_int32),
        ("usb_option", c_int32),
        ("sd_option", c_int32),
        ("root_folder", ctypes.c_char * 66),  # USAPI_FOLDER_SIZE
        ("file_prefix", ctypes.c_char * 33),  # USAPI_NAME_SIZE
        ("time_unit", c_int32),
    ]


class usapi_video_color(Structure):
    """``usapi_video_color`` (see ultrastream.h)."""

    _fields_ = [
        ("contrast", c_int32),
        ("brightness", c_int32),
        ("saturation", c_int32),
        ("hue", c_int32),
    ]


class usapi_volume(Structure):
    """``usapi_volume`` (see ultrastream.h)."""

    _fields_ = [
        ("is_mic", c_int32),
        ("mic_gain", ctypes.c_double),
        ("is_spi", c_int32),
        ("spi_gain", ctypes.c_double),
        ("is_phone", c_int32),
        ("phone_gain", ctypes.c_double),
    ]


class usapi_video_stream(Structure):
    """``usapi_video_stream`` (see ultrastream.h)."""

    _fields_ = [
        ("is_auto", c_int32),
        ("codec", c_int32),
        ("cx", c_int32),
        ("cy", c_int32),
        ("duration", c_int32),
        ("kbps", c_int32),
        ("gop", c_int32),
        ("fourcc", ctypes.c_int64),
        ("profile", c_int32),
        ("cbrstat", c_int32),
        ("fullrange", c_int32),
    ]


class usapi_audio_info(Structure):
    """``usapi_audio_info`` (see ultrastream.h)."""

    _fields_ = [
        ("sample_rate", c_int32),
        ("channels", c_int32),
        ("kbps", c_int32),
    ]


class usapi_eth_info(Structure):
    """``usapi_eth_info`` (see ultrastream.h)."""

    _fields_ = [
        ("is_dhcp", c_int32),
        ("ip", ctypes.c_char * 46),  # USAPI_IP_SIZE
        ("mask", ctypes.c_char * 46),  # USAPI_IP_SIZE
        ("router", ctypes.c_char * 46),  # USAPI_IP_SIZE
        ("dns", ctypes.c_char * 46),  # USAPI_IP_SIZE
    ]


class usapi_settings(Structure):
    """``usapi_settings`` (see ultrastream.h)."""

    _fields_ = [
        ("result", c_int32),
        ("name", ctypes.c_char * 33),  # USAPI_NAME_SIZE
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


class usapi_media_page(Structure):
    """``usapi_media_page`` (see ultrastream.h)."""

    _fields_ = [
        ("result", c_int32),
        ("path", ctypes.c_char * 257),  # USAPI_PATH_SIZE
        ("thumbnail", ctypes.c_char * 257),  # USAPI_PATH_SIZE
    ]


class usapi_media_file(Structure):
    """``usapi_media_file`` (see ultrastream.h)."""

    _fields_ = [
        ("name", ctypes.c_char * 256),  # USAPI_FILE_NAME_SIZE
        ("thumbnail_name", ctypes.c_char * 256),  # USAPI_FILE_NAME_SIZE
        ("status", c_int32),
        ("create_time", ctypes.c_char * 33),  # USAPI_TIME_SIZE
        ("size_bytes", ctypes.c_int64),
        ("duration", ctypes.c_int64),
        ("width", c_int32),
        ("height", c_int32),
        ("interval", ctypes.c_int64),
        ("codec", c_int32),
    ]


class usapi_user(Structure):
    """``usapi_user`` (see ultrastream.h)."""

    _fields_ = [
        ("id", ctypes.c_char * 33),  # USAPI_NAME_SIZE
        ("user_type", c_int32),
    ]


class usapi_video(Structure):
    """``usapi_video``: the arguments of set-video."""

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


class usapi_ping_result(Structure):
    """``usapi_ping_result``: ping's reply."""

    _fields_ = [("result", c_int32), ("cur_status", c_uint32)]


class usapi_status_summary(Structure):
    """``usapi_status_summary``: the main facts of get-status."""

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


class usapi_discover_options(Structure):
    """``usapi_discover_options``: zero / NULL in a field means its default."""

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


#: ``usapi_discover_callback``: ``int32_t (*)(const char *device_json, void *user_data)``.
usapi_discover_callback = ctypes.CFUNCTYPE(c_int32, c_char_p, c_void_p)


# --- Progress (shared by the streamed upload and usapi_run_*) ---------------


class usapi_progress(Structure):
    """``usapi_progress``: one progress report, valid during the callback."""

    _fields_ = [
        ("operation", c_char_p),
        ("phase", c_char_p),
        ("step", c_int32),
        ("percent", c_int32),
        ("done", c_uint64),
        ("total", c_uint64),
        ("result", c_int32),
    ]


#: ``usapi_progress_callback``: ``int32_t (*)(const usapi_progress *p, void *user_data)``;
#: non-zero cancels.
usapi_progress_callback = ctypes.CFUNCTYPE(c_int32, POINTER(usapi_progress), c_void_p)


class usapi_run_options(Structure):
    """``usapi_run_options``: zero / NULL in a field means its default."""

    _fields_ = [
        ("timeout_ms", c_uint32),
        ("poll_interval_ms", c_uint32),
        ("progress", usapi_progress_callback),
        ("user_data", c_void_p),
    ]


class usapi_watch_options(Structure):
    """``usapi_watch_options``: zero in a field means its default."""

    _fields_ = [
        ("interval_ms", c_uint32),
        ("offline_after_ms", c_uint32),
        ("timeout_ms", c_uint32),
        ("workers", c_uint32),
        ("max_backoff_ms", c_uint32),
    ]


#: ``usapi_event_callback``: ``int32_t (*)(const char *event_json, void *user_data)``.
usapi_event_callback = ctypes.CFUNCTYPE(c_int32, c_char_p, c_void_p)


class usapi_many_options(ctypes.Structure):
    """``usapi_many_options``: how ``usapi_call_many`` runs (0: defaults)."""

    _fields_ = [
        ("max_in_flight", c_uint32),
        ("timeout_ms", c_uint32),
    ]


#: ``usapi_many_callback``: ``void (*)(size_t index, usapi_device dev, int32_t code, const char *text, void *user_data)``.
usapi_many_callback = ctypes.CFUNCTYPE(None, c_size_t, c_device, c_int32, c_char_p, c_void_p)

#: ``usapi_async_callback``: ``void (*)(int32_t code, const char *text, void *user_data)``.
usapi_async_callback = ctypes.CFUNCTYPE(None, c_int32, c_char_p, c_void_p)


#: Every C struct this package mirrors, by its C name (used by the tests
#: that compare the layouts with the library's own).
STRUCTS = {
    cls.__name__: cls
    for cls in (
        usapi_options,
        usapi_many_options,
        usapi_rec_control,
        usapi_server,
        usapi_server_info,
        usapi_product,
        usapi_mac_addr,
        usapi_info,
        usapi_softap,
        usapi_date_time,
        usapi_rec_control_info,
        usapi_video_color,
        usapi_volume,
        usapi_video_stream,
        usapi_audio_info,
        usapi_eth_info,
        usapi_settings,
        usapi_media_page,
        usapi_media_file,
        usapi_user,
        usapi_video,
        usapi_ping_result,
        usapi_status_summary,
        usapi_discover_options,
        usapi_progress,
        usapi_run_options,
        usapi_watch_options,
    )
}

# --- Function table ---------------------------------------------------------

_I = c_int32
_S = c_char_p
_D = c_device
_O = c_out_str

#: Parameterless API methods: ``int32_t usapi_<name>(usapi_device, char **)``
#: (from the library's method table, generated into _tables).
PARAMETERLESS = _tables.PARAMETERLESS

# (name, restype, argtypes); every function the package uses.
_FUNCTIONS: List[Tuple[str, Any, List[Any]]] = [
    ("usapi_device_open", _I, [_S, POINTER(usapi_options), POINTER(c_device)]),
    ("usapi_device_close", _I, [_D]),
    ("usapi_login", _I, [_D, _S, _S]),
    ("usapi_login_md5", _I, [_D, _S, _S]),
    ("usapi_logout", _I, [_D]),
    ("usapi_call", _I, [_D, _S, _S, _O]),
    ("usapi_string_free", None, [c_void_p]),
    ("usapi_result_name", c_char_p, [_I]),
    ("usapi_result_message", c_char_p, [_I]),
    ("usapi_status_flag_name", c_char_p, [c_uint32]),
    ("usapi_result_kind", _I, [_I]),
    ("usapi_last_error", c_char_p, []),
    ("usapi_version", c_char_p, []),
    *[("usapi_" + n, _I, [_D, _O]) for n in PARAMETERLESS],
    ("usapi_set_name", _I, [_D, _S, _O]),
    ("usapi_set_app_settings", _I, [_D, _I, _O]),
    ("usapi_set_app_passwd", _I, [_D, _I, _S, _S, _O]),
    ("usapi_set_first_over", _I, [_D, _S, _S, _O]),
    ("usapi_set_rec_control", _I, [_D, POINTER(usapi_rec_control), _O]),
    ("usapi_set_softap", _I, [_D, _I, _I, _S, _S, _O]),
    ("usapi_set_date_time", _I, [_D, _S, _S, _O]),
    ("usapi_set_signal_lost_ctrl", _I, [_D, _I, _O]),
    ("usapi_set_startup_rec", _I, [_D, _I, _O]),
    ("usapi_set_startup_live", _I, [_D, _I, _O]),
    ("usapi_set_ssdp", _I, [_D, _I, _O]),
    ("usapi_set_hdmi_rec_ctrl", _I, [_D, _I, _O]),
    ("usapi_get_media_files", _I, [_D, _I, _I, _I, _O]),
    ("usapi_del_media_files", _I, [_D, _I, POINTER(c_char_p), c_size_t, _O]),
    ("usapi_add_server", _I, [_D, POINTER(usapi_server), _O]),
    ("usapi_enable_server", _I, [_D, _I, _I, _O]),
    ("usapi_set_server", _I, [_D, _I, POINTER(usapi_server), _O]),
    ("usapi_del_server", _I, [_D, _I, _O]),
    ("usapi_start_test_server", _I, [_D, POINTER(usapi_server), _O]),
    ("usapi_set_stream", _I, [_D, _I, _I, _I, _O]),
    ("usapi_set_video", _I, [_D, POINTER(usapi_video), _O]),
    ("usapi_set_audio", _I, [_D, _I, _O]),
    ("usapi_add_user", _I, [_D, _S, _S, _O]),
    ("usapi_del_user", _I, [_D, _S, _O]),
    ("usapi_ch_password", _I, [_D, _S, _S, _O]),
    ("usapi_set_password", _I, [_D, _S, _S, _O]),
    ("usapi_set_eth", _I, [_D, _I, _S, _S, _S, _S, _O]),
    ("usapi_update", _I, [_D, _S, _O]),
    ("usapi_upload_update_file", _I, [_D, _S, _O]),
    ("usapi_upload_update_data", _I, [_D, _S, POINTER(c_uint8), c_size_t, _O]),
    ("usapi_upload_update_file_progress", _I, [_D, _S, usapi_progress_callback, c_void_p, _O]),
    ("usapi_ping_status", _I, [_D, POINTER(usapi_ping_result)]),
    ("usapi_get_status_summary", _I, [_D, POINTER(usapi_status_summary)]),
    ("usapi_get_info_struct", _I, [_D, POINTER(usapi_info)]),
    ("usapi_get_settings_struct", _I, [_D, POINTER(usapi_settings)]),
    ("usapi_get_media_files_struct", _I,
     [_D, _I, _I, POINTER(usapi_media_page), POINTER(usapi_media_file), c_size_t, POINTER(c_size_t)]),
    ("usapi_get_users_struct", _I, [_D, POINTER(usapi_user), c_size_t, POINTER(c_size_t)]),
    ("usapi_get_servers", _I, [_D, POINTER(usapi_server_info), c_size_t, POINTER(c_size_t)]),
    ("usapi_find_server", _I, [_D, _S, POINTER(usapi_server_info)]),
    ("usapi_add_server_id", _I, [_D, POINTER(usapi_server), POINTER(c_int32), _O]),
    *[("usapi_run_" + n, _I, [_D, POINTER(usapi_run_options), _O]) for n in ("format_usb", "format_sd", "test_usb", "update_check")],
    ("usapi_run_test_server", _I, [_D, POINTER(usapi_server), POINTER(usapi_run_options), _O]),
    ("usapi_run_firmware_update", _I, [_D, _S, POINTER(usapi_run_options), _O]),
    ("usapi_run_reboot", _I, [_D, POINTER(usapi_run_options)]),
    ("usapi_run_reset_all_settings", _I, [_D, POINTER(usapi_run_options)]),
    ("usapi_wait_ready", _I, [_D, c_uint32]),
    ("usapi_download_media", _I, [_D, _I, _S, _S, POINTER(usapi_run_options)]),
    (
        "usapi_watch_start",
        _I,
        [POINTER(c_device), c_size_t, POINTER(usapi_watch_options), usapi_event_callback, c_void_p, POINTER(c_watch)],
    ),
    ("usapi_watch_stop", _I, [c_watch]),
    (
        "usapi_call_many",
        _I,
        [POINTER(c_device), c_size_t, _S, _S, POINTER(usapi_many_options), usapi_many_callback, c_void_p],
    ),
    ("usapi_call_async", _I, [_D, _S, _S, usapi_async_callback, c_void_p]),
    ("usapi_watch_stats", _I, [c_watch, _O]),
]

# Functions a library may lack (built without the simulator feature, or
# older than discovery): declared when present, None otherwise.
_OPTIONAL_FUNCTIONS: List[Tuple[str, Any, List[Any]]] = [
    ("usapi_sim_start", _I, [_S, POINTER(c_sim)]),
    ("usapi_sim_address", _I, [c_sim, _O]),
    ("usapi_sim_port", _I, [c_sim, POINTER(c_uint16)]),
    ("usapi_sim_control", _I, [c_sim, _S, _O]),
    ("usapi_sim_discovery_ports", _I, [c_sim, POINTER(c_uint16), POINTER(c_uint16)]),
    ("usapi_sim_stop", _I, [c_sim]),
    ("usapi_sim_firmware", _I, [_S, _S, _S]),
    ("usapi_discover", _I, [POINTER(usapi_discover_options), _O]),
    ("usapi_discover_each", _I, [POINTER(usapi_discover_options), usapi_discover_callback, c_void_p]),
]

#: Names of every C function declared here (required and optional).
DECLARED = frozenset(n for n, _, _ in _FUNCTIONS + _OPTIONAL_FUNCTIONS)


def _lib_file_names() -> List[str]:
    if sys.platform == "darwin":
        return ["libultrastream.dylib"]
    if sys.platform == "win32":
        return ["ultrastream.dll", "libultrastream.dll"]
    return ["libultrastream.so", "libultrastream.so.0"]


def _is_source_tree(root: Path) -> bool:
    cargo = root / "Cargo.toml"
    try:
        return cargo.is_file() and 'name = "ultrastream"' in cargo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _source_trees() -> Iterator[Path]:
    """The ultrastream source tree above this file, if any (nothing about
    the machine that built the package is recorded)."""
    here = Path(__file__).resolve().parent
    for parent in here.parents:
        if _is_source_tree(parent):
            yield parent
            break


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def candidates() -> Iterator[str]:
    """Every path (or system name) tried, in order, after ``ULTRASTREAM_LIB``."""
    names = _lib_file_names()
    here = Path(__file__).resolve().parent
    for n in names:
        yield str(here / n)
    target_dirs: List[Path] = []
    env_target = os.environ.get("CARGO_TARGET_DIR")
    if env_target:
        target_dirs.append(Path(env_target))
    for root in _source_trees():
        target_dirs.append(root / "target")
    seen = set()
    for t in target_dirs:
        # The most recently built of release and debug first, so a fresh
        # `cargo build` is not shadowed by an old release build.
        builds = [t / profile / names[0] for profile in ("release", "debug")]
        builds.sort(key=_mtime, reverse=True)
        for b in builds:
            p = str(b)
            if p not in seen:
                seen.add(p)
                yield p
    found = ctypes.util.find_library("ultrastream")
    if found:
        yield found


_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def _declare(cdll: ctypes.CDLL) -> None:
    for name, restype, argtypes in _FUNCTIONS:
        f = getattr(cdll, name)  # AttributeError: a library too old for this package
        f.restype = restype
        f.argtypes = argtypes
    for name, restype, argtypes in _OPTIONAL_FUNCTIONS:
        try:
            f = getattr(cdll, name)
        except AttributeError:
            setattr(cdll, name, None)
            continue
        f.restype = restype
        f.argtypes = argtypes


def _load() -> Tuple[ctypes.CDLL, str]:
    env = os.environ.get("ULTRASTREAM_LIB")
    if env:
        path = Path(env)
        if path.is_dir():
            path = path / _lib_file_names()[0]
        try:
            cdll = ctypes.CDLL(str(path))
            _declare(cdll)
            return cdll, str(path)
        except (OSError, AttributeError) as e:
            raise LibraryNotFoundError(
                f"ULTRASTREAM_LIB={env!r} could not be loaded: {e}. Point it at libultrastream "
                "(e.g. target/release/libultrastream.so after `cargo build --release`), or unset it."
            ) from e
    tried = []
    for c in candidates():
        if os.sep in c and not os.path.exists(c):
            tried.append(f"{c} (not found)")
            continue
        try:
            cdll = ctypes.CDLL(c)
        except OSError as e:
            tried.append(f"{c} ({e})")
            continue
        try:
            _declare(cdll)
        except AttributeError as e:
            tried.append(f"{c} (too old for this package: {e})")
            continue
        return cdll, c
    if ctypes.util.find_library("ultrastream") is None:
        tried.append('system (ctypes.util.find_library("ultrastream") found nothing)')
    raise LibraryNotFoundError(
        "libultrastream was not found. Build it with `cargo build --release` in the ultrastream "
        "source tree, install it with `make install`, or set ULTRASTREAM_LIB to its path. Tried:\n  "
        + "\n  ".join(tried)
    )


def lib() -> ctypes.CDLL:
    """The loaded library (loaded on first use; thread-safe)."""
    global _lib, _lib_path
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib, _lib_path = _load()
    return _lib


def library_path() -> str:
    """The path (or system name) the library was loaded from."""
    lib()
    assert _lib_path is not None
    return _lib_path


def has_function(name: str) -> bool:
    """True when the loaded library exports the optional function ``name``."""
    return getattr(lib(), name, None) is not None


def encode(s: Optional[str], what: str = "argument") -> Optional[bytes]:
    """A Python string as NUL-terminated UTF-8 (``None`` stays NULL)."""
    if s is None:
        return None
    if isinstance(s, bytes):
        b = s
    elif isinstance(s, str):
        b = s.encode("utf-8", errors="surrogatepass")
    else:
        raise TypeError(f"{what} must be a str, not {type(s).__name__}")
    if b"\0" in b:
        raise ValueError(f"{what} must not contain a NUL character")
    return b


def take_string(p: c_void_p) -> Optional[str]:
    """Copy a library-owned string and free it (NULL gives ``None``)."""
    if not p.value:
        return None
    try:
        return ctypes.string_at(p.value).decode("utf-8", errors="replace")
    finally:
        lib().usapi_string_free(p.value)
        p.value = None


def out_string() -> Tuple[c_void_p, object]:
    """A ``char *`` slot and the ``char **`` to pass for it."""
    p = c_void_p()
    return p, byref(p)
