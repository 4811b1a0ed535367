# Generated from the library's own tables by capi/src/generated.rs: do not edit.
# After a change to src/model/codes.rs, src/model/status.rs, src/api/mod.rs
# or the USAPI_DISCOVER_* constants of src/ffi/discovery.rs,
# regenerate with `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p ultrastream-capi`.
"""The library's tables for the package: result codes, status bits, disk
statuses and the API methods (generated; see the banner)."""

from __future__ import annotations

import enum
from typing import Dict, Tuple

# What `from ._tables import *` gives: the result code constants.
__all__ = [
    "RET_LIVING_AUTH_ERR",
    "RET_LIVING_NOTSET",
    "RET_LIVING_DNS",
    "RET_INIT",
    "RET_LIVING_AUTHING",
    "RET_LIVING_WAITING",
    "RET_LIVING_CONNECTING",
    "RET_LIVING_CONNECTED",
    "RET_PUSH_REBOOT",
    "RET_AUDIO_SIGNAL_CHANGE",
    "RET_BLUE_WRITE",
    "RET_BLUE_READ",
    "RET_BLUE_SHUTDOWN",
    "RET_DISK_ON",
    "RET_DISK_OFF",
    "RET_DISK_CHANGE",
    "RET_SNAPSHOT_OVER",
    "RET_PUSH_RESET",
    "RET_PUSH_LIVING",
    "RET_PUSH_RECORD",
    "RET_SIGNAL_CHANGE",
    "RET_ROUTE_CHANGE",
    "RET_IP_CHANGE",
    "RET_NET_CHANGE",
    "RET_CANCEL",
    "RET_LOW_SPACE",
    "RET_LOW_SPEED",
    "RET_RUNNING",
    "RET_REPEAT",
    "RET_SUCCEED",
    "ERR_PASSWD",
    "ERR_OCCUPIED",
    "ERR_DISCONNECT",
    "ERR_DEVICE",
    "ERR_DISK",
    "ERR_UNCONNECT",
    "ERR_KEY",
    "ERR_VERSION",
    "ERR_BUSY",
    "ERR_PARAM",
    "ERR_USAGE",
    "ERR_TIMEOUT",
    "ERR_IP",
    "ERR_NOT_FOUND",
    "ERR_FILE",
    "ERR_NO_SPACE",
    "ERR_NEED_AUTH",
    "ERR_SYSTEM",
    "ERR_DISK_SPEED",
    "ERR_EMPTY",
    "ERR_NETWORK",
    "ERR_EVENT",
    "ERR_CODEC",
    "ERR_BLUE",
    "ERR_NO_USER",
    "ERR_SAME_NAME",
    "ERR_STRING",
    "ERR_CHANNELS_LIMITED",
    "ERR_8M_LIMITED",
    "ERR_FACEBOOK_LIMITED",
    "ERR_CODEC_LIMITED",
    "ERR_4G_LIMITED",
    "ERR_MWF_UNSUPPORTED",
    "RET_LOGIN_FAILED",
    "E_INVALID_HANDLE",
    "E_NULL_ARGUMENT",
    "E_INVALID_UTF8",
    "E_INVALID_ARGUMENT",
    "E_CONNECT",
    "E_TIMEOUT",
    "E_HTTP_STATUS",
    "E_BAD_REPLY",
    "E_REPLY_TOO_LARGE",
    "E_PANIC",
    "E_IO",
    "E_FILE",
    "E_SIMULATOR",
    "E_UNKNOWN_METHOD",
    "E_DISCOVERY",
    "E_CANCELLED",
    "E_REDIRECT",
    "E_VERIFY",
    "E_TRUNCATED",
    "E_BUFFER_TOO_SMALL",
    "E_WATCH",
]

# --- Result codes (src/model/codes.rs; USAPI_ + the name is the C macro) ---

