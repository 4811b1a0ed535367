"""Many devices, one call (issue 17): ``ultrastream.call_many`` (blocking)
and ``ultrastream.aio`` (awaitables completed by the library's engine)."""

from __future__ import annotations

import asyncio
import threading
import time
import unittest
from typing import List

import ultrastream
import ultrastream.aio as aio


def start_fleet(n: int, **options: object) -> List[ultrastream.Simulator]:
    return [ultrastream.Simulator(options) for _ in range(n)]


class CallManyTest(unittest.TestCase):
    def setUp(self) -> None:
        self.sims = start_fleet(5)
        self.devs = [s.device() for s in self.sims]
        for s in self.sims:
            self.addCleanup(s.stop)
        for d in self.devs:
            self.addCleanup(d.close)

    def test_one_result_per_device_in_order(self) -> None:
        seen = []
        results = ultrastream.call_many(self.devs, "set-name", name="Rack B+2 'x'", max_in_flight=2, on_result=seen.append)
        self.assertEqual([r.index for r in results], list(range(5)))
        self.assertEqual(len(seen), 5)
        for r, d in zip(results, self.devs):
            self.assertTrue(r.ok, r.error)
            self.assertIs(r.device, d)
            self.assertEqual(r.handle, d.handle)
            self.assertEqual(r.result().code, 0)
            self.assertEqual(d.get_settings()["name"], "Rack B+2 'x'")
        # Typed replies, as from the blocking call.
        status = ultrastream.call_many(self.devs, "get_status")
        self.assertTrue(all(isinstance(r.reply.flag_names, list) for r in status))

    def test_failures_are_results_and_bad_arguments_raise(self) -> None:
        self.devs[1].logout()
        closed = ultrastream.Device(self.sims[0].host)
        dead = closed.handle
        closed.close()
        results = ultrastream.call_many([*self.devs, dead], "get-status", timeout=30)
        self.assertTrue(results[0].ok)
        self.assertIsInstance(results[1].error, ultrastream.AuthError)
        self.assertEqual(results[1].code, ultrastream.ERR_NEED_AUTH)
        with self.assertRaises(ultrastream.AuthError):
            results[1].result()
        self.assertIsNone(results[5].device)
        self.assertEqual(results[5].code, ultrastream.E_INVALID_HANDLE)
        self.assertIn("handle", results[5].error.detail)
        with self.assertRaises(TypeError):
            ultrastream.call_many(self.devs, "set-name", name=["not", "a", "string"])
        self.assertEqual(ultrastream.call_many([], "ping"), [])

    def test_what_on_result_raises_is_raised_after_the_call(self) -> None:
        def boom(_r: ultrastream.ManyResult) -> None:
            raise KeyError("from on_result")

        with self.assertRaises(KeyError):
            ultrastream.call_many(self.devs, "ping", on_result=boom)


class AioTest(unittest.TestCase):
    def test_a_thousand_concurrent_get_status_in_one_event_loop(self) -> None:
        sims = start_fleet(20)
        devs = [s.device() for s in sims]
        try:
            loop_thread = []
            done_on = set()

            async def main() -> List[ultrastream.Reply]:
                loop_thread.append(threading.get_ident())
                futs = [aio.get_status(devs[i % len(devs)]) for i in range(1000)]
                for f in futs:
                    f.add_done_callback(lambda _f: done_on.add(threading.get_ident()))
                return await asyncio.gather(*futs)

            replies = asyncio.run(main())
            self.assertEqual(len(replies), 1000)
            self.assertTrue(all(r.code == 0 and "cur-status" in r for r in replies))
            self.assertTrue(all(isinstance(r.flag_names, list) for r in replies))
            # Completed on the loop's own thread, never on the engine's.
            self.assertEqual(done_on, set(loop_thread))
        finally:
            for d in devs:
                d.close()
            for s in sims:
                s.stop()

    def test_the_loop_runs_while_devices_are_slow(self) -> None:
        sims = start_fleet(4, latency_ms=400)
        devs = [s.device() for s in sims]
        try:

            async def main() -> tuple:
                ticks = 0
                calls = asyncio.gather(*(aio.ping(d) for d in devs))
                while not calls.done():
                    await asyncio.sleep(0.01)
                    ticks += 1
                return await calls, ticks

            t = time.monotonic()
            replies, ticks = asyncio.run(main())
            self.assertGreaterEqual(time.monotonic() - t, 0.4)
            self.assertTrue(all(r.code == 0 for r in replies))
            # The loop kept turning while the calls were out.
            self.assertGreater(ticks, 5)
        finally:
            for d in devs:
                d.close()
            for s in sims:
                s.stop()

    def test_errors_raise_from_the_await_and_cancelling_is_safe(self) -> None:
        sim = ultrastream.Simulator(latency_ms=200)
        dev = sim.device()
        try:

            async def main() -> None:
                with self.assertRaises(ultrastream.InvalidArgumentError):
                    await aio.call(dev, "set-name", name=" leading space")
                # A cancelled await: the late answer is dropped quietly.
                task = asyncio.ensure_future(aio.ping(dev))
                await asyncio.sleep(0.01)
                task.cancel()
                with self.assertRaises(asyncio.CancelledError):
                    await task
                await asyncio.sleep(0.5)
                r = await aio.call_many([dev, dev], "get-settings", max_in_flight=1)
                self.assertTrue(all(x.ok for x in r))
                dev.logout()
                with self.assertRaises(ultrastream.AuthError):
                    await aio.get_info(dev)

            asyncio.run(main())
            closed = ultrastream.Device(sim.host)
            closed.close()

            async def on_closed() -> None:
                with self.assertRaises(ultrastream.UltrastreamError) as e:
                    aio.ping(closed.handle)
                self.assertEqual(e.exception.code, ultrastream.E_INVALID_HANDLE)

            asyncio.run(on_closed())
            with self.assertRaises(RuntimeError):  # no running loop
                aio.ping(dev)
        finally:
            dev.close()
            sim.stop()


if __name__ == "__main__":
    unittest.main()
