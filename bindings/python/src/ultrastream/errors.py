"""Exceptions and result codes.

Every failure of the C library becomes an :class:`UltrastreamError` (or one
of its subclasses) carrying:

* ``code``: the C return value (a negative device code such as ``-9``
  errBusy, or a library code from ``-1000`` down such as ``-1004``
  USAPI_E_CONNECT);
* ``name``: the code's name (``"errBusy"``, ``"USAPI_E_CONNECT"``);
* ``message``: what the code means;
* ``detail``: ``usapi_last_error()`` read on the calling thread right after the
  failing call (the parameter and rule, the method, the address ...).

Positive results (1 retRepeat, 2 retRunning, 29 retLivingNotset, ...) are
outcomes, not failures: they are returned on the reply object
(``reply.code``), never raised.
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, Tuple, Type

from . import _native

__all__ = [
    "UltrastreamError",
    "AuthError",
    "BusyError",
    "CancelledError",
    "InvalidArgumentError",
    "ConnectError",
    "DeviceTimeoutError",
    "NotFoundError",
    "SimulatorError",
    "LibraryNotFoundError",
    "result_name",
    "result_message",
    "last_error",
    "error_for",
    "check",
    # code constants
    "OK",
    "RET_REPEAT",
    "RET_RUNNING",
    "RET_LOW_SPEED",
    "RET_LIVING_NOTSET",
    "RET_LOGIN_FAILED",
    "ERR_PASSWD",
    "ERR_OCCUPIED",
    "ERR_BUSY",
    "ERR_PARAM",
    "ERR_NOT_FOUND",
    "ERR_NEED_AUTH",
    "ERR_NO_USER",
    "ERR_SAME_NAME",
    "ERR_STRING",
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

LibraryNotFoundError = _native.LibraryNotFoundError

# Result codes (the same numbers as the USAPI_* macros of ultrastream.h).
OK = 0
RET_REPEAT = 1
RET_RUNNING = 2
RET_LOW_SPEED = 3
RET_LIVING_NOTSET = 29
RET_LOGIN_FAILED = 36
ERR_PASSWD = -1
ERR_OCCUPIED = -2
ERR_BUSY = -9
ERR_PARAM = -10
ERR_NOT_FOUND = -14
ERR_NEED_AUTH = -17
ERR_NO_USER = -25
ERR_SAME_NAME = -27
ERR_STRING = -28
E_INVALID_HANDLE = -1000
E_NULL_ARGUMENT = -1001
E_INVALID_UTF8 = -1002
E_INVALID_ARGUMENT = -1003
E_CONNECT = -1004
E_TIMEOUT = -1005
E_HTTP_STATUS = -1006
E_BAD_REPLY = -1007
E_REPLY_TOO_LARGE = -1008
E_PANIC = -1009
E_IO = -1010
E_FILE = -1012
E_SIMULATOR = -1013
E_UNKNOWN_METHOD = -1014
E_DISCOVERY = -1015
E_CANCELLED = -1016
E_REDIRECT = -1017
E_VERIFY = -1018
E_TRUNCATED = -1019
E_BUFFER_TOO_SMALL = -1033
E_WATCH = -1025


def result_name(code: int) -> str:
    """The name of a result code (``"errBusy"``, ``"USAPI_E_TIMEOUT"``), or ``"unknown"``."""
    return (_native.lib().usapi_result_name(int(code)) or b"unknown").decode("utf-8", "replace")


def result_message(code: int) -> str:
    """What a result code means."""
    return (_native.lib().usapi_result_message(int(code)) or b"").decode("utf-8", "replace")


def last_error() -> str:
    """``usapi_last_error()``: detail of the last failure on this thread ("" if none)."""
    return (_native.lib().usapi_last_error() or b"").decode("utf-8", "replace")


class UltrastreamError(Exception):
    """A call failed. Carries ``code``, ``name``, ``message`` and ``detail``."""

    code: int
    name: str
    message: str
    detail: str

    def __init__(self, code: int, detail: str = "", *, name: str = "", message: str = "") -> None:
        self.code = int(code)
        self.name = name or result_name(self.code)
        self.message = message or result_message(self.code)
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.detail or self.message
        return f"{self.name} ({self.code}): {text}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, name={self.name!r}, detail={self.detail!r})"

    def __reduce__(self) -> Tuple[Any, ...]:  # picklable despite the keyword-only arguments
        return (_rebuild, (type(self), self.code, self.detail, self.name, self.message))


def _rebuild(cls: Type["UltrastreamError"], code: int, detail: str, name: str, message: str) -> "UltrastreamError":
    return cls(code, detail, name=name, message=message)


class AuthError(UltrastreamError):
    """Wrong user or password (-1, 36), not logged in (-17)."""


class BusyError(UltrastreamError):
    """The device is busy (-9 errBusy) or held by two other clients (-2 errOccupied): retry later.

    For errBusy the library has read the device's status once and named the
    running operation that blocks the call, by the document's API Limits
    table: ``blocking`` is what runs (``"recording"``, ``"a firmware
    update"``; ``""`` when the status showed nothing), ``explanation`` the
    whole sentence (``"recording is in progress (USB Format × REC are
    mutually exclusive); stop recording first (stop-rec)"``).
    """

    blocking: str
    explanation: str

    def __init__(self, code: int, detail: str = "", *, name: str = "", message: str = "") -> None:
        super().__init__(code, detail, name=name, message=message)
        # The library's shape: "METHOD: WHAT is in progress (...); ADVICE".
        head, sep, rest = detail.partition(": ")
        self.explanation = rest if sep and " " not in head else detail
        what, sep, _ = self.explanation.partition(" is in progress")
        self.blocking = what if sep and int(code) == ERR_BUSY else ""


class CancelledError(UltrastreamError):
    """A long operation was cancelled from its progress callback (-1016); ``detail``
    says what stopped: the operation on the device, or only the waiting."""


class InvalidArgumentError(UltrastreamError, ValueError):
    """An argument was refused: by the library before sending (-1003, -1001,
    -1002) or by the device (-10 errParam, -28 errString). Also a ``ValueError``."""


class ConnectError(UltrastreamError, builtins.ConnectionError):
    """The device could not be reached or the connection broke (-1004, -1010).
    Also a builtin ``ConnectionError``."""


class DeviceTimeoutError(ConnectError, builtins.TimeoutError):
    """The device did not answer in time (-1005). Also a builtin ``TimeoutError``
    (and a :class:`ConnectError`)."""


class NotFoundError(UltrastreamError, LookupError):
    """The thing named does not exist (-14 errNotFound, -25 errNoUser)."""


class SimulatorError(UltrastreamError):
    """The built-in simulator could not be started or controlled (-1013)."""


_BY_CODE: Dict[int, Type[UltrastreamError]] = {
    ERR_PASSWD: AuthError,
    ERR_NEED_AUTH: AuthError,
    RET_LOGIN_FAILED: AuthError,
    ERR_BUSY: BusyError,
    ERR_OCCUPIED: BusyError,
    E_INVALID_ARGUMENT: InvalidArgumentError,
    E_NULL_ARGUMENT: InvalidArgumentError,
    E_INVALID_UTF8: InvalidArgumentError,
    ERR_PARAM: InvalidArgumentError,
    ERR_STRING: InvalidArgumentError,
    E_CONNECT: ConnectError,
    E_IO: ConnectError,
    E_TIMEOUT: DeviceTimeoutError,
    ERR_NOT_FOUND: NotFoundError,
    ERR_NO_USER: NotFoundError,
    E_SIMULATOR: SimulatorError,
    E_CANCELLED: CancelledError,
}


def error_for(code: int, detail: str = "") -> UltrastreamError:
    """The exception for ``code`` (its class chosen by the code)."""
    return _BY_CODE.get(int(code), UltrastreamError)(code, detail)


def check(code: int) -> int:
    """Raise for a failing code (negative, or 36 from login); return it otherwise.

    Reads ``usapi_last_error()`` at once, so call it right after the C call,
    on the same thread.
    """
    if code < 0 or code == RET_LOGIN_FAILED:
        raise error_for(code, last_error())
    return code
