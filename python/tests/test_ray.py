"""examples/python/ray_sweep.py on a local Ray instance (2 CPUs): the distributed sweep and fit equal the serial
ones bit for bit, and the fit recovers the true parameters. Skipped only when `ray` is not installed."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"
sys.path.insert(0, str(EXAMPLES))
import ray_sweep as rs  # noqa: E402


@pytest.fixture(scope="module")
def mapper():
    rs.init_ray(num_cpus=2)
    try:
        yield rs.RayMapper(cpus_per_task=1)
    finally:
        ray.shutdown()


def test_tasks_run_in_ray_workers(mapper):
    # a lambda is pickled by value: the workers need not import this file
    pids = mapper(lambda i: (i, os.getpid(), os.environ.get("RAYON_NUM_THREADS")), [(i,) for i in range(6)])
    assert [p[0] for p in pids] == list(range(6))  # results in submission order
    assert all(p[1] != os.getpid() for p in pids)
    assert all(p[2] == "1" for p in pids)  # one rayon thread per 1-CPU task


def test_distributed_sweep_equals_serial_bit_for_bit(mapper):
    text = rs.read_scene()
    values = rs.sample_sweep(200, seed=7)
    distributed = rs.run_sweep(values, 30, mapper, text)  # 7 tasks, the last one of 20
    loop = rs.sweep_loop(text, rs.SWEEP_NAMES, values)
    batch = rs.sweep_chunk(text, rs.SWEEP_NAMES, values)
    assert distributed.shape == (200, 3)
    assert np.array_equal(distributed, loop)
    assert np.array_equal(distributed, batch)
    # the randomised parameters matter: every rollout ends somewhere else
    assert np.unique(distributed[:, 0]).size == 200
    assert distributed[:, 0].min() > 0.0 and np.ptp(distributed[:, 0]) > 1.0
    # the chunking does not change the numbers either
    assert np.array_equal(rs.run_sweep(values[:40], 1, mapper, text), loop[:40])


def test_sweep_reports_a_bad_parameter_set(mapper):
    values = rs.sample_sweep(10, seed=7)
    values[6, rs.SWEEP_NAMES.index("ground.damping")] = -1.0
    with pytest.raises(Exception, match=r"batch item 1: .*damping"):  # item 1 of the second chunk of 5
        rs.run_sweep(values, 5, mapper)


def test_distributed_fit_equals_serial_and_recovers_the_truth(mapper):
    text = rs.read_scene()
    known = rs.sample_experiments(12, seed=11)
    measured = rs.measure(text, known, seed=12)
    theta0 = np.array([0.1, 0.02])  # the scene file's friction and drag
    distributed = rs.fit(text, known, measured, theta0, chunk=4, mapper=mapper)
    serial = rs.fit(text, known, measured, theta0, chunk=4)  # the same code in this process
    assert np.array_equal(distributed.history, serial.history)
    assert np.array_equal(distributed.values, serial.values)
    assert np.array_equal(distributed.std_errors, serial.std_errors)
    assert distributed.cost == serial.cost
    assert distributed.iterations == serial.iterations and distributed.evaluations == serial.evaluations

    assert distributed.converged
    z = (distributed.values - rs.FIT_TRUE) / distributed.std_errors
    assert np.all(np.abs(z) < 3), z
    assert np.all(np.abs(theta0 - rs.FIT_TRUE) > 10 * distributed.std_errors)  # the start was far off
    # the residuals' standard deviation estimates the noise (96 residuals)
    assert 0.75 * rs.NOISE < distributed.residual_std < 1.25 * rs.NOISE
