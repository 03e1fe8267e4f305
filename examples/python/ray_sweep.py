"""Distributed diffphys with Ray: a domain-randomised sweep and a fit of shared parameters to many experiments.

1. **Sweep.** 10,000 rollouts of the demo scene ``scenes/bouncing_ball.toml`` (a ball thrown onto a compliant
   ground, 20,000 steps of 0.1 ms) with the ground's friction and damping, the ball's drag and its initial
   velocity (x and z) drawn from a seeded ``numpy.random.Generator``. The parameter sets are cut into chunks;
   each chunk is one Ray task that calls ``Scene.simulate_batch`` (all the cores the task was given, GIL
   released) and returns the final positions. The driver prints the distribution of the final x.
2. **Fit.** One parameter set (``ground.friction``, ``ball.drag``) fitted to many measured experiments: the
   same ball thrown at different *known* initial velocities, each measured at several times (the ball's final
   x and z after 0.5, 1.0, 1.5 and 2.0 s: the bindings differentiate final positions, so every time is a copy
   of the scene with that duration). The measurements are synthetic: ``Scene.simulate`` at the true values plus
   seeded Gaussian noise. The driver runs Levenberg-Marquardt; at each iterate every Ray task returns, for its
   chunk of experiments, the predictions and their exact Jacobian (``Scene.jacobian_batch``, dual numbers), and
   the driver sums JᵀJ and Jᵀr chunk by chunk. Standard errors come from the Gauss-Newton covariance
   ``s² (JᵀJ)⁻¹`` with ``s²`` the residual variance, and the script checks that ±3 of them cover the truth.

Workers receive the scene file's *text* and parse it with ``Scene.from_toml``, so the scene does not need to be
at the same path on every machine of a cluster (only ``diffphys`` and ``numpy`` must be installed there); this
module's functions are shipped to the workers by value, so neither does this file.

Run locally (Ray starts a local instance with 2 CPUs; ``--num-cpus`` to change)::

    pip install ./python ray            # from the repository's root
    python examples/python/ray_sweep.py
    python examples/python/ray_sweep.py --compare     # + serial loop, simulate_batch in one process, chunk scan

On a cluster (``ray start --head`` on one machine, ``ray start --address HEAD:6379`` on the others, the same
Python environment everywhere), the same command with the head's address; nothing else changes::

    python examples/python/ray_sweep.py --address HEAD:6379 --chunk 500

(Ray 2.60's token authentication: a driver connecting to a cluster needs the cluster's token, in
``~/.ray/auth_token`` or ``RAY_AUTH_TOKEN``, or the cluster started with ``RAY_AUTH_MODE=disabled``; see Ray's
"token-auth" page. Checked here against a second local instance: ``--address`` alone, nothing else changed.)

Options: ``--rollouts`` (10,000), ``--chunk`` rollouts per task or ``--tasks`` (the chunk is then
``ceil(rollouts / tasks)``), ``--cpus-per-task`` (each task's rayon threads, default 1), ``--experiments`` (64)
and ``--fit-chunk`` (experiments per task), ``--seed``, ``--skip-fit``.

``python/tests/test_ray.py`` imports these functions and checks that the distributed sweep and fit equal the
serial ones bit for bit, and that the fit recovers the true values within 3 standard errors.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import numpy as np

import diffphys

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SCENE_PATH = REPO / "scenes" / "bouncing_ball.toml"

# ---------------------------------------------------------------------------------------------------------------
# The sweep

SWEEP_NAMES = ["ground.friction", "ground.damping", "ball.drag", "ball.velocity.x", "ball.velocity.z"]
SWEEP_LOW = np.array([0.05, 40.0, 0.0, 1.0, -1.0])
SWEEP_HIGH = np.array([0.30, 80.0, 0.05, 3.0, 2.0])


def read_scene(path: Path = SCENE_PATH) -> str:
    """The scene file's text (what the workers parse)."""
    return Path(path).read_text()


