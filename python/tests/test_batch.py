"""The batch functions equal their serial counterparts exactly, whatever thread ran each item."""

import numpy as np
import pytest

import diffphys
from conftest import SCENES

NAMES = ["ball.velocity.x", "ground.damping", "ball.drag"]


def parameter_sets(n=8):
    rng = np.random.default_rng(3)
    return np.column_stack([rng.uniform(1.0, 3.0, n), rng.uniform(40.0, 80.0, n), rng.uniform(0.0, 0.05, n)])


def test_simulate_batch_equals_simulate_one_by_one():
    scene = diffphys.load_scene(SCENES / "bouncing_ball.toml")
    values = parameter_sets()
    batch = scene.simulate_batch(NAMES, values, every=5)
    assert len(batch) == len(values)
    for row, traj in zip(values, batch):
        serial = scene.simulate(dict(zip(NAMES, row)), every=5)
        assert traj.columns == serial.columns
        assert np.array_equal(traj.times, serial.times)
        assert np.array_equal(traj.values, serial.values)
    # the parameter sets differ, and so do the trajectories
    assert not np.array_equal(batch[0].values, batch[1].values)


def test_simulate_batch_of_a_scene_with_bodies_and_robots():
    scene = diffphys.load_scene(SCENES / "one_world.toml")
    names = ["box.velocity.x", "arm.forearm.mass"]
    values = [[0.5, 1.0], [1.5, 0.5], [1.0, 2.0]]
    batch = scene.simulate_batch(names, values, every=20)
    for row, traj in zip(values, batch):
        assert np.array_equal(traj.values, scene.simulate(dict(zip(names, row)), every=20).values)


def test_jacobian_batch_equals_jacobian_one_by_one():
    scene = diffphys.load_scene(SCENES / "bouncing_ball.toml")
    values = parameter_sets(4)
    outputs = ["ball.x", "ball.z"]
    value, jac, names = scene.jacobian_batch(NAMES, values, outputs=outputs)
    assert names == outputs
    assert value.shape == (4, 2) and jac.shape == (4, 2, 3)
    for b, row in enumerate(values):
        v, j, n = scene.jacobian(NAMES, outputs=outputs, at=row)
        assert n == outputs
        assert np.array_equal(value[b], v)
        assert np.array_equal(jac[b], j)
    assert not np.array_equal(jac[0], jac[1])


def test_a_failing_item_is_named_by_its_index():
    scene = diffphys.load_scene(SCENES / "bouncing_ball.toml")
    values = parameter_sets(3)
    values[2, 1] = -5.0  # a negative ground damping
    with pytest.raises(diffphys.Error, match=r"batch item 2: .*damping"):
        scene.simulate_batch(NAMES, values)
