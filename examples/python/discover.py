#!/usr/bin/env python3
"""List the Ultra Stream encoders on the network as a table.

    python3 examples/python/discover.py [--timeout MS] [--local IPV4]
                                        [--target HOST[:PORT][,...]]
                                        [--multicast | --ssdp] [--json]

Without --target it sends the multicast probe (239.255.255.250:2538) and an
SSDP M-SEARCH (239.255.255.250:1900) on every interface and waits --timeout
milliseconds (default 2000). --target probes hosts by unicast instead: a
device in another subnet, or a simulator on this machine
(--target 127.0.0.1:PORT). --json prints the library's JSON instead of the
table.

This example calls the C function usapi_discover directly with ctypes, so it
needs only the shared library, not the ``ultrastream`` package. It is looked
for in: $ULTRASTREAM_LIB, this repository's target/debug and target/release,
then the system's library path (build it with ``cargo build``).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

USAPI_DISCOVER_MULTICAST = 1
USAPI_DISCOVER_SSDP = 2


class DiscoverOptions(ctypes.Structure):
    """usapi_discover_options from ultrastream.h (zero / NULL = default)."""

    _fields_ = [
        ("timeout_ms", ctypes.c_uint32),
        ("protocols", ctypes.c_uint32),
        ("local_address", ctypes.c_char_p),
        ("target", ctypes.c_char_p),
        ("multicast_port", ctypes.c_uint16),
        ("ssdp_port", ctypes.c_uint16),
        ("multicast_ttl", ctypes.c_uint32),
        ("max_devices", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("ssdp_search_target", ctypes.c_char_p),
    ]


def library_candidates() -> List[str]:
    names = {"linux": "libultrastream.so", "darwin": "libultrastream.dylib", "win32": "ultrastream.dll"}
    name = names.get(sys.platform, "libultrastream.so")
    found = []
    env = os.environ.get("ULTRASTREAM_LIB")
    if env:
        found.append(env)
    root = Path(__file__).resolve().parents[2]
    target = Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
    for profile in ("debug", "release"):
        found.append(str(target / profile / name))
    system = ctypes.util.find_library("ultrastream")
    if system:
        found.append(system)
    return found


def load_library() -> ctypes.CDLL:
    tried = []
    for path in library_candidates():
        if os.path.sep in path and not os.path.exists(path):
            tried.append(f"{path} (missing)")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"{path} ({e})")
            continue
        lib.usapi_discover.argtypes = [ctypes.POINTER(DiscoverOptions), ctypes.POINTER(ctypes.c_void_p)]
        lib.usapi_discover.restype = ctypes.c_int32
        lib.usapi_string_free.argtypes = [ctypes.c_void_p]
        lib.usapi_string_free.restype = None
        lib.usapi_result_name.argtypes = [ctypes.c_int32]
        lib.usapi_result_name.restype = ctypes.c_char_p
        lib.usapi_last_error.argtypes = []
        lib.usapi_last_error.restype = ctypes.c_char_p
        return lib
    raise SystemExit(
        "cannot load the ultrastream library; build it with `cargo build` or set ULTRASTREAM_LIB.\n  tried: "
        + "\n  tried: ".join(tried)
    )


def discover(
    timeout_ms: int = 2000,
    local_address: Optional[str] = None,
    target: Optional[str] = None,
    protocols: int = 0,
) -> dict:
    """Run usapi_discover and return its JSON: {"devices": [...], "diagnostics": {...}}."""
    lib = load_library()
    opts = DiscoverOptions()
    opts.timeout_ms = timeout_ms
    opts.protocols = protocols
    opts.local_address = local_address.encode() if local_address else None
    opts.target = target.encode() if target else None
    out = ctypes.c_void_p()
    rc = lib.usapi_discover(ctypes.byref(opts), ctypes.byref(out))
    if rc != 0:
        # Read the detail on this thread, right away.
        detail = lib.usapi_last_error().decode(errors="replace")
        name = lib.usapi_result_name(rc).decode()
        raise RuntimeError(f"discovery failed: {name} ({rc}): {detail}")
    try:
        return json.loads(ctypes.string_at(out.value).decode())
    finally:
        lib.usapi_string_free(out)


def print_table(result: dict) -> None:
    rows = [("SERIAL", "PRODUCT", "NAME", "ADDRESS", "ETH IP", "WIFI IP", "STATUS", "FLAGS", "FOUND BY")]
    for d in result["devices"]:
        status = "-" if d.get("status") is None else f"0x{d['status']:x}"
        flags = ",".join(f.removeprefix("status") for f in d.get("status_flags", []))
        rows.append(
            (
                d.get("serialnumber") or "?",
                d.get("product", ""),
                d.get("boxname", ""),
                ",".join(d.get("addresses", [])),
                d.get("ethip", ""),
                d.get("wifiip", ""),
                status,
                flags,
                "+".join(d.get("protocols", [])),
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    diag = result.get("diagnostics", {})
    ignored = sum(diag.get(k, 0) for k in ("ignored_foreign", "ignored_oversized", "ignored_truncated", "ignored_malformed"))
    print(f"{len(result['devices'])} device(s) found; {diag.get('datagrams_received', 0)} datagram(s) received, {ignored} ignored")
    for w in diag.get("warnings", []):
        print(f"warning: {w}", file=sys.stderr)


def main(argv: List[str]) -> int:
    p = argparse.ArgumentParser(description="List the Ultra Stream encoders on the network.")
    p.add_argument("--timeout", type=int, default=2000, metavar="MS", help="how long to wait for answers (default 2000)")
    p.add_argument("--local", metavar="IPV4", help="probe from this local address (interface) only")
    p.add_argument("--target", metavar="HOST[:PORT][,...]", help="probe these hosts by unicast instead of multicast")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--multicast", action="store_true", help="only the multicast protocol (port 2538)")
    g.add_argument("--ssdp", action="store_true", help="only SSDP (port 1900)")
    p.add_argument("--json", action="store_true", help="print the JSON instead of a table")
    args = p.parse_args(argv[1:])
    protocols = USAPI_DISCOVER_MULTICAST if args.multicast else USAPI_DISCOVER_SSDP if args.ssdp else 0
    try:
        result = discover(args.timeout, args.local, args.target, protocols)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
