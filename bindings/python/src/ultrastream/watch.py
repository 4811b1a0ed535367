"""Watching many devices at once: one background watcher in the library
polls every device at an interval and reports events.

Two forms. An iterator of events::

    with ultrastream.watch([dev1, dev2], interval=1.0) as events:
        for event in events:
            print(event.kind, event.host, event.get("changes"))

or a callback, called on the watcher's own thread::

    def on_event(event):
        print(event)

    w = ultrastream.watch(devices, on_event)
    ...
    w.stop()

Events are dicts (the library's JSON) with ``event`` ("online",
"offline", "back", "auth-failed", "occupied", "rebooting", "changed"),
``device`` (the handle), ``host`` and ``time_ms``; "changed" carries
``changes`` and ``previous`` (watched fields: recording, live,
live-servers, input-signal, usb, sd, operations, box-name). The devices
should be logged in: after one comes back the watcher logs in again with the
credentials the handle stored.
"""

from __future__ import annotations

import json
import queue
import threading
from ctypes import byref
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from . import _native
from .device import Device
from .errors import check, error_for, last_error

__all__ = ["Event", "Watch", "watch"]


class Event(Dict[str, Any]):
    """One event: the JSON object, with shortcuts for the common keys."""

    @property
    def kind(self) -> str:
        """"online", "offline", "back", "auth-failed", "occupied", "rebooting" or "changed"."""
        return str(self.get("event", ""))

    @property
    def device(self) -> int:
        """The device handle (``Device.handle``) the event is about."""
        return int(self.get("device", 0))

    @property
    def host(self) -> str:
        return str(self.get("host", ""))

    @property
    def changes(self) -> Dict[str, Any]:
        """For "changed": each field that changed, with its new value."""
        return dict(self.get("changes") or {})


_END = object()


class Watch:
    """A running watcher (see :func:`watch`). Iterate it for events (when
    started without a callback), and :meth:`stop` it, or use it as a
    context manager."""

    def __init__(
        self,
        devices: Iterable[Union[Device, int]],
        callback: Optional[Callable[[Event], Any]] = None,
        *,
        interval: float = 1.0,
        offline_after: Optional[float] = None,
        timeout: Optional[float] = None,
        workers: int = 0,
        max_backoff: Optional[float] = None,
    ) -> None:
        self._lib = _native.lib()
        # Keep the Device objects alive: their handles must outlive the watcher.
        self._devices: List[Union[Device, int]] = list(devices)
        handles = [d.handle if isinstance(d, Device) else int(d) for d in self._devices]
        self._callback = callback
        self._queue: "queue.Queue[Any]" = queue.Queue()
        self._error: Optional[BaseException] = None
        self._handle = 0
        self._lock = threading.Lock()
        ms = lambda s: 0 if s is None else max(1, int(round(s * 1000)))  # noqa: E731
        opts = _native.usapi_watch_options(
            interval_ms=ms(interval),
            offline_after_ms=ms(offline_after),
            timeout_ms=ms(timeout),
            workers=int(workers),
            max_backoff_ms=ms(max_backoff),
        )
        arr = (_native.c_device * max(1, len(handles)))(*handles)
        # The C callback object must live as long as the watcher.
        self._c_callback = _native.usapi_event_callback(self._on_event)
        out = _native.c_watch()
        check(self._lib.usapi_watch_start(arr, len(handles), byref(opts), self._c_callback, None, byref(out)))
        self._handle = out.value

    def _on_event(self, raw: bytes, _user_data: Any) -> int:
        try:
            event = Event(json.loads(raw.decode("utf-8")))
            if self._callback is None:
                self._queue.put(event)
                return 0
            return 1 if self._callback(event) is False else 0
        except BaseException as e:  # never unwind into C: end the watch, re-raise on stop()
            self._error = e
            self._queue.put(_END)
            return 1

    @property
    def handle(self) -> int:
        """The C ``usapi_watch`` handle (0 once stopped)."""
        return self._handle

    def stop(self) -> None:
        """Stop watching; returns after the last callback has returned.

        Raises what a callback raised, if one did. Calling it from this
        watcher's own callback raises (return ``False`` from the callback
        to end the watch instead). Idempotent.
        """
        with self._lock:
            h = self._handle
            if h:
                code = self._lib.usapi_watch_stop(h)
                if code < 0:
                    raise error_for(code, last_error())
                self._handle = 0
                self._queue.put(_END)
        err, self._error = self._error, None
        if err is not None:
            raise err

    def stats(self) -> Dict[str, Any]:
        """Counters: ``{"polls", "failed", "devices": [{"device", "host", "state", "polls", "failed", "max_lag_ms"}]}``."""
        out, ref = _native.out_string()
        try:
            check(self._lib.usapi_watch_stats(self._handle, ref))
            text = _native.take_string(out)
        finally:
            if out.value:
                self._lib.usapi_string_free(out.value)
        return json.loads(text or "{}")

    def get(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, waiting up to ``timeout`` seconds (``None``: forever);
        ``None`` when none came in time or the watch has ended."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _END:
            self._queue.put(_END)  # every later get() ends too
            return None
        return item  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Event]:
        while True:
            item = self._queue.get()
            if item is _END:
                self._queue.put(_END)
                return
            yield item

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            if self._handle:
                self._lib.usapi_watch_stop(self._handle)
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<ultrastream.Watch {len(self._devices)} devices {'running' if self._handle else 'stopped'}>"


def watch(
    devices: Iterable[Union[Device, int]],
    callback: Optional[Callable[[Event], Any]] = None,
    *,
    interval: float = 1.0,
    offline_after: Optional[float] = None,
    timeout: Optional[float] = None,
    workers: int = 0,
    max_backoff: Optional[float] = None,
) -> Watch:
    """Watch ``devices`` (logged-in :class:`Device` objects or handles).

    Without ``callback``: iterate the returned :class:`Watch` (or call
    ``get(timeout)``) for events. With ``callback``: it is called with each
    :class:`Event` on the watcher's thread; returning ``False`` ends the
    watch, an exception ends it and is re-raised by ``stop()``.

    Times are seconds: ``interval`` between polls of a device (default 1),
    ``offline_after`` of silence before "offline" (default 3 intervals),
    ``timeout`` of each request (default half the interval),
    ``max_backoff`` between probes of an offline device (default 10).
    ``workers`` is accepted and ignored: one reactor thread polls every
    device, whatever their number.
    """
    return Watch(
        devices,
        callback,
        interval=interval,
        offline_after=offline_after,
        timeout=timeout,
        workers=workers,
        max_backoff=max_backoff,
    )
