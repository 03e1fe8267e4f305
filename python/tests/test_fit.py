"""`fit` against the command line's `fit --json`, from a CSV file and from an array."""

import json

import numpy as np
import pytest

import diffphys
from conftest import SCENES

TRUTH = {"ground.damping": 50.0, "ball.drag": 0.03, "ball.velocity.x": 2.1}
COLUMNS = ["t", "ball.x", "ball.z"]


@pytest.fixture(scope="module")
def measured():
    """The bouncing ball simulated with the true parameters, x and z every 10 ms with 1 mm Gaussian noise."""
    scene = diffphys.load_scene(SCENES / "bouncing_ball.toml")
    traj = scene.simulate(TRUTH, every=100)
    rng = np.random.default_rng(11)
    noise = rng.normal(0.0, 1e-3, (len(traj), 2))
    table = np.column_stack([traj.times, traj.column("ball.x"), traj.column("ball.z")]) + np.column_stack(
        [np.zeros(len(traj)), noise]
    )
    return scene, table


def write_csv(path, table):
    lines = [",".join(COLUMNS)] + [",".join(repr(float(x)) for x in row) for row in table]
    path.write_text("\n".join(lines) + "\n")


def test_fit_equals_the_cli_json_and_finds_the_truth(cli, tmp_path, measured):
    scene, table = measured
    csv_path = tmp_path / "observed.csv"
    write_csv(csv_path, table)
    names = list(TRUTH)
    out = tmp_path / "fit.json"
    cli("fit", SCENES / "bouncing_ball.toml", "--observed", csv_path, "--params", ",".join(names), "--json", out)
    expected = json.loads(out.read_text())

    result = diffphys.fit(scene, str(csv_path), names)
    assert result.names == names
    for name in names:
        assert result.values[name] == expected["params"][name]["value"]
        assert result.std_errors[name] == expected["params"][name]["std_err"]
        assert result.initial[name] == expected["params"][name]["initial"] == scene.params()[name]
    assert result.cost == expected["cost"]
    assert result.iterations == expected["iterations"]
    assert result.converged == expected["converged"] is True
    assert result.residual_std == expected["residual_std"]
    assert result.n_residuals == expected["n_residuals"] == 2 * len(table)
    assert result.derivative_warnings == expected["derivative_warnings"]

    # the fit moved from the wrong starting values to the truth, within 4 standard errors
    for name, truth in TRUTH.items():
        assert result.initial[name] != truth
        assert abs(result.values[name] - truth) < 4 * result.std_errors[name], name
    # the residual standard deviation estimates the 1 mm noise
    assert result.residual_std == pytest.approx(1e-3, rel=0.2)


def test_an_array_of_observations_fits_as_the_csv(tmp_path, measured):
    scene, table = measured
    csv_path = tmp_path / "observed.csv"
    write_csv(csv_path, table)
    names = ["ground.damping", "ball.drag"]
    from_csv = diffphys.fit(scene, csv_path, names, max_iterations=30)
    from_array = diffphys.fit(scene, table, names, columns=COLUMNS, max_iterations=30)
    assert from_array.values == from_csv.values
    assert from_array.std_errors == from_csv.std_errors
    assert from_array.cost == from_csv.cost
    assert from_array.iterations == from_csv.iterations


def test_observation_arrays_are_checked(measured):
    scene, table = measured
    with pytest.raises(diffphys.Error, match="needs `columns`"):
        diffphys.fit(scene, table, ["ball.drag"])
    with pytest.raises(diffphys.Error, match="has 3 columns, `columns` names 2"):
        diffphys.fit(scene, table, ["ball.drag"], columns=["t", "ball.x"])
    with pytest.raises(diffphys.Error, match="start with `t`"):
        diffphys.fit(scene, table, ["ball.drag"], columns=["ball.x", "t", "ball.z"])
    bad = table.copy()
    bad[4, 2] = np.nan
    with pytest.raises(diffphys.Error, match=r"`observed\[4, 2\]` \(column `ball.z`\) is not finite"):
        diffphys.fit(scene, bad, ["ball.drag"], columns=COLUMNS)
    with pytest.raises(diffphys.Error, match="ball.colour"):
        diffphys.fit(scene, table, ["ball.drag"], columns=["t", "ball.x", "ball.colour"])
    off_grid = table.copy()
    off_grid[3, 0] += 3e-5
    with pytest.raises(diffphys.Error, match="not on the scene's time grid"):
        diffphys.fit(scene, off_grid, ["ball.drag"], columns=COLUMNS)
