#!/usr/bin/env python3
"""Regenerate the MJCF reference set in tests/data/mjcf/ with MuJoCo's own Python package.

What
----
For every model listed in MODELS this script writes ``<name>.json``: MuJoCo's compiled model data (joints, bodies,
geoms, actuators) and, at five seeded random states, MuJoCo's joint-space mass matrix and contact-free
accelerations.  A future Rust MJCF loader (``io::load_mjcf``) is checked against these numbers without Python.

Two kinds of models:

* URDF-derived (``ur5.xml``, ``panda.xml``, ``go2.xml``, ``double_pendulum.xml``): GENERATED here from
  ``tests/data/<name>.urdf`` by MuJoCo's URDF importer.  The URDF is parsed with ElementTree, every ``<visual>``
  and every ``<collision>`` whose geometry is a ``<mesh>`` is dropped (no meshes are shipped; inertia comes from
  the URDF ``<inertial>`` elements), every ``<mimic>`` is dropped (MuJoCo would turn panda's finger mimic into an
  ``<equality>`` constraint, outside the loader subset; diffphys's URDF loader keeps the fingers independent),
  and a block
  ``<mujoco><compiler discardvisual="true" fusestatic="false" savecompiled="false"/></mujoco>`` is appended.
  ``fusestatic="false"`` keeps one MJCF body per URDF link (fixed joints become bodies without joints, i.e.
  welded to their parent) so body names match the URDF; ``savecompiled="false"`` makes MuJoCo write the
  authored values at full precision (with the default ``savecompiled="true"`` MuJoCo 4.0 writes compiled values
  with only 6 significant digits).  ``go2`` gets a free joint named ``floating_base`` on its root body ``base``
  (added through ``mujoco.MjSpec``: ``body.add_freejoint``).  The MJCF is written with ``MjSpec.to_xml()`` (the
  same writer as ``mj_saveLastXML``), reloaded from disk, and checked against the model compiled from the URDF:
  same sizes, and mass matrix / qacc at random states equal to 1e-12 (the observed maximum difference is stored
  as ``urdf_roundtrip_max_abs_diff`` in the JSON; it is 0.0 with MuJoCo 4.0.0).
* hand-written (``frames*.xml``, ``joints.xml``, ``multi_joint.xml``, ``geoms_inertia*.xml``, ``defaults.xml``,
  ``actuators.xml``, ``contact.xml``): static files in this folder, each with a header comment listing what it
  exercises.  This script only reads them.

The references are always computed from the ``.xml`` file on disk (never from the URDF), so a loader reading that
file must reproduce them.

How to run
----------
From the repository root::

    /root/.cache/diffphys-peers/venv/bin/python tests/data/mjcf/make_reference.py

Needs ``mujoco`` (written with 4.0.0) and ``numpy``.  Everything is seeded (the seed of a model is the CRC-32 of
its name), so running it twice gives byte-identical files.  It fails loudly (AssertionError / RuntimeError with
a message) if a check does not hold.

Conventions of the stored numbers
---------------------------------
* Units SI, angles in radians (MuJoCo's compiled values, whatever ``compiler angle`` the file uses).
* Quaternions are MuJoCo's ``[w, x, y, z]``, unit length.
* ``qpos``: hinge = angle, slide = displacement, ball = ``[qw, qx, qy, qz]`` (rotation of the child body frame
  relative to its parent-fixed frame), free = ``[x, y, z, qw, qx, qy, qz]`` (world position of the body origin
  and world orientation of the body).
* ``qvel`` (verified numerically by this script, see ``verify_velocity_conventions``; the result is recorded in
  each JSON under ``conventions``): free = linear velocity of the BODY ORIGIN (not the COM) in the WORLD frame,
  then angular velocity in the BODY (local) frame; ball = angular velocity of the child relative to the parent
  in the child BODY frame.  Checks performed: ``mj_objectVelocity`` with ``mjOBJ_XBODY`` (the body frame;
  NB ``mjOBJ_BODY`` means the body's INERTIAL frame xipos/ximat there) for the world-oriented linear velocity at
  the body origin and the local angular velocity, and finite differences of ``mj_integratePos``:
  ``pos' = pos + v h`` and ``quat' = quat * exp(w h / 2)`` (right multiplication = body-frame angular velocity).
* ``M`` = ``mj_fullM(m, d, dst)`` (MuJoCo 4.0 takes MjData; there is no ``d.qM`` any more), nv x nv, row-major
  list of rows; includes joint armature on its diagonal.
* Dynamics are evaluated with ``mj_forward`` after ``opt.disableflags |= mjDSBL_CONTACT | mjDSBL_LIMIT |
  mjDSBL_FRICTIONLOSS`` (recorded as ``disabled``), so no constraint is active (``nefc == 0`` is asserted) and
  ``M qacc = qfrc_applied + qfrc_actuator + qfrc_passive - qfrc_bias`` holds; it is asserted to 1e-10 (relative
  to ``max(1, |rhs|_inf)``) for every state.  ``qfrc_bias`` = Coriolis/centrifugal + gravity (RNEA with
  qacc = 0); ``qfrc_passive`` = joint damping ``-damping * qvel`` (no springs in these models).
* ``qacc_no_passive``: the same state additionally with ``mjDSBL_DAMPER | mjDSBL_SPRING`` (MuJoCo 4.0 has no
  single mjDSBL_PASSIVE flag), i.e. ``M qacc_no_passive = qfrc_applied + qfrc_actuator - qfrc_bias``.
* ``body_xpos`` / ``body_xquat``: world position and orientation of every body frame at that state (after
  ``mj_forward``), for debugging a loader's kinematics.
* Bodies are listed by MuJoCo body id, the world body (id 0) first.  ``inertia`` is MuJoCo's principal moments
  (``body_inertia``) in the frame ``ipos``/``iquat``; as principal axes are not unique, compare
  ``inertia_tensor`` (= R(iquat) diag(inertia) R(iquat)^T, about the COM, in the body frame) instead.
* Geoms: ``size`` is MuJoCo's 3-vector (sphere [r,0,0], capsule/cylinder [r, half-length, 0], box half-sizes,
  plane [x half-size, y half-size, grid spacing]); ``pos``/``quat`` in the body frame (after ``fromto``).
* Actuators: force = gain * ctrl + bias with gain = gainprm[0] and bias = biasprm[0] + biasprm[1] q +
  biasprm[2] qdot; generalised force = gear[0] * force for joint transmissions.
"""

