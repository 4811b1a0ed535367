"""Tests of the ultrastream Python package against the built-in simulator.

Run from the repository (after ``pip install ./bindings/python`` and a cargo
build, or with ULTRASTREAM_LIB set)::

    python3 -m unittest discover -s tests/python -v

``cargo test`` runs them in a fresh venv (tests/it/bindings.rs).
"""

from __future__ import annotations

import builtins
import json
import os
import pickle
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import Any, Dict

import ultrastream
from ultrastream import _native

REPO = Path(__file__).resolve().parents[2]
HEADER = REPO / "include" / "ultrastream.h"
METHODS_TSV = REPO / "tests" / "data" / "methods.tsv"


def header_functions() -> set:
    """Names of every function declared in include/ultrastream.h."""
    text = HEADER.read_text(encoding="utf-8")
    return set(re.findall(r"^[A-Za-z_][\w \*]*?\b(usapi_\w+)\(", text, flags=re.M))


class SimTestCase(unittest.TestCase):
    """A fresh simulator and a logged-in Device for every test.

    The simulator's clock is manual unless ``sim_options`` sets a
    ``time_scale``: device time moves only on :meth:`advance`, so a loaded
    machine cannot move a percent or expire a session behind a test's back."""

    sim_options: dict = {}

    def setUp(self) -> None:
        opts = dict(self.sim_options)
        if "time_scale" not in opts and "clock" not in opts:
            opts["clock"] = "manual"
        self.sim = ultrastream.Simulator(opts)
        self.addCleanup(self.sim.stop)
        self.dev = self.sim.device()
        self.addCleanup(self.dev.__exit__, None, None, None)

    def advance(self, ms: int) -> None:
        """Move the simulated device's clock forward."""
        self.assertTrue(self.sim.control({"cmd": "advance", "ms": ms})["ok"])

    def state(self) -> dict:
        return self.sim.control({"cmd": "state"})


# --- the package itself ------------------------------------------------------


class PackageTests(unittest.TestCase):
    def test_library_version_matches_header_and_package(self) -> None:
        m = re.search(r'#define USAPI_VERSION_STRING "([^"]+)"', HEADER.read_text(encoding="utf-8"))
        assert m is not None
        self.assertEqual(ultrastream.library_version(), m.group(1))
        self.assertEqual(ultrastream.__version__, m.group(1))
        self.assertTrue(os.path.exists(ultrastream.library_path()), ultrastream.library_path())

    def test_every_header_function_is_declared(self) -> None:
        in_header = header_functions()
        self.assertGreater(len(in_header), 60)
        missing = sorted(in_header - _native.DECLARED)
        self.assertEqual(missing, [], "functions of ultrastream.h the Python package does not declare")
        stale = sorted(_native.DECLARED - in_header)
        self.assertEqual(stale, [], "functions declared in Python that the header lacks")

    def test_declared_functions_have_types(self) -> None:
        lib = _native.lib()
        for name in _native.DECLARED:
            f = getattr(lib, name)
            self.assertIsNotNone(f, f"{name} missing from {ultrastream.library_path()}")
            self.assertIsNotNone(f.argtypes, name)
        # Owned strings never come back as c_char_p (which would leak them).
        for n in ("get_info", "get_status", "set_name", "call"):
            argtypes = getattr(lib, "usapi_" + n).argtypes
            self.assertIs(argtypes[-1], _native.c_out_str, n)

    def test_every_api_method_has_a_device_method(self) -> None:
        rows = METHODS_TSV.read_text(encoding="utf-8").splitlines()[1:]
        methods = [r.split("\t")[1] for r in rows if r.strip()]
        self.assertEqual(len(methods), 56)
        self.assertEqual(sorted(methods), sorted(ultrastream.API_METHODS))
        for m in methods:
            attr = m.replace("-", "_")
            self.assertTrue(callable(getattr(ultrastream.Device, attr, None)), f"Device.{attr} for {m}")
            self.assertTrue(getattr(ultrastream.Device, attr).__doc__, f"Device.{attr} has no docstring")

    def test_every_api_method_is_exercised_here(self) -> None:
        source = Path(__file__).read_text(encoding="utf-8")
        # called directly (dev.x(...)), passed as dev.x, or looked up by name ("x")
        untested = [m for m in ultrastream.API_METHODS.values() if not re.search(rf"\.{m}\b|[\"']{m}[\"']", source)]
        self.assertEqual(untested, [], "Device methods no test calls")

    def test_public_names_exist_and_are_documented(self) -> None:
        for name in ultrastream.__all__:
            obj = getattr(ultrastream, name)
            if callable(obj) and not isinstance(obj, int):
                self.assertTrue(getattr(obj, "__doc__", None), f"{name} has no docstring")

    def _python(self, code: str, **env: str) -> subprocess.CompletedProcess:
        e = dict(os.environ)
        e.pop("ULTRASTREAM_LIB", None)
        e.update(env)
        return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True, timeout=60)

    def test_ultrastream_lib_pointing_nowhere_is_an_error_not_a_fallback(self) -> None:
        r = self._python("import ultrastream; ultrastream.library_version()", ULTRASTREAM_LIB="/nonexistent/libultrastream.so")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("LibraryNotFoundError", r.stderr)
        self.assertIn("ULTRASTREAM_LIB", r.stderr)

    def test_ultrastream_lib_may_name_a_folder(self) -> None:
        folder = os.path.dirname(ultrastream.library_path())
        r = self._python("import ultrastream; print(ultrastream.library_path())", ULTRASTREAM_LIB=folder)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.path.dirname(r.stdout.strip()), folder)

    def test_import_does_not_load_the_library(self) -> None:
        r = self._python(
            "import ultrastream, ultrastream._native as n; print(n._lib is None)",
            ULTRASTREAM_LIB="/nonexistent/libultrastream.so",
        )
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "True")


class StatusFlagTests(unittest.TestCase):
    def test_names_of_the_documented_masks(self) -> None:
        self.assertEqual(ultrastream.status_flag_names(65552), ["statusDiskReady", "statusPasswd"])
        self.assertEqual(ultrastream.status_flag_names(65600), ["statusSoftAP", "statusPasswd"])
        self.assertEqual(ultrastream.status_flag_names(0), [])
        self.assertEqual(ultrastream.status_flag_names(0x8000000), ["stausIPv6"])

    def test_flags_match_the_header_macros(self) -> None:
        text = HEADER.read_text(encoding="utf-8")
        macros = dict(re.findall(r"#define USAPI_STATUS_(\w+) (\d+)", text))
        self.assertEqual(len(macros), len(ultrastream.StatusFlag))
        for name, value in macros.items():
            self.assertEqual(int(ultrastream.StatusFlag[name]), int(value), name)

    def test_result_codes_match_the_header_macros(self) -> None:
        text = HEADER.read_text(encoding="utf-8")
        macros = {name: int(v) for name, v in re.findall(r"#define USAPI_((?:RET|ERR|E)_\w+) (-?\d+)", text)}
        self.assertGreater(len(macros), 70)
        exported = [n for n in ultrastream.errors.__all__ if re.fullmatch(r"(RET|ERR|E)_\w+", n)]
        # Every code of the header, none missing (they are generated from one table).
        self.assertEqual(sorted(exported), sorted(macros))
        for name in exported:
            self.assertEqual(getattr(ultrastream, name), macros[name], name)
            # The loaded library knows each one by the same number.
            self.assertNotEqual(ultrastream.result_name(macros[name]), "unknown", name)
        self.assertEqual(ultrastream.OK, 0)

    def test_flag_names_match_the_library(self) -> None:
        lib = _native.lib()
        for flag in ultrastream.StatusFlag:
            self.assertEqual(lib.usapi_status_flag_name(int(flag)).decode(), ultrastream.status_flag_names(int(flag))[0])
        # Undocumented bits and masks of several bits have no name.
        self.assertEqual(lib.usapi_status_flag_name(0x80), b"")
        self.assertEqual(lib.usapi_status_flag_name(0x03), b"")
        self.assertEqual(ultrastream.status_flag_names(0x80 | 0x02), ["statusRecord"])

    def test_disk_status(self) -> None:
        self.assertEqual(ultrastream.disk_status_name(1), "DiskValid")
        self.assertEqual(ultrastream.disk_status_name(5), "LowSpace")
        self.assertEqual(ultrastream.disk_status_name(9), "unknown")
        self.assertTrue(ultrastream.disk_usable(ultrastream.DiskStatus.LOW_SPACE))
        self.assertFalse(ultrastream.disk_usable(3))


