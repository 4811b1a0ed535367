"""``Simulator``: the built-in virtual Ultra Stream device (``usapi_sim_*``)."""

from __future__ import annotations

import json
import os
from ctypes import byref, c_uint16
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from . import _native
from .device import Device
from .errors import E_SIMULATOR, SimulatorError, check

__all__ = ["Simulator", "write_test_firmware"]

PathLike = Union[str, "os.PathLike[str]"]


def _require(name: str) -> Any:
    f = getattr(_native.lib(), name, None)
    if f is None:
        raise SimulatorError(
            E_SIMULATOR,
            f"{_native.library_path()} has no {name}: it was built without the \"simulator\" feature",
        )
    return f


class Simulator:
    """A virtual device serving the HTTP API on 127.0.0.1 (an ephemeral port by default).

    ``options`` (a dict, sent to ``usapi_sim_start`` as JSON; keyword arguments
    are merged into it) may set ``port``, ``user``, ``password``, ``model``
    ("hdmi" or "sdi"), ``time_scale``, ``clock`` ("real" or "manual": device
    time then moves only on ``control({"cmd": "advance", "ms": N})``, what
    tests should use), ``session_idle_timeout_ms``, ``serial``,
    ``control_token`` (HTTP requests to ``/__sim/control`` must then send
    ``Authorization: Bearer <token>``) and ``discovery`` / ``discovery_port`` / ``ssdp_port`` (answer discovery
    on 127.0.0.1; see :attr:`discovery_ports`), and the readings of the
    document the device follows (docs/simulator-readings.md): ``restart``
    ("close", the default, or "busy": during a restart every call, ping
    included, answers -9 with the restart flag in ``cur-status``),
    ``update_restarts`` (False: an update installs without a reboot),
    ``op_ms`` (every long operation takes this many device ms),
    ``sd_format_flag`` (True: statusFormatDisk for SD formats too) and
    ``bps_unit`` ("bytes", the default, or "bits"), and ``latency_ms`` /
    ``latency_jitter_ms`` (answer every API request that late, plus or minus
    up to the jitter, as a device on a real network); the defaults are user
    "Admin", password "Admin", model hdmi, no discovery::

        with ultrastream.Simulator() as sim, sim.device() as dev:
            print(dev.get_info().product.product_name)

    :meth:`control` drives it (faults, signal, disks ...), and :meth:`stop`
    (or leaving the ``with`` block) stops it.
    """

    def __init__(self, options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        self._handle = 0
        opts: Dict[str, Any] = dict(options or {})
        opts.update(kwargs)
        self.options = opts
        self.user: str = str(opts.get("user", "Admin"))
        self.password: str = str(opts.get("password", "Admin"))
        start = _require("usapi_sim_start")
        handle = _native.c_sim()
        check(start(_native.encode(json.dumps(opts), "options"), byref(handle)))
        self._handle = handle.value
        try:
            out, ref = _native.out_string()
            check(_native.lib().usapi_sim_address(self._handle, ref))
            self._host = _native.take_string(out) or ""
            port = c_uint16()
            check(_native.lib().usapi_sim_port(self._handle, byref(port)))
            self._port = port.value
        except BaseException:
            self.stop()
            raise

    @property
    def host(self) -> str:
        """The address to open: ``"127.0.0.1:PORT"``."""
        return self._host

    @property
    def port(self) -> int:
        """The TCP port the simulator listens on."""
        return self._port

    @property
    def discovery_ports(self) -> Tuple[int, int]:
        """The UDP ports (multicast protocol, SSDP) the simulator answers discovery on
        on 127.0.0.1; it does only when started with ``discovery=True`` or
        ``discovery_port`` / ``ssdp_port`` (0: ephemeral), else :class:`SimulatorError`.

        ``ultrastream.discover(target=f"127.0.0.1:{sim.discovery_ports[0]}",
        protocols="multicast", local_address="127.0.0.1")`` then finds it."""
        fn = _require("usapi_sim_discovery_ports")
        m, s = c_uint16(), c_uint16()
        check(fn(self._handle, byref(m), byref(s)))
        return m.value, s.value

    @property
    def handle(self) -> int:
        """The C ``usapi_sim`` handle (0 once stopped)."""
        return self._handle

    @property
    def running(self) -> bool:
        """True until :meth:`stop`."""
        return self._handle != 0

    def control(self, command: Mapping[str, Any]) -> Dict[str, Any]:
        """Send a control command, e.g. ``{"cmd": "set-signal", "present": False}``;
        returns the simulator's JSON answer as a dict."""
        fn = _require("usapi_sim_control")
        out, ref = _native.out_string()
        try:
            check(fn(self._handle, _native.encode(json.dumps(dict(command)), "command"), ref))
            text = _native.take_string(out)
        finally:
            if out.value:
                _native.lib().usapi_string_free(out.value)
        data = json.loads(text) if text else {}
        return data if isinstance(data, dict) else {"value": data}

    def device(self, *, login: bool = True, **kwargs: Any) -> Device:
        """A :class:`Device` for this simulator, logged in with its credentials
        unless ``login=False``. Keyword arguments go to :class:`Device`."""
        if login:
            kwargs.setdefault("user", self.user)
            kwargs.setdefault("password", self.password)
        return Device(self.host, **kwargs)

    def stop(self) -> None:
        """Stop the simulator (idempotent)."""
        h, self._handle = self._handle, 0
        if h:
            check(_native.lib().usapi_sim_stop(h))

    def __enter__(self) -> "Simulator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            self.stop()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<ultrastream.Simulator {self._host if self._handle else 'stopped'}>"

    @staticmethod
    def write_firmware(path: PathLike, model: str = "hdmi", version: str = "1.2.123") -> str:
        """Write a test ``.mwf`` firmware file the simulator accepts; returns the path."""
        return write_test_firmware(path, model=model, version=version)


def write_test_firmware(path: PathLike, *, model: str = "hdmi", version: str = "1.2.123") -> str:
    """Write a test ``.mwf`` firmware for the simulator (``model`` "hdmi" or "sdi")."""
    fn = _require("usapi_sim_firmware")
    p = os.fspath(path)
    check(fn(_native.encode(model, "model"), _native.encode(version, "version"), _native.encode(p, "path")))
    return p