#: retLivingAuthErr: live stream: authentication with the streaming server failed.
RET_LIVING_AUTH_ERR = 30
#: retLivingNotset: live stream address is not set (no enabled streaming server).
RET_LIVING_NOTSET = 29
#: retLivingDNS: live stream: resolving DNS.
RET_LIVING_DNS = 28
#: retInit: initial status.
RET_INIT = 27
#: retLivingAuthing: live stream: authorization in progress.
RET_LIVING_AUTHING = 25
#: retLivingWaiting: live stream: waiting for connection to the stream server.
RET_LIVING_WAITING = 24
#: retLivingConnecting: live stream: connecting to the stream server.
RET_LIVING_CONNECTING = 23
#: retLivingConnected: live stream: connected to the stream server.
RET_LIVING_CONNECTED = 22
#: retPushReboot: push: reboot.
RET_PUSH_REBOOT = 21
#: retAudioSignalChange: audio signal changed.
RET_AUDIO_SIGNAL_CHANGE = 20
#: retBlueWrite: bluetooth write.
RET_BLUE_WRITE = 19
#: retBlueRead: bluetooth read.
RET_BLUE_READ = 18
#: retBlueShutDown: bluetooth shut down.
RET_BLUE_SHUTDOWN = 17
#: retDiskOn: storage device attached.
RET_DISK_ON = 16
#: retDiskOff: storage device removed.
RET_DISK_OFF = 15
#: retDiskChange: storage device changed.
RET_DISK_CHANGE = 14
#: retSnapshotOver: snapshot finished.
RET_SNAPSHOT_OVER = 13
#: retPushReset: push: reset.
RET_PUSH_RESET = 12
#: retPushLiving: push: live streaming.
RET_PUSH_LIVING = 11
#: retPushRecord: push: recording.
RET_PUSH_RECORD = 10
#: retSignalChange: input signal changed.
RET_SIGNAL_CHANGE = 9
#: retRouteChange: route changed.
RET_ROUTE_CHANGE = 8
#: retIPChange: IP address changed.
RET_IP_CHANGE = 7
#: retNetChange: network changed.
RET_NET_CHANGE = 6
#: retCancel: the request was cancelled.
RET_CANCEL = 5
#: retLowSpace: not enough free space on the storage device.
RET_LOW_SPACE = 4
#: retLowSpeed: the storage device is too slow to record smooth video.
RET_LOW_SPEED = 3
#: retRunning: the request is running.
RET_RUNNING = 2
#: retRepeat: repeat request: the operation is already in that state.
RET_REPEAT = 1
#: retSucceed: success.
RET_SUCCEED = 0
#: errPasswd: wrong user name or password.
ERR_PASSWD = -1
#: errOccupied: the device is being used by others (at most 2 sessions); log out another client.
ERR_OCCUPIED = -2
#: errDisconnect: disconnected (reserved).
ERR_DISCONNECT = -3
#: errDevice: device error.
ERR_DEVICE = -4
#: errDisk: storage device error or not ready.
ERR_DISK = -5
#: errUnconnect: not connected.
ERR_UNCONNECT = -6
#: errKey: key error.
ERR_KEY = -7
#: errVersion: version error.
ERR_VERSION = -8
#: errBusy: the device is busy with a mutually exclusive operation; retry when it has finished.
ERR_BUSY = -9
#: errParam: the device rejected the request parameters.
ERR_PARAM = -10
#: errUsage: usage error (reserved).
ERR_USAGE = -11
#: errTimeout: the device timed out.
ERR_TIMEOUT = -12
#: errIP: IP error (reserved).
ERR_IP = -13
#: errNotFound: data does not exist.
ERR_NOT_FOUND = -14
#: errFile: error file.
ERR_FILE = -15
#: errNoSpace: no free space on the storage device.
ERR_NO_SPACE = -16
#: errNeedAuth: authentication required: log in first.
ERR_NEED_AUTH = -17
#: errSystem: system error.
ERR_SYSTEM = -18
#: errDiskSpeed: the storage device is too slow.
ERR_DISK_SPEED = -19
#: errEmpty: empty.
ERR_EMPTY = -20
#: errNetwork: network error.
ERR_NETWORK = -21
#: errEvent: event error.
ERR_EVENT = -22
#: errCodec: codec error.
ERR_CODEC = -23
#: errBlue: bluetooth error.
ERR_BLUE = -24
#: errNoUser: this user does not exist.
ERR_NO_USER = -25
#: errSameName: the name already exists.
ERR_SAME_NAME = -27
#: errString: input characters are not valid.
ERR_STRING = -28
#: errChannelsLimited: at most 2 streaming servers can be enabled at once.
ERR_CHANNELS_LIMITED = -29
#: err8MLimited: at 8 Mbps the encoder can stream to one server only.
ERR_8M_LIMITED = -30
#: errFacebookLimited: Facebook cannot be streamed to together with other servers.
ERR_FACEBOOK_LIMITED = -31
#: errCodecLimited: live streaming is not allowed while the main stream uses HEVC.
ERR_CODEC_LIMITED = -32
#: err4GLimited: time-unit x bitrate would make a recording file larger than 4 GB.
ERR_4G_LIMITED = -33
#: errMWFUnsupported: the update package does not match this model or hardware version.
ERR_MWF_UNSUPPORTED = -34
#: retLoginFailed: wrong user or password (errPasswd: the document's login code 36; devices in the field answer -1); login failed, nothing changed.
RET_LOGIN_FAILED = 36
#: USAPI_E_INVALID_HANDLE: the device handle is 0, closed or unknown; open a device with usapi_device_open.
E_INVALID_HANDLE = -1000
#: USAPI_E_NULL_ARGUMENT: a required pointer argument was NULL.
E_NULL_ARGUMENT = -1001
#: USAPI_E_INVALID_UTF8: a string argument is not valid UTF-8.
E_INVALID_UTF8 = -1002
#: USAPI_E_INVALID_ARGUMENT: an argument breaks the API's rules; see usapi_last_error for the parameter and rule.
E_INVALID_ARGUMENT = -1003
#: USAPI_E_CONNECT: could not connect to the device; check the address and that it is powered and reachable.
E_CONNECT = -1004
#: USAPI_E_TIMEOUT: the device did not answer within the timeout.
E_TIMEOUT = -1005
#: USAPI_E_HTTP_STATUS: the device answered with an HTTP error status.
E_HTTP_STATUS = -1006
#: USAPI_E_BAD_REPLY: the device's reply is not the JSON the API describes.
E_BAD_REPLY = -1007
#: USAPI_E_REPLY_TOO_LARGE: the device's reply exceeds the size limit.
E_REPLY_TOO_LARGE = -1008
#: USAPI_E_PANIC: internal error (a bug in ultrastream); please report it.
E_PANIC = -1009
#: USAPI_E_IO: the connection failed while sending or receiving.
E_IO = -1010
#: USAPI_E_FILE: a local file could not be read or written.
E_FILE = -1012
#: USAPI_E_SIMULATOR: the simulator could not be started or controlled.
E_SIMULATOR = -1013
#: USAPI_E_UNKNOWN_METHOD: the method name is not one of the API's methods.
E_UNKNOWN_METHOD = -1014
#: USAPI_E_DISCOVERY: device discovery failed (socket setup).
E_DISCOVERY = -1015
#: USAPI_E_CANCELLED: the operation was cancelled by its progress callback.
E_CANCELLED = -1016
#: USAPI_E_REDIRECT: the device answered with an HTTP redirect, which is never followed; check the address.
E_REDIRECT = -1017
#: USAPI_E_VERIFY: the operation finished but its result did not check out (version, size); see usapi_last_error.
E_VERIFY = -1018
#: USAPI_E_TRUNCATED: a value from the device is longer than its struct field; use the JSON function instead.
E_TRUNCATED = -1019
#: USAPI_E_BUFFER_TOO_SMALL: the caller's array is too small: *out_count says how many entries are needed (the first `capacity` were filled).
E_BUFFER_TOO_SMALL = -1033
#: USAPI_E_WATCH: the watcher cannot do this (e.g. stop itself from its own callback); see usapi_last_error.
E_WATCH = -1025

