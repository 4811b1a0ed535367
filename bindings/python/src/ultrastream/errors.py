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

from . import _native, _tables
from ._tables import *  # noqa: F401,F403  (the result code constants)
from ._tables import ERR_BUSY, RET_LOGIN_FAILED, RET_SUCCEED

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
    "OK",
    # every result code's constant (ERR_BUSY, E_TIMEOUT ...), from the library's table
    *_tables.__all__,
]

LibraryNotFoundError = _native.LibraryNotFoundError

# The result code constants (ERR_BUSY = -9, E_TIMEOUT = -1005 ..., the same
# numbers as the USAPI_* macros of ultrastream.h) come from _tables, which is
# generated from the library's own table (src/model/codes.rs).

#: Success (``RET_SUCCEED``).
OK = RET_SUCCEED


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


# The library says what kind of failure a code is (usapi_result_kind, one
# table in src/model/codes.rs that C++ reads too); the class follows it.
_BY_KIND: Dict[int, Type[UltrastreamError]] = {
    _tables.KIND_AUTH: AuthError,
    _tables.KIND_BUSY: BusyError,
    _tables.KIND_INVALID_ARGUMENT: InvalidArgumentError,
    _tables.KIND_CONNECTION: ConnectError,
    _tables.KIND_TIMEOUT: DeviceTimeoutError,
    _tables.KIND_NOT_FOUND: NotFoundError,
    _tables.KIND_SIMULATOR: SimulatorError,
    _tables.KIND_CANCELLED: CancelledError,
}


def error_for(code: int, detail: str = "") -> UltrastreamError:
    """The exception for ``code`` (its class chosen by the library's kind of the code)."""
    return _BY_KIND.get(_native.lib().usapi_result_kind(int(code)), UltrastreamError)(code, detail)


def check(code: int) -> int:
    """Raise for a failing code (negative, or 36 from login); return it otherwise.

    Reads ``usapi_last_error()`` at once, so call it right after the C call,
    on the same thread.
    """
    if code < 0 or code == RET_LOGIN_FAILED:
        raise error_for(code, last_error())
    return code
