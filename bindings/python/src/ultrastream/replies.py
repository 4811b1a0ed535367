"""Replies: the device's JSON as a ``dict``, plus typed views of the main ones.

Every method of :class:`ultrastream.Device` returns a :class:`Reply`: a
``dict`` holding the JSON object exactly as the device sent it (keys in the
document's kebab-case: ``reply["cur-status"]``), with three attributes:

* ``code``: the C function's return value, always ``>= 0`` on a reply (0
  success; positive outcomes such as 1 retRepeat "already in that state",
  2 retRunning or 29 retLivingNotset are returned here, never raised);
* ``text``: the raw JSON text;
* ``method``: the API method name (``"get-status"``).

The main replies are subclasses with typed, snake_case attributes, parsed
leniently (numbers sent as strings, missing keys, the document's
misspellings such as ``gorp-sec``, ``hdm1`` and ``beign-time``):

=====================  ========================================================
``get_info()``         :class:`InfoReply` (``.product.firmware_ver_s`` ...)
``get_status()``       :class:`StatusReply` (``.recording``, ``.usb.free_size``)
``get_settings()``     :class:`SettingsReply` (``.name``, ``.stream_server``)
``ping()``             :class:`PingReply` (``.cur_status``, ``.flags``)
``get_users()``        :class:`UsersReply` (``.users[0].id``)
``get_media_files()``  :class:`MediaFilesReply` (``.media_files[0].name``)
``upload_update_*()``  :class:`UploadReply` (``.up_to_date``, ``.version``)
=====================  ========================================================

Nested views are frozen dataclasses; each keeps its JSON object in ``.raw``.
Their field names are the C structs' (``usapi_settings``, ``usapi_server_info``
...: the JSON keys with ``-`` -> ``_``), so ``StreamServer.server_type`` and
``User.user_type`` hold the JSON ``type`` (``.type`` still works as an alias).
``Device.get_servers()`` / ``find_server(name)`` give :class:`ServerInfo`
(with ``live_result``) through the C structs; ``add_server_id()`` the new id.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar

from .errors import result_name
from .status import StatusFlag, status_flag_names

__all__ = [
    "Reply",
    "InfoReply",
    "StatusReply",
    "SettingsReply",
    "PingReply",
    "UsersReply",
    "MediaFilesReply",
    "UploadReply",
    "NamedValue",
    "Resolution",
    "Range",
    "Product",
    "MacAddr",
    "AudioRange",
    "CodecCap",
    "RecControlCap",
    "Progress",
    "RecStatus",
    "LiveStatus",
    "LiveEntry",
    "InputSignal",
    "Disk",
    "NetInfo",
    "UpgradeInfo",
    "SoftAp",
    "DateTime",
    "RecControl",
    "VideoStream",
    "Audio",
    "EthSettings",
    "StreamServer",
    "ServerInfo",
    "VideoColor",
    "Volume",
    "User",
    "MediaFile",
]

T = TypeVar("T")


def _key(name: str, aliases: Tuple[str, ...] = ()) -> Dict[str, Any]:
    """Field metadata: the JSON key and its known misspellings."""
    return {"key": name, "aliases": aliases}


def _to_int(v: Any) -> int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    if isinstance(v, str):
        try:
            return int(float(v.strip()))
        except ValueError:
            return 0
    return 0


def _to_float(v: Any) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return 0.0
    return 0.0


def _to_str(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v)


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1")
    return False


_HINTS: Dict[type, Dict[str, Any]] = {}


def _hints(cls: type) -> Dict[str, Any]:
    h = _HINTS.get(cls)
    if h is None:
        h = typing.get_type_hints(cls)
        _HINTS[cls] = h
    return h


def _convert(tp: Any, value: Any) -> Any:
    """Convert JSON ``value`` to type ``tp`` leniently."""
    origin = typing.get_origin(tp)
    if origin in (list, List):
        (item,) = typing.get_args(tp) or (Any,)
        if not isinstance(value, list):
            return []
        return [_convert(item, v) for v in value]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _view(tp, value)
    if tp is int:
        return _to_int(value)
    if tp is float:
        return _to_float(value)
    if tp is str:
        return _to_str(value)
    if tp is bool:
        return _to_bool(value)
    return value


def _lookup(obj: Dict[str, Any], name: str, meta: Any) -> Any:
    key = meta.get("key") if meta else None
    keys = [key or name.replace("_", "-")] + list(meta.get("aliases", ()) if meta else ())
    for k in keys:
        if k in obj:
            return obj[k]
    return None


def _view(cls: Type[T], obj: Any) -> T:
    """Build the dataclass ``cls`` from a JSON object (anything else: defaults)."""
    if not isinstance(obj, dict):
        obj = {}
    hints = _hints(cls)
    kwargs: Dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name == "raw":
            kwargs["raw"] = obj
            continue
        kwargs[f.name] = _convert(hints[f.name], _lookup(obj, f.name, f.metadata))
    return cls(**kwargs)


def _raw() -> Any:
    return field(default_factory=dict, repr=False, compare=False)


# --- nested views -----------------------------------------------------------


@dataclass(frozen=True)
class NamedValue:
    """``{"name": ..., "value": N}``: an entry of get-info's ranges."""

    name: str = ""
    value: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class Resolution:
    w: int = 0
    h: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class Range:
    max: float = 0.0
    min: float = 0.0
    default: float = field(default=0.0, metadata=_key("def"))
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class Product:
    sn: str = ""
    product_id: int = 0
    hardware_ver: str = ""
    firmware_id: int = 0
    firmware_ver_s: str = ""
    factory_firmware_ver_s: str = ""
    product_name: str = ""
    module_name: str = ""
    manu_name: str = ""
    features: int = 0
    max_lock_count: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class MacAddr:
    eth: str = ""
    wifi: str = ""
    blue: str = ""
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class AudioRange:
    #: The document's structure says ``hdm1``; devices say ``hdmi``.
    hdmi: Range = field(default_factory=Range, metadata=_key("hdmi", ("hdm1",)))
    mic: Range = field(default_factory=Range)
    phone: Range = field(default_factory=Range)
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class CodecCap:
    resolutions: List[Resolution] = field(default_factory=list)
    durations: List[NamedValue] = field(default_factory=list)
    profile: List[NamedValue] = field(default_factory=list)
    hevc_profile: List[NamedValue] = field(default_factory=list)
    video_kbps: List[NamedValue] = field(default_factory=list)
    audio_kbps: List[NamedValue] = field(default_factory=list)
    #: The document's example spells it ``gorp-sec``.
    gop_sec: List[NamedValue] = field(default_factory=list, metadata=_key("gop-sec", ("gorp-sec",)))
    video_range: List[NamedValue] = field(default_factory=list)
    stat_sec: List[NamedValue] = field(default_factory=list)
    video_codec: List[NamedValue] = field(default_factory=list)
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class RecControlCap:
    usb_option: List[NamedValue] = field(default_factory=list)
    sd_option: List[NamedValue] = field(default_factory=list)
    time_unit: List[NamedValue] = field(default_factory=list)
    file_ext: List[NamedValue] = field(default_factory=list)
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class Progress:
    """A ``{result, percent, ...}`` block of get-status (format, tests, upgrade).

    Units (the document states none; see ``BPS_UNITS``): ``read_bps`` and
    ``write_bps`` of disk-test are bytes per second (the document's worked
    example: 14833071 ≈ 14.15 MB/s); ``upload_bps`` of living-test has no
    example and is bits per second in the simulator.
    """

    result: int = 0
    percent: int = 0
    step: int = 0
    mode: str = ""
    #: bytes per second (disk-test)
    read_bps: int = 0
    #: bytes per second (disk-test; the document's example is bytes/s)
    write_bps: int = 0
    #: living-test upload speed: bits per second in the simulator (no unit in the document)
    upload_bps: int = 0
    net: int = 0
    client_id: str = ""
    raw: Dict[str, Any] = _raw()