class ReplyParsingTests(unittest.TestCase):
    def test_lenient_and_misspelled_fields(self) -> None:
        s = ultrastream.StatusReply.parse(
            '{"result":"0","cur-status":65554.0,"usb":{"beign-time":"x","disk-status":"1"},"lock-user":null}'
        )
        self.assertEqual(s.cur_status, 65554)
        self.assertTrue(s.recording)
        self.assertFalse(s.living)
        self.assertEqual(s.usb.begin_time, "x")
        self.assertEqual(s.usb.disk_status, 1)
        self.assertEqual(s.lock_user, [])
        self.assertEqual(s.flags, ultrastream.StatusFlag.RECORD | ultrastream.StatusFlag.DISK_READY | ultrastream.StatusFlag.PASSWD)
        i = ultrastream.InfoReply.parse('{"codec-cap":{"gorp-sec":[{"name":"1 sec","value":"1"}]},"audio-range":{"hdm1":{"max":6.0,"def":1}}}')
        self.assertEqual(i.codec_cap.gop_sec[0].value, 1)
        self.assertEqual(i.audio_range.hdmi.max, 6.0)
        self.assertEqual(i.audio_range.hdmi.default, 1.0)
        u = ultrastream.UploadReply.parse('{"result":0,"up-to-date":"true","version":"1.2.3","size":"12"}')
        self.assertEqual((u.status, u.up_to_date, u.version, u.size), (0, True, "1.2.3", 12))

    def test_live_entries_of_newer_firmware(self) -> None:
        s = ultrastream.StatusReply.parse('{"live-status":{"result":22,"live":[{"id":"3","result":23,"name":"yt"}]}}')
        self.assertEqual(s.live_status.result, 22)
        self.assertEqual([(e.id, e.result, e.name) for e in s.live_status.live], [(3, 23, "yt")])
        self.assertEqual(ultrastream.StatusReply.parse("{}").live_status.live, [])

    def test_reply_is_the_raw_dict(self) -> None:
        r = ultrastream.SettingsReply.parse('{"result":0,"name":"box","extra":{"a":[1]}}', code=0, method="get-settings")
        self.assertIsInstance(r, dict)
        self.assertEqual(r["extra"], {"a": [1]})
        self.assertEqual(r.name, "box")
        self.assertEqual(json.loads(r.text), dict(r))
        self.assertEqual(r.method, "get-settings")
        with self.assertRaises(AttributeError):
            r.no_such_field  # noqa: B018
        self.assertEqual(pickle.loads(pickle.dumps(r)), r)


# --- exceptions -------------------------------------------------------------


class ErrorClassTests(unittest.TestCase):
    def test_classes_by_code(self) -> None:
        E = ultrastream
        cases = {
            -1: E.AuthError, -17: E.AuthError, 36: E.AuthError,
            -9: E.BusyError, -2: E.BusyError,
            -1003: E.InvalidArgumentError, -1001: E.InvalidArgumentError, -1002: E.InvalidArgumentError,
            -10: E.InvalidArgumentError, -28: E.InvalidArgumentError,
            -1004: E.ConnectError, -1010: E.ConnectError, -1005: E.DeviceTimeoutError,
            -14: E.NotFoundError, -25: E.NotFoundError, -1013: E.SimulatorError,
            -1007: E.UltrastreamError, -1000: E.UltrastreamError, -34: E.UltrastreamError,
        }
        for code, cls in cases.items():
            e = ultrastream.error_for(code, "detail")
            self.assertIs(type(e), cls, code)
            self.assertIsInstance(e, ultrastream.UltrastreamError)
            self.assertEqual(e.code, code)
            self.assertEqual(e.name, ultrastream.result_name(code))
            self.assertEqual(e.message, ultrastream.result_message(code))
            self.assertEqual(e.detail, "detail")
            self.assertIn(f"({code})", str(e))
        self.assertIsInstance(ultrastream.error_for(-1003), ValueError)
        self.assertIsInstance(ultrastream.error_for(-1004), builtins.ConnectionError)
        self.assertIsInstance(ultrastream.error_for(-1005), builtins.TimeoutError)
        self.assertIsInstance(ultrastream.error_for(-1005), ultrastream.ConnectError)
        self.assertIsInstance(ultrastream.error_for(-14), LookupError)

    def test_names_and_messages(self) -> None:
        self.assertEqual(ultrastream.result_name(-9), "errBusy")
        self.assertEqual(ultrastream.result_name(0), "retSucceed")
        self.assertEqual(ultrastream.result_name(-1004), "USAPI_E_CONNECT")
        self.assertEqual(ultrastream.result_name(123456), "unknown")
        self.assertIn("busy", ultrastream.result_message(-9))

    def test_pickle(self) -> None:
        e = pickle.loads(pickle.dumps(ultrastream.error_for(-9, "x")))
        self.assertIs(type(e), ultrastream.BusyError)
        self.assertEqual((e.code, e.detail), (-9, "x"))


class ErrorTests(SimTestCase):
    def test_wrong_password_is_auth_error(self) -> None:
        with ultrastream.Device(self.sim.host) as d:
            with self.assertRaises(ultrastream.AuthError) as cm:
                d.login("Admin", "S3cr3t-Pw!")
        e = cm.exception
        self.assertEqual((e.code, e.name), (-1, "errPasswd"))
        self.assertIn("login", e.detail)
        self.assertNotIn("S3cr3t", str(e))  # passwords never reach messages

    def test_constructor_login_failure_closes(self) -> None:
        with self.assertRaises(ultrastream.AuthError):
            ultrastream.Device(self.sim.host, user="nobody", password="x")

    def test_not_logged_in_is_auth_error(self) -> None:
        with ultrastream.Device(self.sim.host) as d:
            with self.assertRaises(ultrastream.AuthError) as cm:
                d.get_status()
            self.assertEqual(cm.exception.code, -17)
            # ping works without login
            self.assertEqual(d.ping().code, 0)

    def test_invalid_argument_is_checked_before_sending(self) -> None:
        with self.assertRaises(ultrastream.InvalidArgumentError) as cm:
            self.dev.set_name("bad/name")
        e = cm.exception
        self.assertEqual(e.code, -1003)
        self.assertIn("'name'", e.detail)
        self.assertIsInstance(e, ValueError)
        with self.assertRaises(ultrastream.InvalidArgumentError):
            self.dev.set_audio(17)
        with self.assertRaises(ultrastream.InvalidArgumentError):
            self.dev.set_app_settings(2)
        with self.assertRaises(ultrastream.InvalidArgumentError):
            self.dev.add_server(type=9, name="x", url="rtmp://h/a", key="k")

    def test_device_side_rejections(self) -> None:
        with self.sim.device(skip_validation=True) as d:
            with self.assertRaises(ultrastream.InvalidArgumentError) as cm:
                d.set_name("bad/name")
            self.assertEqual(cm.exception.code, -28)
            self.assertEqual(cm.exception.name, "errString")
            with self.assertRaises(ultrastream.InvalidArgumentError) as cm:
                d.set_audio(17)
            self.assertEqual(cm.exception.code, -10)

    def test_not_found(self) -> None:
        with self.assertRaises(ultrastream.NotFoundError) as cm:
            self.dev.del_server(1234)
        self.assertEqual(cm.exception.code, -14)
        with self.assertRaises(ultrastream.NotFoundError) as cm:
            self.dev.del_user("nobody")
        self.assertEqual(cm.exception.code, -25)

    def test_busy(self) -> None:
        self.assertEqual(self.dev.start_format_usb().code, 0)
        with self.assertRaises(ultrastream.BusyError) as cm:
            self.dev.start_test_usb()
        self.assertEqual((cm.exception.code, cm.exception.name), (-9, "errBusy"))

    def test_occupied_after_two_sessions(self) -> None:
        with self.sim.device():
            with self.assertRaises(ultrastream.BusyError) as cm:
                self.sim.device()
            self.assertEqual(cm.exception.code, -2)

    def test_connection_refused(self) -> None:
        host = self.sim.host
        self.sim.stop()
        with ultrastream.Device(host, connect_timeout=2) as d:
            with self.assertRaises(ultrastream.ConnectError) as cm:
                d.ping()
        self.assertEqual(cm.exception.code, -1004)
        self.assertIsInstance(cm.exception, builtins.ConnectionError)

    def test_timeout(self) -> None:
        self.sim.control({"cmd": "fault", "method": "get-info", "kind": "no-answer"})
        # Long enough that logging in never times out on a loaded machine.
        with self.sim.device(request_timeout=2.0) as d:
            with self.assertRaises(ultrastream.DeviceTimeoutError) as cm:
                d.get_info()
        self.assertEqual(cm.exception.code, -1005)
        self.assertIsInstance(cm.exception, builtins.TimeoutError)

    def test_http_status_and_bad_reply(self) -> None:
        self.sim.control({"cmd": "fault", "method": "get-info", "kind": "http-500"})
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.get_info()
        self.assertEqual((cm.exception.code, cm.exception.name), (-1006, "USAPI_E_HTTP_STATUS"))
        self.sim.control({"cmd": "fault", "method": "get-info", "kind": "non-json"})
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.get_info()
        self.assertEqual(cm.exception.code, -1007)

    def test_connection_reset_is_connect_error(self) -> None:
        self.sim.control({"cmd": "fault", "method": "get-status", "kind": "reset"})
        with self.assertRaises(ultrastream.ConnectError) as cm:
            self.dev.get_status()
        self.assertIn(cm.exception.code, (-1010, -1007))

    def test_closed_handle(self) -> None:
        d = self.sim.device(login=False)
        d.close()
        self.assertTrue(d.closed)
        d.close()  # idempotent
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            d.ping()
        self.assertEqual((cm.exception.code, cm.exception.name), (-1000, "USAPI_E_INVALID_HANDLE"))

    def test_bad_strings(self) -> None:
        with self.assertRaises(ValueError):
            self.dev.set_name("a\0b")
        with self.assertRaises(TypeError):
            self.dev.set_name(5)  # type: ignore[arg-type]
        with self.assertRaises(ultrastream.InvalidArgumentError) as cm:
            self.dev.set_name("\ud800")  # a lone surrogate: invalid UTF-8 on the C side
        self.assertEqual(cm.exception.code, -1002)
        with self.assertRaises(ultrastream.InvalidArgumentError):
            ultrastream.Device("not a host")

    def test_errors_are_per_thread(self) -> None:
        details: Dict[str, set] = {}

        def fail(tag, fn) -> None:
            for _ in range(20):
                try:
                    fn()
                except ultrastream.UltrastreamError as e:
                    details.setdefault(tag, set()).add(e.detail)

        threads = [
            threading.Thread(target=fail, args=("name", lambda: self.dev.set_name("bad/name"))),
            threading.Thread(target=fail, args=("audio", lambda: self.dev.set_audio(17))),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(details["name"]), 1)
        self.assertEqual(len(details["audio"]), 1)
        self.assertIn("'name'", next(iter(details["name"])))
        self.assertIn("kbps", next(iter(details["audio"])))