import json
import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

import mujoco
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)  # tests/data

EXPECTED_MUJOCO = "4.0.0"
N_STATES = 5
IDENTITY_TOL = 1e-10
ROUNDTRIP_TOL = 1e-12
FD_TOL = 1e-6

# name -> floating base?  (URDF-derived models, generated from tests/data/<name>.urdf)
URDF_MODELS = {
    "double_pendulum": False,
    "ur5": False,
    "panda": False,
    "go2": True,
}
HAND_MODELS = [
    "frames",
    "frames_radian",
    "frames_eulerseq",
    "joints",
    "multi_joint",
    "geoms_inertia",
    "geoms_inertia_true",
    "defaults",
    "actuators",
    "contact",
]

JNT_FREE = int(mujoco.mjtJoint.mjJNT_FREE)
JNT_BALL = int(mujoco.mjtJoint.mjJNT_BALL)
JNT_HINGE = int(mujoco.mjtJoint.mjJNT_HINGE)

DISABLED = ["mjDSBL_CONTACT", "mjDSBL_LIMIT", "mjDSBL_FRICTIONLOSS"]
DISABLED_NO_PASSIVE = DISABLED + ["mjDSBL_DAMPER", "mjDSBL_SPRING"]


def flags(names):
    v = 0
    for n in names:
        v |= int(getattr(mujoco.mjtDisableBit, n))
    return v


def enum_name(enum, value, prefix):
    name = enum(int(value)).name
    assert name.startswith(prefix), name
    return name[len(prefix):].lower()


def fl(a):
    """numpy -> plain Python floats (lists), so json writes shortest round-trip reprs."""
    return np.asarray(a, dtype=np.float64).tolist()


def name_or_none(s):
    return s if s else None


# --------------------------------------------------------------------------------------------------------------
# URDF -> MJCF
# --------------------------------------------------------------------------------------------------------------