def parse_scene(text: str, base_dir: Optional[str] = None) -> "diffphys.Scene":
    """The scene of ``text``; files it names (URDF, torques) are found relative to ``base_dir``."""
    return diffphys.Scene.from_toml(text, "bouncing_ball.toml", base_dir)


def sample_sweep(n: int, seed: int = 0) -> np.ndarray:
    """``n`` parameter sets (rows, columns ``SWEEP_NAMES``), uniform in [SWEEP_LOW, SWEEP_HIGH]."""
    rng = np.random.default_rng(seed)
    return rng.uniform(SWEEP_LOW, SWEEP_HIGH, size=(n, len(SWEEP_NAMES)))


def sweep_chunk(text: str, names: Sequence[str], values: np.ndarray, base_dir: Optional[str] = None) -> np.ndarray:
    """Final state of one rollout per row of ``values``: shape ``[B, len(scene.columns)]``, by
    ``simulate_batch`` (every=n_steps keeps only the initial and the final state)."""
    scene = parse_scene(text, base_dir)
    trajs = scene.simulate_batch(list(names), np.asarray(values, dtype=float), every=scene.n_steps)
    return np.stack([t.values[-1] for t in trajs])


def sweep_loop(text: str, names: Sequence[str], values: np.ndarray) -> np.ndarray:
    """The same as :func:`sweep_chunk` by a plain Python loop of ``simulate`` (the serial reference)."""
    scene = parse_scene(text)
    return np.stack([scene.simulate(dict(zip(names, row)), every=scene.n_steps).values[-1] for row in values])


def chunks(n: int, size: int) -> List[slice]:
    """``[0, n)`` cut into consecutive slices of ``size`` (the last one shorter)."""
    if size < 1:
        raise ValueError(f"chunk size must be >= 1, got {size}")
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


# A mapper runs ``fn(*args)`` for every ``args`` of a list and returns the results in order: ``serial_map`` in this
# process, ``RayMapper`` as Ray tasks. Everything else (chunking, summing) is the same code for both, which is
# why the distributed results equal the serial ones bit for bit.
Mapper = Callable[[Callable, List[tuple]], list]


def serial_map(fn: Callable, arglist: List[tuple]) -> list:
    return [fn(*args) for args in arglist]


def _limit_threads(n: int) -> None:
    """Tells rayon (diffphys' batch functions) to use ``n`` threads in this worker process. rayon reads
    ``RAYON_NUM_THREADS`` when its pool starts, at the process's first batch call; the runtime_env below sets it
    for Ray's workers already, this is the fallback for a worker started without it."""
    os.environ.setdefault("RAYON_NUM_THREADS", str(n))


class RayMapper:
    """Runs each call as a Ray task with ``cpus_per_task`` CPUs (and as many rayon threads). Big shared arguments
    (the scene's text) are put in the object store once per call."""

    def __init__(self, cpus_per_task: int = 1):
        import ray

        self.ray = ray
        self.cpus = cpus_per_task
        self._remote = {}

    def _task(self, fn: Callable):
        if fn not in self._remote:
            cpus = self.cpus

            def run(*args):
                _limit_threads(cpus)
                return fn(*args)

            run.__name__ = fn.__name__
            self._remote[fn] = self.ray.remote(run).options(
                num_cpus=cpus, runtime_env={"env_vars": {"RAYON_NUM_THREADS": str(cpus)}}
            )
        return self._remote[fn]

    def __call__(self, fn: Callable, arglist: List[tuple]) -> list:
        task = self._task(fn)
        refs = {}
        # arguments shared by all calls (same object) go to the object store once
        def ref(a):
            if isinstance(a, str) and len(a) > 256:
                if id(a) not in refs:
                    refs[id(a)] = self.ray.put(a)
                return refs[id(a)]
            return a

        return self.ray.get([task.remote(*map(ref, args)) for args in arglist])


