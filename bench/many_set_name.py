#!/usr/bin/env python3
"""The many-devices call from Python (issue 17): set the name of every device
of a simulated fleet (1000 devices answering in 100 ms: ``ultrastream-sim
--latency 100``) with ``ultrastream.call_many`` and with
``ultrastream.aio.call_many``, and time each. Target: under 2 s.

    bench/many_set_name.py --ports-file F [--rounds 3] [--max-in-flight N]

Run with the package importable (PYTHONPATH=bindings/python/src) and the
library found (ULTRASTREAM_LIB=target/release/libultrastream.so).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time

import ultrastream
import ultrastream.aio as aio


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-in-flight", type=int, default=0, help="0: every device at once")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ports = [int(p) for p in open(a.ports_file).read().split()]
    devs = [ultrastream.Device(f"127.0.0.1:{p}") for p in ports]
    width = a.max_in_flight or len(devs)
    t = time.monotonic()
    logins = ultrastream.call_many(devs, "login", {"id": "Admin", "pass": "e3afed0047b08059d0fada10f400c1e5"}, max_in_flight=width)
    bad = [r for r in logins if not r.ok]
    print(f"bench: {len(devs)} logins in {time.monotonic() - t:.2f} s ({len(bad)} failed)", file=sys.stderr)
    if bad:
        print(bad[0].error, file=sys.stderr)
        return 1
    worst = {"blocking": 0.0, "asyncio": 0.0}
    all_ok = True
    for r in range(a.rounds):
        name = f"Py round {r}"
        t = time.monotonic()
        res = ultrastream.call_many(devs, "set-name", name=name, max_in_flight=width)
        took = time.monotonic() - t
        ok = sum(x.ok for x in res)
        sample = devs[len(devs) // 2].get_settings()["name"] == name
        all_ok &= ok == len(devs) and sample
        worst["blocking"] = max(worst["blocking"], took)
        print(f"ROUND blocking {r} devices={len(devs)} ok={ok} seconds={took:.3f} sample_ok={int(sample)}")

        name = f"Aio round {r}"

        async def run() -> list:
            return await aio.call_many(devs, "set-name", name=name, max_in_flight=width)

        t = time.monotonic()
        res = asyncio.run(run())
        took = time.monotonic() - t
        ok = sum(x.ok for x in res)
        sample = devs[len(devs) // 2].get_settings()["name"] == name
        all_ok &= ok == len(devs) and sample
        worst["asyncio"] = max(worst["asyncio"], took)
        print(f"ROUND asyncio {r} devices={len(devs)} ok={ok} seconds={took:.3f} sample_ok={int(sample)}")
    print(
        f"RESULT mode=python-call-many devices={len(devs)} max_in_flight={width} rounds={a.rounds} "
        f"worst_s={worst['blocking']:.3f} aio_worst_s={worst['asyncio']:.3f} all_ok={int(all_ok)}"
    )
    sys.stdout.flush()
    import os

    os._exit(0 if all_ok else 1)  # closing would log every device out: not what is timed


if __name__ == "__main__":
    sys.exit(main())
