//! The library's error type. Every variant maps to one stable code
//! (`model::codes`), and its message says what went wrong and what to do.
//! Messages never carry a password, hash, stream key, token or cookie:
//! device text is quoted only as a short excerpt (`redact::excerpt`), and
//! the client scrubs the secrets of each request from its errors by value
//! (`Error::scrubbed`).
//!
//! Layer: bottom, on `model::codes` and `redact` only.

use crate::model::codes;
pub use crate::redact::Secrets;
use std::fmt;

/// Everything a call can fail with. `code()` gives the stable number shared
/// with C and Python (docs/troubleshooting.md); `Display` the message, which
/// never contains a secret.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The device answered with a negative result code.
    Device {
        /// The API method that was refused ("start-rec").
        method: String,
        /// The device's code (-9 errBusy, -17 errNeedAuth ...).
        code: i32,
    },
    /// An argument breaks a rule of the API; nothing was sent.
    InvalidArgument {
        /// The parameter ("name").
        param: String,
        /// The rule it breaks, in words.
        rule: String,
    },
    /// A method name that is not one of the API's methods.
    UnknownMethod(String),
    /// TCP connect failed (refused, unreachable, DNS).
    Connect(String),
    /// No answer within the timeout.
    Timeout(String),
    /// The device answered with an HTTP status other than 200.
    HttpStatus {
        /// The API method of the request.
        method: String,
        /// The HTTP status (500, 404 ...).
        status: u16,
    },
    /// The reply is not a JSON object.
    BadReply {
        /// The API method of the request.
        method: String,
        /// What was wrong, with the start of the reply.
        detail: String,
    },
    /// The reply exceeds the size limit.
    TooLarge {
        /// The API method of the request.
        method: String,
        /// The limit in bytes (`Options::max_reply_bytes`).
        limit: usize,
    },
    /// The connection broke while sending or receiving.
    Io(String),
    /// A local file could not be read or written.
    File(String),
    /// The simulator could not be started or controlled.
    Simulator(String),
    /// Device discovery could not set up its sockets.
    Discovery(String),
    /// A progress callback asked to stop; the detail says what was stopped
    /// (the operation on the device, or only the waiting).
    Cancelled(String),
    /// The device answered with an HTTP redirect (never followed).
    Redirect {
        /// The API method of the request.
        method: String,
        /// The HTTP status (301, 302 ...).
        status: u16,
        /// The Location's host only (never its path or query).
        location_host: String,
    },
    /// The operation ended but its outcome did not check out.
    Verify(String),
    /// errBusy (-9), explained: the running operation that blocks `method`
    /// by the document's API Limits table, read from the status mask once.
    /// Also what a `run_*` operation returns when it refuses up front.
    Busy {
        /// The method that was refused.
        method: String,
        /// What is running ("recording"); empty when the status showed nothing.
        blocking: String,
        /// The whole sentence after "METHOD: ".
        explanation: String,
    },
    /// A device string does not fit its C struct field.
    Truncated {
        /// The struct field ("product.sn").
        field: String,
        /// The value's length in bytes.
        len: usize,
        /// The room in the field, in bytes (without the NUL).
        cap: usize,
    },
    /// The watcher cannot do what was asked (stop itself from its own
    /// callback, no devices, a thread could not start).
    Watch(String),
}

/// The result of every fallible call of the library.
pub type Result<T> = std::result::Result<T, Error>;

impl From<crate::model::limits::Busy> for Error {
    fn from(b: crate::model::limits::Busy) -> Error {
        Error::Busy {
            method: b.method,
            blocking: b.blocking,
            explanation: b.explanation,
        }
    }
}

impl Error {
    /// The stable code of this error (device codes pass through unchanged).
    pub fn code(&self) -> i32 {
        match self {
            Error::Device { code, .. } => *code,
            Error::InvalidArgument { .. } => codes::E_INVALID_ARGUMENT,
            Error::UnknownMethod(_) => codes::E_UNKNOWN_METHOD,
            Error::Connect(_) => codes::E_CONNECT,
            Error::Timeout(_) => codes::E_TIMEOUT,
            Error::HttpStatus { .. } => codes::E_HTTP_STATUS,
            Error::BadReply { .. } => codes::E_BAD_REPLY,
            Error::TooLarge { .. } => codes::E_REPLY_TOO_LARGE,
            Error::Io(_) => codes::E_IO,
            Error::File(_) => codes::E_FILE,
            Error::Simulator(_) => codes::E_SIMULATOR,
            Error::Discovery(_) => codes::E_DISCOVERY,
            Error::Cancelled(_) => codes::E_CANCELLED,
            Error::Redirect { .. } => codes::E_REDIRECT,
            Error::Verify(_) => codes::E_VERIFY,
            Error::Truncated { .. } => codes::E_TRUNCATED,
            Error::Busy { .. } => codes::ERR_BUSY,
            Error::Watch(_) => codes::E_WATCH,
        }
    }