def urdf_spec(name, floating):
    path = os.path.join(DATA, name + ".urdf")
    if not os.path.exists(path):
        raise RuntimeError(f"missing URDF {path}")
    root = ET.parse(path).getroot()
    if root.tag != "robot":
        raise RuntimeError(f"{path}: root element is <{root.tag}>, expected <robot>")
    for link in root.iter("link"):
        for tag in ("visual", "collision"):
            for el in list(link.findall(tag)):
                if tag == "visual" or el.find("geometry/mesh") is not None:
                    link.remove(el)
    # <mimic> would become an MJCF <equality> constraint (outside the loader subset); diffphys's URDF loader
    # treats the panda fingers as two independent joints, so drop it.
    for joint in root.iter("joint"):
        for el in list(joint.findall("mimic")):
            joint.remove(el)
    for old in root.findall("mujoco"):
        root.remove(old)
    mj = ET.SubElement(root, "mujoco")
    ET.SubElement(mj, "compiler", discardvisual="true", fusestatic="false", savecompiled="false")
    spec = mujoco.MjSpec.from_string(ET.tostring(root, encoding="unicode"))
    if floating:
        top = spec.worldbody.first_body()
        if top is None:
            raise RuntimeError(f"{name}: no body under worldbody to float")
        top.add_freejoint(name="floating_base")
    return spec


def random_state(m, rng):
    """Seeded random qpos (normalised quaternions), qvel, qfrc_applied, ctrl."""
    qpos = np.zeros(m.nq)
    for j in range(m.njnt):
        a = m.jnt_qposadr[j]
        t = int(m.jnt_type[j])
        if t == JNT_FREE:
            qpos[a:a + 3] = rng.uniform(-1.0, 1.0, 3)
            q = rng.normal(size=4)
            qpos[a + 3:a + 7] = q / np.linalg.norm(q)
        elif t == JNT_BALL:
            q = rng.normal(size=4)
            qpos[a:a + 4] = q / np.linalg.norm(q)
        else:
            lo, hi = m.jnt_range[j]
            if m.jnt_limited[j] and hi > lo:
                qpos[a] = rng.uniform(lo, hi)
            elif t == JNT_HINGE:
                qpos[a] = rng.uniform(-np.pi, np.pi)
            else:
                qpos[a] = rng.uniform(-0.5, 0.5)
    qvel = rng.normal(size=m.nv)
    qfrc = rng.normal(size=m.nv)
    ctrl = np.zeros(m.nu)
    for i in range(m.nu):
        if m.actuator_ctrllimited[i]:
            lo, hi = m.actuator_ctrlrange[i]
        else:
            lo, hi = -1.0, 1.0
        ctrl[i] = rng.uniform(lo, hi)
    return qpos, qvel, qfrc, ctrl


def forward(m, d, state, disable):
    qpos, qvel, qfrc, ctrl = state
    saved = m.opt.disableflags
    m.opt.disableflags = saved | flags(disable)
    try:
        mujoco.mj_resetData(m, d)
        d.qpos[:] = qpos
        d.qvel[:] = qvel
        d.qfrc_applied[:] = qfrc
        d.ctrl[:] = ctrl
        mujoco.mj_forward(m, d)
    finally:
        m.opt.disableflags = saved
    M = np.zeros((m.nv, m.nv))
    mujoco.mj_fullM(m, d, M)
    return M


