"""Long operations release the GIL: another Python thread runs while they do."""

import sys
import threading
import time

import numpy as np

import diffphys
from conftest import SCENES


def share_during(call):
    """The share of its free-running count that a busy Python thread reached while `call` ran in this one: near
    1 (or, with the cores busy, a good fraction of it) if `call` released the GIL; about none if it held it, when
    the thread could count only at the hand-overs (a switch interval, here 0.5 ms, at either end)."""
    count, stop = [0], threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(5e-4)
    thread = threading.Thread(target=spin)
    thread.start()
    try:
        before, start = count[0], time.perf_counter()
        time.sleep(0.1)  # this thread waits: the other has the interpreter
        rate = (count[0] - before) / (time.perf_counter() - start)
        before, start = count[0], time.perf_counter()
        call()
        elapsed = time.perf_counter() - start
        during = count[0] - before
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)
    assert elapsed > 0.05, f"the call took {elapsed:.3f} s, too short to tell"
    return during / (rate * elapsed)


def test_the_measure_sees_a_call_that_holds_the_gil():
    # sorting a long list of Python objects is C code that holds the GIL throughout
    data = list(np.random.default_rng(0).random(2_000_000))
    assert share_during(lambda: sorted(data)) < 0.05


def test_simulate_and_the_batches_release_the_gil():
    scene = diffphys.load_scene(SCENES / "bouncing_ball.toml")
    names = ["ball.velocity.x", "ground.damping"]
    values = np.tile([2.0, 60.0], (128, 1))
    assert share_during(lambda: scene.simulate_batch(names, values, every=1000)) > 0.15
    assert share_during(lambda: scene.jacobian_batch(names, values)) > 0.15
    assert share_during(lambda: [scene.simulate(every=1000) for _ in range(300)]) > 0.15
