"""MuJoCo's `rollout` module on the Go1 standing scene or a cart-pole, beside `diffphys::sim::rollout_batch`.

--model go1 (the default):

The model is scenes/go1_stand.toml rebuilt in MuJoCo, as in the README's "Beside MuJoCo 4.0 on the same Go1 URDF":
the URDF (scenes/robots/go1.urdf) compiled by MuJoCo's URDF importer (visuals dropped, static bodies kept unfused,
inertias as given except the 1 µg placeholder base link's, singular, made diagonal), a free joint on the base, a
floor plane (friction 1), collisions only between the robot and the floor (diffphys has self-collision off),
position actuators on the 12 joints with kp 60 and the PD's kd 2 as joint damping on top of the URDF's 0.01 (MuJoCo
integrates joint damping implicitly), the URDF's frictionloss 0.2, armature 0, the default solver, cone and
integrator (Newton, pyramidal, Euler), dt 1 ms. The initial pose and the actuator targets are the scene's: base at
z 0.284806 m (feet just touching), hips 0, thighs 0.9, calves -1.8 rad.

A batch is 16 initial states x 400 steps, as `batch/go1_stand_16x400` in benches/engine.rs: set i has the base
i mm higher and FR_thigh_joint moving at 0.05 i rad/s. Timed, median over --repeats:
  - `mujoco.rollout` with 1 MjData (no thread pool, the calling thread),
  - `mujoco.rollout.Rollout(nthread=2)` kept across calls (a persistent pool, as rayon's), and with a new pool per
    call (`mujoco.rollout.rollout(..., [d1, d2])`, the module's default),
  - a plain Python loop of `mj_step` (sanity check: includes Python's per-call overhead).
The rollout module writes every step's full state (nbatch x nstep x nstate; passed in preallocated here), while
`rollout_batch` returns the final states only.

--model cartpole: `diffphys::model::multibody::sample::cartpole()` in a `Model::empty(0.01, ...)`, as
`batch/cartpole_16x1000` in benches/engine.rs, rebuilt from MJCF: a 1 kg cart (inertia diag 0.01, 0.02, 0.02 at its
origin) on a slider along x, a 0.3 kg, 0.6 m pole (centre of mass 0.3 m below the hinge, inertia diag 0.009, 0.009,
2.16e-5: `sample::rod(0.3, 0.6)`) on a hinge about y at the cart's origin, hanging down at 0; gravity -9.81 z, no
damping, friction or armature, no actuators, contacts disabled (no geoms either), Euler, dt 10 ms. The slider's soft
limits (±2.5 m) are left out: with no horizontal force on the cart-pole its centre of mass stays put and the cart
moves a few cm. A batch is 16 initial states x 1000 steps (10 s) of free swing: set i starts at rest with the pole at
0.1 + 0.05 i rad. MuJoCo's Euler is semi-implicit (v' = v + dt a(q, v), then q' = q + dt v'), as diffphys's, and
with no damping it takes nothing implicitly: the two should agree to round-off. Prints the pole angle and the cart
position after 1000 steps (set 0, and the angle's range over the 16 sets).

Run it from anywhere (it finds the URDF beside itself); rollout_2t wants 2 free cores:
  /root/.cache/diffphys-peers/venv/bin/python benches/peers/mujoco_rollout.py [--model go1|cartpole] [--repeats 7]
Prints one JSON line: rollouts per second and microseconds per step for each, MuJoCo's version, nv, and the final
state check named above (Go1: the base height after 400 steps, set 0 and the range over the 16 sets).
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

try:
    import numpy as np
    import mujoco
    import mujoco.rollout as mj_rollout
except ImportError as e:
    sys.exit(f"mujoco_rollout.py: {e}. Run it with the peers' Python, /root/.cache/diffphys-peers/venv/bin/python "
             "(installed by `bash /work/shared/peers/setup.sh`, about 5 minutes).")

HERE = os.path.dirname(os.path.abspath(__file__))
URDF = os.path.join(HERE, "..", "..", "scenes", "robots", "go1.urdf")
POSE = {"hip": 0.0, "thigh": 0.9, "calf": -1.8}
LEGS = ["FR", "FL", "RR", "RL"]
BASE_Z = 0.284806
KP, KD = 60.0, 2.0
N_SETS = 16
STEPS = {"go1": 400, "cartpole": 1000}
CARTPOLE_MJCF = """
<mujoco model="cartpole">
  <option timestep="0.01" gravity="0 0 -9.81" integrator="Euler">
    <flag contact="disable"/>
  </option>
  <worldbody>
    <body name="cart">
      <joint name="slider" type="slide" axis="1 0 0"/>
      <inertial pos="0 0 0" mass="1" diaginertia="0.01 0.02 0.02"/>
      <body name="pole">
        <joint name="hinge" type="hinge" axis="0 1 0"/>
        <inertial pos="0 0 -0.3" mass="0.3" diaginertia="0.009 0.009 2.16e-5"/>
      </body>
    </body>
  </worldbody>