#: The units of the ``*_bps`` fields and the evidence (the same text as the
#: Rust ``model::BPS_UNITS``).
BPS_UNITS = (
    "disk write-bps/read-bps: bytes/s (document example); rec/live cur-bps, avg-bps, "
    "cur-bps2: bytes/s (the simulator's default; the Bitfocus Companion module, tested on "
    "real Ultra Streams, reads them so; the document states no unit; bits/s is a simulator "
    "option); living-test upload-bps: bits/s (simulator; no example)"
)


@dataclass(frozen=True)
class RecStatus:
    """rec-status of get-status. ``cur_bps`` / ``avg_bps`` are bytes per
    second, as the Bitfocus module reads them on real Ultra Streams and the
    simulator reports them by default; the document states no unit (see
    ``BPS_UNITS`` and docs/units.md)."""

    result: int = 0
    run_ms: int = 0
    #: bytes per second (Bitfocus on real devices, simulator); unit not stated by the document
    cur_bps: int = 0
    #: bytes per second, like ``cur_bps``
    avg_bps: int = 0
    client_id: str = ""
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class LiveEntry:
    """One entry of live-status ``live``: a server's live state (newer firmware)."""

    #: the stream server's id (as in get-settings' ``stream-server``)
    id: int = 0
    #: this server's live state (22 connected, 23 connecting, ...)
    result: int = 0
    name: str = ""
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class LiveStatus:
    """live-status of get-status. ``cur_bps`` / ``avg_bps`` / ``cur_bps2``
    are bytes per second, as the Bitfocus module reads an Ultra Stream's
    live ``cur-bps`` and the simulator reports them by default; the
    document states no unit (see ``BPS_UNITS`` and docs/units.md)."""

    result: int = 0
    run_ms: int = 0
    #: bytes per second (Bitfocus on real devices, simulator); unit not stated by the document
    cur_bps: int = 0
    #: bytes per second, like ``cur_bps``
    avg_bps: int = 0
    net: int = 0
    result2: int = 0
    #: the second server's bitrate, like ``cur_bps``
    cur_bps2: int = 0
    net2: int = 0
    client_id: str = ""
    #: per-server entries newer firmware (Ultra Encode) sends; the Ultra
    #: Stream document has only ``result`` / ``result2``
    live: List[LiveEntry] = field(default_factory=list)
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class InputSignal:
    status: int = 0
    cx: int = 0
    cy: int = 0
    interlaced: int = 0
    frame_rate: float = 0.0
    channel_valid: int = 0
    is_lpcm: int = 0
    bits_per_sample: int = 0
    sample_rate: int = 0
    raw: Dict[str, Any] = _raw()

    @property
    def present(self) -> bool:
        """True when the input has a signal (a non-zero resolution)."""
        return self.cx > 0 and self.cy > 0


