//! Result codes: the device's documented status codes (section 1.3 of the
//! vendor document) and the library's own block from -1000 down.
//!
//! Numbers never change once released: add new codes last, never remove.

/// One documented code: number, the name the vendor document uses, and a
/// message that says what went wrong (and, for library codes, what to do).
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// The number (never changes once released).
    pub code: i32,
    /// The Rust constant's name (`ERR_BUSY`): the C macro is `USAPI_` +
    /// it, the Python constant it alone (the generated tables read it).
    pub ident: &'static str,
    /// The document's name ("errBusy"), or the C constant for
    /// library codes ("USAPI_E_TIMEOUT").
    pub name: &'static str,
    /// One line: what went wrong (and what to do).
    pub message: &'static str,
    /// The same strings, NUL-terminated, for the C ABI (static: nothing to
    /// free, nothing allocated).
    pub name_c: &'static CStr,
    /// `message`, NUL-terminated.
    pub message_c: &'static CStr,
}

/// `concat!(s, "\0")` as a `&CStr`, checked at compile time (the status
/// tables use it too).
pub(crate) const fn cstr(with_nul: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(with_nul.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("the tables' names and messages contain no NUL"),
    }
}

macro_rules! codes {
    ($( $konst:ident = $num:expr, $name:literal, $msg:literal; )*) => {
        $( #[doc = concat!($name, ": ", $msg, ".")] pub const $konst: i32 = $num; )*
        /// Every known code, device and library.
        pub static CODES: &[CodeInfo] = &[
            $( CodeInfo {
                code: $num,
                ident: stringify!($konst),
                name: $name,
                message: $msg,
                name_c: cstr(concat!($name, "\0")),
                message_c: cstr(concat!($msg, "\0")),
            }, )*
        ];
    };
}

codes! {
    RET_LIVING_AUTH_ERR = 30, "retLivingAuthErr", "live stream: authentication with the streaming server failed";
    RET_LIVING_NOTSET = 29, "retLivingNotset", "live stream address is not set (no enabled streaming server)";
    RET_LIVING_DNS = 28, "retLivingDNS", "live stream: resolving DNS";
    RET_INIT = 27, "retInit", "initial status";
    RET_LIVING_AUTHING = 25, "retLivingAuthing", "live stream: authorization in progress";
    RET_LIVING_WAITING = 24, "retLivingWaiting", "live stream: waiting for connection to the stream server";
    RET_LIVING_CONNECTING = 23, "retLivingConnecting", "live stream: connecting to the stream server";
    RET_LIVING_CONNECTED = 22, "retLivingConnected", "live stream: connected to the stream server";
    RET_PUSH_REBOOT = 21, "retPushReboot", "push: reboot";
    RET_AUDIO_SIGNAL_CHANGE = 20, "retAudioSignalChange", "audio signal changed";
    RET_BLUE_WRITE = 19, "retBlueWrite", "bluetooth write";
    RET_BLUE_READ = 18, "retBlueRead", "bluetooth read";
    RET_BLUE_SHUTDOWN = 17, "retBlueShutDown", "bluetooth shut down";
    RET_DISK_ON = 16, "retDiskOn", "storage device attached";
    RET_DISK_OFF = 15, "retDiskOff", "storage device removed";
    RET_DISK_CHANGE = 14, "retDiskChange", "storage device changed";
    RET_SNAPSHOT_OVER = 13, "retSnapshotOver", "snapshot finished";
    RET_PUSH_RESET = 12, "retPushReset", "push: reset";
    RET_PUSH_LIVING = 11, "retPushLiving", "push: live streaming";
    RET_PUSH_RECORD = 10, "retPushRecord", "push: recording";
    RET_SIGNAL_CHANGE = 9, "retSignalChange", "input signal changed";
    RET_ROUTE_CHANGE = 8, "retRouteChange", "route changed";
    RET_IP_CHANGE = 7, "retIPChange", "IP address changed";
    RET_NET_CHANGE = 6, "retNetChange", "network changed";
    RET_CANCEL = 5, "retCancel", "the request was cancelled";
    RET_LOW_SPACE = 4, "retLowSpace", "not enough free space on the storage device";
    RET_LOW_SPEED = 3, "retLowSpeed", "the storage device is too slow to record smooth video";
    RET_RUNNING = 2, "retRunning", "the request is running";
    RET_REPEAT = 1, "retRepeat", "repeat request: the operation is already in that state";
    RET_SUCCEED = 0, "retSucceed", "success";
    ERR_PASSWD = -1, "errPasswd", "wrong user name or password";
    ERR_OCCUPIED = -2, "errOccupied", "the device is being used by others (at most 2 sessions); log out another client";
    ERR_DISCONNECT = -3, "errDisconnect", "disconnected (reserved)";
    ERR_DEVICE = -4, "errDevice", "device error";
    ERR_DISK = -5, "errDisk", "storage device error or not ready";
    ERR_UNCONNECT = -6, "errUnconnect", "not connected";
    ERR_KEY = -7, "errKey", "key error";
    ERR_VERSION = -8, "errVersion", "version error";
    ERR_BUSY = -9, "errBusy", "the device is busy with a mutually exclusive operation; retry when it has finished";
    ERR_PARAM = -10, "errParam", "the device rejected the request parameters";
    ERR_USAGE = -11, "errUsage", "usage error (reserved)";
    ERR_TIMEOUT = -12, "errTimeout", "the device timed out";
    ERR_IP = -13, "errIP", "IP error (reserved)";
    ERR_NOT_FOUND = -14, "errNotFound", "data does not exist";
    ERR_FILE = -15, "errFile", "error file";
    ERR_NO_SPACE = -16, "errNoSpace", "no free space on the storage device";
    ERR_NEED_AUTH = -17, "errNeedAuth", "authentication required: log in first";
    ERR_SYSTEM = -18, "errSystem", "system error";
    ERR_DISK_SPEED = -19, "errDiskSpeed", "the storage device is too slow";
    ERR_EMPTY = -20, "errEmpty", "empty";
    ERR_NETWORK = -21, "errNetwork", "network error";
    ERR_EVENT = -22, "errEvent", "event error";
    ERR_CODEC = -23, "errCodec", "codec error";
    ERR_BLUE = -24, "errBlue", "bluetooth error";
    ERR_NO_USER = -25, "errNoUser", "this user does not exist";
    ERR_SAME_NAME = -27, "errSameName", "the name already exists";
    ERR_STRING = -28, "errString", "input characters are not valid";
    ERR_CHANNELS_LIMITED = -29, "errChannelsLimited", "at most 2 streaming servers can be enabled at once";
    ERR_8M_LIMITED = -30, "err8MLimited", "at 8 Mbps the encoder can stream to one server only";
    ERR_FACEBOOK_LIMITED = -31, "errFacebookLimited", "Facebook cannot be streamed to together with other servers";
    ERR_CODEC_LIMITED = -32, "errCodecLimited", "live streaming is not allowed while the main stream uses HEVC";
    ERR_4G_LIMITED = -33, "err4GLimited", "time-unit x bitrate would make a recording file larger than 4 GB";
    ERR_MWF_UNSUPPORTED = -34, "errMWFUnsupported", "the update package does not match this model or hardware version";
    RET_LOGIN_FAILED = 36, "retLoginFailed", "wrong user or password (errPasswd: the document's login code 36; devices in the field answer -1); login failed, nothing changed";

    // Library-side codes: -1000 down.
    E_INVALID_HANDLE = -1000, "USAPI_E_INVALID_HANDLE", "the device handle is 0, closed or unknown; open a device with usapi_device_open";
    E_NULL_ARGUMENT = -1001, "USAPI_E_NULL_ARGUMENT", "a required pointer argument was NULL";
    E_INVALID_UTF8 = -1002, "USAPI_E_INVALID_UTF8", "a string argument is not valid UTF-8";
    E_INVALID_ARGUMENT = -1003, "USAPI_E_INVALID_ARGUMENT", "an argument breaks the API's rules; see usapi_last_error for the parameter and rule";
    E_CONNECT = -1004, "USAPI_E_CONNECT", "could not connect to the device; check the address and that it is powered and reachable";
    E_TIMEOUT = -1005, "USAPI_E_TIMEOUT", "the device did not answer within the timeout";
    E_HTTP_STATUS = -1006, "USAPI_E_HTTP_STATUS", "the device answered with an HTTP error status";
    E_BAD_REPLY = -1007, "USAPI_E_BAD_REPLY", "the device's reply is not the JSON the API describes";
    E_REPLY_TOO_LARGE = -1008, "USAPI_E_REPLY_TOO_LARGE", "the device's reply exceeds the size limit";
    E_PANIC = -1009, "USAPI_E_PANIC", "internal error (a bug in ultrastream); please report it";
    E_IO = -1010, "USAPI_E_IO", "the connection failed while sending or receiving";
    E_FILE = -1012, "USAPI_E_FILE", "a local file could not be read or written";
    E_SIMULATOR = -1013, "USAPI_E_SIMULATOR", "the simulator could not be started or controlled";
    E_UNKNOWN_METHOD = -1014, "USAPI_E_UNKNOWN_METHOD", "the method name is not one of the API's methods";
    E_DISCOVERY = -1015, "USAPI_E_DISCOVERY", "device discovery failed (socket setup)";
    E_CANCELLED = -1016, "USAPI_E_CANCELLED", "the operation was cancelled by its progress callback";
    E_REDIRECT = -1017, "USAPI_E_REDIRECT", "the device answered with an HTTP redirect, which is never followed; check the address";
    E_VERIFY = -1018, "USAPI_E_VERIFY", "the operation finished but its result did not check out (version, size); see usapi_last_error";
    E_TRUNCATED = -1019, "USAPI_E_TRUNCATED", "a value from the device is longer than its struct field; use the JSON function instead";
    E_BUFFER_TOO_SMALL = -1033, "USAPI_E_BUFFER_TOO_SMALL", "the caller's array is too small: *out_count says how many entries are needed (the first `capacity` were filled)";
    E_WATCH = -1025, "USAPI_E_WATCH", "the watcher cannot do this (e.g. stop itself from its own callback); see usapi_last_error";
}

use std::ffi::CStr;

/// `name` for C callers.
pub fn name_c(code: i32) -> &'static CStr {
    info(code).map_or(c"unknown", |c| c.name_c)
}

