"""Crocoddyl's FDDP on diffphys's cart-pole swing-up (`ControlProblem::cartpole`, `diffphys optimize`'s default).

The problem, rebuilt term by term:
  - the model is `diffphys::model::multibody::sample::cartpole()`: a 1 kg cart (inertia diag 0.01, 0.02, 0.02 at
    its origin) on a prismatic joint along x, a 0.3 kg, 0.6 m pole (centre of mass 0.3 m below the hinge, inertia
    diag 0.009, 0.009, 2.16e-5: `sample::rod(0.3, 0.6)`) on a revolute joint about y at the cart's origin, hanging
    down at 0; gravity -9.81 z; no damping or friction. The slider's soft limits (+-2.5 m) are left out: the
    swing-up's cart stays within 0.5 m of the origin, where they exert nothing;
  - only the slider is actuated (a one-input actuation model written here in Python);
  - 150 knots of 20 ms, IntegratedActionModelEuler (semi-implicit: v' = v + dt a, q' = q + dt v', as diffphys's);
  - running cost 0.01 u^2 per second (ResidualModelControl, weight 0.02: Crocoddyl's costs are 1/2 w |r|^2, times dt
    on the running knots); terminal cost 10 x^2 + 100 (theta - pi)^2 + 10 (xdot^2 + thetadot^2)
    (ResidualModelState to [0, pi, 0, 0], ActivationModelWeightedQuad [20, 200, 20, 20]);
  - SolverFDDP from xs = [x0] * (N + 1), us = zeros, as diffphys's iLQR (`IlqrOptions::multiple_shooting`).
The cost after the first iteration is diffphys's to the printed digits (691.07), which checks that the problems agree.

Reported: the iterations FDDP takes to its own stop (th_stop 1e-9 on the squared control gradient, Crocoddyl's
default) and to reach diffphys's final costs, the cost after 30 and 110 iterations, and the final state. The time
is not a fair figure for Crocoddyl: the Python actuation model is called from C++ at every knot. For a time per
iteration of Crocoddyl's C++ alone, --full-actuation solves the same problem with the hinge actuated too (its torque
costing 1e4 times the slider's), a different problem with the same model and knots: its ms per iteration.

Needs the peers' Crocoddyl (`../shared/peers/setup.sh --croc`):
  /root/.cache/diffphys-peers/croc/bin/python benches/peers/croc_cartpole.py [--full-actuation] [--repeats 5]
Prints one JSON line.
"""
import argparse
import json
import statistics
import time

import crocoddyl
import numpy as np
import pinocchio as pin

KNOTS, DT = 150, 0.02
TARGET = np.array([0.0, np.pi, 0.0, 0.0])


def cartpole():
    model = pin.Model()
    slider = model.addJoint(0, pin.JointModelPX(), pin.SE3.Identity(), "slider")
    model.appendBodyToJoint(slider, pin.Inertia(1.0, np.zeros(3), np.diag([0.01, 0.02, 0.02])), pin.SE3.Identity())
    hinge = model.addJoint(slider, pin.JointModelRY(), pin.SE3.Identity(), "hinge")
    m, l = 0.3, 0.6
    rod = np.diag([m * l * l / 12, m * l * l / 12, 0.5 * m * (l / 50) ** 2])
    model.appendBodyToJoint(hinge, pin.Inertia(m, np.array([0.0, 0.0, -l / 2]), rod), pin.SE3.Identity())
    return model


class SliderOnly(crocoddyl.ActuationModelAbstract):
    """tau = [u, 0]: the cart is pushed, the hinge is free."""

    def __init__(self, state):
        crocoddyl.ActuationModelAbstract.__init__(self, state, 1)

    def calc(self, data, x, u):
        data.tau[:] = np.array([u[0], 0.0])

    def calcDiff(self, data, x, u):
        data.dtau_du[:] = np.array([1.0, 0.0]).reshape(data.dtau_du.shape)

    def commands(self, data, x, tau):
        data.u[:] = tau[:1]

    def torqueTransform(self, data, x, tau):
        data.Mtau[:] = np.array([1.0, 0.0]).reshape(data.Mtau.shape)


def problem(full_actuation):
    state = crocoddyl.StateMultibody(cartpole())
    if full_actuation:
        actuation, effort = crocoddyl.ActuationModelFull(state), np.array([1.0, 1e4])
    else:
        actuation, effort = SliderOnly(state), np.array([1.0])
    nu = actuation.nu
    running, terminal = crocoddyl.CostModelSum(state, nu), crocoddyl.CostModelSum(state, nu)
    control = crocoddyl.ResidualModelControl(state, nu)
    running.addCost("effort", crocoddyl.CostModelResidual(state, crocoddyl.ActivationModelWeightedQuad(effort), control), 0.02)
    upright = crocoddyl.ResidualModelState(state, TARGET, nu)
    weights = crocoddyl.ActivationModelWeightedQuad(np.array([20.0, 200.0, 20.0, 20.0]))
    terminal.addCost("upright", crocoddyl.CostModelResidual(state, weights, upright), 1.0)
    run = crocoddyl.IntegratedActionModelEuler(crocoddyl.DifferentialActionModelFreeFwdDynamics(state, actuation, running), DT)
    end = crocoddyl.IntegratedActionModelEuler(crocoddyl.DifferentialActionModelFreeFwdDynamics(state, actuation, terminal), 0.0)
    p = crocoddyl.ShootingProblem(np.zeros(4), [run] * KNOTS, end)
    p.nthreads = 1
    return p, nu


class Costs(crocoddyl.CallbackAbstract):  # called once per FDDP iteration
    def __init__(self):
        crocoddyl.CallbackAbstract.__init__(self)
        self.costs = []

    def __call__(self, solver):
        self.costs.append(solver.cost)


def solve(p, nu, max_iterations, callback=None):
    solver = crocoddyl.SolverFDDP(p)
    if callback is not None:
        solver.setCallbacks([callback])
    start = time.perf_counter()
    converged = solver.solve([np.zeros(4)] * (KNOTS + 1), [np.zeros(nu)] * KNOTS, max_iterations, False)
    return solver, converged, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full-actuation", action="store_true", help="time C++ iterations on the two-input variant")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-iterations", type=int, default=1000)
    args = parser.parse_args()
    p, nu = problem(args.full_actuation)
    if args.full_actuation:
        times, iterations = [], 100
        for _ in range(args.repeats):
            solver, _, seconds = solve(p, nu, iterations)
            times.append(seconds)
        ms = statistics.median(times) * 1e3
        print(json.dumps({"problem": "cartpole, slider and hinge actuated", "iterations": solver.iter + 1,
                          "solve_ms": ms, "ms_per_iteration": ms / (solver.iter + 1), "crocoddyl": crocoddyl.__version__}))
        return
    costs = Costs()
    solver, converged, seconds = solve(p, nu, args.max_iterations, costs)
    c = costs.costs

    def first_below(value):
        return next((i + 1 for i, x in enumerate(c) if x <= value), None)

    print(json.dumps({
        "problem": "cartpole swing-up, slider actuated", "crocoddyl": crocoddyl.__version__,
        "iterations": solver.iter + 1, "converged": bool(converged), "solve_ms_with_python_actuation": seconds * 1e3,
        "cost_after_1": c[0], "cost_after_30": c[29] if len(c) >= 30 else None,
        "cost_after_110": c[109] if len(c) >= 110 else None, "final_cost": solver.cost,
        "iterations_to_cost_0.28971": first_below(0.28971), "iterations_to_cost_0.28960": first_below(0.28960),
        "final_state": list(solver.xs[-1]),
    }))


if __name__ == "__main__":
    main()