class PositiveOutcomeTests(SimTestCase):
    """Positive results are outcomes: returned on reply.code, never raised."""

    def test_repeat(self) -> None:
        self.assertEqual(self.dev.start_rec().code, 0)
        r = self.dev.start_rec()
        self.assertEqual(r.code, ultrastream.RET_REPEAT)
        self.assertEqual(r.name, "retRepeat")
        self.assertFalse(r.ok)
        self.assertEqual(r["result"], 1)
        self.dev.stop_rec()
        self.assertEqual(self.dev.stop_rec().code, ultrastream.RET_REPEAT)

    def test_living_not_set(self) -> None:
        r = self.dev.start_live()
        self.assertEqual(r.code, ultrastream.RET_LIVING_NOTSET)
        self.assertEqual(r.name, "retLivingNotset")


# --- every method -----------------------------------------------------------


class UniversalTests(SimTestCase):
    def test_get_info(self) -> None:
        info = self.dev.get_info()
        self.assertIsInstance(info, ultrastream.InfoReply)
        self.assertEqual((info.code, info.method), (0, "get-info"))
        self.assertEqual(info.product.product_name, "Ultra Stream")
        self.assertEqual(info.product.module_name, "Ultra Stream HDMI")
        self.assertEqual(info.product.product_id, 769)
        self.assertEqual(info["product"]["sn"], info.product.sn)
        self.assertTrue(info.mac_addr.eth)
        self.assertIn(ultrastream.Resolution(w=1920, h=1080), info.codec_cap.resolutions)
        self.assertTrue(info.codec_cap.gop_sec)
        self.assertTrue(info.rec_control.time_unit)
        self.assertGreater(info.audio_range.mic.max, info.audio_range.mic.min)

    def test_get_status(self) -> None:
        s = self.dev.get_status()
        self.assertIsInstance(s, ultrastream.StatusReply)
        self.assertFalse(s.recording)
        self.assertIn("statusDiskReady", s.flag_names)
        self.assertEqual(s.usb.disk_status, ultrastream.DiskStatus.VALID)
        self.assertTrue(s.input_signal.present)
        self.assertEqual((s.input_signal.cx, s.input_signal.cy), (1920, 1080))
        self.assertEqual(s.format_status.result, 27)

    def test_get_settings(self) -> None:
        s = self.dev.get_settings()
        self.assertIsInstance(s, ultrastream.SettingsReply)
        self.assertTrue(s.name.endswith(self.dev.get_info().product.sn), s.name)
        self.assertEqual(s.main_stream.cx, 1920)
        self.assertIsInstance(s.stream_server, list)

    def test_rec(self) -> None:
        self.assertEqual(self.dev.start_rec().code, 0)
        self.assertTrue(self.dev.get_status().recording)
        self.advance(60_000)
        self.assertGreater(self.dev.get_status().rec_status.run_ms, 50_000)
        self.assertEqual(self.dev.stop_rec().code, 0)
        self.assertFalse(self.dev.get_status().recording)

    def test_live(self) -> None:
        self.dev.add_server(type=0, name="Live", url="rtmp://127.0.0.1/live", key="abc")
        sid = max(s.id for s in self.dev.get_settings().stream_server)
        self.assertEqual(self.dev.enable_server(sid, True).code, 0)
        self.assertEqual(self.dev.start_live().code, 0)
        self.assertTrue(self.dev.get_status().living)
        self.assertEqual(self.dev.stop_live().code, 0)
        self.assertFalse(self.dev.get_status().living)

    def test_ping(self) -> None:
        p = self.dev.ping()
        self.assertIsInstance(p, ultrastream.PingReply)
        self.assertEqual(p["result"], 0)
        self.assertEqual(p.cur_status, self.dev.get_status().cur_status)
        self.assertEqual(self.dev.ping_status(), p)
        self.assertIn(ultrastream.StatusFlag.DISK_READY, p.flags)

    def test_status_summary(self) -> None:
        self.dev.start_rec()
        s = self.dev.get_status_summary()
        self.assertEqual(s.code, 0)
        self.assertTrue(s.recording)
        self.assertTrue(s.signal_present)
        self.assertEqual((s.signal_cx, s.signal_cy), (1920, 1080))
        self.assertGreater(s.usb_total_bytes, s.usb_free_bytes)
        self.assertEqual(s.as_dict()["cur_status"], self.dev.get_status().cur_status)


