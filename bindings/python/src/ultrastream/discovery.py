"""``discover``: find Ultra Stream devices on the network (``usapi_discover``).

The library sends the vendor's multicast probe (239.255.255.250:2538) and an
SSDP M-SEARCH (239.255.255.250:1900), or unicast probes to ``target``, and
collects the answers for ``timeout`` seconds::

    for d in ultrastream.discover(timeout=2):
        print(d.serialnumber, d.boxname, d.address, d.status_flags)

    # a device in another subnet, or a local simulator's responder
    ultrastream.discover(target="192.0.2.7")

    # act on each device as soon as it answers; return True to stop
    ultrastream.discover(on_device=lambda d: print(d.address))
"""

from __future__ import annotations

import dataclasses
import json
from ctypes import byref
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

from . import _native, _tables
from .errors import check
from .replies import _key, _view

__all__ = ["discover", "DiscoveredDevice", "DiscoveryResult", "SsdpInfo", "MULTICAST", "SSDP"]

#: ``protocols`` bit / name: the vendor's multicast protocol.
MULTICAST = _tables.DISCOVER_MULTICAST
#: ``protocols`` bit / name: SSDP.
SSDP = _tables.DISCOVER_SSDP
_NO_DESCRIPTION_FETCH = _tables.DISCOVER_NO_DESCRIPTION_FETCH
_NO_GROUP_LISTEN = _tables.DISCOVER_NO_GROUP_LISTEN


usapi_discover_options = _native.usapi_discover_options
usapi_discover_callback = _native.usapi_discover_callback


@dataclass(frozen=True)
class SsdpInfo:
    """What SSDP said about a device."""

    location: str = ""
    usn: str = ""
    server: str = ""
    st: str = ""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class DiscoveredDevice:
    """One device, merged by serial number over every answer and protocol."""

    serialnumber: str = ""
    product: str = ""
    boxname: str = ""
    version: str = ""
    flag: str = ""
    wifiip: str = ""
    ethip: str = ""
    #: The device status mask (``StatusFlag`` bits), or ``None`` when unknown (SSDP only).
    status: Optional[int] = None
    status_flags: List[str] = field(default_factory=list, metadata=_key("status_flags"))
    #: The first address that answered (see :attr:`host` for what to connect to).
    address: str = ""
    addresses: List[str] = field(default_factory=list)
    #: "multicast" and/or "ssdp".
    protocols: List[str] = field(default_factory=list)
    ssdp: Optional[SsdpInfo] = None
    #: Reply fields the vendor document does not list.
    extra: Dict[str, Any] = field(default_factory=dict)
    #: The HTTP port of the API when the answer told it (a simulator's
    #: ``http-port``, or an SSDP LOCATION that is the API); ``None``: port 80.
    port: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def host(self) -> str:
        """What :class:`ultrastream.Device` takes: "address" or "address:port"."""
        return f"{self.address}:{self.port}" if self.port and self.port != 80 else self.address

    @classmethod
    def from_json(cls, obj: Dict[str, Any]) -> "DiscoveredDevice":
        """Build from one element of ``usapi_discover``'s "devices"."""
        d = _view(cls, obj)
        status = obj.get("status")
        ssdp = obj.get("ssdp")
        extra = obj.get("extra")
        return dataclasses.replace(
            d,
            status=int(status) if isinstance(status, (int, float)) and not isinstance(status, bool) else None,
            ssdp=_view(SsdpInfo, ssdp) if isinstance(ssdp, dict) else None,
            extra=extra if isinstance(extra, dict) else {},
            port=obj.get("port") if isinstance(obj.get("port"), int) and not isinstance(obj.get("port"), bool) else None,
        )


