"""The threading helpers (background.py) in a plain python3: a call that
times out does not block its caller, and results reach the thread that
delivers them."""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "farmhand"))
import background  # noqa: E402

# Upper bound for a step that should be at once; only a hang reaches it.
DEADLINE = 10.0


class RunTest(unittest.TestCase):
    def test_a_call_that_times_out_does_not_block_the_caller(self):
        release, finished = threading.Event(), threading.Event()

        def stuck():
            # Stands for a manager that does not answer: it answers only once
            # the caller has gone on, so run() cannot have waited for it.
            release.wait(DEADLINE)
            finished.set()
            return "late"

        with self.assertRaises(background.CallTimeout):
            background.run(stuck, 0.05)
        self.assertFalse(finished.is_set(), "run() returned only after the call ended")
        release.set()
        self.assertTrue(finished.wait(DEADLINE), "the call never finished in its thread")

    def test_value_and_exception_reach_the_caller(self):
        self.assertEqual(background.run(lambda a, b: a + b, DEADLINE, 2, 3), 5)

        def fails():
            raise ValueError("manager says no")
        with self.assertRaisesRegex(ValueError, "manager says no"):
            background.run(fails, DEADLINE)


class RunnerTest(unittest.TestCase):
    def test_results_are_delivered_on_the_delivering_thread_only(self):
        r = background.Runner()
        release = threading.Event()
        got = []
        me = threading.get_ident()

        def work(x):
            release.wait(DEADLINE)
            return x * 2

        self.assertTrue(r.start("refresh", work, lambda v, e: got.append((v, e, threading.get_ident())), 21))
        # Running: deliver() returns at once with nothing, and a second call
        # of the same key is refused while the first runs.
        self.assertEqual(r.deliver(), 0)
        self.assertTrue(r.busy("refresh"))
        self.assertFalse(r.start("refresh", work, lambda v, e: got.append("second"), 1))
        self.assertEqual(got, [])
        release.set()
        call = r._calls["refresh"][0]
        call.wait(DEADLINE)
        self.assertEqual(r.deliver(), 1)
        self.assertEqual(got, [(42, None, me)])
        self.assertFalse(r.busy("refresh"))
        self.assertEqual(r.deliver(), 0, "delivered twice")

    def test_errors_are_delivered_and_a_bad_callback_spares_the_others(self):
        r = background.Runner()
        got = {}

        def fails():
            raise OSError("unreachable")

        def bad_callback(v, e):
            raise RuntimeError("callback bug")
        r.start("a", fails, lambda v, e: got.setdefault("a", e))
        r.start("b", lambda: 1, bad_callback)
        r.start("c", lambda: "ok", lambda v, e: got.setdefault("c", v))
        for key in ("a", "b", "c"):
            try:
                r._calls[key][0].wait(DEADLINE)
            except OSError:
                pass
        self.assertEqual(r.deliver(), 3)
        self.assertIsInstance(got.get("a"), OSError)
        self.assertEqual(got.get("c"), "ok")
        self.assertEqual(r.pending(), 0)


if __name__ == "__main__":
    unittest.main()