class GeneralTests(SimTestCase):
    def test_set_name(self) -> None:
        self.assertEqual(self.dev.set_name("My Box+1 'A'").code, 0)
        self.assertEqual(self.dev.get_settings().name, "My Box+1 'A'")

    def test_flags(self) -> None:
        for method, key in [
            ("set_app_settings", "is-settings"),
            ("set_signal_lost_ctrl", "is-signal-lost"),
            ("set_startup_rec", "is-startup-rec"),
            ("set_startup_live", "is-startup-live"),
            ("set_ssdp", "is-ssdp"),
            ("set_hdmi_rec_ctrl", "is-hdmi-rec-ctrl"),
        ]:
            for value in (True, False, 1):
                self.assertEqual(getattr(self.dev, method)(value).code, 0, method)
                self.assertEqual(self.dev.get_settings()[key], int(value), method)

    def test_set_app_passwd_three_forms(self) -> None:
        self.assertEqual(self.dev.set_app_passwd(True, new_password="one").code, 0)
        self.assertEqual(self.dev.get_settings().passwd, 1)
        with self.assertRaises(ultrastream.AuthError):
            self.dev.set_app_passwd(True, old_password="wrong", new_password="two")
        self.assertEqual(self.dev.set_app_passwd(True, old_password="one", new_password="two").code, 0)
        self.assertEqual(self.dev.set_app_passwd(False, old_password="two").code, 0)
        self.assertEqual(self.dev.get_settings().passwd, 0)
        with self.assertRaises(ultrastream.InvalidArgumentError):
            self.dev.set_app_passwd(False)

    def test_set_first_over(self) -> None:
        self.assertEqual(self.dev.set_first_over("First Box", "pairing").code, 0)
        s = self.dev.get_settings()
        self.assertEqual((s.name, s.passwd), ("First Box", 1))
        self.assertEqual(self.dev.set_first_over("Second Box").code, 0)
        self.assertEqual(self.dev.get_settings().name, "Second Box")

    def test_set_rec_control_full_and_partial(self) -> None:
        r = self.dev.set_rec_control(usb_option=1, sd_option=2, mime_type=1, root_folder="a/b", file_prefix="P", time_unit=10)
        self.assertEqual(r.code, 0)
        rc = self.dev.get_settings().rec_control
        self.assertEqual((rc.usb_option, rc.sd_option, rc.mime_type, rc.root_folder, rc.file_prefix, rc.time_unit),
                         (1, 2, 1, "a/b", "P", 10))
        self.assertEqual(self.dev.set_rec_control(time_unit=30).code, 0)
        rc = self.dev.get_settings().rec_control
        self.assertEqual((rc.root_folder, rc.time_unit, rc.sd_option), ("a/b", 30, 2))
        with self.assertRaises(ultrastream.InvalidArgumentError):
            self.dev.set_rec_control(root_folder="a/b/c")

    def test_set_softap(self) -> None:
        self.assertEqual(self.dev.set_softap(True, False, "MyAP", "secret123").code, 0)
        ap = self.dev.get_settings().softap
        self.assertEqual((ap.is_softap, ap.is_visible, ap.softap_ssid, ap.softap_passwd), (1, 0, "MyAP", "secret123"))

    def test_set_date_time(self) -> None:
        self.assertEqual(self.dev.set_date_time("Asia/Shanghai", "2024-02-03 04:05:06").code, 0)
        dt = self.dev.get_settings().date_time
        self.assertEqual((dt.timezone, dt.is_auto), ("Asia/Shanghai", 0))
        self.assertTrue(self.dev.get_status().cur_time.startswith("2024-02-03"))
        self.assertEqual(self.dev.set_date_time("UTC").code, 0)
        self.assertEqual(self.dev.get_settings().date_time.is_auto, 1)
        with self.assertRaises(ultrastream.InvalidArgumentError):
            self.dev.set_date_time("Mars/Olympus")


class StorageTests(SimTestCase):
    def test_format_usb_and_sd(self) -> None:
        for start in (self.dev.start_format_usb, self.dev.start_format_sd):
            self.assertEqual(start().code, 0)
            self.assertEqual(self.dev.get_status().format_status.result, ultrastream.RET_RUNNING)
            with self.assertRaises(ultrastream.BusyError):
                self.dev.clear_format_usb()
            self.advance(20_000)
            self.assertEqual(self.dev.get_status().format_status.percent, 100)
            self.assertEqual(self.dev.clear_format_usb().code, 0)
            self.assertEqual(self.dev.get_status().format_status.result, 27)

    def test_usb_speed_test(self) -> None:
        self.assertEqual(self.dev.start_test_usb().code, 0)
        self.assertEqual(self.dev.get_status().disk_test.result, ultrastream.RET_RUNNING)
        self.assertEqual(self.dev.stop_test_usb().code, 0)
        self.assertEqual(self.dev.get_status().disk_test.result, 5)
        self.assertEqual(self.dev.clear_test_usb().code, 0)
        self.assertEqual(self.dev.get_status().disk_test.result, 27)
        self.dev.start_test_usb()
        self.advance(20_000)
        self.assertGreater(self.dev.get_status().disk_test.write_bps, 0)

    def test_media_files(self) -> None:
        self.dev.set_rec_control(time_unit=5)
        self.dev.start_rec()
        self.advance(11 * 60_000)
        self.dev.stop_rec()
        page = self.dev.get_media_files(disk_type=0, start=0, count=10)
        self.assertIsInstance(page, ultrastream.MediaFilesReply)
        self.assertGreaterEqual(len(page.media_files), 3)
        self.assertTrue(page.path)
        first = page.media_files[0]
        self.assertTrue(first.name.endswith(".mp4"))
        self.assertGreater(first.size_bytes, 0)
        self.assertEqual((first.width, first.height), (1920, 1080))
        self.assertEqual(len(self.dev.get_media_files(0, 1, 1).media_files), 1)
        names = [f.name for f in page.media_files[:2]]
        self.assertEqual(self.dev.del_media_files(disk_type=0, names=names).code, 0)
        left = [f.name for f in self.dev.get_media_files(0, 0, 100).media_files]
        self.assertFalse(set(names) & set(left))
        self.assertEqual(len(left), len(page.media_files) - 2)
        with self.assertRaises(TypeError):
            self.dev.del_media_files(0, "one-string")


def header_struct_fields(name: str) -> list:
    """The field names of ``typedef struct name {...} name;`` in the header."""
    text = HEADER.read_text(encoding="utf-8")
    body = text.split(f"typedef struct {name} {{", 1)[1].split(f"}} {name};", 1)[0]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return re.findall(r"(\w+)(?:\[\w+\])?;", body)


class TypedNamesTests(unittest.TestCase):
    """The typed replies use the C structs' field names."""

    def test_field_names_match_the_c_structs(self) -> None:
        from dataclasses import fields

        from ultrastream import replies as r

        pairs = [
            (r.ServerInfo, "usapi_server_info", set()),
            (r.StreamServer, "usapi_server_info", {"live_result"}),
            (r.User, "usapi_user", set()),
            (r.MediaFile, "usapi_media_file", set()),
            (r.Product, "usapi_product", set()),
            (r.MacAddr, "usapi_mac_addr", set()),
            (r.SoftAp, "usapi_softap", set()),
            (r.DateTime, "usapi_date_time", set()),
            (r.RecControl, "usapi_rec_control_info", set()),
            (r.VideoColor, "usapi_video_color", set()),
            (r.Volume, "usapi_volume", set()),
            (r.VideoStream, "usapi_video_stream", set()),
            (r.Audio, "usapi_audio_info", set()),
            (r.EthSettings, "usapi_eth_info", set()),
        ]
        for cls, struct, not_here in pairs:
            names = {f.name for f in fields(cls)}
            c_names = set(header_struct_fields(struct)) - not_here
            self.assertTrue(c_names, struct)
            self.assertLessEqual(c_names, names, f"{cls.__name__} lacks fields of {struct}")
        # The replies: every field but `result` (Reply.code) is an attribute.
        for cls, struct in [(r.InfoReply, "usapi_info"), (r.SettingsReply, "usapi_settings"),
                            (r.MediaFilesReply, "usapi_media_page")]:
            for f in header_struct_fields(struct):
                if f != "result":
                    self.assertTrue(hasattr(cls, f) or f in typing_hints(cls), f"{cls.__name__}.{f} for {struct}")

    def test_old_names_still_work(self) -> None:
        from ultrastream import replies as r

        s = r.SettingsReply.parse(json.dumps({
            "result": 0, "volume": {"is-mic": 1, "mic-gain": 5.5}, "video-color": {"hue": 3},
            "stream-server": [{"id": 4, "type": 2, "name": "YT"}],
        }))
        self.assertEqual((s.stream_server[0].server_type, s.stream_server[0].type), (2, 2))
        self.assertEqual(s.server_count, 1)
        self.assertEqual((s.volume.mic_gain, s.volume["mic-gain"], s.volume.get("is-mic")), (5.5, 5.5, 1))
        self.assertEqual((s.video_color.hue, s.video_color["hue"]), (3, 3))
        self.assertIn("hue", s.video_color)
        u = r.UsersReply.parse('{"result":0,"users":[{"id":"Admin","type":1}]}')
        self.assertEqual((u.users[0].user_type, u.users[0].type), (1, 1))


def typing_hints(cls: type) -> dict:
    import typing

    return typing.get_type_hints(cls)