</mujoco>
"""


def go1_model():
    """The Go1 standing model: URDF -> MjSpec, floor, free base, position actuators."""
    text = open(URDF).read()
    text = re.sub(r"<visual>.*?</visual>", "", text, flags=re.S)
    # the 1 µg placeholder "base" link's inertia (all six entries 1e-6) is singular, which MuJoCo refuses
    text = text.replace('ixy="1e-6" ixz="1e-6" iyy="1e-6" iyz="1e-6"', 'ixy="0" ixz="0" iyy="1e-6" iyz="0"', 1)
    text = re.sub(r"(<robot[^>]*>)", r'\1<mujoco><compiler discardvisual="true" fusestatic="false" '
                  r'balanceinertia="false"/></mujoco>', text, count=1)
    spec = mujoco.MjSpec.from_string(text)
    spec.option.timestep = 1e-3
    for g in spec.geoms:  # the robot touches the floor only
        g.contype, g.conaffinity = 1, 0
        g.friction = [1.0, 0.005, 0.0001]
    floor = spec.worldbody.add_geom(name="floor", type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0, 0, 1])
    floor.contype, floor.conaffinity, floor.friction = 0, 1, [1.0, 0.005, 0.0001]
    base = spec.body("base")
    base.add_freejoint(name="root")
    for leg in LEGS:
        for part in POSE:
            name = f"{leg}_{part}_joint"
            j = spec.joint(name)
            j.damping = [KD + 0.01, 0, 0]  # linear: the PD's kd + the URDF's damping
            j.armature = 0.0
            a = spec.add_actuator(name=name, target=name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
            a.set_to_position(kp=KP)
    return spec.compile()


def cartpole_model():
    """The cart-pole of `sample::cartpole()`, dt 10 ms, no contacts, no actuators."""
    return mujoco.MjModel.from_xml_string(CARTPOLE_MJCF)


def cartpole_initial_states(m):
    """16 full-physics states at rest: set i has the pole at 0.1 + 0.05 i rad."""
    d = mujoco.MjData(m)
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    out = np.zeros((N_SETS, mujoco.mj_stateSize(m, spec)))
    hinge = m.joint("hinge").qposadr[0]
    for i in range(N_SETS):
        mujoco.mj_resetData(m, d)
        d.qpos[hinge] = 0.1 + 0.05 * i
        mujoco.mj_getState(m, d, out[i], spec)
    return out


def initial_states(m):
    """16 full-physics states: set i has the base i mm higher, FR_thigh_joint at 0.05 i rad/s."""
    d = mujoco.MjData(m)
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    out = np.zeros((N_SETS, mujoco.mj_stateSize(m, spec)))
    thigh = m.joint("FR_thigh_joint")
    for i in range(N_SETS):
        mujoco.mj_resetData(m, d)
        d.qpos[:7] = [0, 0, BASE_Z + 0.001 * i, 1, 0, 0, 0]
        for leg in LEGS:
            for part, q in POSE.items():
                d.qpos[m.joint(f"{leg}_{part}_joint").qposadr[0]] = q
        d.qvel[thigh.dofadr[0]] = 0.05 * i
        mujoco.mj_getState(m, d, out[i], spec)
    return out


def targets(m):
    return np.array([POSE[m.actuator(k).name.split("_")[1]] for k in range(m.nu)])


def median_s(fn, repeats):
    fn()  # warm up
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=sorted(STEPS), default="go1")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    n_steps = STEPS[args.model]
    if args.model == "go1":
        m = go1_model()
        x0 = initial_states(m)
    else:
        m = cartpole_model()
        x0 = cartpole_initial_states(m)
    ctrl = np.tile(targets(m), (N_SETS, n_steps, 1))  # (16, n_steps, 0) for the cart-pole
    out = np.zeros((N_SETS, n_steps, x0.shape[1]))
    d1, d2 = mujoco.MjData(m), mujoco.MjData(m)

    def one_thread():
        mj_rollout.rollout(m, d1, x0, ctrl, state=out)

    def two_threads_new_pool():
        mj_rollout.rollout(m, [d1, d2], x0, ctrl, state=out)

    pool = mj_rollout.Rollout(nthread=2)

    def two_threads():
        pool.rollout(m, [d1, d2], x0, ctrl, state=out)

    def python_loop():
        d = d1
        for i in range(N_SETS):
            mujoco.mj_setState(m, d, x0[i], mujoco.mjtState.mjSTATE_FULLPHYSICS)
            d.qacc_warmstart[:] = 0
            d.ctrl[:] = ctrl[i, 0]
            for _ in range(n_steps):
                mujoco.mj_step(m, d)

    res = {"mujoco": mujoco.__version__, "model": "go1_stand" if args.model == "go1" else "cartpole",
           "nv": int(m.nv), "nu": int(m.nu), "batch": N_SETS, "steps": n_steps, "repeats": args.repeats}
    if args.model == "cartpole":
        res["dt"] = float(m.opt.timestep)
    runs = {"rollout_1t": one_thread, "rollout_2t": two_threads, "rollout_2t_new_pool": two_threads_new_pool,
            "mj_step_python_loop": python_loop}
    for name, fn in runs.items():
        t = median_s(fn, args.repeats)
        res[name] = {"rollouts_per_s": round(N_SETS / t, 2), "us_per_step": round(t / (N_SETS * n_steps) * 1e6, 3),
                     "batch_ms": round(t * 1e3, 3)}
    pool.close()
    one_thread()
    if args.model == "go1":
        z = out[:, -1, 1 + 2]  # state = [time, qpos...]: base z
        res["base_z_after_400"] = {"set0": round(float(z[0]), 5), "min": round(float(z.min()), 5),
                                   "max": round(float(z.max()), 5)}
    else:
        hinge, slider = 1 + m.joint("hinge").qposadr[0], 1 + m.joint("slider").qposadr[0]
        angle = out[:, -1, hinge]
        res["hinge_after_1000"] = {"set0": float(angle[0]), "min": round(float(angle.min()), 6),
                                   "max": round(float(angle.max()), 6)}
        res["slider_after_1000_set0"] = float(out[0, -1, slider])
    python_loop()  # sanity: the Python loop ends where the rollout does (set 15)
    last = np.zeros(x0.shape[1])
    mujoco.mj_getState(m, d1, last, mujoco.mjtState.mjSTATE_FULLPHYSICS)
    res["python_loop_vs_rollout_max_abs_diff"] = float(np.abs(last - out[-1, -1]).max())
    print(json.dumps(res))


if __name__ == "__main__":
    main()