def init_ray(address: Optional[str] = None, num_cpus: int = 2):
    """``ray.init`` on a cluster (``address``) or a local instance with ``num_cpus`` CPUs. This module's functions
    are then pickled by value, so workers need not be able to import it."""
    import ray
    import ray.cloudpickle

    module = sys.modules[__name__]
    if __name__ != "__main__":  # __main__'s functions are pickled by value anyway
        ray.cloudpickle.register_pickle_by_value(module)
    if address:
        ray.init(address=address, include_dashboard=False, log_to_driver=True)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False)
    return ray


def run_sweep(values: np.ndarray, chunk: int, mapper: Mapper = serial_map, text: Optional[str] = None,
              names: Sequence[str] = SWEEP_NAMES) -> np.ndarray:
    """Final states of all rollouts, ``[N, n_columns]``, computed chunk by chunk by ``mapper``."""
    text = read_scene() if text is None else text
    parts = mapper(sweep_chunk, [(text, list(names), values[s]) for s in chunks(len(values), chunk)])
    return np.concatenate(parts)


def summarise(final: np.ndarray, columns: Sequence[str]) -> str:
    """The final x's distribution, as text."""
    x = final[:, list(columns).index("ball.x")]
    q = np.percentile(x, [0, 5, 25, 50, 75, 95, 100])
    counts, edges = np.histogram(x, bins=12)
    lines = [f"final ball.x over {len(x)} rollouts: mean {x.mean():.4f} m, std {x.std(ddof=1):.4f} m",
             "  percentiles 0/5/25/50/75/95/100: " + " ".join(f"{v:.3f}" for v in q) + " m"]
    width = 50 / counts.max()
    for c, lo, hi in zip(counts, edges[:-1], edges[1:]):
        lines.append(f"  [{lo:6.3f}, {hi:6.3f}) m {c:6d} {'#' * int(round(c * width))}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# The fit

FIT_NAMES = ["ground.friction", "ball.drag"]          # unknown, shared by all experiments
KNOWN_NAMES = ["ball.velocity.x", "ball.velocity.z"]  # known, one pair per experiment
FIT_TRUE = np.array([0.16, 0.035])
FIT_LOWER = np.array([0.0, 0.0])                      # the scene rejects negative friction and drag
OUTPUTS = ["ball.x", "ball.z"]
DURATIONS = (0.5, 1.0, 1.5, 2.0)                      # s: when each experiment is measured
NOISE = 2e-3                                          # m: measurement noise (standard deviation)


def with_duration(text: str, duration: float) -> str:
    """The scene's text with ``[world] duration`` replaced."""
    new, n = re.subn(r"(?m)^(\s*duration\s*=\s*)[-+0-9.eE]+", rf"\g<1>{duration!r}", text)
    if n != 1:
        raise ValueError(f"expected one `duration = ...` line in the scene, found {n}")
    return new


def sample_experiments(n: int, seed: int = 1) -> np.ndarray:
    """Known initial velocities (x, z) of ``n`` throws, ``[n, 2]`` m/s."""
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(1.0, 3.0, n), rng.uniform(-1.0, 2.0, n)])


def measure(text: str, known: np.ndarray, truth: np.ndarray = FIT_TRUE, durations=DURATIONS,
            noise: float = NOISE, seed: int = 2) -> np.ndarray:
    """Synthetic measurements ``[n, len(durations), len(OUTPUTS)]``: ``simulate`` at the true values, plus
    seeded Gaussian noise of standard deviation ``noise``."""
    rng = np.random.default_rng(seed)
    out = np.empty((len(known), len(durations), len(OUTPUTS)))
    for d, duration in enumerate(durations):
        scene = parse_scene(with_duration(text, duration))
        cols = [scene.columns.index(c) for c in OUTPUTS]
        for i, v in enumerate(known):
            params = dict(zip(FIT_NAMES + KNOWN_NAMES, [*truth, *v]))
            out[i, d] = scene.simulate(params, every=scene.n_steps).values[-1, cols]
    return out + rng.normal(0.0, noise, out.shape)


