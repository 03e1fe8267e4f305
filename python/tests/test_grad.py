"""Exact Jacobians: against the command line's `gradcheck --json`, and against central differences."""

import json

import numpy as np
import pytest

import diffphys
from conftest import SCENES

CASES = [
    ("bouncing_ball.toml", ["ball.velocity.x", "ground.friction", "ball.drag"]),
    ("projectile_drag.toml", ["ball.mass", "ball.quadratic_drag", "ball.velocity.x", "ball.velocity.z"]),
    ("one_world.toml", ["box.velocity.x", "arm.forearm.mass", "ball.mass"]),
]


@pytest.mark.parametrize("name, params", CASES)
def test_gradcheck_equals_the_cli_json(cli, tmp_path, name, params):
    scene = diffphys.load_scene(SCENES / name)
    out = tmp_path / "gc.json"
    cli("gradcheck", SCENES / name, "--params", ",".join(params), "--json", out)
    expected = json.loads(out.read_text())
    got = diffphys.gradcheck(scene, params)
    assert got.params == expected["params"] == params
    assert got.outputs == expected["outputs"]
    assert np.array_equal(got.jacobian, np.array(expected["jacobian"]))
    assert np.array_equal(got.fd_jacobian, np.array(expected["fd_jacobian"]))
    assert got.max_rel_err == expected["max_rel_err"]
    assert got.derivative_warnings == expected["derivative_warnings"]
    # and `jacobian` is the same exact Jacobian, with the final positions as values
    value, jac, outputs = scene.jacobian(params)
    assert outputs == expected["outputs"]
    assert np.array_equal(jac, got.jacobian)
    assert np.array_equal(value, got.value)


def test_final_positions_are_the_last_row_of_the_trajectory():
    scene = diffphys.load_scene(SCENES / "one_world.toml")
    value, _, outputs = scene.jacobian(["ball.mass"])
    traj = scene.simulate(every=scene.n_steps)
    last = dict(zip(traj.columns, traj.values[-1]))
    assert [last[o] for o in outputs] == list(value)


def test_jacobian_matches_central_differences_on_a_smooth_scene():
    # no ground: gravity and drag only, where the derivatives are smooth
    scene = diffphys.Scene.from_toml(
        """
        [world]
        dt = 1e-3
        duration = 1.5
        [[particles]]
        name = "ball"
        mass = 0.4
        position = [0.0, 0.0, 2.0]
        velocity = [3.0, 0.5, 4.0]
        drag = 0.05
        quadratic_drag = 0.01
        """,
        "smooth",
    )
    names = ["ball.velocity.x", "ball.velocity.z", "ball.drag", "ball.quadratic_drag", "ball.mass"]
    p0 = np.array([scene.params()[n] for n in names])
    value, jac, outputs = scene.jacobian(names)
    assert outputs == ["ball.x", "ball.y", "ball.z"]
    fd = np.zeros_like(jac)
    for j in range(len(names)):
        h = 1e-6 * abs(p0[j])
        plus, minus = p0.copy(), p0.copy()
        plus[j] += h
        minus[j] -= h
        zp = scene.simulate(dict(zip(names, plus)), every=scene.n_steps).values[-1]
        zm = scene.simulate(dict(zip(names, minus)), every=scene.n_steps).values[-1]
        fd[:, j] = (zp - zm) / (2 * h)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-9)
    # more drag, shorter throw; a heavier ball is slowed less by the same drag
    assert jac[0, 2] < 0 and jac[0, 4] > 0
    # and diffphys's own check agrees
    check = diffphys.gradcheck(scene, names)
    assert check.max_rel_err < 1e-6
    assert np.array_equal(check.jacobian, jac)


def test_outputs_select_rows_and_at_moves_the_point():
    scene = diffphys.load_scene(SCENES / "bouncing_ball.toml")
    names = ["ball.velocity.x", "ground.friction"]
    value, jac, outputs = scene.jacobian(names)
    v2, j2, o2 = scene.jacobian(names, outputs=["ball.z", "ball.x"])
    assert o2 == ["ball.z", "ball.x"]
    assert np.array_equal(j2, jac[[2, 0]]) and np.array_equal(v2, value[[2, 0]])
    v3, j3, _ = scene.jacobian(names, at=[2.5, 0.1])
    assert v3[0] > value[0]  # thrown faster, lands further
    assert np.array_equal(v3, scene.simulate({"ball.velocity.x": 2.5}, every=scene.n_steps).values[-1])