@dataclass(frozen=True)
class Disk:
    """USB drive or SD card of get-status."""

    disk_status: int = 0
    total_size: int = 0
    used_size: int = 0
    free_size: int = 0
    block_size: int = 0
    usage: int = 0
    sys_path: str = ""
    fs_type: str = ""
    mount_path: str = ""
    fs_label: str = ""
    #: bytes per second (the document's usb example 14255282 ≈ 13.6 MB/s)
    write_bps: int = 0
    #: bytes per second
    read_bps: int = 0
    free_sec: int = 0
    file_count: int = 0
    #: USB blocks on devices spell it ``beign-time``.
    begin_time: str = field(default="", metadata=_key("begin-time", ("beign-time",)))
    end_time: str = ""
    total_cache_time: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class NetInfo:
    name: str = ""
    level: int = 0
    ip: str = ""
    mask: str = ""
    router: str = ""
    dns: str = ""
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class UpgradeInfo:
    ver: str = ""
    date: str = ""
    size_byte: int = 0
    info: List[Any] = field(default_factory=list)
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class SoftAp:
    is_softap: int = 0
    is_visible: int = 0
    softap_ssid: str = ""
    softap_passwd: str = ""
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class DateTime:
    timezone: str = ""
    is_auto: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class RecControl:
    mime_type: int = 0
    usb_option: int = 0
    sd_option: int = 0
    root_folder: str = ""
    file_prefix: str = ""
    time_unit: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class VideoStream:
    is_auto: int = 0
    codec: int = 0
    cx: int = 0
    cy: int = 0
    duration: int = 0
    kbps: int = 0
    gop: int = 0
    fourcc: int = 0
    profile: int = 0
    cbrstat: int = 0
    fullrange: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class Audio:
    sample_rate: int = 0
    channels: int = 0
    kbps: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class EthSettings:
    is_dhcp: int = 0
    ip: str = ""
    mask: str = ""
    router: str = ""
    dns: str = ""
    raw: Dict[str, Any] = _raw()


class _DictLike:
    """Read access to the JSON object too (``view["mic-gain"]``), as when the
    field was a plain ``dict``."""

    raw: Dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def keys(self) -> Any:
        return self.raw.keys()


