"""ultrastream: control Magewell Ultra Stream encoders from Python.

A thin, typed layer over ``libultrastream`` (loaded with ctypes; see
:mod:`ultrastream._native` for where it is looked up, and set
``ULTRASTREAM_LIB`` to choose one)::

    import ultrastream

    with ultrastream.Simulator() as sim, ultrastream.Device(sim.host) as dev:  # or a device's address
        dev.login("Admin", "Admin")
        info = dev.get_info()
        print(info.product.module_name, info.product.firmware_ver_s)
        status = dev.get_status()
        print("recording" if status.recording else "idle", status.flag_names)
        r = dev.start_rec()
        if r.code == ultrastream.RET_REPEAT:
            print("was already recording")

No device at hand? ``with ultrastream.Simulator() as sim:`` starts the
built-in virtual device on 127.0.0.1; ``sim.device()`` opens it logged in.

Errors raise :class:`UltrastreamError` subclasses carrying ``code``,
``name``, ``message`` and ``detail``; positive outcomes are returned on the
reply's ``code``.
"""

from __future__ import annotations

from typing import List

from . import _native
from ._native import LibraryNotFoundError
from .device import API_METHODS, Device, StatusSummary
from .discovery import DiscoveredDevice, DiscoveryResult, SsdpInfo, discover
from .errors import *  # noqa: F401,F403  (exceptions and code constants)
from .errors import __all__ as _errors_all
from .errors import last_error, result_message, result_name
from .fleet import ManyResult, call_many
from .progress import ProgressCallback, ProgressReport
from .replies import *  # noqa: F401,F403  (reply types and their views)
from .replies import __all__ as _replies_all
from .ops import progress_printer
from .simulator import Simulator, write_test_firmware
from .status import DiskStatus, StatusFlag, disk_status_name, disk_usable, status_flag_names
from .watch import Event, Watch, watch

__version__ = "0.1.0"


def library_version() -> str:
    """The loaded library's version (``usapi_version()``), e.g. "0.1.0"."""
    return (_native.lib().usapi_version() or b"").decode("ascii", "replace")


def library_path() -> str:
    """Where the native library was loaded from."""
    return _native.library_path()


__all__: List[str] = [
    "Device",
    "call_many",
    "ManyResult",
    "StatusSummary",
    "Simulator",
    "write_test_firmware",
    "discover",
    "DiscoveredDevice",
    "DiscoveryResult",
    "SsdpInfo",
    "StatusFlag",
    "status_flag_names",
    "DiskStatus",
    "disk_status_name",
    "disk_usable",
    "library_version",
    "library_path",
    "watch",
    "Watch",
    "Event",
    "API_METHODS",
    "ProgressReport",
    "progress_printer",
    *_errors_all,
    *_replies_all,
]
