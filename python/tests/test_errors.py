"""Every mistake is a `diffphys.Error` (a `ValueError`) naming its culprit, never a crash."""

import numpy as np
import pytest

import diffphys
from conftest import DATA, SCENES


def raises(pattern):
    return pytest.raises(diffphys.Error, match=pattern)


def test_error_is_a_value_error():
    assert issubclass(diffphys.Error, ValueError)
    assert diffphys.Error.__module__ == "diffphys"
    with pytest.raises(ValueError) as info:
        diffphys.load_scene("no/such/scene.toml")
    assert isinstance(info.value, diffphys.Error)


def test_missing_files_are_named(tmp_path):
    missing = tmp_path / "missing.toml"
    with raises(r"missing\.toml: .*No such file"):
        diffphys.load_scene(missing)
    with raises(r"nothing\.urdf"):
        diffphys.load_urdf(tmp_path / "nothing.urdf")
    with raises(r"absent\.csv"):
        diffphys.fit(diffphys.load_scene(SCENES / "bouncing_ball.toml"), str(tmp_path / "absent.csv"), ["ball.drag"])


def test_bad_toml_names_the_origin_and_the_field(tmp_path):
    with raises(r"bad\.toml.*world\.dt"):
        diffphys.Scene.from_toml("[world]\ndt = -1.0\nduration = 1.0\n", "bad.toml")
    path = tmp_path / "broken.toml"
    path.write_text("[world\ndt = 0.001\n")
    with raises(r"broken\.toml"):
        diffphys.load_scene(path)
    with raises(r"<string>"):
        diffphys.Scene.from_toml("[[particles]]\nname = 3\n")


def test_a_bad_urdf_is_named(tmp_path):
    path = tmp_path / "bad.urdf"
    path.write_text("<robot name='r'><link name='a'/><joint name='j' type='revolute'><parent link='a'/></joint></robot>")
    with raises(r"URDF"):
        diffphys.load_urdf(path)


@pytest.fixture(scope="module")
def scene():
    return diffphys.load_scene(SCENES / "bouncing_ball.toml")


def test_unknown_and_repeated_parameters_are_named(scene):
    with raises(r"unknown parameter `ball\.colour`"):
        scene.simulate({"ball.colour": 1.0})
    with raises(r"unknown parameter `ball\.colour`"):
        scene.jacobian(["ball.drag", "ball.colour"])
    with raises(r"unknown parameter `ball\.colour`"):
        diffphys.gradcheck(scene, ["ball.colour"])
    with raises(r"unknown parameter `ball\.colour`"):
        scene.simulate_batch(["ball.colour"], [[1.0]])
    with raises(r"`ball\.drag` is listed twice"):
        scene.jacobian(["ball.drag", "ball.drag"])
    with raises(r"unknown output `ball\.w`"):
        scene.jacobian(["ball.drag"], outputs=["ball.w"])
    with raises(r"unknown column `ball\.w`"):
        scene.simulate(every=1000).column("ball.w")


def test_non_finite_and_out_of_range_values_are_named(scene):
    with raises(r"`ball\.drag` is not finite \(NaN\)"):
        scene.simulate({"ball.drag": float("nan")})
    with raises(r"`ball\.mass` is not a number"):
        scene.simulate({"ball.mass": "heavy"})
    with raises(r"`values\[1, 0\]` is not finite"):
        scene.simulate_batch(["ball.drag"], [[0.1], [np.inf]])
    with raises(r"`values\[0, 0\]` is not finite"):
        scene.jacobian_batch(["ball.drag"], [[np.nan]])
    with raises(r"`at\[1\]` is not finite"):
        scene.jacobian(["ball.drag", "ball.mass"], at=[0.1, np.nan])
    with raises(r"ball.*mass"):
        scene.simulate({"ball.mass": -1.0})
    with raises(r"`every` must be at least 1"):
        scene.simulate(every=0)
    with raises(r"relative step must be in \(0, 1\)"):
        diffphys.gradcheck(scene, ["ball.drag"], step=2.0)


def test_wrong_shapes_are_named(scene):
    with raises(r"`values` has shape \[2, 1\], but 2 parameter names were given"):
        scene.simulate_batch(["ball.drag", "ball.mass"], [[0.1], [0.2]])
    with raises(r"`values` has shape \[1, 3\], but 2 parameter names"):
        scene.jacobian_batch(["ball.drag", "ball.mass"], [[0.1, 0.2, 0.3]])
    with raises(r"`at` has 1 entries"):
        scene.jacobian(["ball.drag", "ball.mass"], at=[0.1])


def test_robot_arguments_are_checked_and_named():
    robot = diffphys.load_urdf(DATA / "ur5.urdf")
    q, v, tau = np.zeros(6), np.zeros(6), np.zeros(6)
    with raises(r"`q` has 5 entries, expected nq = 6"):
        diffphys.aba(robot, q[:5], v, tau)
    with raises(r"`v` has 7 entries, expected nv = 6"):
        diffphys.rnea(robot, q, np.zeros(7), tau)
    with raises(r"`tau` has 3 entries"):
        diffphys.aba_derivatives(robot, q, v, tau[:3])
    with raises(r"`a` has 0 entries"):
        diffphys.rnea(robot, q, v, [])
    bad = q.copy()
    bad[2] = np.nan
    with raises(r"`q\[2\]` is not finite \(NaN\)"):
        diffphys.crba(robot, bad)
    with raises(r"`tau\[0\]` is not finite \(inf\)"):
        diffphys.aba(robot, q, v, [np.inf, 0, 0, 0, 0, 0])
    # lists and integer arrays are numbers too
    assert diffphys.aba(robot, [0] * 6, np.zeros(6, dtype=int), [0.0] * 6).shape == (6,)


def test_an_unstable_time_step_is_refused_naming_the_spring():
    stiff = """
    [world]
    dt = 0.01
    duration = 1.0
    [[particles]]
    name = "a"
    mass = 0.001
    position = [0.0, 0.0, 1.0]
    [[particles]]
    name = "b"
    mass = 0.001
    position = [0.0, 0.0, 2.0]
    [[springs]]
    name = "s"
    a = "a"
    b = "b"
    stiffness = 1e6
    """
    scene = diffphys.Scene.from_toml(stiff, "stiff")
    assert any("spring `s`" in w for w in scene.time_step_warnings())
    with raises(r"world\.dt.*unstable.*spring `s`"):
        scene.simulate()
    with raises(r"batch item 0: .*unstable.*spring `s`"):
        scene.simulate_batch(["s.damping"], [[0.0]])
    # a soft spring is stable at the same step
    assert len(scene.simulate({"s.stiffness": 1.0})) == 101