def fit_chunk(text: str, durations: Sequence[float], theta: np.ndarray, known: np.ndarray):
    """Predictions ``[B, D, n_out]`` of one chunk of experiments at the unknowns ``theta`` and their Jacobian
    ``[B, D, n_out, len(theta)]`` (exact, dual numbers, by ``jacobian_batch``). The known velocities are
    parameters of the batch too; their columns of the Jacobian are dropped."""
    k = len(theta)
    rows = np.column_stack([np.tile(theta, (len(known), 1)), known])
    pred = np.empty((len(known), len(durations), len(OUTPUTS)))
    jac = np.empty((len(known), len(durations), len(OUTPUTS), k))
    for d, duration in enumerate(durations):
        scene = parse_scene(with_duration(text, duration))
        values, jacs, names = scene.jacobian_batch(FIT_NAMES + KNOWN_NAMES, rows, outputs=OUTPUTS)
        assert names == OUTPUTS, names
        pred[:, d] = values
        jac[:, d] = jacs[:, :, :k]
    return pred, jac


def normal_equations(theta: np.ndarray, text: str, known: np.ndarray, measured: np.ndarray, chunk: int,
                     mapper: Mapper = serial_map, durations=DURATIONS):
    """``(JᵀJ, Jᵀr, rᵀr, m)`` at ``theta`` with ``r = measured - predicted``, summed chunk by chunk in order."""
    parts = chunks(len(known), chunk)
    results = mapper(fit_chunk, [(text, list(durations), theta, known[s]) for s in parts])
    k = len(theta)
    jtj, jtr, cost, m = np.zeros((k, k)), np.zeros(k), 0.0, 0
    for s, (pred, jac) in zip(parts, results):
        r = (measured[s] - pred).reshape(-1)
        j = jac.reshape(-1, k)
        jtj += j.T @ j
        jtr += j.T @ r
        cost += float(r @ r)
        m += r.size
    return jtj, jtr, cost, m


class FitReport:
    def __init__(self, values, covariance, cost, residual_std, iterations, converged, evaluations, history):
        self.values, self.covariance = values, covariance
        self.std_errors = np.sqrt(np.diag(covariance))
        self.correlation = covariance / np.outer(self.std_errors, self.std_errors)
        self.cost, self.residual_std = cost, residual_std
        self.iterations, self.converged, self.evaluations = iterations, converged, evaluations
        self.history = history  # accepted iterates

    def __repr__(self):
        return (f"FitReport(values={self.values}, std_errors={self.std_errors}, cost={self.cost:.4g}, "
                f"iterations={self.iterations}, converged={self.converged})")


def fit(text: str, known: np.ndarray, measured: np.ndarray, theta0: np.ndarray, chunk: int,
        mapper: Mapper = serial_map, durations=DURATIONS, max_iterations: int = 100, lower=FIT_LOWER) -> FitReport:
    """Levenberg-Marquardt (Marquardt's diagonal scaling) for the unknowns ``FIT_NAMES`` from ``theta0``.
    A step leaving ``lower`` is rejected like one that raises the cost; converged when an accepted step moves
    every parameter by less than 1% of its standard error. Standard errors from ``s² (JᵀJ)⁻¹``,
    ``s² = rᵀr / (m - k)``, at the last accepted iterate."""
    theta = np.asarray(theta0, dtype=float).copy()
    k = len(theta)
    jtj, jtr, cost, m = normal_equations(theta, text, known, measured, chunk, mapper, durations)
    evaluations, lam, converged, iterations = 1, 1e-3, False, 0
    history = [theta.copy()]
    for _ in range(max_iterations):
        a = jtj + lam * np.diag(np.diag(jtj))
        step = np.linalg.solve(a, jtr)
        trial = theta + step
        if np.any(trial <= lower):
            lam *= 10.0
            continue
        t_jtj, t_jtr, t_cost, _ = normal_equations(trial, text, known, measured, chunk, mapper, durations)
        evaluations += 1
        if t_cost < cost:
            # done when the step moved every parameter by less than 1% of its standard error (or the cost
            # stalls): the rest is far below what the data determine (with contact, the iterates can zigzag
            # there for many steps)
            se = np.sqrt(np.diag(t_cost / (m - k) * np.linalg.inv(t_jtj)))
            small = np.all(np.abs(step) <= 1e-2 * se) or (cost - t_cost) <= 1e-10 * cost
            theta, jtj, jtr, cost = trial, t_jtj, t_jtr, t_cost
            iterations += 1
            history.append(theta.copy())
            lam = max(lam / 10.0, 1e-12)
            if small:
                converged = True
                break
        else:
            lam *= 10.0
            if lam > 1e12:  # no descent along any direction: at the minimum to rounding
                converged = True
                break
    s2 = cost / (m - k)
    cov = s2 * np.linalg.inv(jtj)
    return FitReport(theta, cov, cost, math.sqrt(s2), iterations, converged, evaluations,
                     np.array(history))


