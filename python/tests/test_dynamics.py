"""Robot dynamics: against the command line's `dynamics --json`, Pinocchio's reference values, and identities."""

import json

import numpy as np
import pytest

import diffphys
from conftest import DATA

ROBOTS = ["ur5", "double_pendulum", "chain7", "g1"]


@pytest.mark.parametrize("name", ROBOTS)
def test_dynamics_equal_the_cli_json(cli, tmp_path, name):
    out = tmp_path / "out.json"
    cli("dynamics", DATA / f"{name}.urdf", "--states", DATA / f"{name}.json", "--json", out)
    expected = json.loads(out.read_text())
    robot = diffphys.load_urdf(DATA / f"{name}.urdf")
    assert robot.joint_names == expected["joint_order"]
    assert robot.name == expected["model"]
    assert np.array_equal(robot.gravity, expected["gravity"])
    for s in expected["states"]:
        q, v, tau = (np.array(s[k]) for k in ("q", "v", "tau"))
        # the command line calls aba_derivatives and rnea: the same numbers, bit for bit
        dq, dv, minv = diffphys.aba_derivatives(robot, q, v, tau)
        assert np.array_equal(dq, s["dddq_dq"])
        assert np.array_equal(dv, s["dddq_dv"])
        assert np.array_equal(minv, s["dddq_dtau"])
        assert np.array_equal(diffphys.rnea(robot, q, v, np.array(s["ddq"])), s["rnea_of_ddq"])
        # its ddq and mass matrix come from the derivatives' sweep; ABA and CRBA agree to rounding
        np.testing.assert_allclose(diffphys.aba(robot, q, v, tau), s["ddq"], rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(diffphys.crba(robot, q), s["mass_matrix"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ROBOTS)
def test_dynamics_match_pinocchio(name):
    reference = json.loads((DATA / f"{name}.json").read_text())
    robot = diffphys.load_urdf(DATA / f"{name}.urdf")
    for s in reference["states"]:
        q, v, tau = (np.array(s[k]) for k in ("q", "v", "tau"))
        scale = max(1.0, np.abs(s["ddq"]).max())
        np.testing.assert_allclose(diffphys.aba(robot, q, v, tau), s["ddq"], rtol=1e-9, atol=1e-9 * scale)
        np.testing.assert_allclose(diffphys.crba(robot, q), s["mass_matrix"], rtol=1e-9, atol=1e-12)
        _, _, minv = diffphys.aba_derivatives(robot, q, v, tau)
        np.testing.assert_allclose(minv, s["dddq_dtau"], rtol=1e-8, atol=1e-8 * np.abs(minv).max())


@pytest.mark.parametrize("name", ["ur5", "g1", "panda"])
def test_aba_inverts_rnea_and_the_mass_matrix_is_spd(name):
    robot = diffphys.load_urdf(DATA / f"{name}.urdf")
    rng = np.random.default_rng(1)
    for _ in range(5):
        q, v, a = rng.uniform(-1, 1, robot.nq), rng.uniform(-2, 2, robot.nv), rng.uniform(-3, 3, robot.nv)
        tau = diffphys.rnea(robot, q, v, a)
        np.testing.assert_allclose(diffphys.aba(robot, q, v, tau), a, rtol=0, atol=1e-10)
        m = diffphys.crba(robot, q)
        assert m.shape == (robot.nv, robot.nv)
        assert np.array_equal(m, m.T)
        assert np.linalg.eigvalsh(m).min() > 0
        # M a = tau - b(q, v), with b = rnea(q, v, 0)
        np.testing.assert_allclose(m @ a, tau - diffphys.rnea(robot, q, v, np.zeros(robot.nv)), atol=1e-9)
        _, _, minv = diffphys.aba_derivatives(robot, q, v, tau)
        np.testing.assert_allclose(minv @ m, np.eye(robot.nv), atol=1e-9)


def test_aba_derivatives_match_central_differences():
    robot = diffphys.load_urdf(DATA / "ur5.urdf")
    rng = np.random.default_rng(2)
    q, v, tau = rng.uniform(-1, 1, 6), rng.uniform(-1, 1, 6), rng.uniform(-5, 5, 6)
    dq, dv, _ = diffphys.aba_derivatives(robot, q, v, tau)
    h = 1e-6
    for j in range(6):
        e = np.eye(6)[j] * h
        fd_q = (diffphys.aba(robot, q + e, v, tau) - diffphys.aba(robot, q - e, v, tau)) / (2 * h)
        fd_v = (diffphys.aba(robot, q, v + e, tau) - diffphys.aba(robot, q, v - e, tau)) / (2 * h)
        np.testing.assert_allclose(dq[:, j], fd_q, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(dv[:, j], fd_v, rtol=1e-5, atol=1e-5)


def test_a_floating_base():
    fixed = diffphys.load_urdf(DATA / "go2.urdf")
    robot = diffphys.load_urdf(DATA / "go2.urdf", floating=True)
    assert (robot.nq, robot.nv) == (fixed.nq + 7, fixed.nv + 6)
    q = robot.neutral()
    assert q[3:7].tolist() == [0.0, 0.0, 0.0, 1.0]  # [x, y, z, w]
    v = np.zeros(robot.nv)
    # at rest with no torques, the whole robot falls freely at g
    a = diffphys.aba(robot, q, v, np.zeros(robot.nv))
    np.testing.assert_allclose(a[:3], [0.0, 0.0, -9.81], atol=1e-9)
    np.testing.assert_allclose(a[3:], 0.0, atol=1e-9)
    m = diffphys.crba(robot, q)
    assert m.shape == (robot.nv, robot.nv) and np.linalg.eigvalsh(m).min() > 0
    q[3:7] = [0.0, 0.0, 0.0, 2.0]
    with pytest.raises(diffphys.Error, match=r"unit quaternion"):
        diffphys.aba(robot, q, v, np.zeros(robot.nv))