# What a caller does about a failure (usapi_result_kind; USAPI_KIND_* in C).

#: none of the kinds below (or not a failure).
KIND_OTHER = 0
#: wrong user or password, or not logged in (-1, 36, -17): log in (again).
KIND_AUTH = 1
#: the device is busy or held by two other clients (-9, -2): retry later.
KIND_BUSY = 2
#: an argument was refused, by the library before sending or by the device (-1003, -1001, -1002, -10, -28).
KIND_INVALID_ARGUMENT = 3
#: the device could not be reached or the connection broke (-1004, -1010).
KIND_CONNECTION = 4
#: the device did not answer in time (-1005); also a connection failure.
KIND_TIMEOUT = 5
#: the thing named does not exist (-14, -25).
KIND_NOT_FOUND = 6
#: the built-in simulator could not be started or controlled (-1013).
KIND_SIMULATOR = 7
#: a progress callback cancelled the operation (-1016).
KIND_CANCELLED = 8


class StatusFlag(enum.IntFlag):
    """Bits of ``cur-status`` (the ``USAPI_STATUS_*`` macros of ultrastream.h)."""

    FIRST = 0x1
    RECORD = 0x2
    LIVING = 0x4
    STREAM = 0x8
    DISK_READY = 0x10
    RTMP_READY = 0x20
    SOFTAP = 0x40
    MIC = 0x100
    PHONE = 0x200
    OUTPUT = 0x400
    DISK_TEST = 0x1000
    BLUE = 0x2000
    UPGRADE = 0x4000
    NET_TEST = 0x8000
    PASSWD = 0x10000
    OCCUPIED = 0x20000
    FORMAT_DISK = 0x100000
    SEARCH_WIFI = 0x400000
    CONNECT_WIFI = 0x800000
    CONNECT_BLUE = 0x1000000
    CHECK_UPGRADE = 0x2000000
    RESET = 0x4000000
    IPV6 = 0x8000000
    TEST_LOCK = 0x10000000
    REBOOT = 0x20000000


