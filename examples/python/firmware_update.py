#!/usr/bin/env python3
"""Update a device's firmware with a progress bar.

    python3 examples/python/firmware_update.py <host[:port]> [user] [password] [firmware.mwf]
    python3 examples/python/firmware_update.py        # no arguments: the built-in simulator

Uploads the .mwf file (or, without one, runs the online update); then
``Device.run_firmware_update`` does the rest: ``update`` with its steps, the
reboot, the wait until the device answers again, a fresh login, and the
check that get-info reports the new version. ``ultrastream.progress_printer()``
draws the bar; Ctrl-C stops the waiting. User and password default to
"Admin". Without arguments it starts the built-in simulator (its clock 20
times faster than real time) with a test firmware 1.2.200.

Exit status 0 when the device runs the new firmware; errors print the code's
name, the code and the library's detail, and exit with status 1.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Optional

import ultrastream


def update(host: str, user: str, password: str, firmware: Optional[str]) -> None:
    with ultrastream.Device(host, user=user, password=password) as dev:
        print(f"updating {host} from {firmware or 'the online update service'}", flush=True)
        reply = dev.run_firmware_update(
            firmware, progress=ultrastream.progress_printer(sys.stdout), poll_interval=0.2
        )
        print(f"done: firmware {reply['previous-version']} -> {reply['version']}")


def main(argv: list) -> int:
    try:
        if len(argv) > 1:
            host = argv[1]
            user = argv[2] if len(argv) > 2 else "Admin"
            password = argv[3] if len(argv) > 3 else "Admin"
            update(host, user, password, argv[4] if len(argv) > 4 else None)
            return 0
        with ultrastream.Simulator(time_scale=20) as sim, tempfile.TemporaryDirectory() as tmp:
            fw = ultrastream.write_test_firmware(os.path.join(tmp, "firmware.mwf"), version="1.2.200")
            print(f"no device given: using the built-in simulator at {sim.host}")
            update(sim.host, "Admin", "Admin", fw)
        return 0
    except ultrastream.UltrastreamError as e:
        print(f"firmware update failed: {e.name} ({e.code}): {e.detail or e.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopped waiting (the device goes on by itself)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
