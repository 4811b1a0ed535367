"""The device status mask (``cur-status``) and storage status (``disk-status``)."""

from __future__ import annotations

import enum
from typing import List

__all__ = ["StatusFlag", "status_flag_names", "DiskStatus", "disk_status_name", "disk_usable"]


class StatusFlag(enum.IntFlag):
    """Bits of ``cur-status`` (the ``USAPI_STATUS_*`` macros of ultrastream.h)."""

    FIRST = 0x01
    RECORD = 0x02
    LIVING = 0x04
    STREAM = 0x08
    DISK_READY = 0x10
    RTMP_READY = 0x20
    SOFTAP = 0x40
    MIC = 0x100
    PHONE = 0x200
    OUTPUT = 0x400
    DISK_TEST = 0x1000
    BLUE = 0x2000
    UPGRADE = 0x4000
    NET_TEST = 0x8000
    PASSWD = 0x10000
    OCCUPIED = 0x20000
    FORMAT_DISK = 0x100000
    SEARCH_WIFI = 0x400000
    CONNECT_WIFI = 0x800000
    CONNECT_BLUE = 0x1000000
    CHECK_UPGRADE = 0x2000000
    RESET = 0x4000000
    IPV6 = 0x8000000
    TEST_LOCK = 0x10000000
    REBOOT = 0x20000000


# The names the vendor document uses, including its spelling "stausIPv6".
_VENDOR_NAMES = {
    StatusFlag.FIRST: "statusFirst",
    StatusFlag.RECORD: "statusRecord",
    StatusFlag.LIVING: "statusLiving",
    StatusFlag.STREAM: "statusStream",
    StatusFlag.DISK_READY: "statusDiskReady",
    StatusFlag.RTMP_READY: "statusRTMPReady",
    StatusFlag.SOFTAP: "statusSoftAP",
    StatusFlag.MIC: "statusMIC",
    StatusFlag.PHONE: "statusPHONE",
    StatusFlag.OUTPUT: "statusOutput",
    StatusFlag.DISK_TEST: "statusDiskTest",
    StatusFlag.BLUE: "statusBlue",
    StatusFlag.UPGRADE: "statusUpgrade",
    StatusFlag.NET_TEST: "statusNetTest",
    StatusFlag.PASSWD: "statusPasswd",
    StatusFlag.OCCUPIED: "statusOccupied",
    StatusFlag.FORMAT_DISK: "statusFormatDisk",
    StatusFlag.SEARCH_WIFI: "statusSearchWifi",
    StatusFlag.CONNECT_WIFI: "statusConnectWifi",
    StatusFlag.CONNECT_BLUE: "statusConnectBlue",
    StatusFlag.CHECK_UPGRADE: "statusCheckUpgrade",
    StatusFlag.RESET: "statusReset",
    StatusFlag.IPV6: "stausIPv6",
    StatusFlag.TEST_LOCK: "statusTestLock",
    StatusFlag.REBOOT: "statusReboot",
}


def status_flag_names(mask: int) -> List[str]:
    """The vendor names of the bits set in a ``cur-status`` mask, lowest bit first.

    >>> status_flag_names(65552)
    ['statusDiskReady', 'statusPasswd']
    """
    mask = int(mask)
    return [name for bit, name in sorted(_VENDOR_NAMES.items()) if mask & bit]


class DiskStatus(enum.IntEnum):
    """``disk-status`` values (values, not bits: compare with ``==``)."""

    NOT_DISK = 0
    VALID = 1
    NOT_SPACE = 3
    NOT_WRITE = 4
    LOW_SPACE = 5
    INVALID = 6


_DISK_NAMES = {0: "NotDisk", 1: "DiskValid", 3: "NotSpace", 4: "NotWrite", 5: "LowSpace", 6: "DiskInvalid"}


def disk_status_name(value: int) -> str:
    """The vendor name of a ``disk-status`` value (``"DiskValid"``), or ``"unknown"``."""
    return _DISK_NAMES.get(int(value), "unknown")


def disk_usable(value: int) -> bool:
    """True when a disk can be recorded to (valid, or valid but low on space)."""
    return int(value) in (DiskStatus.VALID, DiskStatus.LOW_SPACE)