# ---------------------------------------------------------------------------------------------------------------
# Measurements


def time_it(f: Callable):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def empty_task_overhead(ray, n: int = 200):
    """(sequential round trip, amortised per task when ``n`` are in flight) of a task that does nothing, s."""
    noop = ray.remote(num_cpus=1)(lambda: None)
    ray.get([noop.remote() for _ in range(20)])  # start the workers
    _, seq = time_it(lambda: [ray.get(noop.remote()) for _ in range(50)])
    _, par = time_it(lambda: ray.get([noop.remote() for _ in range(n)]))
    return seq / 50, par / n


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--address", help="a Ray cluster's address (default: a local instance)")
    p.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local instance (default 2)")
    p.add_argument("--rollouts", type=int, default=10_000)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--chunk", type=int, help="rollouts per task (default: rollouts / (4 x cluster CPUs))")
    g.add_argument("--tasks", type=int, help="number of sweep tasks (the chunk is ceil(rollouts / tasks))")
    p.add_argument("--cpus-per-task", type=int, default=1, help="CPUs (rayon threads) of each task (default 1)")
    p.add_argument("--experiments", type=int, default=64, help="experiments of the fit (default 64)")
    p.add_argument("--fit-chunk", type=int, help="experiments per fit task (default: 2 tasks per cluster CPU)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compare", action="store_true",
                   help="also time a serial loop of simulate, simulate_batch in this process and a chunk scan")
    p.add_argument("--skip-fit", action="store_true")
    args = p.parse_args(argv)

    text = read_scene()
    scene = parse_scene(text)
    values = sample_sweep(args.rollouts, args.seed)
    print(f"scene {SCENE_PATH.relative_to(REPO)}: {scene.n_steps} steps of {scene.dt} s per rollout; "
          f"randomised {', '.join(f'{n} in [{lo:g}, {hi:g}]' for n, lo, hi in zip(SWEEP_NAMES, SWEEP_LOW, SWEEP_HIGH))}")

    ray = init_ray(args.address, args.num_cpus)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    print(f"Ray: {len(ray.nodes())} node(s), {cpus} CPUs; {args.cpus_per_task} CPU(s) per task")
    mapper = RayMapper(args.cpus_per_task)
    seq, amortised = empty_task_overhead(ray)
    print(f"empty task: {seq * 1e3:.2f} ms sequential round trip, {amortised * 1e3:.2f} ms per task with 200 in flight")

    if args.tasks:
        chunk = math.ceil(args.rollouts / args.tasks)
    else:
        chunk = args.chunk or max(1, math.ceil(args.rollouts / (4 * cpus)))
    n_tasks = len(chunks(args.rollouts, chunk))
    # start every worker (one per concurrent task, in this runtime env) before timing
    mapper(sweep_chunk, [(text, SWEEP_NAMES, values[:20])] * (2 * cpus // args.cpus_per_task))
    final, wall = time_it(lambda: run_sweep(values, chunk, mapper, text))
    rate = args.rollouts / wall
    print(f"\nsweep: {args.rollouts} rollouts in {n_tasks} Ray tasks of {chunk}: {wall:.2f} s wall, "
          f"{rate:.0f} rollouts/s ({rate * scene.n_steps / 1e6:.1f} M steps/s)")
    print(summarise(final, scene.columns))

    if args.compare:
        _, t_loop = time_it(lambda: sweep_loop(text, SWEEP_NAMES, values))
        batch, t_batch = time_it(lambda: sweep_chunk(text, SWEEP_NAMES, values))
        assert np.array_equal(batch, final), "the Ray sweep differs from simulate_batch"
        print(f"\nsame {args.rollouts} rollouts (results identical bit for bit):")
        print(f"  serial loop of simulate, one process:      {t_loop:7.2f} s  {args.rollouts / t_loop:7.0f} rollouts/s  1.00x")
        print(f"  simulate_batch, one process (all cores):   {t_batch:7.2f} s  {args.rollouts / t_batch:7.0f} rollouts/s  {t_loop / t_batch:.2f}x")
        print(f"  Ray, {n_tasks} tasks of {chunk}:{' ' * max(0, 24 - len(str(n_tasks)) - len(str(chunk)))}{wall:7.2f} s  {rate:7.0f} rollouts/s  {t_loop / wall:.2f}x")
        per_rollout = t_loop / args.rollouts
        print(f"  one rollout costs {per_rollout * 1e3:.3f} ms on one core: the {amortised * 1e3:.2f} ms task overhead "
              f"is 1% of a task from {math.ceil(amortised / per_rollout / 0.01)} rollouts on")
        print("chunk scan (Ray):")
        for c in [1, 10, 100, 1000, math.ceil(args.rollouts / cpus)]:
            n = args.rollouts if c >= 10 else min(args.rollouts, 2000)
            out, t = time_it(lambda: run_sweep(values[:n], c, mapper, text))
            assert np.array_equal(out, final[:n])
            print(f"  chunk {c:5d}: {len(chunks(n, c)):5d} tasks, {n} rollouts in {t:6.2f} s, {n / t:7.0f} rollouts/s")

    if not args.skip_fit:
        known = sample_experiments(args.experiments, args.seed + 1)
        measured = measure(text, known, seed=args.seed + 2)
        start = scene.params()
        theta0 = np.array([start[n] for n in FIT_NAMES])
        fchunk = args.fit_chunk or max(1, math.ceil(args.experiments / (2 * cpus)))
        report, t_fit = time_it(lambda: fit(text, known, measured, theta0, fchunk, mapper))
        print(f"\nfit of {FIT_NAMES} to {args.experiments} throws x {len(DURATIONS)} times x {len(OUTPUTS)} outputs "
              f"(noise {NOISE * 1e3:g} mm), {math.ceil(args.experiments / fchunk)} tasks per evaluation:")
        print(f"  {report.iterations} iterations, {report.evaluations} evaluations, converged {report.converged}, "
              f"{t_fit:.2f} s; residual std {report.residual_std * 1e3:.3f} mm")
        ok = True
        for name, v, se, true, v0 in zip(FIT_NAMES, report.values, report.std_errors, FIT_TRUE, theta0):
            z = (v - true) / se
            ok &= abs(z) < 3
            print(f"  {name:16s} {v:.6f} ± {se:.6f}   (true {true:g}, start {v0:g}: {z:+.2f} σ)")
        if args.compare:
            local, t_local = time_it(lambda: fit(text, known, measured, theta0, fchunk))
            assert np.array_equal(local.values, report.values), "the Ray fit differs from the one in this process"
            print(f"  the same fit in this process (jacobian_batch on all cores, no Ray): {t_local:.2f} s, "
                  f"identical values and errors")
        print(f"  correlation of the two estimates {report.correlation[0, 1]:+.3f}; "
              f"truth within 3 standard errors: {'yes' if ok else 'NO'}")
        if not ok:
            sys.exit(1)
    ray.shutdown()


if __name__ == "__main__":
    main()
