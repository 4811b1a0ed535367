#!/usr/bin/env python3
"""The vendor's C demo (ultra_stream_curl) in Python, on the ultrastream package.

    python3 examples/python/demo.py <host[:port]> [user] [password] [firmware.mwf]
    python3 examples/python/demo.py            # no arguments: the built-in simulator

Runs the vendor demo's steps with its headings (1. login, 2. get info,
3. upload firmware) and prints each JSON reply indented. User and password
default to "Admin"/"Admin". Without a firmware file, step 3 is skipped
against a real device; against the simulator a test firmware is written to a
temporary file and uploaded. Errors print the code's name, the code and the
library's detail, and exit with status 1.

Install the package first (``pip install ./bindings/python``) and build the
library (``cargo build --release``), or set ULTRASTREAM_LIB.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Optional

import ultrastream


def show(title: str, data: dict) -> None:
    print(f"{title} response data:")
    print(json.dumps(data, indent=2))


def run_demo(host: str, user: str, password: str, firmware: Optional[str]) -> None:
    with ultrastream.Device(host) as dev:
        print("***** 1. login *****")
        dev.login(user, password)
        # login returns nothing on success; the device's reply is {"result": 0}.
        show("login", {"result": 0})
        print()

        print("***** 2. get info *****")
        info = dev.get_info()
        show("get info", info)
        print()

        print("***** 3. upload firmware *****")
        if firmware is None:
            print("upload firmware skipped: no firmware file given")
        else:
            reply = dev.upload_update_file(firmware)
            show("upload firmware", reply)


def main(argv: list) -> int:
    if len(argv) > 5 or (len(argv) > 1 and argv[1] in ("-h", "--help")):
        print(__doc__, file=sys.stderr)
        return 2 if len(argv) > 5 else 0
    try:
        if len(argv) == 1:
            with ultrastream.Simulator() as sim, tempfile.TemporaryDirectory(prefix="ultra_stream_demo_") as tmp:
                firmware = ultrastream.write_test_firmware(
                    os.path.join(tmp, "ultra_stream_hdmi_1_2_123.mwf"), model="hdmi", version="1.2.123"
                )
                print(f"(no device given: using the built-in simulator at {sim.host})\n")
                run_demo(sim.host, sim.user, sim.password, firmware)
        else:
            run_demo(
                argv[1],
                argv[2] if len(argv) > 2 else "Admin",
                argv[3] if len(argv) > 3 else "Admin",
                argv[4] if len(argv) > 4 else None,
            )
    except ultrastream.UltrastreamError as e:
        print(f"failed: {e.name} ({e.code}): {e.detail or e.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
