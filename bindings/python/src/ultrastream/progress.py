"""Progress reports of long calls (the streamed firmware upload, and the
long operations): one :class:`ProgressReport` per report, handed to the
``progress`` callable the caller passes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

from . import _native

__all__ = ["ProgressReport", "ProgressCallback"]


@dataclass(frozen=True)
class ProgressReport:
    """One progress report (a copy of the C ``usapi_progress``)."""

    #: "upload", "format-usb", "update", ...
    operation: str
    #: "uploading", "downloading", "waiting", ...
    phase: str
    #: The device's step where it reports one, else 0.
    step: int
    #: 0..100.
    percent: int
    #: Bytes so far (upload, download), else 0.
    done: int
    #: Bytes in all (upload, download), else 0.
    total: int
    #: The device's current result for the operation (2 running ...).
    result: int


#: A progress callable: return ``False`` to stop; anything else (``None``
#: included) goes on. An exception it raises stops the call and is re-raised.
ProgressCallback = Callable[[ProgressReport], Any]


def c_callback(progress: Optional[ProgressCallback]) -> Tuple[Any, List[BaseException]]:
    """A C callback wrapping ``progress`` (keep it alive for the whole call),
    and the list that receives an exception the callable raised."""
    errors: List[BaseException] = []
    if progress is None:
        return _native.usapi_progress_callback(), errors

    def trampoline(p: Any, _user: Any) -> int:
        try:
            c = p.contents
            report = ProgressReport(
                operation=(c.operation or b"").decode("utf-8", "replace"),
                phase=(c.phase or b"").decode("utf-8", "replace"),
                step=c.step,
                percent=c.percent,
                done=c.done,
                total=c.total,
                result=c.result,
            )
            return 1 if progress(report) is False else 0
        except BaseException as e:  # noqa: BLE001  (re-raised by the caller)
            errors.append(e)
            return 1

    return _native.usapi_progress_callback(trampoline), errors