def write_urdf_model(name, floating):
    spec = urdf_spec(name, floating)
    m_urdf = spec.compile()
    xml = spec.to_xml()
    header = (
        f"<!--\n{name}.xml: GENERATED by make_reference.py from ../{name}.urdf with MuJoCo {mujoco.__version__}'s "
        "URDF importer\n(visual elements and mesh collision geoms dropped, fusestatic=\"false\", "
        "savecompiled=\"false\""
        + (", free joint \"floating_base\" added to the root body" if floating else "")
        + ").\nDo not edit by hand. Licence: see README.md in this folder.\n-->\n"
    )
    path = os.path.join(HERE, name + ".xml")
    with open(path, "w") as f:
        f.write(header + xml)
    m_xml = mujoco.MjModel.from_xml_path(path)
    for attr in ("nq", "nv", "nu", "nbody", "njnt", "ngeom"):
        a, b = getattr(m_urdf, attr), getattr(m_xml, attr)
        if a != b:
            raise AssertionError(f"{name}: {attr} differs after MJCF round trip: URDF {a}, MJCF {b}")
    d1, d2 = mujoco.MjData(m_urdf), mujoco.MjData(m_xml)
    rng = np.random.default_rng(zlib.crc32(("roundtrip-" + name).encode()))
    worst = 0.0
    for _ in range(3):
        st = random_state(m_urdf, rng)
        M1 = forward(m_urdf, d1, st, DISABLED)
        M2 = forward(m_xml, d2, st, DISABLED)
        dM = float(np.max(np.abs(M1 - M2)))
        da = float(np.max(np.abs(d1.qacc - d2.qacc)))
        worst = max(worst, dM, da)
        scale = max(1.0, float(np.max(np.abs(M1))), float(np.max(np.abs(d1.qacc))))
        if max(dM, da) > ROUNDTRIP_TOL * scale:
            raise AssertionError(f"{name}: URDF vs written MJCF differ: |dM| {dM}, |dqacc| {da}")
    for attr in ("body_mass", "body_inertia", "body_ipos", "body_pos", "body_quat", "jnt_axis", "dof_damping"):
        diff = float(np.max(np.abs(getattr(m_urdf, attr) - getattr(m_xml, attr)))) if getattr(m_urdf, attr).size else 0.0
        worst = max(worst, diff)
        if diff > ROUNDTRIP_TOL:
            raise AssertionError(f"{name}: {attr} differs after MJCF round trip by {diff}")
    return worst


# --------------------------------------------------------------------------------------------------------------
# conventions check
# --------------------------------------------------------------------------------------------------------------

def quat_mul(a, b):
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    ])


def quat_conj(q):
    return np.array([q[0], -q[1], -q[2], -q[3]])


def quat_rate(q0, q1, h):
    """Angular velocity w such that q1 = q0 * exp(w h / 2) (body frame), and such that q1 = exp(w h / 2) * q0."""
    rb = quat_mul(quat_conj(q0), q1)
    rw = quat_mul(q1, quat_conj(q0))
    rb = rb if rb[0] >= 0 else -rb
    rw = rw if rw[0] >= 0 else -rw
    return 2.0 * rb[1:] / h, 2.0 * rw[1:] / h


def verify_velocity_conventions(m, d, state):
    """Check the free/ball qvel conventions numerically; returns human-readable findings (fixed strings)."""
    found = []
    qpos, qvel, _, _ = state
    forward(m, d, state, DISABLED)
    h = 1e-7
    q2 = qpos.copy()
    mujoco.mj_integratePos(m, q2, qvel, h)
    res = np.zeros(6)
    for j in range(m.njnt):
        t = int(m.jnt_type[j])
        if t not in (JNT_FREE, JNT_BALL):
            continue
        a, v, b = m.jnt_qposadr[j], m.jnt_dofadr[j], m.jnt_bodyid[j]
        jname = m.joint(j).name
        if t == JNT_FREE:
            lin, ang = qvel[v:v + 3], qvel[v + 3:v + 6]
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, b, res, 0)
            err_lin_world = np.max(np.abs(res[3:] - lin))
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, b, res, 1)
            err_ang_body = np.max(np.abs(res[:3] - ang))
            fd_lin = (q2[a:a + 3] - qpos[a:a + 3]) / h
            w_body, w_world = quat_rate(qpos[a + 3:a + 7], q2[a + 3:a + 7], h)
            ok = (err_lin_world < FD_TOL and err_ang_body < FD_TOL and np.max(np.abs(fd_lin - lin)) < FD_TOL
                  and np.max(np.abs(w_body - ang)) < FD_TOL * 10)
            if not ok:
                raise AssertionError(f"free joint {jname}: qvel convention check failed "
                                     f"({err_lin_world}, {err_ang_body}, {fd_lin - lin}, {w_body - ang})")
            if np.max(np.abs(w_world - ang)) < FD_TOL * 10:
                raise AssertionError(f"free joint {jname}: state does not distinguish body/world angular velocity")
            found.append(
                "free: qvel[0:3] == mj_objectVelocity(mjOBJ_XBODY, flg_local=0)[3:6] (linear velocity of the body origin, "
                "world frame) == d/dt qpos[0:3] via mj_integratePos; qvel[3:6] == mj_objectVelocity(mjOBJ_XBODY, "
                "flg_local=1)[0:3] (angular velocity, body frame); mj_integratePos gives "
                "quat' = quat * exp(qvel[3:6] h / 2) (right multiplication)")
        else:
            ang = qvel[v:v + 3]
            p = m.body_parentid[b]
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, b, res, 0)
            wb = res[:3].copy()
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, p, res, 0)
            wp = res[:3].copy()
            R = d.xmat[b].reshape(3, 3)
            rel_body = R.T @ (wb - wp)
            w_body, w_world = quat_rate(qpos[a:a + 4], q2[a:a + 4], h)
            if m.body_jntnum[b] == 1:
                if np.max(np.abs(rel_body - ang)) > FD_TOL:
                    raise AssertionError(f"ball joint {jname}: qvel is not the body-frame relative angular velocity")
            if np.max(np.abs(w_body - ang)) > FD_TOL * 10:
                raise AssertionError(f"ball joint {jname}: mj_integratePos is not quat * exp(w h / 2)")
            found.append(
                "ball: qvel == R_body^T (w_body - w_parent) from mj_objectVelocity (angular velocity of the body "
                "relative to its parent, body frame); mj_integratePos gives quat' = quat * exp(qvel h / 2)")
    return sorted(set(found))