/// `message` for C callers.
pub fn message_c(code: i32) -> &'static CStr {
    info(code).map_or(c"unknown result code", |c| c.message_c)
}

/// Look up a code. Unknown codes give `None`.
pub fn info(code: i32) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code == code)
}

/// The code's name ("errBusy"), or "unknown" for codes no one documented.
pub fn name(code: i32) -> &'static str {
    info(code).map_or("unknown", |c| c.name)
}

/// The code's message, or a generic one for unknown codes.
pub fn message(code: i32) -> &'static str {
    info(code).map_or("unknown result code", |c| c.message)
}

/// Device codes below zero are failures; 0 and the positive codes are
/// outcomes a caller acts on (repeat, running, live-stream states).
pub fn is_failure(code: i32) -> bool {
    code < 0
}

/// What a caller does about a failure, shared by every binding: Python
/// picks its exception class by it, C++ answers `Error::is_auth()` and the
/// like, C reads it with `usapi_result_kind`. The numbers are C's
/// `USAPI_KIND_*` and never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The number (`USAPI_KIND_` + `ident` in C).
    pub value: i32,
    /// The constant's name without its prefix ("AUTH").
    pub ident: &'static str,
    /// What the kind holds and what to do.
    pub meaning: &'static str,
}

macro_rules! kinds {
    ($( $konst:ident = $val:expr, $meaning:literal; )*) => {
        $( #[doc = concat!($meaning, ".")] pub const $konst: Kind = Kind {
            value: $val,
            ident: stringify!($konst),
            meaning: $meaning,
        }; )*
        /// Every kind, by number.
        pub static KINDS: &[Kind] = &[ $( $konst, )* ];
    };
}

