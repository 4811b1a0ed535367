"""Long operations run to the end, and a progress printer for terminals.

Every ``Device.run_*`` method, :meth:`Device.download_media` and
:meth:`Device.wait_ready` block until the operation has ended. Progress
arrives on the calling thread through ``progress=``, a callable taking a
:class:`~ultrastream.ProgressReport`; returning ``False`` cancels (anything
else, ``None`` included, goes on: the same rule as the streamed upload).
What cancelling stops is said by each method and by the
:class:`~ultrastream.CancelledError` it raises. An exception raised by the
callable cancels too, and is raised again once the library has stopped::

    with ultrastream.Simulator() as sim, sim.device() as dev:
        dev.run_firmware_update("fw.mwf", progress=ultrastream.progress_printer())
"""

from __future__ import annotations

import sys
from ctypes import byref
from typing import Any, Callable, List, Optional, TextIO

from . import _native
from .errors import error_for, last_error
from .progress import ProgressCallback, ProgressReport, c_callback

__all__ = ["progress_printer"]


def _ms(seconds: Optional[float], what: str) -> int:
    if seconds is None:
        return 0
    if seconds <= 0:
        raise ValueError(f"{what} must be positive (seconds)")
    return max(1, min(0xFFFFFFFF, int(round(seconds * 1000))))


class _Runner:
    """The C options and callback of one call; keeps the callback alive."""

    def __init__(self, progress: Optional[ProgressCallback], timeout: Optional[float],
                 poll_interval: Optional[float]) -> None:
        self._cb, self._errors = c_callback(progress)
        self.options = _native.usapi_run_options(
            timeout_ms=_ms(timeout, "timeout"),
            poll_interval_ms=_ms(poll_interval, "poll_interval"),
            progress=self._cb,
            user_data=None,
        )

    def ref(self) -> Any:
        return byref(self.options)

    def check(self, code: int) -> int:
        """Raise the callable's exception, or the library's error; else return ``code``."""
        detail = last_error() if code < 0 else ""
        if self._errors:
            raise self._errors[0]
        if code < 0:
            raise error_for(code, detail)
        return code


def progress_printer(stream: Optional[TextIO] = None, width: int = 30) -> Callable[[ProgressReport], None]:
    """A ready ``progress=`` callback that draws a bar per operation phase.

    On a terminal the bar is redrawn in place; elsewhere (a log, a pipe) a
    line is printed each time the phase changes or the percent passes a
    multiple of 10. Never cancels.
    """
    out = stream if stream is not None else sys.stderr
    tty = bool(getattr(out, "isatty", lambda: False)())
    last: List[Any] = [None, -1]

    def show(p: ProgressReport) -> None:
        filled = width * max(0, min(100, p.percent)) // 100
        bar = "#" * filled + "." * (width - filled)
        what = f"{p.operation} {p.phase}" + (f" (step {p.step})" if p.step else "")
        if p.total:
            what += f" {_size(p.done)}/{_size(p.total)}"
        line = f"[{bar}] {p.percent:3d}% {what}"
        key = (p.operation, p.phase)
        if tty:
            end = "\n" if p.phase == "done" else ""
            if key != last[0] and last[0] is not None and last[1] < 100:
                out.write("\n")
            out.write("\r" + line.ljust(width + 40) + end)
        elif key != last[0] or p.percent // 10 != last[1] // 10:
            out.write(line + "\n")
        out.flush()
        last[0], last[1] = key, p.percent

    return show


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)