class DiscoveryResult(List[DiscoveredDevice]):
    """The devices found (a list), with ``diagnostics`` (what was received and
    ignored, interfaces probed, warnings) and ``raw`` (the library's JSON)."""

    diagnostics: Dict[str, Any]
    raw: Dict[str, Any]

    def __init__(self, devices: Iterable[DiscoveredDevice] = (), diagnostics: Optional[Dict[str, Any]] = None,
                 raw: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(devices)
        self.diagnostics = diagnostics or {}
        self.raw = raw or {}


def _protocols(p: Union[None, int, str, Iterable[str]]) -> int:
    if p is None:
        return 0
    if isinstance(p, int):
        return p
    names = [p] if isinstance(p, str) else list(p)
    bits = 0
    for n in names:
        if n == "multicast":
            bits |= MULTICAST
        elif n == "ssdp":
            bits |= SSDP
        else:
            raise ValueError(f"unknown protocol {n!r}: use 'multicast' and/or 'ssdp'")
    return bits


def discover(
    timeout: float = 2.0,
    *,
    protocols: Union[None, int, str, Sequence[str]] = None,
    target: Union[None, str, Sequence[str]] = None,
    local_address: Optional[str] = None,
    multicast_port: Optional[int] = None,
    ssdp_port: Optional[int] = None,
    multicast_ttl: Optional[int] = None,
    max_devices: Optional[int] = None,
    fetch_descriptions: bool = True,
    listen_on_group: bool = True,
    ssdp_search_target: Optional[str] = None,
    on_device: Optional[Callable[[DiscoveredDevice], Any]] = None,
) -> DiscoveryResult:
    """Find Ultra Stream devices; blocks for ``timeout`` seconds (default 2).

    ``protocols``: "multicast", "ssdp" or both (default). ``target``: hosts
    ("host" or "host:port", a list or a comma-separated string) to probe by
    unicast instead of the multicast group. ``local_address``: the IPv4
    address of the interface to probe from (default: every interface).
    ``fetch_descriptions=False`` never opens TCP connections to SSDP
    answerers; ``listen_on_group=False`` counts only replies to the probing
    socket.

    ``on_device(device)`` is called on this thread as each device is found;
    a truthy return stops the search at once (then ``diagnostics`` is empty).
    An exception in it stops the search and is raised here.

    Raises :class:`~ultrastream.InvalidArgumentError` for bad options and
    :class:`~ultrastream.UltrastreamError` (``USAPI_E_DISCOVERY``) when no socket
    could be set up.
    """
    lib = _native.lib()
    if getattr(lib, "usapi_discover", None) is None:
        raise NotImplementedError(f"{_native.library_path()} has no usapi_discover (a library older than discovery)")
    if timeout <= 0:
        raise ValueError("timeout must be positive (seconds)")
    if target is not None and not isinstance(target, str):
        target = ",".join(target)
    opts = usapi_discover_options(
        timeout_ms=max(1, int(round(timeout * 1000))),
        protocols=_protocols(protocols),
        local_address=_native.encode(local_address, "local_address"),
        target=_native.encode(target, "target"),
        multicast_port=int(multicast_port or 0),
        ssdp_port=int(ssdp_port or 0),
        multicast_ttl=int(multicast_ttl or 0),
        max_devices=int(max_devices or 0),
        flags=(0 if fetch_descriptions else _NO_DESCRIPTION_FETCH) | (0 if listen_on_group else _NO_GROUP_LISTEN),
        ssdp_search_target=_native.encode(ssdp_search_target, "ssdp_search_target"),
    )
    if on_device is None:
        out, ref = _native.out_string()
        try:
            check(lib.usapi_discover(byref(opts), ref))
            text = _native.take_string(out)
        finally:
            if out.value:
                lib.usapi_string_free(out.value)
        raw = json.loads(text) if text else {}
        devices = [DiscoveredDevice.from_json(d) for d in raw.get("devices", []) if isinstance(d, dict)]
        return DiscoveryResult(devices, raw.get("diagnostics") or {}, raw)

    found: List[DiscoveredDevice] = []
    failure: List[BaseException] = []

    def trampoline(device_json: Optional[bytes], _user: Optional[int]) -> int:
        try:
            obj = json.loads((device_json or b"{}").decode("utf-8", "replace"))
            device = DiscoveredDevice.from_json(obj if isinstance(obj, dict) else {})
            found.append(device)
            return 1 if on_device(device) else 0
        except BaseException as e:  # noqa: BLE001 (re-raised after the C call returns)
            failure.append(e)
            return 1

    cb = usapi_discover_callback(trampoline)  # kept alive for the whole call
    check(lib.usapi_discover_each(byref(opts), cb, None))
    if failure:
        raise failure[0]
    return DiscoveryResult(found, {}, {"devices": [d.raw for d in found]})