@dataclass(frozen=True)
class VideoColor(_DictLike):
    """get-settings ``video-color`` (``usapi_video_color``)."""

    contrast: int = 0
    brightness: int = 0
    saturation: int = 0
    hue: int = 0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class Volume(_DictLike):
    """get-settings ``volume`` (``usapi_volume``): inputs on/off, gains in dB."""

    is_mic: int = 0
    mic_gain: float = 0.0
    is_spi: int = 0
    spi_gain: float = 0.0
    is_phone: int = 0
    phone_gain: float = 0.0
    raw: Dict[str, Any] = _raw()


@dataclass(frozen=True)
class StreamServer:
    """An entry of get-settings' ``stream-server`` list."""

    id: int = 0
    #: 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook (the JSON key is ``type``;
    #: the name is the C struct's; ``.type`` still works).
    server_type: int = field(default=0, metadata=_key("type"))
    name: str = ""
    url: str = ""
    key: str = field(default="", repr=False)
    is_auth: int = 0
    user: str = ""
    passwd: str = field(default="", repr=False)
    is_use: int = 0
    token: str = field(default="", repr=False)
    net_mode: int = 0
    raw: Dict[str, Any] = _raw()

    @property
    def type(self) -> int:
        """Alias of :attr:`server_type` (the name before it matched the C struct)."""
        return self.server_type


@dataclass(frozen=True)
class ServerInfo:
    """A stream server with its live state: ``usapi_server_info``, from
    :meth:`ultrastream.Device.get_servers` / :meth:`~ultrastream.Device.find_server`."""

    #: The device's id, for enable_server, set_server, del_server.
    id: int = 0
    #: 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook.
    server_type: int = 0
    name: str = ""
    url: str = ""
    is_use: int = 0
    is_auth: int = 0
    net_mode: int = 0
    #: This server's live state from get-status (22 connected, 23
    #: connecting ...), else 27 (not enabled, or not streaming).
    live_result: int = 27


@dataclass(frozen=True)
class User:
    id: str = ""
    #: 1 administrator, 2 general user (the JSON key is ``type``; the name
    #: is the C struct's; ``.type`` still works).
    user_type: int = field(default=0, metadata=_key("type"))
    raw: Dict[str, Any] = _raw()

    @property
    def type(self) -> int:
        """Alias of :attr:`user_type` (the name before it matched the C struct)."""
        return self.user_type


@dataclass(frozen=True)
class MediaFile:
    name: str = ""
    thumbnail_name: str = ""
    status: int = 0
    create_time: str = ""
    size_bytes: int = 0
    duration: int = 0
    width: int = 0
    height: int = 0
    interval: int = 0
    codec: int = 0
    raw: Dict[str, Any] = _raw()


# --- replies ----------------------------------------------------------------

_BASE_ATTRS = frozenset({"code", "text", "method"})


class Reply(Dict[str, Any]):
    """A device reply: the JSON object as a ``dict``, plus ``code``, ``text``, ``method``.

    Subclasses declare typed attributes as annotations; they are computed
    from the JSON on first access and cached.
    """

    code: int
    text: str
    method: str

    def __init__(self, data: Dict[str, Any], *, code: int = 0, text: str = "", method: str = "") -> None:
        super().__init__(data)
        self.code = int(code)
        self.text = text
        self.method = method

    @classmethod
    def parse(cls, text: Optional[str], *, code: int = 0, method: str = "") -> "Reply":
        """Build a reply from the device's JSON text (``None``/empty: ``{}``)."""
        data: Any = json.loads(text) if text else {}
        if not isinstance(data, dict):
            data = {"value": data}
        return cls(data, code=code, text=text or "", method=method)

    @property
    def name(self) -> str:
        """The name of ``code`` (``"retSucceed"``, ``"retRepeat"`` ...)."""
        return result_name(self.code)

    @property
    def ok(self) -> bool:
        """True when ``code`` is 0 (not a positive outcome such as retRepeat)."""
        return self.code == 0

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        cls = type(self)
        hints = _typed_attrs(cls)
        if attr not in hints:
            raise AttributeError(f"{cls.__name__} has no attribute {attr!r} (the JSON is the dict itself: reply[{attr.replace('_', '-')!r}])")
        cache = self.__dict__.setdefault("_typed", {})
        if attr not in cache:
            meta = getattr(cls, "_keys", {}).get(attr, {})
            cache[attr] = _convert(hints[attr], _lookup(self, attr, meta))
        return cache[attr]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, {dict.__repr__(self)})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild_reply, (type(self), dict(self), self.code, self.text, self.method))