/// The kinds of failure (see [`Kind`]).
pub mod kind {
    use super::Kind;
    kinds! {
        OTHER = 0, "none of the kinds below (or not a failure)";
        AUTH = 1, "wrong user or password, or not logged in (-1, 36, -17): log in (again)";
        BUSY = 2, "the device is busy or held by two other clients (-9, -2): retry later";
        INVALID_ARGUMENT = 3, "an argument was refused, by the library before sending or by the device (-1003, -1001, -1002, -10, -28)";
        CONNECTION = 4, "the device could not be reached or the connection broke (-1004, -1010)";
        TIMEOUT = 5, "the device did not answer in time (-1005); also a connection failure";
        NOT_FOUND = 6, "the thing named does not exist (-14, -25)";
        SIMULATOR = 7, "the built-in simulator could not be started or controlled (-1013)";
        CANCELLED = 8, "a progress callback cancelled the operation (-1016)";
    }
}

/// The kind of a result code; [`kind::OTHER`] for codes of no kind
/// (success, outcomes, unknown codes).
pub fn kind_of(code: i32) -> Kind {
    match code {
        ERR_PASSWD | RET_LOGIN_FAILED | ERR_NEED_AUTH => kind::AUTH,
        ERR_BUSY | ERR_OCCUPIED => kind::BUSY,
        E_INVALID_ARGUMENT | E_NULL_ARGUMENT | E_INVALID_UTF8 | ERR_PARAM | ERR_STRING => {
            kind::INVALID_ARGUMENT
        }
        E_CONNECT | E_IO => kind::CONNECTION,
        E_TIMEOUT => kind::TIMEOUT,
        ERR_NOT_FOUND | ERR_NO_USER => kind::NOT_FOUND,
        E_SIMULATOR => kind::SIMULATOR,
        E_CANCELLED => kind::CANCELLED,
        _ => kind::OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        for (i, a) in CODES.iter().enumerate() {
            for b in &CODES[i + 1..] {
                assert_ne!(a.code, b.code, "{} and {} share a number", a.name, b.name);
            }
        }
    }

    #[test]
    fn lookup() {
        assert_eq!(name(ERR_BUSY), "errBusy");
        assert_eq!(name(ERR_NEED_AUTH), "errNeedAuth");
        assert_eq!(name(12345), "unknown");
        assert!(message(E_TIMEOUT).contains("timeout"));
    }
}