# --------------------------------------------------------------------------------------------------------------
# reference JSON
# --------------------------------------------------------------------------------------------------------------

def model_info(m):
    joints = []
    for j in range(m.njnt):
        t = enum_name(mujoco.mjtJoint, m.jnt_type[j], "mjJNT_")
        ndof = {"free": 6, "ball": 3, "slide": 1, "hinge": 1}[t]
        v = m.jnt_dofadr[j]
        joints.append({
            "name": name_or_none(m.joint(j).name),
            "type": t,
            "qposadr": int(m.jnt_qposadr[j]),
            "dofadr": int(v),
            "body": name_or_none(m.body(m.jnt_bodyid[j]).name),
            "axis": fl(m.jnt_axis[j]) if t in ("hinge", "slide") else None,
            "pos": fl(m.jnt_pos[j]),
            "limited": bool(m.jnt_limited[j]),
            "range": fl(m.jnt_range[j]) if m.jnt_limited[j] else None,
            "damping": fl(m.dof_damping[v:v + ndof]),
            "armature": fl(m.dof_armature[v:v + ndof]),
            "frictionloss": fl(m.dof_frictionloss[v:v + ndof]),
        })
    bodies = []
    for b in range(m.nbody):
        iq = m.body_iquat[b]
        R = np.zeros(9)
        mujoco.mju_quat2Mat(R, iq)
        R = R.reshape(3, 3)
        bodies.append({
            "name": name_or_none(m.body(b).name),
            "parent": None if b == 0 else name_or_none(m.body(m.body_parentid[b]).name),
            "parent_id": None if b == 0 else int(m.body_parentid[b]),
            "joints": [name_or_none(m.joint(j).name)
                       for j in range(m.body_jntadr[b], m.body_jntadr[b] + m.body_jntnum[b])],
            "pos": fl(m.body_pos[b]),
            "quat": fl(m.body_quat[b]),
            "mass": float(m.body_mass[b]),
            "ipos": fl(m.body_ipos[b]),
            "iquat": fl(iq),
            "inertia": fl(m.body_inertia[b]),
            "inertia_tensor": fl(R @ np.diag(m.body_inertia[b]) @ R.T),
        })
    geoms = []
    for g in range(m.ngeom):
        geoms.append({
            "name": name_or_none(m.geom(g).name),
            "body": name_or_none(m.body(m.geom_bodyid[g]).name),
            "type": enum_name(mujoco.mjtGeom, m.geom_type[g], "mjGEOM_"),
            "size": fl(m.geom_size[g]),
            "pos": fl(m.geom_pos[g]),
            "quat": fl(m.geom_quat[g]),
            "friction": fl(m.geom_friction[g]),
            "contype": int(m.geom_contype[g]),
            "conaffinity": int(m.geom_conaffinity[g]),
        })
    actuators = []
    for i in range(m.nu):
        trn = enum_name(mujoco.mjtTrn, m.actuator_trntype[i], "mjTRN_")
        actuators.append({
            "name": name_or_none(m.actuator(i).name),
            "trntype": trn,
            "joint": name_or_none(m.joint(m.actuator_trnid[i, 0]).name) if trn == "joint" else None,
            "gear": fl(m.actuator_gear[i]),
            "dyntype": enum_name(mujoco.mjtDyn, m.actuator_dyntype[i], "mjDYN_"),
            "gaintype": enum_name(mujoco.mjtGain, m.actuator_gaintype[i], "mjGAIN_"),
            "biastype": enum_name(mujoco.mjtBias, m.actuator_biastype[i], "mjBIAS_"),
            "gainprm": fl(m.actuator_gainprm[i, :3]),
            "biasprm": fl(m.actuator_biasprm[i, :3]),
            "ctrllimited": bool(m.actuator_ctrllimited[i]),
            "ctrlrange": fl(m.actuator_ctrlrange[i]) if m.actuator_ctrllimited[i] else None,
            "forcelimited": bool(m.actuator_forcelimited[i]),
        })
    return joints, bodies, geoms, actuators