class TypedServerTests(SimTestCase):
    """get_servers / find_server / add_server_id through the C structs."""

    def test_stream_to_a_named_server(self) -> None:
        self.assertIsNone(self.dev.find_server("Py Server"))
        before = self.dev.get_servers()
        self.assertEqual(len(before), self.dev.get_settings().server_count)
        sid = self.dev.add_server_id(name="Py Server", url="rtmp://127.0.0.1/py", key="py-key", server_type=0)
        self.assertGreaterEqual(sid, 0)
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.add_server_id(name="Py Server", url="rtmp://127.0.0.1/py", key="py-key")
        self.assertEqual(cm.exception.code, ultrastream.ERR_SAME_NAME)
        found = self.dev.find_server("Py Server")
        assert found is not None
        self.assertEqual((found.id, found.server_type, found.url, found.is_use, found.live_result),
                         (sid, 0, "rtmp://127.0.0.1/py", 0, 27))
        servers = self.dev.get_servers()
        self.assertEqual(len(servers), len(before) + 1)
        # The same values as get-settings' JSON, by the C names.
        by_id = {s.id: s for s in self.dev.get_settings().stream_server}
        for s in servers:
            j = by_id[s.id]
            self.assertEqual((s.server_type, s.name, s.url, s.is_use, s.is_auth, s.net_mode),
                             (j.server_type, j.name, j.url, j.is_use, j.is_auth, j.net_mode))
        for s in servers:
            if s.is_use and s.id != sid:
                self.dev.enable_server(s.id, False)
        self.dev.enable_server(sid, True)
        self.assertEqual(self.dev.start_live().code, 0)
        self.assertEqual(self.dev.find_server("Py Server").live_result, 23)
        self.advance(5000)
        self.assertEqual(self.dev.find_server("Py Server").live_result, 22)
        self.dev.stop_live()
        self.assertEqual(self.dev.find_server("Py Server").live_result, 27)
        with self.assertRaises(ValueError):
            self.dev.add_server_id(name="X", url="rtmp://x/y", type=1, server_type=2)

    def assert_same(self, c: Any, py: Any, path: str) -> int:
        """Every field of the C struct ``c`` equals ``py``'s attribute of the same name."""
        import ctypes

        n = 0
        for name, _ in c._fields_:
            if name == "result":
                continue
            cv, pv = getattr(c, name), getattr(py, name)
            if isinstance(cv, ctypes.Structure):
                n += self.assert_same(cv, pv, f"{path}.{name}")
                continue
            if isinstance(cv, bytes):
                cv = cv.decode("utf-8")
            self.assertEqual(cv, pv, f"{path}.{name}")
            n += 1
        return n

    def test_c_structs_equal_the_typed_replies_by_name(self) -> None:
        from ctypes import byref, c_size_t

        lib, h = _native.lib(), self.dev.handle
        info = _native.usapi_info()
        self.assertEqual(lib.usapi_get_info_struct(h, byref(info)), 0)
        self.assertGreater(self.assert_same(info, self.dev.get_info(), "info"), 10)
        settings = _native.usapi_settings()
        self.assertEqual(lib.usapi_get_settings_struct(h, byref(settings)), 0)
        self.assertGreater(self.assert_same(settings, self.dev.get_settings(), "settings"), 50)
        users = (_native.usapi_user * 8)()
        n = c_size_t(0)
        self.assertEqual(lib.usapi_get_users_struct(h, users, 8, byref(n)), 0)
        py_users = self.dev.get_users().users
        self.assertEqual(n.value, len(py_users))
        for i, u in enumerate(py_users):
            self.assertEqual(self.assert_same(users[i], u, "user"), 2)
        self.dev.start_rec()
        self.advance(30000)
        self.dev.stop_rec()
        page = _native.usapi_media_page()
        files = (_native.usapi_media_file * 4)()
        self.assertEqual(lib.usapi_get_media_files_struct(h, 0, 0, byref(page), files, 4, byref(n)), 0)
        py_page = self.dev.get_media_files(0, 0, 4)
        self.assert_same(page, py_page, "page")
        self.assertEqual(n.value, len(py_page.media_files))
        self.assertGreater(n.value, 0)
        for i, f in enumerate(py_page.media_files):
            self.assertEqual(self.assert_same(files[i], f, "file"), 10)
        # Too small an array: the code, the count needed, the first entries.
        self.assertEqual(lib.usapi_get_users_struct(h, None, 0, byref(n)), ultrastream.E_BUFFER_TOO_SMALL)
        self.assertEqual(n.value, len(py_users))


class ServerTests(SimTestCase):
    def servers(self) -> dict:
        return {s.name: s for s in self.dev.get_settings().stream_server}

    def test_add_set_enable_delete(self) -> None:
        self.assertEqual(self.dev.add_server(type=2, name="YT", url="rtmp://a.example/live2", key="k1").code, 0)
        yt = self.servers()["YT"]
        self.assertEqual((yt.type, yt.url, yt.key, yt.is_use, yt.net_mode), (2, "rtmp://a.example/live2", "k1", 0, 1))
        self.assertNotIn("k1", repr(yt))  # keys stay out of reprs
        self.assertEqual(
            self.dev.set_server(yt.id, type=0, name="Own", url="rtmp://b.example/app", key="k2", is_auth=True,
                                user="u", passwd="p", net_mode=2).code, 0)
        own = self.servers()["Own"]
        self.assertEqual((own.id, own.is_auth, own.user, own.net_mode), (yt.id, 1, "u", 2))
        self.assertEqual(self.dev.enable_server(own.id, True).code, 0)
        self.assertEqual(self.servers()["Own"].is_use, 1)
        self.assertEqual(self.dev.enable_server(own.id, False).code, 0)
        self.assertEqual(self.dev.del_server(own.id).code, 0)
        self.assertNotIn("Own", self.servers())

    def test_stream_test(self) -> None:
        self.assertEqual(self.dev.start_test_server(type=0, url="rtmp://127.0.0.1/live", key="k").code, 0)
        self.assertEqual(self.dev.get_status().living_test.result, ultrastream.RET_RUNNING)
        with self.assertRaises(ultrastream.BusyError):
            self.dev.clear_test_server()
        self.assertEqual(self.dev.stop_test_server().code, 0)
        self.assertEqual(self.dev.clear_test_server().code, 0)
        self.assertEqual(self.dev.get_status().living_test.result, 27)


class EncodingTests(SimTestCase):
    def test_set_stream(self) -> None:
        self.assertEqual(self.dev.set_stream(rec=1, live=0, mws=1).code, 0)
        s = self.dev.get_settings()
        self.assertEqual((s.rec_stream, s.live_stream, s.mws_stream), (1, 0, 1))

    def test_set_video_full_and_partial(self) -> None:
        r = self.dev.set_video(stream=1, is_auto=False, cx=1280, cy=720, duration=333333, kbps=2048, gop=2,
                               codec=0, profile=1, cbrstat=60, fullrange=True)
        self.assertEqual(r.code, 0)
        sub = self.dev.get_settings().sub_stream
        self.assertEqual((sub.cx, sub.cy, sub.duration, sub.kbps, sub.gop, sub.profile, sub.fullrange),
                         (1280, 720, 333333, 2048, 2, 1, 1))
        before = self.dev.get_settings().main_stream
        self.assertEqual(self.dev.set_video(stream=0, kbps=3072).code, 0)
        after = self.dev.get_settings().main_stream
        self.assertEqual(after.kbps, 3072)
        self.assertEqual((after.cx, after.cy, after.duration), (before.cx, before.cy, before.duration))

    def test_set_audio(self) -> None:
        self.assertEqual(self.dev.set_audio(64).code, 0)
        self.assertEqual(self.dev.get_settings().audio.kbps, 64)


class ResetTests(SimTestCase):
    def wait_up(self) -> None:
        self.advance(30_000)
        self.assertEqual(self.dev.ping().code, 0)

    def test_reboot_and_transparent_relogin(self) -> None:
        self.dev.set_name("Before Reboot")
        self.assertEqual(self.dev.reboot().code, 0)
        self.advance(1_000)
        with self.assertRaises(ultrastream.UltrastreamError):
            self.dev.ping()
        self.wait_up()
        # the session died with the reboot; the library logs in again by itself
        self.assertEqual(self.dev.get_settings().name, "Before Reboot")
        self.assertEqual(self.state()["boots"], 1)

    def test_reset_all_settings(self) -> None:
        default = self.dev.get_settings().name
        self.dev.set_name("Custom")
        self.assertEqual(self.dev.reset_all_settings().code, 0)
        self.wait_up()
        self.assertEqual(self.dev.get_settings().name, default)