    /// This error with every secret of `secrets` scrubbed from its text
    /// (see `redact`): applied to every error of a request before it
    /// leaves the client.
    pub fn scrubbed(self, secrets: &Secrets) -> Error {
        if secrets.is_empty() {
            return self;
        }
        let s = |t: String| secrets.scrub(&t);
        match self {
            Error::Device { method, code } => Error::Device {
                method: s(method),
                code,
            },
            Error::InvalidArgument { param, rule } => Error::InvalidArgument {
                param: s(param),
                rule: s(rule),
            },
            Error::UnknownMethod(m) => Error::UnknownMethod(s(m)),
            Error::Connect(d) => Error::Connect(s(d)),
            Error::Timeout(d) => Error::Timeout(s(d)),
            Error::HttpStatus { method, status } => Error::HttpStatus {
                method: s(method),
                status,
            },
            Error::BadReply { method, detail } => Error::BadReply {
                method: s(method),
                detail: s(detail),
            },
            Error::TooLarge { method, limit } => Error::TooLarge {
                method: s(method),
                limit,
            },
            Error::Io(d) => Error::Io(s(d)),
            Error::File(d) => Error::File(s(d)),
            Error::Simulator(d) => Error::Simulator(s(d)),
            Error::Discovery(d) => Error::Discovery(s(d)),
            Error::Cancelled(d) => Error::Cancelled(s(d)),
            Error::Redirect {
                method,
                status,
                location_host,
            } => Error::Redirect {
                method: s(method),
                status,
                location_host: s(location_host),
            },
            Error::Verify(d) => Error::Verify(s(d)),
            Error::Truncated { field, len, cap } => Error::Truncated {
                field: s(field),
                len,
                cap,
            },
            Error::Busy {
                method,
                blocking,
                explanation,
            } => Error::Busy {
                method: s(method),
                blocking: s(blocking),
                explanation: s(explanation),
            },
            Error::Watch(d) => Error::Watch(s(d)),
        }
    }

    pub(crate) fn invalid(param: &str, rule: impl Into<String>) -> Error {
        Error::InvalidArgument {
            param: param.to_string(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Device { method, code } if *code == codes::ERR_OCCUPIED => write!(
                f,
                "{method}: the device answered {code} (errOccupied): two other clients hold both of its sessions; \
                 close or log out one of them (a program that exited without logging out holds its slot until the \
                 device's session timeout), then log in again"
            ),
            Error::Device { method, code } => write!(
                f,
                "{method}: the device answered {code} ({}): {}",
                codes::name(*code),
                codes::message(*code)
            ),
            Error::InvalidArgument { param, rule } => {
                write!(
                    f,
                    "invalid argument '{param}': {rule}; nothing was sent to the device"
                )
            }
            Error::UnknownMethod(m) => write!(
                f,
                "unknown method '{}': method names are lower-case words joined by '-' (see the API document)",
                crate::redact::excerpt(m)
            ),
            Error::Connect(d) => write!(
                f,
                "could not connect to the device: {d}; check the address, port and network"
            ),
            Error::Timeout(d) => write!(
                f,
                "timed out: {d}; the device may be busy, rebooting or unreachable (retry, or poll with ping)"
            ),
            Error::HttpStatus { method, status } => {
                write!(
                    f,
                    "{method}: the device answered HTTP {status} instead of 200"
                )
            }
            Error::BadReply { method, detail } => {
                write!(
                    f,
                    "{method}: the device's reply is not valid API JSON: {detail}"
                )
            }
            Error::TooLarge { method, limit } => write!(
                f,
                "{method}: the reply is larger than the {limit}-byte limit (raise max_reply_bytes in the options if this is expected)"
            ),
            Error::Io(d) => write!(
                f,
                "connection failed: {d}; the request may or may not have reached the device, so it was not resent"
            ),
            Error::File(d) => write!(f, "file error: {d}"),
            Error::Simulator(d) => write!(f, "simulator: {d}"),
            Error::Discovery(d) => write!(f, "discovery: {d}"),
            Error::Cancelled(d) => write!(f, "cancelled: {d}"),
            Error::Redirect {
                method,
                status,
                location_host,
            } => write!(
                f,
                "{method}: the device answered HTTP {status}, a redirect to host '{location_host}'; redirects are never followed and nothing was sent again (check the address: is it the device itself?)"
            ),
            Error::Verify(d) => write!(f, "verification failed: {d}"),
            Error::Busy {
                method,
                explanation,
                ..
            } => write!(f, "{method}: {explanation}"),
            Error::Truncated { field, len, cap } => write!(
                f,
                "the device's '{field}' is {len} bytes, longer than the struct's {cap}-byte field; read it from the JSON function instead"
            ),
            Error::Watch(d) => write!(f, "watch: {d}"),
        }
    }
}

impl std::error::Error for Error {}
