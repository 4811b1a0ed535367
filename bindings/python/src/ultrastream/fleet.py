"""Many devices, one call (blocking): :func:`call_many`.

::

    devices = [ultrastream.Device(h) for h in hosts]
    for d in devices:
        d.login("Admin", "Admin")
    for r in ultrastream.call_many(devices, "set-name", name="Stage left"):
        print(r.device.host if r.device else r.handle, "ok" if r.ok else r.error)

The calls run on the library's fleet engine, at most ``max_in_flight`` at
once (one per device); the asyncio form is :mod:`ultrastream.aio`.
"""

from __future__ import annotations

from ctypes import byref
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, Union

from . import _native
from .device import REPLY_TYPES, Device, call_args
from .errors import E_BAD_REPLY, UltrastreamError, check, error_for
from .replies import Reply

__all__ = ["ManyResult", "call_many"]


@dataclass
class ManyResult:
    """One device's result from :func:`call_many`.

    ``reply`` is set when the device answered with a code >= 0 (``reply.code``
    tells positive outcomes apart); ``error`` is the exception the call would
    have raised otherwise (a device refusal such as ``BusyError``, or a
    library failure such as ``ConnectError``).
    """

    #: The device's position in the sequence given.
    index: int
    #: The :class:`Device` given (None when a bare handle was given).
    device: Optional[Device]
    #: The C handle.
    handle: int
    reply: Optional[Reply] = None
    error: Optional[UltrastreamError] = None

    @property
    def ok(self) -> bool:
        """True when the device answered result 0."""
        return self.reply is not None and self.reply.code == 0

    @property
    def code(self) -> int:
        """The code ``usapi_call`` returns: the device's result, or the failure's code."""
        return self.reply.code if self.reply is not None else self.error.code  # type: ignore[union-attr]

    def result(self) -> Reply:
        """The reply, or raise the error."""
        if self.error is not None:
            raise self.error
        assert self.reply is not None
        return self.reply


def make_result(
    index: int, device: Optional[Device], handle: int, code: int, text: Optional[bytes], method: str
) -> ManyResult:
    """A :class:`ManyResult` from a C callback's ``code`` and ``text``."""
    s = (text or b"").decode("utf-8", "replace")
    r = ManyResult(index=index, device=device, handle=handle)
    if code < 0:
        r.error = error_for(code, s)
        return r
    try:
        r.reply = REPLY_TYPES.get(method, Reply).parse(s, code=code, method=method)
    except ValueError as e:  # JSON the library accepted but Python cannot read
        r.error = error_for(E_BAD_REPLY, f"{method}: the reply is not JSON: {e}")
    return r


def call_many(
    devices: Iterable[Union[Device, int]],
    method: str,
    params: Optional[Mapping[str, Any]] = None,
    /,
    *,
    max_in_flight: int = 0,
    timeout: Optional[float] = None,
    on_result: Optional[Callable[[ManyResult], Any]] = None,
    **kwargs: Any,
) -> List[ManyResult]:
    """Run ``method`` on every device at once and return one
    :class:`ManyResult` per device, in the order given.

    Parameters are given as for :meth:`Device.call` (``params`` and keyword
    arguments). At most ``max_in_flight`` calls run at once (0: 64; a device
    never has more than one); ``timeout`` (seconds) bounds each device's
    request (None: each device's own). ``on_result`` is called on this
    thread with each result as its device finishes; what it raises is
    re-raised after the call (later results are still collected). A
    closed handle gets an error with code ``E_INVALID_HANDLE`` in its result. Bad arguments
    raise before any call is made.
    """
    items: Sequence[Union[Device, int]] = list(devices)
    handles = [d.handle if isinstance(d, Device) else int(d) for d in items]
    method, params_json = call_args(method, params, kwargs)
    opts = _native.usapi_many_options(
        max_in_flight=max(0, int(max_in_flight)),
        timeout_ms=0 if timeout is None else max(1, int(round(timeout * 1000))),
    )
    results: List[Optional[ManyResult]] = [None] * len(handles)
    raised: List[BaseException] = []

    def on_one(index: int, dev: int, code: int, text: Optional[bytes], _user: Any) -> None:
        try:
            item = items[index]
            r = make_result(index, item if isinstance(item, Device) else None, dev, code, text, method)
            results[index] = r
            if on_result is not None and not raised:
                on_result(r)
        except BaseException as e:  # never unwind into C
            raised.append(e)

    c_cb = _native.usapi_many_callback(on_one)  # alive until the call returns
    arr = (_native.c_device * max(1, len(handles)))(*handles)
    check(
        _native.lib().usapi_call_many(
            arr,
            len(handles),
            _native.encode(method, "method"),
            _native.encode(params_json, "params"),
            byref(opts),
            c_cb,
            None,
        )
    )
    if raised:
        raise raised[0]
    missing = [i for i, r in enumerate(results) if r is None]
    if missing:  # the library promises one callback per device
        raise RuntimeError(f"usapi_call_many gave no result for devices {missing[:10]}")
    return [r for r in results if r is not None]
