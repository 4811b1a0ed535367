"""``Device``: one Ultra Stream encoder, one method per API method."""

from __future__ import annotations

import ctypes
import json
import os
from ctypes import byref, c_char_p, c_uint8
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Type, TypeVar, Union

from . import _native, _tables
from .errors import E_BUFFER_TOO_SMALL, ERR_NOT_FOUND, UltrastreamError, check, error_for, last_error
from .ops import _Runner
from .progress import ProgressCallback, c_callback
from .replies import (
    InfoReply,
    MediaFilesReply,
    PingReply,
    Reply,
    ServerInfo,
    SettingsReply,
    StatusReply,
    UploadReply,
    UsersReply,
)

__all__ = ["Device", "StatusSummary"]

R = TypeVar("R", bound=Reply)
Flag = Union[bool, int]
PathLike = Union[str, "os.PathLike[str]"]

#: Typed reply class per API method (others: plain :class:`Reply`).
def call_args(method: str, params: Optional[Mapping[str, Any]], kwargs: Mapping[str, Any]) -> "tuple[str, Optional[str]]":
    """The method name and the params JSON of a call by name (see :meth:`Device.call`):
    ``_`` becomes ``-`` in the method and in keyword names; values must be str, int,
    float or bool."""
    method = method.replace("_", "-")
    merged: Dict[str, Any] = dict(params or {})
    for k, v in kwargs.items():
        merged[k.replace("_", "-")] = v
    for k, v in merged.items():
        if not isinstance(v, (str, int, float, bool)):
            raise TypeError(f"parameter {k!r} must be str, int, float or bool, not {type(v).__name__}")
    return method, (json.dumps(merged) if merged else None)


REPLY_TYPES: Dict[str, Type[Reply]] = {
    "get-info": InfoReply,
    "get-status": StatusReply,
    "get-settings": SettingsReply,
    "ping": PingReply,
    "get-users": UsersReply,
    "get-media-files": MediaFilesReply,
    "upload-update-file": UploadReply,
}


def _flag(v: Flag) -> int:
    """``True``/``False`` (or 0/1) as the C ``int32_t`` flag."""
    return int(v) if isinstance(v, bool) else int(v)


def _ms(seconds: Optional[float]) -> int:
    if seconds is None:
        return 0
    if seconds <= 0:
        raise ValueError("timeouts must be positive (seconds)")
    return max(1, int(round(seconds * 1000)))


class StatusSummary:
    """``usapi_status_summary`` as Python values (see :meth:`Device.get_status_summary`)."""

    __slots__ = tuple(f[0] for f in _native.usapi_status_summary._fields_) + ("code",)

    #: The device status mask (``StatusFlag`` bits).
    cur_status: int
    recording: bool
    living: bool
    rec_result: int
    rec_run_ms: int
    #: bytes per second, as the Bitfocus module reads it on real Ultra Streams
    #: (the document states no unit; see ``replies.BPS_UNITS``)
    rec_cur_bps: int
    #: bytes per second, like ``rec_cur_bps``
    rec_avg_bps: int
    #: live-status result (22 connected, 23 connecting, ...).
    live_result: int
    live_run_ms: int
    #: bytes per second, as the Bitfocus module reads it on real Ultra Streams
    #: (no unit in the document; see ``replies.BPS_UNITS``)
    live_cur_bps: int
    #: bytes per second, like ``live_cur_bps``
    live_avg_bps: int
    signal_present: bool
    signal_cx: int
    signal_cy: int
    signal_interlaced: bool
    signal_frame_rate: float
    #: ``DiskStatus`` value of the USB drive, bytes free and total.
    usb_disk_status: int
    usb_free_bytes: int
    usb_total_bytes: int
    sd_disk_status: int
    sd_free_bytes: int
    sd_total_bytes: int
    #: The C function's return value (the device's result).
    code: int

    def __init__(self, s: _native.usapi_status_summary, code: int) -> None:
        for f in _native.usapi_status_summary._fields_:
            name = f[0]
            value = getattr(s, name)
            if name in ("recording", "living", "signal_present", "signal_interlaced"):
                value = bool(value)
            setattr(self, name, value)
        self.code = code

    def as_dict(self) -> Dict[str, Any]:
        """All fields as a dict."""
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self) -> str:
        return f"StatusSummary({self.as_dict()!r})"