def check_identity(name, k, M, d, qacc, passive):
    rhs = d.qfrc_applied + d.qfrc_actuator - d.qfrc_bias + (d.qfrc_passive if passive else 0.0)
    err = float(np.max(np.abs(M @ qacc - rhs))) if len(rhs) else 0.0
    scale = max(1.0, float(np.max(np.abs(rhs))) if len(rhs) else 0.0)
    if err > IDENTITY_TOL * scale:
        raise AssertionError(f"{name} state {k}: M qacc != applied + actuator + passive - bias (err {err})")
    if d.nefc != 0 or (len(d.qfrc_constraint) and np.any(d.qfrc_constraint != 0.0)):
        raise AssertionError(f"{name} state {k}: constraints active despite disableflags")


def reference(name, roundtrip=None):
    path = os.path.join(HERE, name + ".xml")
    if not os.path.exists(path):
        raise RuntimeError(f"missing model {path}")
    m = mujoco.MjModel.from_xml_path(path)
    d = mujoco.MjData(m)
    if m.opt.integrator != mujoco.mjtIntegrator.mjINT_EULER:
        raise RuntimeError(f"{name}: expected the default Euler integrator")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    states = [random_state(m, rng) for _ in range(N_STATES)]
    conventions = []
    for st in states:
        conventions.extend(verify_velocity_conventions(m, d, st))
    out_states = []
    for k, st in enumerate(states):
        qpos, qvel, qfrc, ctrl = st
        M = forward(m, d, st, DISABLED)
        check_identity(name, k, M, d, d.qacc, passive=True)
        rec = {
            "qpos": fl(qpos), "qvel": fl(qvel), "qfrc_applied": fl(qfrc), "ctrl": fl(ctrl),
            "M": fl(M),
            "qfrc_bias": fl(d.qfrc_bias),
            "qfrc_passive": fl(d.qfrc_passive),
            "qfrc_actuator": fl(d.qfrc_actuator),
            "qacc": fl(d.qacc),
            "body_xpos": fl(d.xpos),
            "body_xquat": fl(d.xquat),
        }
        M2 = forward(m, d, st, DISABLED_NO_PASSIVE)
        if np.any(d.qfrc_passive != 0.0):
            raise AssertionError(f"{name}: qfrc_passive nonzero with damper/spring disabled")
        if np.max(np.abs(M2 - M)) != 0.0:
            raise AssertionError(f"{name}: M changed when disabling passive forces")
        check_identity(name, k, M2, d, d.qacc, passive=False)
        rec["qacc_no_passive"] = fl(d.qacc)
        out_states.append(rec)
    joints, bodies, geoms, actuators = model_info(m)
    doc = {
        "mujoco_version": mujoco.__version__,
        "model": name + ".xml",
        "generator": "make_reference.py",
        "nq": int(m.nq), "nv": int(m.nv), "nu": int(m.nu),
        "nbody": int(m.nbody), "njnt": int(m.njnt), "ngeom": int(m.ngeom),
        "gravity": fl(m.opt.gravity),
        "timestep": float(m.opt.timestep),
        "disabled": DISABLED,
        "disabled_no_passive": DISABLED_NO_PASSIVE,
        "identity": "M qacc = qfrc_applied + qfrc_actuator + qfrc_passive - qfrc_bias (asserted to 1e-10 relative); "
                    "M qacc_no_passive = qfrc_applied + qfrc_actuator - qfrc_bias",
        "conventions": {
            "quat": "[w, x, y, z]",
            "qpos_free": "[x, y, z, qw, qx, qy, qz]: world position of the body origin, world orientation",
            "qpos_ball": "[qw, qx, qy, qz]: orientation relative to the parent-fixed frame",
            "qvel_free": "[vx, vy, vz, wx, wy, wz]: linear velocity of the body origin in the WORLD frame, "
                         "angular velocity in the BODY frame",
            "qvel_ball": "[wx, wy, wz]: angular velocity relative to the parent, in the BODY frame",
            "M": "mj_fullM(m, d, dst), nv x nv, list of rows; armature included",
            "verified_in_this_model": conventions,
        },
        "joints": joints,
        "bodies": bodies,
        "geoms": geoms,
        "actuators": actuators,
        "states": out_states,
    }
    if roundtrip is not None:
        doc["source_urdf"] = "../" + name + ".urdf"
        doc["urdf_roundtrip_max_abs_diff"] = roundtrip
    return doc


