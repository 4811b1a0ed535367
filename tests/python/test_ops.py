"""Long operations from Python against the simulator: run_*, download_media,
wait_ready, the progress printer, BusyError's blocker, and closing a handle
giving its session back.

The simulator's clock stands still unless moved: each progress report moves
it (the callback advances it), so nothing depends on machine speed.
"""

from __future__ import annotations

import io
import os
import tempfile
import unittest
from typing import List

import ultrastream


class OpsTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.sim = ultrastream.Simulator({"clock": "manual"})
        self.addCleanup(self.sim.stop)
        self.dev = self.sim.device(request_timeout=5)
        self.addCleanup(self.dev.close)
        self.reports: List[ultrastream.ProgressReport] = []
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def state(self) -> dict:
        return self.sim.control({"cmd": "state"})

    def recorder(self, cancel_at: int = 101, step_ms: int = 500):
        def on(p: ultrastream.ProgressReport) -> bool:
            self.reports.append(p)
            if step_ms:
                self.sim.control({"cmd": "advance", "ms": step_ms})
            return p.percent < cancel_at  # False cancels
        return on

    def rises(self, operation: str) -> int:
        n, prev = 0, None
        for p in self.reports:
            if p.operation != operation:
                continue
            if prev is not None and prev.step == p.step and p.percent > prev.percent:
                n += 1
            prev = p
        return n

    def test_format_usb_runs_to_the_end(self) -> None:
        r = self.dev.run_format_usb(progress=self.recorder(), poll_interval=0.002)
        self.assertEqual((r.code, r["operation"], r["format-status"]["result"]), (0, "format-usb", 0))
        self.assertGreaterEqual(self.rises("format-usb"), 3)
        self.assertEqual(self.reports[-1].phase, "done")
        self.assertEqual(self.state()["ops"]["format"]["result"], 27)

    def test_usb_speed_test_verdict_and_cancel(self) -> None:
        self.sim.control({"cmd": "set-disk", "disk": "usb", "write_bps": 1000})
        r = self.dev.run_test_usb(progress=self.recorder(), poll_interval=0.002)
        self.assertEqual(r.code, ultrastream.RET_LOW_SPEED)
        self.assertFalse(r["fast-enough"])
        self.assertGreater(r["required-bps"], 1000)
        with self.assertRaises(ultrastream.CancelledError) as cm:
            self.dev.run_test_usb(progress=self.recorder(cancel_at=30), poll_interval=0.002)
        self.assertIn("stop-test-usb", cm.exception.detail)
        self.assertEqual(self.state()["ops"]["disk_test"]["result"], 27)

    def test_firmware_update_from_a_file(self) -> None:
        fw = ultrastream.write_test_firmware(os.path.join(self.tmp, "fw.mwf"), version="1.2.200")
        r = self.dev.run_firmware_update(fw, progress=self.recorder(), poll_interval=0.002)
        self.assertEqual((r.code, r["version"], r["previous-version"]), (0, "1.2.200", "1.2.122"))
        self.assertGreaterEqual(self.rises("update"), 3)
        self.assertTrue(any(p.operation == "upload" and p.total > 0 for p in self.reports))
        st = self.state()
        self.assertEqual((st["firmware"], st["ops"]["update"]["result"], st["sessions"]), ("1.2.200", 27, 1))

    def test_firmware_for_another_model_raises_34(self) -> None:
        fw = ultrastream.write_test_firmware(os.path.join(self.tmp, "fw.mwf"), model="sdi", version="1.2.200")
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.run_firmware_update(fw, progress=self.recorder(), poll_interval=0.002)
        self.assertEqual(cm.exception.code, -34)
        self.assertEqual(self.state()["firmware"], "1.2.122")

    def test_reboot_and_wait_ready(self) -> None:
        self.dev.run_reboot(progress=self.recorder(), poll_interval=0.002)
        self.assertGreaterEqual(self.rises("reboot"), 3)
        self.assertEqual(self.state()["boots"], 1)
        self.dev.wait_ready(5)
        self.assertEqual(self.dev.get_status().code, 0)

    def test_an_exception_in_the_callback_cancels_and_is_raised_again(self) -> None:
        def boom(p: ultrastream.ProgressReport) -> None:
            self.sim.control({"cmd": "advance", "ms": 500})
            if p.percent >= 20:
                raise KeyError("from the callback")
        with self.assertRaises(KeyError):
            self.dev.run_test_usb(progress=boom, poll_interval=0.002)
        self.assertEqual(self.state()["ops"]["disk_test"]["running"], False)

    def test_busy_error_names_the_blocking_operation(self) -> None:
        self.dev.start_rec()
        with self.assertRaises(ultrastream.BusyError) as cm:
            self.dev.start_format_usb()
        e = cm.exception
        self.assertEqual(e.code, -9)
        self.assertEqual(e.blocking, "recording")
        self.assertEqual(
            e.explanation,
            "recording is in progress (USB Format × REC are mutually exclusive); stop recording first (stop-rec)",
        )
        with self.assertRaises(ultrastream.BusyError) as cm:
            self.dev.run_format_usb(progress=self.recorder())
        self.assertEqual(cm.exception.blocking, "recording")
        self.assertEqual(self.reports, [], "refused before starting")

    def test_download_resumes_after_an_interruption(self) -> None:
        self.dev.start_rec()
        self.sim.control({"cmd": "advance", "ms": 20000})
        self.dev.stop_rec()
        f = self.dev.get_media_files(0, 0, 10)["media-files"][0]
        dest = os.path.join(self.tmp, f["name"])
        with self.assertRaises(ultrastream.CancelledError):
            self.dev.download_media(f["name"], dest, progress=lambda p: p.done < f["size-bytes"] // 2)
        part = os.path.getsize(dest)
        self.assertTrue(f["size-bytes"] // 2 <= part < f["size-bytes"])
        seen: List[ultrastream.ProgressReport] = []
        size = self.dev.download_media(f["name"], dest, progress=seen.append)
        self.assertEqual(size, f["size-bytes"])
        self.assertEqual((seen[0].phase, seen[0].done), ("resuming", part))
        self.assertEqual(seen[-1].percent, 100)

    def test_progress_printer_draws_bars(self) -> None:
        out = io.StringIO()
        printer = self.recorder()
        draw = ultrastream.progress_printer(out, width=10)

        def both(p: ultrastream.ProgressReport) -> bool:
            draw(p)
            return printer(p)
        self.dev.run_format_usb(progress=both, poll_interval=0.002)
        text = out.getvalue()
        self.assertIn("[##########] 100% format-usb done", text)
        self.assertIn("format-usb formatting", text)
        self.assertGreaterEqual(text.count("\n"), 3)

    def test_closing_a_device_gives_its_session_back(self) -> None:
        # self.dev holds one of the two slots; three programs in turn use the other.
        for _ in range(3):
            d = self.sim.device()
            self.assertEqual(self.state()["sessions"], 2)
            d.close()
            self.assertEqual(self.state()["sessions"], 1)
        a = self.sim.device()
        with self.assertRaises(ultrastream.BusyError) as cm:
            self.sim.device()
        self.assertEqual(cm.exception.code, ultrastream.ERR_OCCUPIED)
        self.assertIn("close or log out", cm.exception.detail)
        a.close()



class ReadingsTestCase(unittest.TestCase):
    """The simulator's readings of the document (docs/simulator-readings.md)
    as keyword arguments: restarts answered with -9, an update without a
    reboot, operations shorter than a poll, bits/s rates."""

    def test_busy_restart_and_short_operations(self) -> None:
        sim = ultrastream.Simulator(clock="manual", restart="busy", op_ms=100, update_restarts=False)
        self.addCleanup(sim.stop)
        dev = sim.device(request_timeout=5)
        self.addCleanup(dev.close)
        reports: List[ultrastream.ProgressReport] = []

        def on(p: ultrastream.ProgressReport) -> bool:
            reports.append(p)
            sim.control({"cmd": "advance", "ms": 500})
            return True

        r = dev.run_format_usb(progress=on, poll_interval=0.002)
        self.assertEqual(r["format-status"]["result"], 0)
        self.assertEqual((reports[-1].phase, reports[-1].percent), ("done", 100))
        sim.control({"cmd": "requests", "clear": True})
        dev.run_reboot(progress=on, poll_interval=0.002)
        reqs = sim.control({"cmd": "requests"})["requests"]
        down = [q for q in reqs if q["power"].startswith("down-")]
        self.assertTrue(down, reqs)
        self.assertTrue(all(q["method"] == "ping" for q in down), down)
        self.assertEqual(sim.control({"cmd": "state"})["sessions"], 1)
        # Down in the busy reading: not ready (a timeout, not -9), then ready.
        dev.stop_rec()  # the reboot started recording (is-startup-rec)
        dev.reboot()
        sim.control({"cmd": "advance", "ms": 1000})
        with self.assertRaises(ultrastream.DeviceTimeoutError):
            dev.wait_ready(timeout=0.001)
        sim.control({"cmd": "advance", "ms": 10000})
        dev.wait_ready(timeout=60)
        self.assertEqual(dev.get_status().code, 0)

    def test_bits_per_second_option(self) -> None:
        for unit, factor in (("bytes", 1), ("bits", 8)):
            sim = ultrastream.Simulator(clock="manual", bps_unit=unit)
            self.addCleanup(sim.stop)
            dev = sim.device()
            self.addCleanup(dev.close)
            dev.start_rec()
            sim.control({"cmd": "advance", "ms": 5000})
            cur = dev.get_status().rec_status.cur_bps
            expected = (4096 + 128) * 1024 // 8 * factor
            self.assertLess(abs(cur - expected) * 20, expected, (unit, cur))


if __name__ == "__main__":
    unittest.main()
