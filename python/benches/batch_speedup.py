"""Speed-up of `Scene.simulate_batch` over a Python loop of `Scene.simulate`: 16 parameter sets of the demo
scene (the bouncing ball, 20,000 steps each), every state kept. Prints the median of 5 runs of each.

    python python/benches/batch_speedup.py [scenes/bouncing_ball.toml] [--sets 16]
"""

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

import diffphys

REPO = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scene", nargs="?", default=REPO / "scenes" / "bouncing_ball.toml")
    parser.add_argument("--sets", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    scene = diffphys.load_scene(args.scene)
    names = ["ball.velocity.x", "ground.damping", "ball.drag"]
    rng = np.random.default_rng(0)
    values = np.column_stack(
        [rng.uniform(1.0, 3.0, args.sets), rng.uniform(40.0, 80.0, args.sets), rng.uniform(0.0, 0.05, args.sets)]
    )

    def loop():
        return [scene.simulate(dict(zip(names, row))) for row in values]

    def batch():
        return scene.simulate_batch(names, values)

    times = {}
    for label, f in [("loop", loop), ("batch", batch)]:
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            out = f()
            runs.append(time.perf_counter() - start)
        times[label] = statistics.median(runs)
        results = out
    assert all(np.array_equal(a.values, b.values) for a, b in zip(loop(), results))
    cores = os.cpu_count()
    print(f"{args.sets} rollouts of {scene.n_steps} steps, {cores} cores (RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'unset')})")
    print(f"loop of simulate: {times['loop'] * 1e3:.1f} ms, simulate_batch: {times['batch'] * 1e3:.1f} ms, "
          f"speed-up {times['loop'] / times['batch']:.2f}x")


if __name__ == "__main__":
    main()
