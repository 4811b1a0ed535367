#!/usr/bin/env python3
"""Print what happens on a fleet of Ultra Stream encoders, one line per event.

    python3 examples/python/fleet_monitor.py [--user USER] [--password PASS]
                                             [--interval S] [--seconds N] [--json]
                                             [HOST ...]

Given hosts, it logs in to each (default Admin / Admin) and prints every
event until Ctrl-C (or for --seconds). Given none, it starts three simulated
devices on 127.0.0.1 and shows a short scene: all come online, one starts
recording, one loses its input signal, one is switched off; then it exits.

Needs the ``ultrastream`` package (``pip install ./bindings/python``) and the
library (``cargo build``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import List, Optional

import ultrastream


def describe(e: ultrastream.Event) -> str:
    """One readable line per event."""
    kind = e.kind
    if kind == "changed":
        detail = ", ".join(f"{k}={json.dumps(v)}" for k, v in e.changes.items())
    elif kind == "offline":
        detail = f"silent {e['silent_ms']} ms: {e['error']}"
    elif kind in ("auth-failed", "occupied"):
        detail = e.get("error", "")
    elif kind == "rebooting":
        detail = e.get("operation", "")
    else:  # online, back
        st = e.get("state", {})
        detail = f"recording={st.get('recording')} live={st.get('live')} name={st.get('box-name')!r}"
    stamp = time.strftime("%H:%M:%S", time.localtime(e["time_ms"] / 1000))
    return f"{stamp} {e.host:<22} {kind:<11} {detail}"


def next_event(w: ultrastream.Watch, kind: str, dev: ultrastream.Device, show) -> None:
    """Print events until one of `kind` for `dev` (at most 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        e = w.get(timeout=1)
        if e is None:
            continue
        show(e)
        if e.kind == kind and e.device == dev.handle:
            return
    raise SystemExit(f"no {kind} event for {dev.host} within 60 s")


def scene(show) -> None:
    sims = [ultrastream.Simulator() for _ in range(3)]
    devs = [s.device() for s in sims]
    print("no hosts given: watching 3 simulated devices")
    try:
        with ultrastream.watch(devs, interval=0.2, offline_after=1.0) as w:
            for d in devs:
                next_event(w, "online", d, show)
            print("-- starting a recording on device 2")
            devs[1].start_rec()
            next_event(w, "changed", devs[1], show)
            print("-- unplugging the input of device 3")
            sims[2].control({"cmd": "set-signal", "present": False})
            next_event(w, "changed", devs[2], show)
            print("-- switching device 1 off")
            sims[0].stop()
            next_event(w, "offline", devs[0], show)
    finally:
        for d in devs:
            d.close()
        for s in sims:
            s.stop()


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("hosts", nargs="*", help="devices: 10.0.0.5, name:8080, [::1]:8080")
    ap.add_argument("--user", default="Admin")
    ap.add_argument("--password", default="Admin")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between polls of a device")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")
    ap.add_argument("--json", action="store_true", help="print the events' JSON")
    args = ap.parse_args(argv)

    def show(e: ultrastream.Event) -> None:
        print(json.dumps(e) if args.json else describe(e), flush=True)

    if not args.hosts:
        scene(show)
        return 0

    devs = []
    for h in args.hosts:
        d = ultrastream.Device(h)
        try:
            d.login(args.user, args.password)
        except ultrastream.UltrastreamError as e:
            # Not fatal: the watcher reports it and keeps trying.
            print(f"login to {h}: {e}", file=sys.stderr)
        devs.append(d)
    try:
        with ultrastream.watch(devs, show, interval=args.interval):
            end = time.monotonic() + args.seconds if args.seconds > 0 else None
            while end is None or time.monotonic() < end:
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        for d in devs:
            d.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