#: The document's name of each bit, its spelling ("stausIPv6") included.
STATUS_FLAG_NAMES: Dict[int, str] = {
    0x1: "statusFirst",
    0x2: "statusRecord",
    0x4: "statusLiving",
    0x8: "statusStream",
    0x10: "statusDiskReady",
    0x20: "statusRTMPReady",
    0x40: "statusSoftAP",
    0x100: "statusMIC",
    0x200: "statusPHONE",
    0x400: "statusOutput",
    0x1000: "statusDiskTest",
    0x2000: "statusBlue",
    0x4000: "statusUpgrade",
    0x8000: "statusNetTest",
    0x10000: "statusPasswd",
    0x20000: "statusOccupied",
    0x100000: "statusFormatDisk",
    0x400000: "statusSearchWifi",
    0x800000: "statusConnectWifi",
    0x1000000: "statusConnectBlue",
    0x2000000: "statusCheckUpgrade",
    0x4000000: "statusReset",
    0x8000000: "stausIPv6",
    0x10000000: "statusTestLock",
    0x20000000: "statusReboot",
}


class DiskStatus(enum.IntEnum):
    """``disk-status`` values (values, not bits: compare with ``==``)."""

    #: NotDisk: no storage device detected.
    NOT_DISK = 0
    #: DiskValid: the storage device is valid (ready to record).
    VALID = 1
    #: NotSpace: no free space left on the storage device.
    NOT_SPACE = 3
    #: NotWrite: the storage device is not writable.
    NOT_WRITE = 4
    #: LowSpace: less than 200 MB free (still recordable).
    LOW_SPACE = 5
    #: DiskInvalid: the storage device is invalid (formatting may help).
    INVALID = 6


#: The document's name of each disk status.
DISK_STATUS_NAMES: Dict[int, str] = {
    0: "NotDisk",
    1: "DiskValid",
    3: "NotSpace",
    4: "NotWrite",
    5: "LowSpace",
    6: "DiskInvalid",
}

# --- The API methods (src/api/mod.rs) ---

#: The 56 methods of the document, in its order.
API_METHODS: Tuple[str, ...] = (
    "get-info",
    "get-status",
    "get-settings",
    "start-rec",
    "stop-rec",
    "start-live",
    "stop-live",
    "ping",
    "set-name",
    "set-app-settings",
    "set-app-passwd",
    "set-first-over",
    "set-rec-control",
    "set-softap",
    "set-date-time",
    "set-signal-lost-ctrl",
    "set-startup-rec",
    "set-startup-live",
    "set-ssdp",
    "set-hdmi-rec-ctrl",
    "start-format-usb",
    "start-format-sd",
    "clear-format-usb",
    "start-test-usb",
    "stop-test-usb",
    "clear-test-usb",
    "get-media-files",
    "del-media-files",
    "add-server",
    "enable-server",
    "set-server",
    "del-server",
    "start-test-server",
    "stop-test-server",
    "clear-test-server",
    "set-stream",
    "set-video",
    "set-audio",
    "reboot",
    "reset-all-settings",
    "login",
    "logout",
    "get-users",
    "add-user",
    "del-user",
    "ch-password",
    "set-password",
    "set-eth",
    "disconn-wifi",
    "close-softap",
    "update",
    "upload-update-file",
    "cancel-download",
    "online-update-check",
    "clear-upgrade",
    "clear-check-update",
)

# --- Discovery (src/ffi/discovery.rs) ---

#: ``protocols`` bit: the vendor's multicast protocol.
DISCOVER_MULTICAST = 1
#: ``protocols`` bit: SSDP.
DISCOVER_SSDP = 2
#: ``flags`` bit: never fetch UPnP descriptions.
DISCOVER_NO_DESCRIPTION_FETCH = 1
#: ``flags`` bit: do not listen on the multicast group.
DISCOVER_NO_GROUP_LISTEN = 2
