"""asyncio: calls as awaitables, completed by the library's fleet engine.

::

    import asyncio, ultrastream, ultrastream.aio as aio

    async def main(devices):
        statuses = await asyncio.gather(*(aio.get_status(d) for d in devices))
        for d, s in zip(devices, statuses):
            print(d.host, s.flag_names)
        results = await aio.call_many(devices, "set-name", name="Stage")

No thread of your own is needed: each call is started with
``usapi_call_async`` and returns at once; when the device answers, the
engine's thread hands the result to the event loop with
``loop.call_soon_threadsafe``, which completes the awaited future. A
thousand devices in flight cost a thousand futures, not threads. Open and
log in devices with the blocking :class:`~ultrastream.Device` first
(``login`` is one call per device; ``await aio.call(dev, "ping")`` and the
others then run on the loop). Cancelling an awaiting task drops its result
(the request itself may still reach the device).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from .device import Device, call_args
from .errors import check
from .fleet import ManyResult, make_result
from .replies import Reply

__all__ = ["call", "call_many", "get_status", "get_info", "get_settings", "ping"]

# In-flight calls by the integer handed to C as user_data: the loop, the
# future, the method, and the Device (kept alive until the answer).
_pending: Dict[int, Tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", str, Any]] = {}
_lock = threading.Lock()
_ids = itertools.count(1)


def _settle(fut: "asyncio.Future[Any]", code: int, text: Optional[bytes], method: str) -> None:
    if fut.done():  # cancelled meanwhile
        return
    r = make_result(0, None, 0, code, text, method)
    if r.error is not None:
        fut.set_exception(r.error)
    else:
        fut.set_result(r.reply)


def _on_done(code: int, text: Optional[bytes], user: Optional[int]) -> None:
    """Runs on the engine's thread: hand the result to the loop."""
    with _lock:
        entry = _pending.pop(int(user or 0), None)
    if entry is None:
        return
    loop, fut, method, _device = entry
    try:
        loop.call_soon_threadsafe(_settle, fut, code, text, method)
    except RuntimeError:  # the loop was closed: nobody waits for this
        pass


# One C callback object for every call, alive as long as the module.
_C_DONE = _native.usapi_async_callback(_on_done)


def call(
    device: Union[Device, int], method: str, params: Optional[Mapping[str, Any]] = None, /, **kwargs: Any
) -> "asyncio.Future[Reply]":
    """Start ``method`` on ``device`` (parameters as for :meth:`Device.call`)
    and return a future of its reply (typed as the blocking call's), or of
    the exception the blocking call would raise. Bad arguments raise at
    once. Must be called from a running event loop."""
    loop = asyncio.get_running_loop()
    method, params_json = call_args(method, params, kwargs)
    handle = device.handle if isinstance(device, Device) else int(device)
    fut: "asyncio.Future[Reply]" = loop.create_future()
    key = next(_ids)
    with _lock:
        _pending[key] = (loop, fut, method, device)
    try:
        check(
            _native.lib().usapi_call_async(
                handle,
                _native.encode(method, "method"),
                _native.encode(params_json, "params"),
                _C_DONE,
                key,
            )
        )
    except BaseException:
        with _lock:
            _pending.pop(key, None)
        raise
    return fut


def get_status(device: Union[Device, int]) -> "asyncio.Future[Reply]":
    """``get-status`` as an awaitable (a :class:`~ultrastream.replies.Status`)."""
    return call(device, "get-status")


def get_info(device: Union[Device, int]) -> "asyncio.Future[Reply]":
    """``get-info`` as an awaitable."""
    return call(device, "get-info")


def get_settings(device: Union[Device, int]) -> "asyncio.Future[Reply]":
    """``get-settings`` as an awaitable."""
    return call(device, "get-settings")


def ping(device: Union[Device, int]) -> "asyncio.Future[Reply]":
    """``ping`` as an awaitable."""
    return call(device, "ping")


async def call_many(
    devices: Iterable[Union[Device, int]],
    method: str,
    params: Optional[Mapping[str, Any]] = None,
    /,
    *,
    max_in_flight: int = 64,
    **kwargs: Any,
) -> List[ManyResult]:
    """Run ``method`` on every device, at most ``max_in_flight`` at once (0:
    64), and return one :class:`~ultrastream.ManyResult` per device in the
    order given (failures in ``error``, never raised)."""
    items = list(devices)
    limit = asyncio.Semaphore(max_in_flight if max_in_flight > 0 else 64)

    async def one(i: int, d: Union[Device, int]) -> ManyResult:
        dev = d if isinstance(d, Device) else None
        handle = d.handle if isinstance(d, Device) else int(d)
        r = ManyResult(index=i, device=dev, handle=handle)
        async with limit:
            try:
                r.reply = await call(d, method, params, **kwargs)
            except Exception as e:  # noqa: BLE001 (reported in the result)
                from .errors import UltrastreamError

                if not isinstance(e, UltrastreamError):
                    raise
                r.error = e
        return r

    return list(await asyncio.gather(*(one(i, d) for i, d in enumerate(items))))