# --------------------------------------------------------------------------------------------------------------
# JSON writer: objects one key per line, lists of numbers on one line (floats as Python's shortest repr)
# --------------------------------------------------------------------------------------------------------------

def dump(obj, indent=0):
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f'{pad} {json.dumps(k)}: {dump(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(x, (dict, list)) for x in obj):
            return json.dumps(obj, allow_nan=False)
        if all(isinstance(x, list) and all(not isinstance(y, (dict, list)) for y in x) for x in obj):
            return "[" + ", ".join(json.dumps(x, allow_nan=False) for x in obj) + "]"
        items = [pad + " " + dump(x, indent + 1) for x in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(obj, float) and not np.isfinite(obj):
        raise ValueError("non-finite float in output")
    return json.dumps(obj, allow_nan=False)


def main():
    # MuJoCo appends its warnings (e.g. double_pendulum's "equal lower and upper limits, limit ignored") to
    # MUJOCO_LOG.TXT in the current directory: run in a scratch directory and echo the log instead.
    cwd = os.getcwd()
    scratch = tempfile.mkdtemp(prefix="mjcf_reference_")
    os.chdir(scratch)
    try:
        generate()
    finally:
        os.chdir(cwd)
        log = os.path.join(scratch, "MUJOCO_LOG.TXT")
        if os.path.exists(log):
            with open(log) as f:
                sys.stderr.write("MuJoCo log:\n" + f.read())
        shutil.rmtree(scratch, ignore_errors=True)


def generate():
    if mujoco.__version__ != EXPECTED_MUJOCO:
        print(f"warning: written for MuJoCo {EXPECTED_MUJOCO}, running {mujoco.__version__}; "
              "the files will record the version used", file=sys.stderr)
    summary = []
    for name, floating in URDF_MODELS.items():
        rt = write_urdf_model(name, floating)
        doc = reference(name, roundtrip=rt)
        summary.append((name, doc))
    for name in HAND_MODELS:
        summary.append((name, reference(name)))
    for name, doc in summary:
        text = dump(doc) + "\n"
        json.loads(text)  # sanity: valid JSON
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            f.write(text)
        extra = f" urdf_roundtrip_max_abs_diff={doc['urdf_roundtrip_max_abs_diff']}" if "source_urdf" in doc else ""
        print(f"{name:20s} nq={doc['nq']:3d} nv={doc['nv']:3d} nu={doc['nu']:2d} nbody={doc['nbody']:3d}{extra}")


if __name__ == "__main__":
    main()