class UserTests(SimTestCase):
    def test_users(self) -> None:
        self.assertEqual([(u.id, u.type) for u in self.dev.get_users().users], [("Admin", 1)])
        self.assertEqual(self.dev.add_user("bob", "pw1").code, 0)
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.add_user("bob", "pw1")
        self.assertEqual(cm.exception.name, "errSameName")
        users = self.dev.get_users()
        self.assertIsInstance(users, ultrastream.UsersReply)
        self.assertIn(("bob", 2), [(u.id, u.type) for u in users.users])
        with ultrastream.Device(self.sim.host, user="bob", password="pw1") as bob:
            self.assertEqual(bob.ch_password("pw1", "pw2").code, 0)
        self.assertEqual(self.dev.set_password("bob", "pw3").code, 0)
        with self.assertRaises(ultrastream.AuthError):
            ultrastream.Device(self.sim.host, user="bob", password="pw2")
        with ultrastream.Device(self.sim.host, user="bob", password="pw3") as bob:
            self.assertEqual(bob.get_status().code, 0)
        self.assertEqual(self.dev.del_user("bob").code, 0)
        self.assertNotIn("bob", [u.id for u in self.dev.get_users().users])

    def test_ch_password_keeps_the_session_alive(self) -> None:
        self.assertEqual(self.dev.ch_password("Admin", "NewPass").code, 0)
        self.sim.control({"cmd": "expire-sessions"})
        self.assertEqual(self.dev.get_status().code, 0)  # re-login with the new password
        self.dev.ch_password("NewPass", "Admin")

    def test_login_md5(self) -> None:
        with ultrastream.Device(self.sim.host) as d:
            d.login_md5("Admin", "e3afed0047b08059d0fada10f400c1e5")
            self.assertEqual(d.get_status().code, 0)
            self.assertEqual(d.logout(), 0)
            with self.assertRaises(ultrastream.AuthError):
                d.get_status()


class NetworkTests(SimTestCase):
    def test_set_eth(self) -> None:
        self.assertEqual(self.dev.set_eth(False, ip="192.0.2.10", mask="255.255.255.0", router="192.0.2.1", dns="192.0.2.1").code, 0)
        eth = self.dev.get_settings().eth
        self.assertEqual((eth.is_dhcp, eth.ip, eth.mask), (0, "192.0.2.10", "255.255.255.0"))
        self.assertEqual(self.dev.set_eth(True).code, 0)
        self.assertEqual(self.dev.get_settings().eth.is_dhcp, 1)
        with self.assertRaises(ultrastream.InvalidArgumentError):
            self.dev.set_eth(False, ip="999.1.1.1", mask="255.255.255.0")

    def test_wifi_and_softap(self) -> None:
        self.assertEqual(self.dev.disconn_wifi().code, 0)
        self.assertEqual(self.dev.close_softap().code, 0)
        self.assertNotIn(ultrastream.StatusFlag.SOFTAP, self.dev.get_status().flags)