def _rebuild_reply(cls: Type[Reply], data: Dict[str, Any], code: int, text: str, method: str) -> Reply:
    return cls(data, code=code, text=text, method=method)


_TYPED: Dict[type, Dict[str, Any]] = {}


def _typed_attrs(cls: type) -> Dict[str, Any]:
    t = _TYPED.get(cls)
    if t is None:
        t = {k: v for k, v in typing.get_type_hints(cls).items() if k not in _BASE_ATTRS and not k.startswith("_")}
        _TYPED[cls] = t
    return t


class InfoReply(Reply):
    """get-info: product, MAC addresses, audio ranges, codec and recording capabilities."""

    mac_addr: MacAddr
    snapshot: str
    product: Product
    audio_range: AudioRange
    codec_cap: CodecCap
    rec_control: RecControlCap


class _MaskMixin:
    cur_status: int

    @property
    def flags(self) -> StatusFlag:
        """``cur-status`` as :class:`StatusFlag` bits."""
        return StatusFlag(self.cur_status & sum(StatusFlag))

    @property
    def flag_names(self) -> List[str]:
        """The vendor names of the bits set in ``cur-status``."""
        return status_flag_names(self.cur_status)


class StatusReply(_MaskMixin, Reply):
    """get-status: the real-time working status."""

    cur_status: int
    last_rec_status: int
    cur_time: str
    box_name: str
    lock_user: List[Any]
    rec_status: RecStatus
    live_status: LiveStatus
    upgrade_status: Progress
    format_status: Progress
    disk_test: Progress
    living_test: Progress
    check_upgrade: Progress
    input_signal: InputSignal
    usb: Disk
    sd: Disk
    wifi: NetInfo
    eth: NetInfo
    mobile: NetInfo
    upgrade: UpgradeInfo
    downgrade: UpgradeInfo

    @property
    def recording(self) -> bool:
        """True while recording (statusRecord)."""
        return bool(self.cur_status & StatusFlag.RECORD)

    @property
    def living(self) -> bool:
        """True while live streaming (statusLiving)."""
        return bool(self.cur_status & StatusFlag.LIVING)


class SettingsReply(Reply):
    """get-settings: the device configuration."""

    name: str  # the device name (get-settings "name"), not the code's name
    passwd: int
    is_settings: int
    is_ssdp: int
    is_startup: int
    is_startup_rec: int
    is_startup_live: int
    is_signal_lost: int
    is_hdmi_rec_ctrl: int
    softap: SoftAp
    date_time: DateTime
    rec_control: RecControl
    #: Typed views; they still answer ``settings.volume["mic-gain"]`` as the
    #: dicts they used to be.
    video_color: VideoColor
    volume: Volume
    rec_stream: int
    live_stream: int
    mws_stream: int
    main_stream: VideoStream
    sub_stream: VideoStream
    audio: Audio
    eth: EthSettings
    stream_server: List[StreamServer]


# get-settings has a "name" key (the device name); it wins over Reply.name.
def _settings_name(self: SettingsReply) -> str:
    """The device name (get-settings ``name``); ``result_name(code)`` gives the code's."""
    return _to_str(self.get("name"))


SettingsReply.name = property(_settings_name)  # type: ignore[assignment]


def _server_count(self: SettingsReply) -> int:
    """How many entries ``stream-server`` has (``usapi_settings.server_count``)."""
    return len(self.stream_server)


SettingsReply.server_count = property(_server_count)  # type: ignore[attr-defined]


class PingReply(_MaskMixin, Reply):
    """ping: the result and the status mask (works without login)."""

    cur_status: int


class UsersReply(Reply):
    """get-users: the user list."""

    users: List[User]


class MediaFilesReply(Reply):
    """get-media-files: a page of recorded files."""

    path: str
    thumbnail: str
    media_files: List[MediaFile]


class UploadReply(Reply):
    """upload-update-file: ``status`` (the document's "result"), ``up-to-date``, ``version``, ``size``."""

    status: int
    up_to_date: bool
    version: str
    size: int

    _keys = {"status": {"key": "status", "aliases": ("result",)}}
