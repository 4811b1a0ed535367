"""The device status mask (``cur-status``) and storage status (``disk-status``)."""

from __future__ import annotations

from typing import List

# The bits, the values and their names are the library's own tables
# (src/model/status.rs), generated into _tables.
from ._tables import DISK_STATUS_NAMES, STATUS_FLAG_NAMES, DiskStatus, StatusFlag

__all__ = ["StatusFlag", "status_flag_names", "DiskStatus", "disk_status_name", "disk_usable"]


def status_flag_names(mask: int) -> List[str]:
    """The vendor names of the bits set in a ``cur-status`` mask, lowest bit first.

    >>> status_flag_names(65552)
    ['statusDiskReady', 'statusPasswd']
    """
    mask = int(mask)
    return [name for bit, name in sorted(STATUS_FLAG_NAMES.items()) if mask & bit]


def disk_status_name(value: int) -> str:
    """The vendor name of a ``disk-status`` value (``"DiskValid"``), or ``"unknown"``."""
    return DISK_STATUS_NAMES.get(int(value), "unknown")


def disk_usable(value: int) -> bool:
    """True when a disk can be recorded to (valid, or valid but low on space)."""
    return int(value) in (DiskStatus.VALID, DiskStatus.LOW_SPACE)