class FirmwareTests(SimTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def firmware(self, model: str = "hdmi", version: str = "1.2.123") -> str:
        return ultrastream.write_test_firmware(os.path.join(self.tmp.name, f"{model}.mwf"), model=model, version=version)

    def test_upload_file_and_update(self) -> None:
        r = self.dev.upload_update_file(Path(self.firmware()))
        self.assertIsInstance(r, ultrastream.UploadReply)
        self.assertEqual((r.code, r.status, r.version), (0, 0, "1.2.123"))
        self.assertIsInstance(r.up_to_date, bool)
        self.assertGreater(r.size, 0)
        self.assertEqual(self.dev.update("upload").code, 0)
        self.advance(120_000)
        self.assertEqual(self.dev.ping().code, 0)
        self.assertEqual(self.dev.get_info().product.firmware_ver_s, "1.2.123")
        self.assertEqual(self.dev.clear_upgrade().code, 0)
        self.assertEqual(self.dev.get_status().upgrade_status.result, 27)

    def test_upload_file_with_progress(self) -> None:
        reports = []
        r = self.dev.upload_update_file(self.firmware(version="1.2.125"), progress=reports.append)
        self.assertEqual((r.status, r.version), (0, "1.2.125"))
        self.assertGreaterEqual(len(reports), 2)
        self.assertTrue(all(isinstance(p, ultrastream.ProgressReport) for p in reports))
        self.assertEqual({(p.operation, p.phase) for p in reports}, {("upload", "uploading")})
        self.assertEqual(reports[0].done, 0)
        self.assertEqual(reports[-1].done, reports[-1].total)
        self.assertEqual(reports[-1].percent, 100)
        self.assertEqual(reports[-1].total, os.path.getsize(self.firmware(version="1.2.125")))

    def test_upload_progress_false_cancels(self) -> None:
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.upload_update_file(self.firmware(), progress=lambda p: False)
        self.assertEqual(cm.exception.code, ultrastream.E_CANCELLED)
        self.assertEqual(self.dev.ping().code, 0)

    def test_upload_progress_exception_is_reraised(self) -> None:
        class Stop(Exception):
            pass

        def boom(p: ultrastream.ProgressReport) -> None:
            raise Stop("from the callback")

        with self.assertRaises(Stop):
            self.dev.upload_update_file(self.firmware(), progress=boom)

    def test_upload_data(self) -> None:
        data = Path(self.firmware(version="1.2.124")).read_bytes()
        r = self.dev.upload_update_data(data, "fw.mwf")
        self.assertEqual((r.status, r.version), (0, "1.2.124"))

    def test_wrong_model_is_refused(self) -> None:
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.upload_update_file(self.firmware(model="sdi"))
        self.assertEqual(cm.exception.name, "errMWFUnsupported")

    def test_missing_file(self) -> None:
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.upload_update_file(os.path.join(self.tmp.name, "missing.mwf"))
        self.assertEqual(cm.exception.code, -1012)

    def test_online_check_and_cancel(self) -> None:
        self.assertIn(self.dev.online_update_check().code, (0, ultrastream.RET_REPEAT))
        self.advance(10_000)
        self.assertEqual(self.dev.clear_check_update().code, 0)
        self.assertEqual(self.dev.get_status().check_upgrade.result, 27)
        self.assertEqual(self.dev.cancel_download().code, 0)


class CallTests(SimTestCase):
    def test_call_by_name(self) -> None:
        self.assertEqual(self.dev.call("set-name", name="Called").code, 0)
        s = self.dev.call("get_settings")
        self.assertIsInstance(s, ultrastream.SettingsReply)
        self.assertEqual(s.name, "Called")
        self.assertEqual(self.dev.call("get-media-files", {"disk-type": 0}, start=0, count=5).code, 0)
        self.assertEqual(self.dev.call("set-app-settings", is_settings=True).code, 0)

    def test_call_errors(self) -> None:
        with self.assertRaises(ultrastream.UltrastreamError) as cm:
            self.dev.call("Not A Method")
        self.assertEqual(cm.exception.code, -1014)
        with self.assertRaises(ultrastream.InvalidArgumentError):
            self.dev.call("set-name", name="bad/name")
        with self.assertRaises(TypeError):
            self.dev.call("set-name", name=["x"])
        with self.assertRaises(ultrastream.InvalidArgumentError) as cm:
            self.dev.call("no-such-method")
        self.assertEqual(cm.exception.code, -10)


# --- discovery (unicast on loopback only: nothing is multicast) --------------


class FakeResponder:
    """A device answering the vendor's discovery probe by unicast on 127.0.0.1."""

    def __init__(self, reply: dict) -> None:
        self.reply = json.dumps(reply).encode()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.probes = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        deadline = time.monotonic() + 60  # bounded, whatever happens
        while not self.stopping and time.monotonic() < deadline:
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if b'"ssip"' in data and b"serialnumber" not in data:
                self.probes += 1
                self.sock.sendto(self.reply, addr)

    def close(self) -> None:
        self.stopping = True
        self.thread.join()
        self.sock.close()


class DiscoveryTests(unittest.TestCase):
    REPLY = {
        "version": "1.0", "flag": "ssip", "product": "Ultra Stream", "boxname": "[LH-SDI]-1.2.1",
        "serialnumber": "A302190719003", "wifiip": "192.168.48.1", "ethip": "192.168.1.217", "status": 65600,
    }

    def setUp(self) -> None:
        self.responder = FakeResponder(self.REPLY)
        self.addCleanup(self.responder.close)
        self.opts: Dict[str, Any] = dict(
            target=f"127.0.0.1:{self.responder.port}",
            local_address="127.0.0.1",
            protocols="multicast",
            listen_on_group=False,
            fetch_descriptions=False,
        )

    def test_discover_finds_the_device(self) -> None:
        found = ultrastream.discover(timeout=0.6, **self.opts)
        self.assertIsInstance(found, ultrastream.DiscoveryResult)
        self.assertEqual(len(found), 1)
        d = found[0]
        self.assertIsInstance(d, ultrastream.DiscoveredDevice)
        self.assertEqual((d.serialnumber, d.product, d.boxname), ("A302190719003", "Ultra Stream", "[LH-SDI]-1.2.1"))
        self.assertEqual((d.ethip, d.wifiip, d.status), ("192.168.1.217", "192.168.48.1", 65600))
        self.assertEqual(d.status_flags, ["statusSoftAP", "statusPasswd"])
        self.assertEqual(d.status_flags, ultrastream.status_flag_names(d.status))
        self.assertEqual(d.address, "127.0.0.1")
        self.assertIsNone(d.port)
        self.assertEqual(d.host, "127.0.0.1")
        self.assertEqual(d.protocols, ["multicast"])
        self.assertIsNone(d.ssdp)
        self.assertGreaterEqual(found.diagnostics["replies_accepted"], 1)
        self.assertEqual(found.raw["devices"][0]["serialnumber"], "A302190719003")
        self.assertGreaterEqual(self.responder.probes, 1)

    def test_http_port_of_a_simulated_device_gives_its_host(self) -> None:
        responder = FakeResponder(dict(self.REPLY, **{"http-port": 8081}))
        self.addCleanup(responder.close)
        opts = dict(self.opts, target=f"127.0.0.1:{responder.port}")
        found = ultrastream.discover(timeout=0.6, **opts)
        self.assertEqual(len(found), 1)
        self.assertEqual((found[0].port, found[0].host), (8081, "127.0.0.1:8081"))
        self.assertNotIn("http-port", found[0].extra)

    def test_on_device_can_stop_early(self) -> None:
        seen = []
        start = time.monotonic()
        found = ultrastream.discover(timeout=10, on_device=lambda d: seen.append(d) or True, **self.opts)
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual([d.serialnumber for d in seen], ["A302190719003"])
        self.assertEqual(list(found), seen)

    def test_exception_in_callback_propagates(self) -> None:
        def boom(_d) -> None:
            raise KeyError("from the callback")

        with self.assertRaises(KeyError):
            ultrastream.discover(timeout=10, on_device=boom, **self.opts)

    def test_nothing_there(self) -> None:
        self.responder.close()
        found = ultrastream.discover(timeout=0.3, **self.opts)
        self.assertEqual(list(found), [])

    def test_the_simulator_answers_discovery(self) -> None:
        with ultrastream.Simulator(discovery_port=0, ssdp_port=0) as sim:
            mport, sport = sim.discovery_ports
            self.assertGreater(mport, 0)
            self.assertGreater(sport, 0)
            with sim.device() as dev:
                sn = dev.get_info().product.sn
                dev.set_name("Found Me")
            found = ultrastream.discover(
                timeout=0.6, target=f"127.0.0.1:{mport}", protocols="multicast", local_address="127.0.0.1",
                listen_on_group=False, fetch_descriptions=False,
            )
            self.assertEqual([(d.serialnumber, d.boxname, d.protocols) for d in found], [(sn, "Found Me", ["multicast"])])
            via_ssdp = ultrastream.discover(
                timeout=0.6, target=f"127.0.0.1:{sport}", protocols="ssdp", local_address="127.0.0.1",
                listen_on_group=False,
            )
            self.assertEqual(len(via_ssdp), 1)
            self.assertEqual(via_ssdp[0].protocols, ["ssdp"])
            self.assertIsNotNone(via_ssdp[0].ssdp)
            self.assertIn(str(sim.port), via_ssdp[0].ssdp.location)
        with ultrastream.Simulator() as quiet:
            with self.assertRaises(ultrastream.SimulatorError):
                quiet.discovery_ports

    def test_bad_options(self) -> None:
        with self.assertRaises(ultrastream.InvalidArgumentError):
            ultrastream.discover(timeout=0.2, target="not a host:99999", local_address="127.0.0.1",
                                 listen_on_group=False)
        with self.assertRaises(ValueError):
            ultrastream.discover(timeout=0.2, protocols="carrier-pigeon")
        with self.assertRaises(ValueError):
            ultrastream.discover(timeout=0)


# --- context managers and threads -------------------------------------------


class LifecycleTests(unittest.TestCase):
    def test_device_context_logs_out_and_closes(self) -> None:
        with ultrastream.Simulator() as sim:
            with sim.device() as d:
                self.assertEqual(sim.control({"cmd": "state"})["sessions"], 1)
            self.assertTrue(d.closed)
            self.assertEqual(sim.control({"cmd": "state"})["sessions"], 0)
            with self.assertRaises(ultrastream.UltrastreamError):
                d.ping()
            # an exception inside the block still logs out and closes, and propagates
            with self.assertRaises(KeyError):
                with sim.device() as d2:
                    raise KeyError("boom")
            self.assertTrue(d2.closed)
            self.assertEqual(sim.control({"cmd": "state"})["sessions"], 0)
            # exit when the device is gone does not raise
            d3 = sim.device()
        with d3:
            pass
        self.assertTrue(d3.closed)

    def test_simulator_context(self) -> None:
        with ultrastream.Simulator() as sim:
            self.assertTrue(sim.running)
            self.assertRegex(sim.host, r"^127\.0\.0\.1:\d+$")
            self.assertEqual(sim.host, f"127.0.0.1:{sim.port}")
            self.assertIn("127.0.0.1", repr(sim))
        self.assertFalse(sim.running)
        sim.stop()  # idempotent
        with ultrastream.Device(sim.host) as d:
            with self.assertRaises(ultrastream.ConnectError):
                d.ping()

    def test_simulator_options(self) -> None:
        with ultrastream.Simulator({"model": "sdi"}, user="op", password="pw") as sim:
            with sim.device() as d:
                self.assertEqual(d.get_info().product.module_name, "Ultra Stream SDI")
                self.assertEqual(d.get_users().users[0].id, "op")
            with self.assertRaises(ultrastream.AuthError):
                sim.device(user="Admin", password="Admin")

    def test_simulator_control_errors(self) -> None:
        with ultrastream.Simulator() as sim:
            with self.assertRaises(ultrastream.SimulatorError) as cm:
                sim.control({"cmd": "no-such-command"})
            self.assertEqual(cm.exception.code, -1013)
            self.assertIn("no-such-command", cm.exception.detail)
            self.assertTrue(sim.control({"cmd": "set-signal", "present": False})["ok"])
            with sim.device() as d:
                self.assertFalse(d.get_status().input_signal.present)
                self.assertFalse(d.get_status_summary().signal_present)
        with self.assertRaises(ultrastream.SimulatorError):
            ultrastream.Simulator({"model": "vga"})


class ThreadTests(SimTestCase):
    def test_threads_share_a_device(self) -> None:
        errors = []
        counts = []

        def work(i: int) -> None:
            n = 0
            try:
                for _ in range(15):
                    self.assertEqual(self.dev.get_status().code, 0)
                    self.assertEqual(self.dev.get_info().product.product_id, 769)
                    self.assertEqual(self.dev.ping().code, 0)
                    n += 3
            except BaseException as e:  # noqa: BLE001 (reported below)
                errors.append(e)
            counts.append(n)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        # sessions expire while the threads run: they re-login transparently, once
        self.sim.control({"cmd": "expire-sessions"})
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(errors, [])
        self.assertEqual(sum(counts), 8 * 45)
        self.assertEqual(self.state()["sessions"], 1)

    def test_close_while_other_threads_call(self) -> None:
        results = []

        def work() -> None:
            for _ in range(100_000):  # bounded; ends at the first failure after close
                try:
                    self.dev.ping()
                    results.append(0)
                except ultrastream.UltrastreamError as e:
                    results.append(e.code)
                    return

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        while len(results) < 20:
            threading.Event().wait(0.001)
        self.dev.close()
        for t in threads:
            t.join(timeout=60)
        self.assertTrue(set(results) <= {0, -1000}, set(results))
        self.assertIn(-1000, results)


class EchoDeviceSecretTests(unittest.TestCase):
    """A device that echoes every request (query, headers, body) back in
    every kind of failing reply: no secret the library sent appears in any
    exception's str, repr or detail."""

    PASSWORD = "py-Login-Pw-4411"
    NEW_PASSWORD = "py-New-Pw-8822"
    KEY = "pyStreamKEY-0099/x+y"
    SERVER_PASSWD = "pySrvPass-7733"
    TOKEN = "pyTokenABCDEFGH77"
    AP_PASS = "pyApPass 5544"
    SID = "PySid0123456789abcdefsession"
    MODES = ["bad-json", "result-string", "http-500", "reason", "oversize", "redirect", "http09", "need-auth"]

    def setUp(self) -> None:
        self.mode = "ok"
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.addCleanup(self.server.close)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(20)
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    buf += chunk
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                while len(rest) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    rest += chunk
                body, buf = rest[:length], rest[length:]
                echo = (head + b"\r\n\r\n" + body).decode("utf-8", "replace")
                one_line = "".join(" " if ord(c) < 32 else c for c in echo)
                mode = self.mode
                if mode == "ok":
                    out = self._reply("200 OK", '{"result":0}', f"Set-Cookie: sid={self.SID}; path=/\r\n")
                elif mode == "bad-json":
                    out = self._reply("200 OK", "<html>" + echo)
                elif mode == "result-string":
                    out = self._reply("200 OK", json.dumps({"result": echo}))
                elif mode == "http-500":
                    out = self._reply("500 Internal Server Error", echo)
                elif mode == "reason":
                    out = self._reply("403 " + one_line, "{}")
                elif mode == "oversize":
                    out = self._reply("200 OK", echo * 300)
                elif mode == "redirect":
                    out = self._reply("302 Found", echo, f"Location: /usapi?{one_line.replace(' ', '%20')}\r\n")
                elif mode == "need-auth":
                    out = self._reply("200 OK", '{"result":-17,"echo":' + json.dumps(echo) + "}")
                elif mode == "plain-result":
                    # A device that knows the passwords answers with the one
                    # whose hash the request carries (the last one given).
                    import hashlib
                    found = [(echo.rfind(hashlib.md5(p.encode()).hexdigest()), p)
                             for p in (self.PASSWORD, self.NEW_PASSWORD)]
                    plain = max(found)[1] if max(found)[0] >= 0 else "none"
                    out = self._reply("200 OK", json.dumps({"result": plain}))
                else:  # http09
                    conn.sendall(echo.encode())
                    return
                try:
                    conn.sendall(out)
                except OSError:
                    return

    @staticmethod
    def _reply(status: str, body: str, extra: str = "") -> bytes:
        data = body.encode("utf-8", "replace")
        return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
                f"Content-Length: {len(data)}\r\n\r\n").encode() + data

    def secrets(self) -> list:
        import hashlib
        import urllib.parse
        out = [self.SID]
        for p in (self.PASSWORD, self.NEW_PASSWORD, self.KEY, self.SERVER_PASSWD, self.TOKEN, self.AP_PASS):
            out += [p, hashlib.md5(p.encode()).hexdigest(), urllib.parse.quote(p, safe="")]
        return out

    def assert_clean(self, what: str, text: str) -> None:
        low = text.lower()
        for s in self.secrets():
            s = s.lower()
            pieces = [s[i:i + 8] for i in range(len(s) - 7)] or [s]
            for piece in pieces:
                self.assertNotIn(piece, low, f"{what}: a piece of a secret ({piece}) in {text!r}")

    def test_no_secret_in_any_exception(self) -> None:
        host = f"127.0.0.1:{self.server.getsockname()[1]}"
        dev = ultrastream.Device(host, request_timeout=5, max_reply_bytes=64 << 10)
        self.addCleanup(dev.close)
        calls = {
            "login": lambda: dev.login("Admin", self.PASSWORD),
            "add_server": lambda: dev.add_server(name="Box", url="rtmp://127.0.0.1/live", key=self.KEY,
                                                 is_auth=True, user="Admin", passwd=self.SERVER_PASSWD,
                                                 token=self.TOKEN),
            "start_test_server": lambda: dev.start_test_server(url="rtmp://127.0.0.1/live", key=self.KEY,
                                                               is_auth=True, user="Admin",
                                                               passwd=self.SERVER_PASSWD, token=self.TOKEN),
            "set_app_passwd": lambda: dev.set_app_passwd(1, self.PASSWORD, self.NEW_PASSWORD),
            "set_softap": lambda: dev.set_softap(1, 1, "Box", self.AP_PASS),
            "ch_password": lambda: dev.ch_password(self.PASSWORD, self.NEW_PASSWORD),
            "call": lambda: dev.call("add-server", {"type": 0, "name": "Box", "url": "rtmp://127.0.0.1/x",
                                                    "key": self.KEY, "is-auth": 1, "user": "Admin",
                                                    "passwd": self.SERVER_PASSWD, "token": self.TOKEN,
                                                    "net-mode": 1}),
            "get_status": lambda: dev.get_status(),
        }
        failures = 0
        for mode in self.MODES:
            self.mode = "ok"
            dev.login("Admin", self.PASSWORD)
            self.mode = mode
            for name, fn in calls.items():
                try:
                    fn()
                except ultrastream.UltrastreamError as e:
                    failures += 1
                    for text in (str(e), repr(e), e.detail, e.message, " ".join(map(str, e.args))):
                        self.assert_clean(f"{mode} {name}", text)
        self.assertGreater(failures, len(self.MODES) * 4)

    def test_no_plain_password_in_any_exception(self) -> None:
        """A login (or password change) answered with the plain password,
        {"result":"<password>"}: the exception never shows it."""
        host = f"127.0.0.1:{self.server.getsockname()[1]}"
        dev = ultrastream.Device(host, request_timeout=5, max_reply_bytes=64 << 10)
        self.addCleanup(dev.close)
        dev.login("Admin", self.PASSWORD)
        self.mode = "plain-result"
        calls = {
            "login": lambda: dev.login("Admin", self.PASSWORD),
            "set_app_passwd": lambda: dev.set_app_passwd(1, self.PASSWORD, self.NEW_PASSWORD),
            "ch_password": lambda: dev.ch_password(self.PASSWORD, self.NEW_PASSWORD),
        }
        for name, fn in calls.items():
            with self.assertRaises(ultrastream.UltrastreamError, msg=name) as cm:
                fn()
            e = cm.exception
            for text in (str(e), repr(e), e.detail, e.message, " ".join(map(str, e.args))):
                self.assert_clean(f"plain-result {name}", text)


