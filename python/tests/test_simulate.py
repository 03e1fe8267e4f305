"""`Scene.simulate` and `Scene.params` against the command line, and against the physics."""

import csv
import io

import numpy as np
import pytest

import diffphys
from conftest import SCENES


def parse_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    numbers = np.array([[float(x) for x in row] for row in body])
    return header, numbers


@pytest.mark.parametrize(
    "name, every",
    [("bouncing_ball.toml", 1), ("one_world.toml", 1), ("mass_spring_chain.toml", 7), ("sliding_box.toml", 10)],
)
def test_simulate_equals_the_cli_csv_bit_for_bit(cli, tmp_path, name, every):
    out = tmp_path / "traj.csv"
    cli("simulate", SCENES / name, "--out", out, "--every", every)
    text = out.read_text()
    header, numbers = parse_csv(text)
    traj = diffphys.load_scene(SCENES / name).simulate(every=every)
    assert ["t"] + traj.columns == header
    assert traj.values.shape == (numbers.shape[0], len(header) - 1)
    # shortest round-trip numbers parse back to the very same doubles
    assert np.array_equal(traj.times, numbers[:, 0])
    assert np.array_equal(traj.values, numbers[:, 1:])
    # and the text is the same, byte for byte
    assert traj.to_csv() == text


def test_params_are_those_the_cli_lists(cli):
    scene = diffphys.load_scene(SCENES / "one_world.toml")
    listed = {}
    for line in cli("params", SCENES / "one_world.toml").stdout.splitlines():
        name, value = line.split()
        listed[name] = float(value)
    params = scene.params()
    assert list(params) == list(listed)
    assert params == listed
    assert "arm.forearm.mass" in params


def test_simulate_with_params_equals_the_cli_on_the_edited_scene(cli, tmp_path):
    text = (SCENES / "bouncing_ball.toml").read_text()
    edited = text.replace("damping = 60.0", "damping = 45.0").replace("velocity = [2.0, 0.0, 0.0]", "velocity = [2.5, 0.0, 0.0]")
    assert edited != text
    path = tmp_path / "edited.toml"
    path.write_text(edited)
    out = tmp_path / "edited.csv"
    cli("simulate", path, "--out", out, "--every", 50)
    _, numbers = parse_csv(out.read_text())
    scene = diffphys.load_scene(SCENES / "bouncing_ball.toml")
    traj = scene.simulate({"ground.damping": 45.0, "ball.velocity.x": 2.5}, every=50)
    assert np.array_equal(traj.values, numbers[:, 1:])
    # the scene itself is unchanged
    assert scene.params()["ground.damping"] == 60.0
    assert not np.array_equal(scene.simulate(every=50).values, traj.values)


def test_every_keeps_every_nth_state():
    scene = diffphys.load_scene(SCENES / "bouncing_ball.toml")
    full = scene.simulate()
    assert len(full) == scene.n_steps + 1 == 20001
    sparse = scene.simulate(every=300)
    assert np.array_equal(sparse.values, full.values[::300])
    assert np.array_equal(sparse.times, full.times[::300])
    assert np.array_equal(sparse.column("ball.z"), full.values[::300, 2])


def test_a_trajectorys_arrays_are_read_only_so_to_csv_prints_what_was_simulated():
    traj = diffphys.load_scene(SCENES / "bouncing_ball.toml").simulate(every=1000)
    csv = traj.to_csv()
    for array in (traj.values, traj.times):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 42.0
    assert traj.to_csv() == csv
    changed = traj.values.copy()
    changed[0, 0] = 42.0
    assert changed[0, 0] == 42.0 and traj.values[0, 0] != 42.0


DROP = """
[world]
dt = {dt}
duration = {duration}
gravity = [0.0, 0.0, -9.81]

[[particles]]
name = "ball"
mass = 0.5
position = [0.3, 0.0, 100.0]
velocity = [1.5, 0.0, 2.0]
"""


def test_a_drop_without_ground_falls_as_the_closed_form():
    dt, duration, g, z0, vz, x0, vx = 1e-3, 2.0, 9.81, 100.0, 2.0, 0.3, 1.5
    scene = diffphys.Scene.from_toml(DROP.format(dt=dt, duration=duration), "drop")
    traj = scene.simulate()
    t = traj.times[-1]
    assert t == duration
    x, z = traj.column("ball.x")[-1], traj.column("ball.z")[-1]
    # semi-implicit Euler: v_k = v0 - g k dt, z_n = z0 + dt sum_{k=1..n} v_k = z0 + vz t - g (t^2 + t dt) / 2
    assert z == pytest.approx(z0 + vz * t - g * (t * t + t * dt) / 2, rel=1e-12)
    # which is the continuous fall to within the first-order error g t dt / 2
    assert abs(z - (z0 + vz * t - g * t * t / 2)) == pytest.approx(g * t * dt / 2, rel=1e-6)
    assert x == pytest.approx(x0 + vx * t, rel=1e-12)
    # and the height at every sample
    n = np.round(traj.times / dt)
    expected = z0 + vz * traj.times - g * dt * dt * n * (n + 1) / 2
    np.testing.assert_allclose(traj.column("ball.z"), expected, rtol=1e-12)


def test_a_stronger_gravity_parameter_falls_further():
    scene = diffphys.Scene.from_toml(DROP.format(dt=1e-3, duration=1.0), "drop")
    z = scene.simulate({"world.gravity.z": -20.0}).column("ball.z")[-1]
    assert z == pytest.approx(100.0 + 2.0 - 20.0 * (1.0 + 1e-3) / 2, rel=1e-12)


def test_scene_properties():
    scene = diffphys.load_scene(SCENES / "one_world.toml")
    assert scene.dt == 0.001 and scene.duration == 2.0 and scene.n_steps == 2000
    assert scene.columns[:3] == ["ball.x", "ball.y", "ball.z"]
    assert "arm.shoulder" in scene.columns and "box.qw" in scene.columns
    assert "Scene" in repr(scene)