class Device:
    """One Ultra Stream encoder at ``host`` ("10.0.0.5", "127.0.0.1:8080", "[::1]:8080").

    Opening does no network traffic. Use it as a context manager: on exit it
    logs out (when this object logged in) and closes the handle::

        with ultrastream.Device(host) as dev:       # e.g. sim.host of a Simulator
            dev.login("Admin", "Admin")
            print(dev.get_info().product.firmware_ver_s)

    Every API method is a method named after it in snake_case
    (``set-rec-control`` -> :meth:`set_rec_control`), taking keyword
    arguments and returning a :class:`~ultrastream.Reply` (a ``dict`` of the
    JSON, typed for the main replies). Failures raise
    :class:`~ultrastream.UltrastreamError` subclasses; positive outcomes
    (``reply.code`` 1 retRepeat, 2 retRunning, 29 retLivingNotset ...) are
    returned, not raised. The session is kept alive: when it expires the
    library logs in again (at most twice per call) and retries.

    A ``Device`` may be shared by threads: the C library is thread-safe and
    releases the GIL during network I/O.
    """

    def __init__(
        self,
        host: str,
        *,
        user: Optional[str] = None,
        password: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        upload_timeout: Optional[float] = None,
        max_reply_bytes: Optional[int] = None,
        skip_validation: bool = False,
    ) -> None:
        """Open the device (no traffic yet); log in when ``user`` is given.

        Timeouts are in seconds (defaults 3, 10 and 300).
        ``skip_validation=True`` sends arguments unchecked (only to test how
        a device reacts to bad input): every value goes out as given, flags
        other than 0/1, unknown server types, any set-app-passwd combination
        and any update mode included; only ``None`` where a string is
        required, strings with NUL bytes and lengths past their documented
        bounds are still refused.
        """
        self._lib = _native.lib()
        self._handle = 0
        self._logged_in = False
        self.host = host
        opts = _native.usapi_options(
            connect_timeout_ms=_ms(connect_timeout),
            request_timeout_ms=_ms(request_timeout),
            upload_timeout_ms=_ms(upload_timeout),
            max_reply_bytes=int(max_reply_bytes or 0),
            skip_validation=1 if skip_validation else 0,
        )
        handle = _native.c_device()
        check(self._lib.usapi_device_open(_native.encode(host, "host"), byref(opts), byref(handle)))
        self._handle = handle.value
        if user is not None:
            try:
                self.login(user, password if password is not None else "")
            except BaseException:
                self.close()
                raise

    # --- lifecycle ---------------------------------------------------------

    @property
    def handle(self) -> int:
        """The C ``usapi_device`` handle (0 once closed)."""
        return self._handle

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._handle == 0

    def close(self) -> None:
        """Close the handle; a logged-in handle logs out first (bounded by 2 s), so
        its session slot is free for the next program. Idempotent."""
        h, self._handle = self._handle, 0
        if h:
            self._lib.usapi_device_close(h)

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._logged_in and self._handle:
                try:
                    self.logout()
                except UltrastreamError:
                    pass  # the device may be gone (rebooted, unplugged); closing still frees the handle
        finally:
            self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("logged in" if self._logged_in else "open")
        return f"<ultrastream.Device {self.host!r} {state}>"

    # --- plumbing ----------------------------------------------------------

    def _invoke(self, cname: str, method: str, cls: Type[R], *args: Any) -> R:
        """Call ``usapi_<cname>(dev, *args, &out_json)`` and build the reply."""
        fn = getattr(self._lib, cname)
        out, ref = _native.out_string()
        try:
            code = fn(self._handle, *args, ref)
            if code < 0:
                raise error_for(code, last_error())
            text = _native.take_string(out)
        finally:
            if out.value:  # never leak the reply, even on an unexpected exception
                self._lib.usapi_string_free(out.value)
        return cls.parse(text, code=code, method=method)  # type: ignore[return-value]

    def _simple(self, name: str) -> Reply:
        method = name.replace("_", "-")
        return self._invoke("usapi_" + name, method, REPLY_TYPES.get(method, Reply))

    # --- login ---------------------------------------------------------------

    def login(self, user: str, password: str) -> None:
        """login: log in with a plain password (sent as its MD5; only the hash is kept,
        for transparent re-login). Raises :class:`~ultrastream.AuthError` for a wrong
        user or password, :class:`~ultrastream.BusyError` when two other clients hold
        the device."""
        check(self._lib.usapi_login(self._handle, _native.encode(user, "user"), _native.encode(password, "password")))
        self._logged_in = True

    def login_md5(self, user: str, password_md5: str) -> None:
        """login with the MD5 of the password as 32 hex digits."""
        check(self._lib.usapi_login_md5(self._handle, _native.encode(user, "user"), _native.encode(password_md5, "password_md5")))
        self._logged_in = True

    def logout(self) -> int:
        """logout: end the session and forget the stored credentials. Returns the code."""
        code = check(self._lib.usapi_logout(self._handle))
        self._logged_in = False
        return code

    # --- generic --------------------------------------------------------------

    def call(self, method: str, params: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Reply:
        """Call any GET method by name: ``dev.call("set-name", name="x")``.

        ``method`` may use ``-`` or ``_``. Parameters come from ``params`` (exact
        keys) and keyword arguments (``disk_type=0`` is sent as ``disk-type``);
        values are str, int, float or bool, sent as they are (percent-encoded).
        Known methods are checked against the document's rules first.
        """
        method, params_json = call_args(method, params, kwargs)
        return self._invoke(
            "usapi_call",
            method,
            REPLY_TYPES.get(method, Reply),
            _native.encode(method, "method"),
            _native.encode(params_json, "params"),
        )

    # --- universal ------------------------------------------------------------

    def get_info(self) -> InfoReply:
        """get-info: product, MAC addresses, audio ranges, codec and recording capabilities."""
        return self._simple("get_info")  # type: ignore[return-value]

    def get_status(self) -> StatusReply:
        """get-status: the real-time working status."""
        return self._simple("get_status")  # type: ignore[return-value]

    def get_settings(self) -> SettingsReply:
        """get-settings: the device configuration."""
        return self._simple("get_settings")  # type: ignore[return-value]

    def start_rec(self) -> Reply:
        """start-rec: start recording (``code`` 1 retRepeat when already recording)."""
        return self._simple("start_rec")

    def stop_rec(self) -> Reply:
        """stop-rec: stop recording."""
        return self._simple("stop_rec")

    def start_live(self) -> Reply:
        """start-live: start streaming (``code`` 29 retLivingNotset when no server is enabled)."""
        return self._simple("start_live")

    def stop_live(self) -> Reply:
        """stop-live: stop streaming."""
        return self._simple("stop_live")

    def ping(self) -> PingReply:
        """ping: result and status mask; works without login (wait for reboot with it)."""
        return self._simple("ping")  # type: ignore[return-value]

    def ping_status(self) -> PingReply:
        """ping through ``usapi_ping_status`` (the C struct); same content as :meth:`ping`."""
        r = _native.usapi_ping_result()
        code = check(self._lib.usapi_ping_status(self._handle, byref(r)))
        data = {"result": r.result, "cur-status": r.cur_status}
        return PingReply(data, code=code, text=json.dumps(data), method="ping")

    def get_status_summary(self) -> StatusSummary:
        """get-status decoded by the library into ``usapi_status_summary``."""
        s = _native.usapi_status_summary()
        code = check(self._lib.usapi_get_status_summary(self._handle, byref(s)))
        return StatusSummary(s, code)

    # --- general ----------------------------------------------------------------

    def set_name(self, name: str) -> Reply:
        """set-name: 1-32 characters of ``A-Z a-z 0-9 space . _ - + '``, no leading or trailing space."""
        return self._invoke("usapi_set_name", "set-name", Reply, _native.encode(name, "name"))

    def set_app_settings(self, is_settings: Flag) -> Reply:
        """set-app-settings: whether the mobile app may change settings."""
        return self._invoke("usapi_set_app_settings", "set-app-settings", Reply, _flag(is_settings))

    def set_app_passwd(self, is_pass: Flag, old_password: Optional[str] = None, new_password: Optional[str] = None) -> Reply:
        """set-app-passwd with plain passwords: enable (``is_pass=True, new_password``),
        disable (``is_pass=False, old_password``) or modify (``is_pass=True``, both)."""
        return self._invoke(
            "usapi_set_app_passwd",
            "set-app-passwd",
            Reply,
            _flag(is_pass),
            _native.encode(old_password, "old_password"),
            _native.encode(new_password, "new_password"),
        )

    def set_first_over(self, name: str, password: Optional[str] = None) -> Reply:
        """set-first-over: name the device on its first run, with an optional pairing password."""
        return self._invoke(
            "usapi_set_first_over", "set-first-over", Reply, _native.encode(name, "name"), _native.encode(password, "password")
        )

    def set_rec_control(
        self,
        *,
        usb_option: Optional[int] = None,
        sd_option: Optional[int] = None,
        mime_type: Optional[int] = None,
        root_folder: Optional[str] = None,
        file_prefix: Optional[str] = None,
        time_unit: Optional[int] = None,
    ) -> Reply:
        """set-rec-control. Arguments left out keep their current values (read with
        get-settings first, one extra request).

        ``usb_option`` 0/1, ``sd_option`` 0/1/2 (loop), ``mime_type`` 0 mp4 / 1 mov,
        ``root_folder`` at most two levels ("a/b"), ``time_unit`` minutes per file
        (5, 10, 30, 40, 50, 60, 90, 120).
        """
        args: Dict[str, Any] = dict(usb_option=usb_option, sd_option=sd_option, mime_type=mime_type,
                    root_folder=root_folder, file_prefix=file_prefix, time_unit=time_unit)
        if any(v is None for v in args.values()):
            cur = self.get_settings().rec_control
            args = {k: (getattr(cur, k) if v is None else v) for k, v in args.items()}
        rc = _native.usapi_rec_control(
            usb_option=int(args["usb_option"]),
            sd_option=int(args["sd_option"]),
            mime_type=int(args["mime_type"]),
            root_folder=_native.encode(args["root_folder"], "root_folder"),
            file_prefix=_native.encode(args["file_prefix"], "file_prefix"),
            time_unit=int(args["time_unit"]),
        )
        return self._invoke("usapi_set_rec_control", "set-rec-control", Reply, byref(rc))

    def set_softap(self, is_softap: Flag, is_visible: Flag, ssid: str, password: str) -> Reply:
        """set-softap: the access point's switch, SSID visibility, SSID and password
        (plain text, as the document requires; 1-32 characters)."""
        return self._invoke(
            "usapi_set_softap", "set-softap", Reply, _flag(is_softap), _flag(is_visible),
            _native.encode(ssid, "ssid"), _native.encode(password, "password"),
        )

    def set_date_time(self, timezone: str, time: Optional[str] = None) -> Reply:
        """set-date-time: ``timezone`` from the document's list ("UTC", "Asia/Shanghai");
        ``time`` ``None`` for automatic time, else "YYYY-MM-DD HH:MM:SS"."""
        return self._invoke("usapi_set_date_time", "set-date-time", Reply, _native.encode(timezone, "timezone"), _native.encode(time, "time"))

    def set_signal_lost_ctrl(self, is_signal_lost: Flag) -> Reply:
        """set-signal-lost-ctrl: stop recording when the input signal is lost."""
        return self._invoke("usapi_set_signal_lost_ctrl", "set-signal-lost-ctrl", Reply, _flag(is_signal_lost))

    def set_startup_rec(self, is_startup_rec: Flag) -> Reply:
        """set-startup-rec: start recording at boot."""
        return self._invoke("usapi_set_startup_rec", "set-startup-rec", Reply, _flag(is_startup_rec))

    def set_startup_live(self, is_startup_live: Flag) -> Reply:
        """set-startup-live: start streaming at boot."""
        return self._invoke("usapi_set_startup_live", "set-startup-live", Reply, _flag(is_startup_live))

    def set_ssdp(self, is_ssdp: Flag) -> Reply:
        """set-ssdp: enable UPnP / SSDP."""
        return self._invoke("usapi_set_ssdp", "set-ssdp", Reply, _flag(is_ssdp))

    def set_hdmi_rec_ctrl(self, is_hdmi_rec_ctrl: Flag) -> Reply:
        """set-hdmi-rec-ctrl: let the HDMI source start and stop recording."""
        return self._invoke("usapi_set_hdmi_rec_ctrl", "set-hdmi-rec-ctrl", Reply, _flag(is_hdmi_rec_ctrl))

    # --- storage -------------------------------------------------------------------

    def start_format_usb(self) -> Reply:
        """start-format-usb: format the USB drive (asynchronous: poll get-status ``format_status``)."""
        return self._simple("start_format_usb")

    def start_format_sd(self) -> Reply:
        """start-format-sd: format the SD card (asynchronous; cleared with clear-format-usb)."""
        return self._simple("start_format_sd")

    def clear_format_usb(self) -> Reply:
        """clear-format-usb: reset ``format_status`` to 27 after a format."""
        return self._simple("clear_format_usb")

    def start_test_usb(self) -> Reply:
        """start-test-usb: USB write-speed test (asynchronous: poll get-status ``disk_test``)."""
        return self._simple("start_test_usb")

    def stop_test_usb(self) -> Reply:
        """stop-test-usb: cancel the speed test (``disk_test.result`` becomes 5)."""
        return self._simple("stop_test_usb")

    def clear_test_usb(self) -> Reply:
        """clear-test-usb: reset ``disk_test`` to 27."""
        return self._simple("clear_test_usb")

    def get_media_files(self, disk_type: int = 0, start: int = 0, count: int = 20) -> MediaFilesReply:
        """get-media-files: a page of recorded files; ``disk_type`` 0 USB, 1 SD."""
        return self._invoke("usapi_get_media_files", "get-media-files", MediaFilesReply, int(disk_type), int(start), int(count))

    def del_media_files(self, disk_type: int, names: Sequence[str]) -> Reply:
        """del-media-files: delete the files named in ``names`` from disk ``disk_type`` (0 USB, 1 SD)."""
        if isinstance(names, (str, bytes)):
            raise TypeError("names must be a sequence of file names, not a single string")
        encoded = [_native.encode(n, "names[i]") for n in names]
        arr = (c_char_p * max(1, len(encoded)))(*encoded)
        return self._invoke("usapi_del_media_files", "del-media-files", Reply, int(disk_type), arr, len(encoded))

    # --- servers ---------------------------------------------------------------------

    @staticmethod
    def _server(type: int, name: Optional[str], url: Optional[str], key: Optional[str], is_auth: Flag,
                user: Optional[str], passwd: Optional[str], token: Optional[str], net_mode: int) -> _native.usapi_server:
        return _native.usapi_server(
            server_type=int(type),
            name=_native.encode(name, "name"),
            url=_native.encode(url, "url"),
            key=_native.encode(key, "key"),
            is_auth=_flag(is_auth),
            user=_native.encode(user, "user"),
            passwd=_native.encode(passwd, "passwd"),
            token=_native.encode(token, "token"),
            net_mode=int(net_mode),
        )

    @staticmethod
    def _kind(type: Optional[int], server_type: Optional[int]) -> int:
        """``server_type`` (the C struct's name) or its older name ``type``."""
        if type is not None and server_type is not None and int(type) != int(server_type):
            raise ValueError("give server_type or type (its older name), not both")
        return int(server_type if server_type is not None else (type if type is not None else 0))

    def add_server(self, *, type: Optional[int] = None, name: str, url: str, key: str = "", is_auth: Flag = False,
                   user: str = "", passwd: str = "", token: str = "", net_mode: int = 1,
                   server_type: Optional[int] = None) -> Reply:
        """add-server (at most 16; a new server starts disabled).

        ``server_type`` (or ``type``) 0 RTMP (default), 1 Twitch, 2 YouTube, 3
        Facebook; ``net_mode`` 0 mobile first, 1 Ethernet first (default), 2
        Wi-Fi first; ``is_auth`` requires ``user`` and ``passwd``.
        """
        s = self._server(self._kind(type, server_type), name, url, key, is_auth, user, passwd, token, net_mode)
        return self._invoke("usapi_add_server", "add-server", Reply, byref(s))

    def add_server_id(self, *, name: str, url: str, key: str = "", is_auth: Flag = False, user: str = "",
                      passwd: str = "", token: str = "", net_mode: int = 1, server_type: Optional[int] = None,
                      type: Optional[int] = None) -> int:
        """add-server, returning the id the device gave the new server (``usapi_add_server_id``).

        The id is read from the server list before and after the add: the new
        id with this name (names are unique: a taken name raises the
        errSameName error, -27; :meth:`find_server` finds that server).
        """
        s = self._server(self._kind(type, server_type), name, url, key, is_auth, user, passwd, token, net_mode)
        out = ctypes.c_int32(-1)
        check(self._lib.usapi_add_server_id(self._handle, byref(s), byref(out), None))
        return int(out.value)

    @staticmethod
    def _server_info(c: _native.usapi_server_info) -> ServerInfo:
        return ServerInfo(
            id=int(c.id),
            server_type=int(c.server_type),
            name=c.name.decode("utf-8", "replace"),
            url=c.url.decode("utf-8", "replace"),
            is_use=int(c.is_use),
            is_auth=int(c.is_auth),
            net_mode=int(c.net_mode),
            live_result=int(c.live_result),
        )

    def get_servers(self) -> List[ServerInfo]:
        """The stream servers with their live state (``usapi_get_servers``: get-settings + get-status)."""
        capacity = 16
        while True:
            arr = (_native.usapi_server_info * capacity)()
            n = ctypes.c_size_t(0)
            code = self._lib.usapi_get_servers(self._handle, arr, capacity, byref(n))
            if code == E_BUFFER_TOO_SMALL and n.value > capacity:
                capacity = int(n.value)
                continue
            check(code)
            return [self._server_info(arr[i]) for i in range(min(int(n.value), capacity))]

    def find_server(self, name: str) -> Optional[ServerInfo]:
        """The server named exactly ``name`` with its live state, or ``None`` (``usapi_find_server``)."""
        out = _native.usapi_server_info()
        code = self._lib.usapi_find_server(self._handle, _native.encode(name, "name"), byref(out))
        if code == ERR_NOT_FOUND:
            return None
        check(code)
        return self._server_info(out)

    def enable_server(self, id: int, is_use: Flag = True) -> Reply:
        """enable-server: at most 2 enabled (errChannelsLimited); Facebook and 8 Mbps only alone."""
        return self._invoke("usapi_enable_server", "enable-server", Reply, int(id), _flag(is_use))

    def set_server(self, id: int, *, type: Optional[int] = None, name: str, url: str, key: str = "",
                   is_auth: Flag = False, user: str = "", passwd: str = "", token: str = "", net_mode: int = 1,
                   server_type: Optional[int] = None) -> Reply:
        """set-server: change server ``id`` (same arguments as :meth:`add_server`)."""
        s = self._server(self._kind(type, server_type), name, url, key, is_auth, user, passwd, token, net_mode)
        return self._invoke("usapi_set_server", "set-server", Reply, int(id), byref(s))

    def del_server(self, id: int) -> Reply:
        """del-server."""
        return self._invoke("usapi_del_server", "del-server", Reply, int(id))

    def start_test_server(self, *, type: Optional[int] = None, url: str, key: str = "", is_auth: Flag = False,
                          user: str = "", passwd: str = "", token: str = "", net_mode: int = 1,
                          server_type: Optional[int] = None) -> Reply:
        """start-test-server: test streaming to a server (asynchronous; stops by itself
        after 20 s; poll get-status ``living_test``, then clear-test-server)."""
        s = self._server(self._kind(type, server_type), None, url, key, is_auth, user, passwd, token, net_mode)
        return self._invoke("usapi_start_test_server", "start-test-server", Reply, byref(s))

    def stop_test_server(self) -> Reply:
        """stop-test-server: cancel the stream test."""
        return self._simple("stop_test_server")

    def clear_test_server(self) -> Reply:
        """clear-test-server: reset ``living_test`` to 27."""
        return self._simple("clear_test_server")

    # --- encoding ----------------------------------------------------------------------

    def set_stream(self, rec: int, live: int, mws: int) -> Reply:
        """set-stream: which stream (0 main, 1 sub) records, goes live and previews."""
        return self._invoke("usapi_set_stream", "set-stream", Reply, int(rec), int(live), int(mws))

    _VIDEO_FIELDS = ("is_auto", "cx", "cy", "duration", "kbps", "gop", "codec", "profile", "cbrstat", "fullrange")

    def set_video(
        self,
        stream: int = 0,
        *,
        is_auto: Optional[Flag] = None,
        cx: Optional[int] = None,
        cy: Optional[int] = None,
        duration: Optional[int] = None,
        kbps: Optional[int] = None,
        gop: Optional[int] = None,
        codec: Optional[int] = None,
        profile: Optional[int] = None,
        cbrstat: Optional[int] = None,
        fullrange: Optional[Flag] = None,
    ) -> Reply:
        """set-video for ``stream`` 0 (main) or 1 (sub). Arguments left out keep the
        stream's current values (read with get-settings first, one extra request).

        Values come from get-info's ``codec_cap``: ``duration`` is the frame interval
        in 100 ns units (166667 = 60 fps), ``gop`` seconds, ``codec`` 0 H.264 / 1 HEVC.
        """
        given: Dict[str, Any] = dict(is_auto=is_auto, cx=cx, cy=cy, duration=duration, kbps=kbps, gop=gop,
                     codec=codec, profile=profile, cbrstat=cbrstat, fullrange=fullrange)
        if any(v is None for v in given.values()):
            settings = self.get_settings()
            cur = settings.sub_stream if int(stream) == 1 else settings.main_stream
            given = {k: (getattr(cur, k) if v is None else v) for k, v in given.items()}
        v = _native.usapi_video(stream=int(stream), **{k: int(x) for k, x in given.items()})
        return self._invoke("usapi_set_video", "set-video", Reply, byref(v))

    def set_audio(self, kbps: int) -> Reply:
        """set-audio: 16, 32, 48, 64, 96 or 128 kbps."""
        return self._invoke("usapi_set_audio", "set-audio", Reply, int(kbps))

    # --- reset -------------------------------------------------------------------------

    def reboot(self) -> Reply:
        """reboot: the device stops answering until it is back (wait with :meth:`ping`), then log in again."""
        return self._simple("reboot")

    def reset_all_settings(self) -> Reply:
        """reset-all-settings: restore all defaults and restart."""
        return self._simple("reset_all_settings")

    # --- users --------------------------------------------------------------------------

    def get_users(self) -> UsersReply:
        """get-users: the user list (``type`` 1 administrator, 2 general user)."""
        return self._simple("get_users")  # type: ignore[return-value]

    def add_user(self, id: str, password: str) -> Reply:
        """add-user with a plain password (hashed by the library)."""
        return self._invoke("usapi_add_user", "add-user", Reply, _native.encode(id, "id"), _native.encode(password, "password"))

    def del_user(self, id: str) -> Reply:
        """del-user."""
        return self._invoke("usapi_del_user", "del-user", Reply, _native.encode(id, "id"))

    def ch_password(self, old_password: str, new_password: str) -> Reply:
        """ch-password: change the logged-in user's password; later re-logins use the new one."""
        return self._invoke("usapi_ch_password", "ch-password", Reply,
                            _native.encode(old_password, "old_password"), _native.encode(new_password, "new_password"))

    def set_password(self, id: str, password: str) -> Reply:
        """set-password: an administrator sets user ``id``'s password (plain)."""
        return self._invoke("usapi_set_password", "set-password", Reply, _native.encode(id, "id"), _native.encode(password, "password"))

    # --- network -------------------------------------------------------------------------

    def set_eth(self, is_dhcp: Flag, ip: Optional[str] = None, mask: Optional[str] = None,
                router: Optional[str] = None, dns: Optional[str] = None) -> Reply:
        """set-eth: DHCP (``is_dhcp=True``) or a static ``ip`` and ``mask`` (and optionally
        ``router``, ``dns``). The device may move: wait for it with :meth:`ping`."""
        return self._invoke("usapi_set_eth", "set-eth", Reply, _flag(is_dhcp), _native.encode(ip, "ip"),
                            _native.encode(mask, "mask"), _native.encode(router, "router"), _native.encode(dns, "dns"))

    def disconn_wifi(self) -> Reply:
        """disconn-wifi: disconnect Wi-Fi."""
        return self._simple("disconn_wifi")

    def close_softap(self) -> Reply:
        """close-softap: turn the Wi-Fi access point off."""
        return self._simple("close_softap")

    # --- firmware ---------------------------------------------------------------------------

    def update(self, mode: str = "upload") -> Reply:
        """update: ``mode`` "upload" (after :meth:`upload_update_file`) or "online";
        poll get-status ``upgrade_status``."""
        return self._invoke("usapi_update", "update", Reply, _native.encode(mode, "mode"))

    def upload_update_file(self, path: PathLike, progress: Optional[ProgressCallback] = None) -> UploadReply:
        """upload-update-file: send the .mwf firmware at ``path``, streamed (memory use
        does not grow with the file); then call ``update("upload")``.

        ``progress``, when given, is called on this thread with a
        :class:`~ultrastream.ProgressReport` (operation "upload", phase "uploading",
        ``done`` / ``total`` bytes); returning ``False`` stops the upload
        (:class:`~ultrastream.UltrastreamError` with code ``E_CANCELLED``), and an
        exception it raises stops the upload and is re-raised here."""
        encoded = _native.encode(os.fspath(path), "path")
        if progress is None:
            return self._invoke("usapi_upload_update_file", "upload-update-file", UploadReply, encoded)
        cb, errors = c_callback(progress)
        try:
            return self._invoke("usapi_upload_update_file_progress", "upload-update-file", UploadReply,
                                encoded, cb, None)
        except UltrastreamError:
            if errors:
                raise errors[0] from None
            raise

    def upload_update_data(self, data: bytes, filename: str = "firmware.mwf") -> UploadReply:
        """upload-update-file from memory: ``data`` sent under ``filename``."""
        buf = bytes(data)
        arr = (c_uint8 * max(1, len(buf))).from_buffer_copy(buf or b"\0")
        return self._invoke("usapi_upload_update_data", "upload-update-file", UploadReply,
                            _native.encode(filename, "filename"), ctypes.cast(arr, ctypes.POINTER(c_uint8)), len(buf))

    def cancel_download(self) -> Reply:
        """cancel-download: cancel an online update's download."""
        return self._simple("cancel_download")

    def online_update_check(self) -> Reply:
        """online-update-check: look for new firmware online (asynchronous: poll get-status ``check_upgrade``)."""
        return self._simple("online_update_check")

    def clear_upgrade(self) -> Reply:
        """clear-upgrade: reset ``upgrade_status`` to 27."""
        return self._simple("clear_upgrade")

    def clear_check_update(self) -> Reply:
        """clear-check-update: reset ``check_upgrade`` to 27."""
        return self._simple("clear_check_update")

    # --- long operations, run to the end ------------------------------------------------
    #
    # Each blocks until the operation has ended: it refuses up front (BusyError naming
    # the blocker) when a mutually exclusive operation runs, polls get-status, calls
    # ``progress`` with a ProgressReport on this thread (return False to cancel), and
    # clears the device's status afterwards. ``timeout`` bounds the whole operation
    # (default: per operation), ``poll_interval`` the polling (default 1 s), in seconds.

    def _run(self, cname: str, method: str, progress: Optional[ProgressCallback], timeout: Optional[float],
             poll_interval: Optional[float], *args: Any) -> Reply:
        r = _Runner(progress, timeout, poll_interval)
        out, ref = _native.out_string()
        try:
            code = r.check(getattr(self._lib, cname)(self._handle, *args, r.ref(), ref))
            text = _native.take_string(out)
        finally:
            if out.value:
                self._lib.usapi_string_free(out.value)
        return Reply.parse(text, code=code, method=method)

    def run_format_usb(self, *, progress: Optional[ProgressCallback] = None, timeout: Optional[float] = None,
                       poll_interval: Optional[float] = None) -> Reply:
        """USB format to the end (start-format-usb, ``format-status``, clear-format-usb).
        It cannot be stopped on the device: cancelling stops only the waiting."""
        return self._run("usapi_run_format_usb", "start-format-usb", progress, timeout, poll_interval)

    def run_format_sd(self, *, progress: Optional[ProgressCallback] = None, timeout: Optional[float] = None,
                      poll_interval: Optional[float] = None) -> Reply:
        """SD card format to the end (like :meth:`run_format_usb`)."""
        return self._run("usapi_run_format_sd", "start-format-sd", progress, timeout, poll_interval)

    def run_test_usb(self, *, progress: Optional[ProgressCallback] = None, timeout: Optional[float] = None,
                     poll_interval: Optional[float] = None) -> Reply:
        """USB speed test to the end, with the verdict for the current settings: the reply
        has ``required-bps``, ``write-bps`` (both bytes per second) and ``fast-enough``; ``code`` is 3
        (retLowSpeed) when the drive is too slow. Cancelling sends stop-test-usb."""
        return self._run("usapi_run_test_usb", "start-test-usb", progress, timeout, poll_interval)

    def run_test_server(self, *, type: int = 0, url: str, key: str = "", is_auth: Flag = False,
                        user: str = "", passwd: str = "", token: str = "", net_mode: int = 1,
                        progress: Optional[ProgressCallback] = None, timeout: Optional[float] = None,
                        poll_interval: Optional[float] = None) -> Reply:
        """Stream server test to the end (the device stops it at 20 s); the reply adds
        ``upload-bps``. Cancelling sends stop-test-server."""
        s = self._server(type, None, url, key, is_auth, user, passwd, token, net_mode)
        return self._run("usapi_run_test_server", "start-test-server", progress, timeout, poll_interval, byref(s))

    def run_update_check(self, *, progress: Optional[ProgressCallback] = None, timeout: Optional[float] = None,
                         poll_interval: Optional[float] = None) -> Reply:
        """Online update check to the end; the reply's ``upgrade`` names the version found
        (``ver`` empty when nothing is newer)."""
        return self._run("usapi_run_update_check", "online-update-check", progress, timeout, poll_interval)

    def run_firmware_update(self, path: Optional[PathLike] = None, *, progress: Optional[ProgressCallback] = None,
                            timeout: Optional[float] = None, poll_interval: Optional[float] = None) -> Reply:
        """Firmware update to the end: upload ``path`` (a .mwf file; ``None``: online
        update), ``update``, the reboot, the wait, a fresh login, and a check that
        get-info reports the new version (``E_VERIFY`` otherwise). A file for another
        model raises errMWFUnsupported (-34). The reply has ``previous-version`` and
        ``version``. Cancelling stops an online download on the device; later steps
        cannot be stopped (only the waiting stops)."""
        p = _native.encode(os.fspath(path), "path") if path is not None else None
        return self._run("usapi_run_firmware_update", "update", progress, timeout, poll_interval, p)

    def _run_code(self, cname: str, progress: Optional[ProgressCallback], timeout: Optional[float],
                  poll_interval: Optional[float], *args: Any) -> int:
        r = _Runner(progress, timeout, poll_interval)
        return r.check(getattr(self._lib, cname)(self._handle, *args, r.ref()))

    def run_reboot(self, *, progress: Optional[ProgressCallback] = None, timeout: Optional[float] = None,
                   poll_interval: Optional[float] = None) -> None:
        """reboot, wait until the device answers again, and log in again."""
        self._run_code("usapi_run_reboot", progress, timeout, poll_interval)

    def run_reset_all_settings(self, *, progress: Optional[ProgressCallback] = None,
                               timeout: Optional[float] = None, poll_interval: Optional[float] = None) -> None:
        """reset-all-settings, wait until the device answers again, and log in again."""
        self._run_code("usapi_run_reset_all_settings", progress, timeout, poll_interval)

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Wait until the device answers, is not rebooting, resetting or updating, and
        (when logged in) has a session again. Only ping is sent meanwhile; no answer,
        a non-zero ping result (-9 while restarting) or a restart flag in its mask
        mean "not ready yet". Raises DeviceTimeoutError when not ready in time."""
        check(self._lib.usapi_wait_ready(self._handle, _ms(timeout)))

    def download_media(self, name: str, dest: PathLike, *, disk_type: int = 0,
                       progress: Optional[ProgressCallback] = None, timeout: Optional[float] = None) -> int:
        """Download the recorded file ``name`` (or, given its thumbnail name, the
        thumbnail) from disk ``disk_type`` (0 USB, 1 SD) to ``dest``; a ``dest`` that
        holds a prefix is resumed. Verified against the size get-media-files lists.
        Cancelling keeps the part downloaded. Returns the file's size in bytes."""
        d = os.fspath(dest)
        self._run_code("usapi_download_media", progress, timeout, None, int(disk_type),
                       _native.encode(name, "name"), _native.encode(d, "dest"))
        return os.path.getsize(d)


#: API method name -> Device method name, for the 56 methods of the document
#: (from the library's method table, generated into _tables).
API_METHODS: Dict[str, str] = {m: m.replace("-", "_") for m in _tables.API_METHODS}