# --- watching ---------------------------------------------------------------


class WatchTests(unittest.TestCase):
    """ultrastream.watch over simulators: both forms, waits bounded generously."""

    def setUp(self) -> None:
        self.sims = [ultrastream.Simulator() for _ in range(2)]
        for s in self.sims:
            self.addCleanup(s.stop)
        self.devs = [s.device() for s in self.sims]
        for d in self.devs:
            self.addCleanup(d.__exit__, None, None, None)

    def next_of(self, w: "ultrastream.Watch", kind: str, dev: "ultrastream.Device") -> "ultrastream.Event":
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            e = w.get(timeout=1)
            if e is not None and e.kind == kind and e.device == dev.handle:
                return e
        self.fail(f"no {kind} event for {dev.host} in 60 s")

    def test_iterator_online_changed_offline(self) -> None:
        with ultrastream.watch(self.devs, interval=0.2, offline_after=1.0, timeout=0.2) as w:
            for d, s in zip(self.devs, self.sims):
                e = self.next_of(w, "online", d)
                self.assertEqual(e.host, s.host)
                self.assertFalse(e["state"]["recording"])
            self.devs[1].start_rec()
            e = self.next_of(w, "changed", self.devs[1])
            self.assertTrue(e.changes["recording"], e)
            self.sims[0].stop()
            e = self.next_of(w, "offline", self.devs[0])
            self.assertGreaterEqual(e["silent_ms"], 1000)
            stats = w.stats()
            self.assertEqual([x["device"] for x in stats["devices"]], [d.handle for d in self.devs])
        self.assertEqual(w.handle, 0)
        # Events queued before stop may remain; then the iterator ends.
        rest = list(w)
        self.assertTrue(all(isinstance(e, ultrastream.Event) for e in rest), rest)
        self.assertIsNone(w.get(timeout=0.01), "the iterator ends after stop")
        self.assertEqual(list(w), [])

    def test_callback_form_and_ending_from_the_callback(self) -> None:
        seen: list = []
        tried: list = []
        holder: dict = {}

        def on_event(event: "ultrastream.Event") -> bool:
            seen.append(event)
            try:
                holder["w"].stop()
            except ultrastream.UltrastreamError as e:
                tried.append(e.code)
            return False  # end the watch after the first event

        holder["w"] = w = ultrastream.watch(self.devs[:1], on_event, interval=0.05)
        deadline = time.monotonic() + 60
        while not tried and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(tried, [ultrastream.E_WATCH])
        self.assertEqual(seen[0].kind, "online")
        self.sims[0].control({"cmd": "set-signal", "present": False})
        time.sleep(0.3)
        self.assertEqual(len(seen), 1, "no event after the callback returned False")
        w.stop()
        w.stop()  # idempotent

    def test_callback_exception_is_raised_by_stop(self) -> None:
        def boom(event: "ultrastream.Event") -> None:
            raise ValueError("from the callback")

        w = ultrastream.watch(self.devs, boom, interval=0.05)
        deadline = time.monotonic() + 60
        while w._error is None and time.monotonic() < deadline:
            time.sleep(0.02)
        with self.assertRaises(ValueError):
            w.stop()


if __name__ == "__main__":
    unittest.main()
