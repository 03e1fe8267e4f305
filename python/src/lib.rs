//! Python bindings of diffphys: scenes, trajectories, exact Jacobians, fits and robot dynamics, numpy in and out.
//!
//! The Python package `diffphys` re-exports this module (`diffphys._diffphys`). Every [`diffphys::Error`] becomes
//! a `diffphys.Error` (a subclass of `ValueError`) with the same message; arguments of the wrong length or with
//! non-finite entries are `diffphys.Error`s naming the argument. Simulations, Jacobians, gradient checks and fits
//! run with the GIL released; the batch functions run on all cores through rayon (its global pool: all cores, or
//! `RAYON_NUM_THREADS`).
//!
//! `#![forbid(unsafe_code)]` holds: the `unsafe` blocks that PyO3's macros expand to are theirs (the lint does not
//! count code expanded from another crate's macros), and this crate writes none.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use diffphys::grad::{self, FinalPositions};
use diffphys::model::{Model, Multibody, ParamId};
use diffphys::multibody::{self as mb, MultibodyWorkspace};
use diffphys::{fit as dfit, io, sim};
use nalgebra::{DMatrix, DVector};
use numpy::ndarray::{Array1, Array2, Array3};
use numpy::{AllowTypeChange, IntoPyArray, PyArray1, PyArray2, PyArray3, PyArrayLike1, PyArrayLike2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;
use std::path::PathBuf;

mod exceptions {
    //! The one exception type of the package.
    pyo3::create_exception!(
        diffphys,
        Error,
        pyo3::exceptions::PyValueError,
        "Every error diffphys reports (a bad scene or URDF file, an unknown parameter, arguments of the wrong \
         length, a non-finite value, a simulation that blew up, ...), with the message of the Rust library. A \
         subclass of ValueError."
    );
}

use exceptions::Error as PyDiffphysError;

/// The Python exception for a diffphys error: `diffphys.Error` with the same message.
fn py_err(e: diffphys::Error) -> PyErr {
    PyDiffphysError::new_err(e.to_string())
}

/// A `diffphys.Error` for an invalid argument (the library's [`diffphys::Error::InvalidArgument`] message).
fn invalid(message: String) -> PyErr {
    py_err(diffphys::Error::InvalidArgument(message))
}

/// Checks that every entry of `values` is finite; the error names `what[i]`.
fn check_finite(what: &str, values: &[f64]) -> PyResult<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(invalid(format!("`{what}[{i}]` is not finite ({})", values[i]))),
        None => Ok(()),
    }
}

/// A 1-D argument as a vector of `len` finite numbers; errors name the argument.
fn vector_arg(
    name: &str,
    x: &PyArrayLike1<'_, f64, AllowTypeChange>,
    len: usize,
    what: &str,
) -> PyResult<DVector<f64>> {
    let values: Vec<f64> = x.as_array().iter().copied().collect();
    if values.len() != len {
        return Err(invalid(format!("`{name}` has {} entries, {what} = {len}", values.len())));
    }
    check_finite(name, &values)?;
    Ok(DVector::from_vec(values))
}

/// A matrix as a 2-D numpy array (row-major, rows as in nalgebra).
fn matrix_to_py<'py>(py: Python<'py>, m: &DMatrix<f64>) -> Bound<'py, PyArray2<f64>> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)]).into_pyarray(py)
}

/// A vector as a 1-D numpy array.
fn vector_to_py<'py>(py: Python<'py>, v: &DVector<f64>) -> Bound<'py, PyArray1<f64>> {
    Array1::from_iter(v.iter().copied()).into_pyarray(py)
}

/// The rows of a `[B, k]` argument: `B` parameter sets of `k` finite values each; errors name `name`.
fn rows_arg(name: &str, values: &PyArrayLike2<'_, f64, AllowTypeChange>, k: usize) -> PyResult<Vec<Vec<f64>>> {
    let view = values.as_array();
    if view.ncols() != k {
        return Err(invalid(format!(
            "`{name}` has shape [{}, {}], but {k} parameter names were given: one column per name",
            view.nrows(),
            view.ncols()
        )));
    }
    let rows: Vec<Vec<f64>> = view.rows().into_iter().map(|r| r.iter().copied().collect()).collect();
    for (b, row) in rows.iter().enumerate() {
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("`{name}[{b}, {j}]` is not finite ({})", row[j])));
        }
    }
    Ok(rows)
}

/// A rollout stored row by row: the CSV's times (`step · dt` rounded to 1e-12 s) and values (row-major).
struct Rows {
    times: Vec<f64>,
    values: Vec<f64>,
}

/// Simulates `model` for its full duration and keeps every `every`-th state (0, every, 2·every, …), as
/// `diffphys simulate --every` writes them: the times rounded as the CSV prints them, the coordinates' values.
fn rollout_rows(model: &Model<f64>, every: usize) -> diffphys::Result<Rows> {
    // validated first: the step count is then bounded by `world.max_steps` (as `sim::rollout` does)
    model.validate()?;
    let coordinates = model.coordinates();
    let n_steps = model.settings.n_steps();
    let n_rows = n_steps / every + 1;
    model.settings.check_memory(
        n_rows,
        8 * (coordinates.len() + 1),
        "simulate with a larger `every` to store fewer rows",
    )?;
    let dt = model.settings.dt;
    let mut rows = Rows { times: Vec::with_capacity(n_rows), values: Vec::with_capacity(n_rows * coordinates.len()) };
    let mut index = 0;
    sim::try_rollout_with(model, n_steps, |state| {
        if index % every == 0 {
            rows.times.push(io::trajectory_csv_time(dt, state));
            rows.values.extend(coordinates.iter().map(|(_, c)| c.value(state)));
        }
        index += 1;
        Ok(())
    })?;
    Ok(rows)
}

/// Refuses `every = 0` (as `diffphys simulate --every 0` does).
fn check_every(every: usize) -> PyResult<()> {
    if every == 0 {
        return Err(invalid("`every` must be at least 1".into()));
    }
    Ok(())
}

/// A scene: particles, springs, rigid bodies and robots in one world, with its named parameters.
///
/// Load one with `diffphys.load_scene(path)` or `Scene.from_toml(text)`. A scene is immutable: `simulate`,
/// `jacobian`, `fit` and the rest take parameter values as arguments and leave the scene as it is.
#[pyclass(module = "diffphys", frozen)]
struct Scene {
    model: Model<f64>,
    origin: String,
}

impl Scene {
    /// The ids of parameter names, with an error naming an unknown or repeated one.
    fn ids<S: AsRef<str>>(&self, names: &[S]) -> PyResult<Vec<ParamId>> {
        self.model.resolve_params(names).map_err(py_err)
    }

    /// The scene with the parameters of `params` (a dict name → value) set, or the scene itself.
    fn with_dict(&self, params: Option<&Bound<'_, PyDict>>) -> PyResult<Model<f64>> {
        let Some(params) = params else { return Ok(self.model.clone()) };
        let mut names = Vec::with_capacity(params.len());
        let mut values = Vec::with_capacity(params.len());
        for (key, value) in params.iter() {
            let name: String = key.extract()?;
            let v: f64 = value.extract().map_err(|_| invalid(format!("the value of `{name}` is not a number")))?;
            if !v.is_finite() {
                return Err(invalid(format!("the value of `{name}` is not finite ({v})")));
            }
            names.push(name);
            values.push(v);
        }
        let ids = self.ids(&names)?;
        Ok(self.model.with_params(&ids, &values))
    }

    /// `FinalPositions` of `params` and the rows of its outputs named by `outputs` (all when `None`).
    fn final_positions(
        &self,
        params: &[String],
        outputs: Option<Vec<String>>,
    ) -> PyResult<(FinalPositions, Vec<usize>, Vec<String>)> {
        let outcome = FinalPositions::new(&self.model, params).map_err(py_err)?;
        let all = outcome.output_names();
        let Some(outputs) = outputs else {
            return Ok((outcome, (0..all.len()).collect(), all));
        };
        let mut rows = Vec::with_capacity(outputs.len());
        for name in &outputs {
            match all.iter().position(|a| a == name.trim()) {
                Some(i) => rows.push(i),
                None => {
                    return Err(invalid(format!(
                        "unknown output `{name}`: the outputs are the final positions {}",
                        all.join(", ")
                    )))
                }
            }
        }
        Ok((outcome, rows, outputs.iter().map(|s| s.trim().to_string()).collect()))
    }
}

/// A 2-D float array returned to Python.
type Matrix<'py> = Bound<'py, PyArray2<f64>>;
/// `jacobian`'s result: value `[n_out]`, Jacobian `[n_out, k]`, output names.
type JacobianOut<'py> = (Bound<'py, PyArray1<f64>>, Matrix<'py>, Vec<String>);
/// `jacobian_batch`'s result: values `[B, n_out]`, Jacobians `[B, n_out, k]`, output names.
type JacobianBatchOut<'py> = (Matrix<'py>, Bound<'py, PyArray3<f64>>, Vec<String>);

/// The selected rows of a value and a Jacobian.
fn select_rows(value: &DVector<f64>, jac: &DMatrix<f64>, rows: &[usize]) -> (DVector<f64>, DMatrix<f64>) {
    (DVector::from_iterator(rows.len(), rows.iter().map(|&i| value[i])), jac.select_rows(rows.iter()))
}

#[pymethods]
impl Scene {
    /// Parses a scene from TOML text. `origin` names the text in error messages; the files a scene names (URDF,
    /// torques) are found relative to `base_dir` (default: the current directory).
    #[staticmethod]
    #[pyo3(signature = (text, origin = "<string>", base_dir = None))]
    fn from_toml(text: &str, origin: &str, base_dir: Option<PathBuf>) -> PyResult<Self> {
        let model = match &base_dir {
            Some(dir) => io::parse_scene_in_dir(text, origin, dir),
            None => io::parse_scene(text, origin),
        }
        .map_err(py_err)?;
        Ok(Scene { model, origin: origin.to_string() })
    }

    /// Every named parameter of the scene and its value, in the order of `diffphys params SCENE`.
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let ids = self.model.param_ids();
        let dict = PyDict::new(py);
        for (id, value) in ids.iter().zip(self.model.param_values(&ids)) {
            dict.set_item(self.model.param_name(*id), value)?;
        }
        Ok(dict)
    }

    /// The trajectory's column names (after `t`): `<particle>.x`, …, `<body>.qz`, `<robot>.<joint>`, …
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.model.coordinates().into_iter().map(|(name, _)| name).collect()
    }

    /// The time step in s.
    #[getter]
    fn dt(&self) -> f64 {
        self.model.settings.dt
    }

    /// The simulated duration in s.
    #[getter]
    fn duration(&self) -> f64 {
        self.model.settings.duration
    }

    /// The number of steps of a full rollout, `round(duration / dt)`.
    #[getter]
    fn n_steps(&self) -> usize {
        self.model.settings.n_steps()
    }

    /// The warnings `diffphys` prints on loading the scene: elements the time step may not resolve.
    fn time_step_warnings(&self) -> Vec<String> {
        sim::time_step_warnings(&self.model).iter().map(|w| w.to_string()).collect()
    }

    /// Simulates the scene for its full duration, with the parameters of `params` (name → value) set, and
    /// returns every `every`-th state (0, every, 2·every, …): the numbers `diffphys simulate SCENE --every N`
    /// writes. Runs with the GIL released.
    #[pyo3(signature = (params = None, *, every = 1))]
    fn simulate(&self, py: Python<'_>, params: Option<&Bound<'_, PyDict>>, every: usize) -> PyResult<Trajectory> {
        check_every(every)?;
        let model = self.with_dict(params)?;
        let rows = py.detach(|| rollout_rows(&model, every)).map_err(py_err)?;
        Trajectory::new(py, self.columns(), rows)
    }

    /// Simulates one rollout per row of `values` (shape `[B, len(names)]`, the values of the parameters `names`),
    /// in parallel on all cores with the GIL released; item `b` equals `simulate(dict(zip(names, values[b])))`
    /// bit for bit.
    #[pyo3(signature = (names, values, *, every = 1))]
    fn simulate_batch(
        &self,
        py: Python<'_>,
        names: Vec<String>,
        values: PyArrayLike2<'_, f64, AllowTypeChange>,
        every: usize,
    ) -> PyResult<Vec<Trajectory>> {
        check_every(every)?;
        let ids = self.ids(&names)?;
        let points = rows_arg("values", &values, ids.len())?;
        let model = &self.model;
        let rows: Vec<Rows> = py
            .detach(|| {
                model.validate()?;
                // `sim::rollout_batch` keeps only the final states: the trajectories are stored here, on rayon's
                // global pool as `rollout_batch` runs, each the serial rollout of `simulate`.
                let n_rows = model.settings.n_steps() / every + 1;
                let width = 8 * (model.coordinates().len() + 1);
                model.settings.check_memory(n_rows * points.len(), width, "simulate fewer sets or a larger `every`")?;
                points
                    .par_iter()
                    .enumerate()
                    .map(|(b, p)| rollout_rows(&model.with_params(&ids, p), every).map_err(|e| e.in_batch(b)))
                    .collect::<diffphys::Result<Vec<Rows>>>()
            })
            .map_err(py_err)?;
        let columns = self.columns();
        rows.into_iter().map(|r| Trajectory::new(py, columns.clone(), r)).collect()
    }

    /// The final positions (`outputs`, default all of `grad::FinalPositions`: particles' and bodies' x, y, z,
    /// robots' joint positions) and their exact Jacobian with respect to the parameters `params`, by dual
    /// numbers, at the scene's values or at `at` (one value per parameter). Returns `(value [n_out],
    /// jacobian [n_out, k], output names)`. Runs with the GIL released.
    #[pyo3(signature = (params, outputs = None, at = None))]
    fn jacobian<'py>(
        &self,
        py: Python<'py>,
        params: Vec<String>,
        outputs: Option<Vec<String>>,
        at: Option<PyArrayLike1<'py, f64, AllowTypeChange>>,
    ) -> PyResult<JacobianOut<'py>> {
        let (outcome, rows, names) = self.final_positions(&params, outputs)?;
        let p = match &at {
            Some(at) => {
                vector_arg("at", at, params.len(), "the number of parameters").map(|v| v.as_slice().to_vec())?
            }
            None => outcome.initial_values(),
        };
        let (value, jac) = py.detach(|| grad::jacobian(&outcome, &p)).map_err(py_err)?;
        let (value, jac) = select_rows(&value, &jac, &rows);
        Ok((vector_to_py(py, &value), matrix_to_py(py, &jac), names))
    }

    /// `jacobian` at every row of `values` (shape `[B, len(names)]`), in parallel on all cores with the GIL
    /// released, each equal to the serial `jacobian` bit for bit. Returns `(values [B, n_out], jacobians
    /// [B, n_out, k], output names)`.
    #[pyo3(signature = (names, values, outputs = None))]
    fn jacobian_batch<'py>(
        &self,
        py: Python<'py>,
        names: Vec<String>,
        values: PyArrayLike2<'py, f64, AllowTypeChange>,
        outputs: Option<Vec<String>>,
    ) -> PyResult<JacobianBatchOut<'py>> {
        let (outcome, rows, out_names) = self.final_positions(&names, outputs)?;
        let points = rows_arg("values", &values, names.len())?;
        let results = py.detach(|| grad::jacobian_batch(&outcome, &points)).map_err(py_err)?;
        let (b, n, k) = (results.len(), rows.len(), names.len());
        let mut value_out = Array2::zeros((b, n));
        let mut jac_out = Array3::zeros((b, n, k));
        for (i, (value, jac)) in results.iter().enumerate() {
            let (value, jac) = select_rows(value, jac, &rows);
            for r in 0..n {
                value_out[(i, r)] = value[r];
                for c in 0..k {
                    jac_out[(i, r, c)] = jac[(r, c)];
                }
            }
        }
        Ok((value_out.into_pyarray(py), jac_out.into_pyarray(py), out_names))
    }

    /// A one-line summary.
    fn __repr__(&self) -> String {
        let m = &self.model;
        format!(
            "<diffphys.Scene {:?}: {} particles, {} springs, {} bodies, {} robots, dt = {} s, duration = {} s>",
            self.origin,
            m.particles.len(),
            m.springs.len(),
            m.bodies.len(),
            m.robots.len(),
            m.settings.dt,
            m.settings.duration
        )
    }
}

/// A simulated trajectory: `times` (shape `[T]`, s), `columns` (the CSV's column names after `t`) and `values`
/// (shape `[T, len(columns)]`), the numbers of `diffphys simulate`'s CSV.
#[pyclass(module = "diffphys", frozen)]
struct Trajectory {
    columns: Vec<String>,
    len: usize,
    times: Py<PyArray1<f64>>,
    values: Py<PyArray2<f64>>,
}

impl Trajectory {
    /// The trajectory of `rows` with these column names, its arrays handed to numpy without a copy.
    fn new(py: Python<'_>, columns: Vec<String>, rows: Rows) -> PyResult<Self> {
        let n = rows.times.len();
        let values = Array2::from_shape_vec((n, columns.len()), rows.values)
            .map_err(|e| invalid(format!("trajectory of {n} rows: {e}")))?;
        let (times, values) = (rows.times.into_pyarray(py), values.into_pyarray(py));
        // read-only: the trajectory's numbers stay what was simulated (`to_csv` prints them); copy to change them
        for array in [times.as_any(), values.as_any()] {
            let flags = pyo3::types::PyDict::new(py);
            flags.set_item("write", false)?;
            array.call_method("setflags", (), Some(&flags))?;
        }
        Ok(Trajectory { columns, len: n, times: times.unbind(), values: values.unbind() })
    }
}

#[pymethods]
impl Trajectory {
    /// Sample times in s, shape `[T]` (as the CSV prints them: `step · dt` rounded to 1e-12 s).
    #[getter]
    fn times(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.times.clone_ref(py)
    }

    /// Column names: `<particle>.x`, …, `<body>.qw`, …, `<robot>.<joint>`, …
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.columns.clone()
    }

    /// Values, shape `[T, len(columns)]`; read-only (`values.copy()` to change them).
    #[getter]
    fn values(&self, py: Python<'_>) -> Py<PyArray2<f64>> {
        self.values.clone_ref(py)
    }

    /// One column's values, shape `[T]`.
    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let j =
            self.columns.iter().position(|c| c == name).ok_or_else(|| {
                invalid(format!("unknown column `{name}`: the columns are {}", self.columns.join(", ")))
            })?;
        let values = self.values.bind(py).readonly();
        Ok(values.as_array().column(j).to_owned().into_pyarray(py))
    }

    /// The trajectory as the CSV text `diffphys simulate` writes (the same bytes: numbers in shortest
    /// round-trip form).
    fn to_csv(&self, py: Python<'_>) -> String {
        let times = self.times.bind(py).readonly();
        let values = self.values.bind(py).readonly();
        let mut out = String::from("t");
        for c in &self.columns {
            out.push(',');
            out.push_str(c);
        }
        out.push('\n');
        for (t, row) in times.as_array().iter().zip(values.as_array().rows()) {
            out.push_str(&format!("{t}"));
            for v in row {
                out.push_str(&format!(",{v}"));
            }
            out.push('\n');
        }
        out
    }

    /// The number of samples `T`.
    fn __len__(&self) -> usize {
        self.len
    }

    /// A one-line summary.
    fn __repr__(&self) -> String {
        format!("<diffphys.Trajectory: {} samples × {} columns>", self.len, self.columns.len())
    }
}

/// Loads a scene file (TOML); the files it names (URDF, torques) are found relative to its folder.
#[pyfunction]
fn load_scene(path: PathBuf) -> PyResult<Scene> {
    let model = io::load_scene(&path).map_err(py_err)?;
    Ok(Scene { model, origin: path.display().to_string() })
}

/// The result of `gradcheck`: exact (dual-number) and central-difference Jacobians of the final positions.
#[pyclass(module = "diffphys", frozen, get_all)]
struct GradCheck {
    /// The parameter names, in column order.
    params: Vec<String>,
    /// The output names, in row order.
    outputs: Vec<String>,
    /// The final positions at the parameters, shape `[n_out]`.
    value: Py<PyArray1<f64>>,
    /// The exact Jacobian from dual numbers, shape `[n_out, k]`.
    jacobian: Py<PyArray2<f64>>,
    /// The central-difference Jacobian, shape `[n_out, k]`.
    fd_jacobian: Py<PyArray2<f64>>,
    /// The largest relative difference of the two (see `diffphys::grad::GradCheck::max_rel_err`).
    max_rel_err: f64,
    /// Where the derivatives are not the physical ones (contacts the step does not resolve, ...).
    derivative_warnings: Vec<String>,
}

#[pymethods]
impl GradCheck {
    /// A one-line summary.
    fn __repr__(&self) -> String {
        format!("<diffphys.GradCheck of {:?}: max relative error {:.3e}>", self.params, self.max_rel_err)
    }
}

/// Compares the exact Jacobian of the scene's final positions with respect to `params` with central
/// differences of relative step `step`, at the scene's values or at `at`, as `diffphys gradcheck` does. Runs with
/// the GIL released.
#[pyfunction]
#[pyo3(signature = (scene, params, step = grad::DEFAULT_REL_STEP, at = None))]
fn gradcheck(
    py: Python<'_>,
    scene: &Scene,
    params: Vec<String>,
    step: f64,
    at: Option<PyArrayLike1<'_, f64, AllowTypeChange>>,
) -> PyResult<GradCheck> {
    let outcome = FinalPositions::new(&scene.model, &params).map_err(py_err)?;
    let p = match &at {
        Some(at) => vector_arg("at", at, params.len(), "the number of parameters")?.as_slice().to_vec(),
        None => outcome.initial_values(),
    };
    let (result, warnings) = py
        .detach(|| -> diffphys::Result<_> {
            let result = grad::check(&outcome, &p, step)?;
            Ok((result, outcome.derivative_warnings(&p)?))
        })
        .map_err(py_err)?;
    Ok(GradCheck {
        params: params.iter().map(|s| s.trim().to_string()).collect(),
        outputs: outcome.output_names(),
        value: vector_to_py(py, &result.value).unbind(),
        jacobian: matrix_to_py(py, &result.jacobian).unbind(),
        fd_jacobian: matrix_to_py(py, &result.fd_jacobian).unbind(),
        max_rel_err: result.max_rel_err,
        derivative_warnings: warnings.iter().map(|w| w.to_string()).collect(),
    })
}

/// The result of `fit`: fitted values and standard errors by name, and the optimiser's report.
#[pyclass(module = "diffphys", frozen, get_all)]
struct FitResult {
    /// The parameter names, in the order given.
    names: Vec<String>,
    /// Fitted values by name.
    values: Py<PyDict>,
    /// Standard errors by name (`None` where the observations do not determine the parameter).
    std_errors: Py<PyDict>,
    /// Starting values (the scene's) by name.
    initial: Py<PyDict>,
    /// Sum of squared residuals at the fit (column units squared, e.g. m²).
    cost: f64,
    /// Residual standard deviation (an estimate of the measurement noise).
    residual_std: f64,
    /// Number of residuals.
    n_residuals: usize,
    /// Accepted Levenberg–Marquardt steps, over all stages.
    iterations: usize,
    /// Whether a convergence test was met (rather than the iteration limit).
    converged: bool,
    /// Where the derivatives at the fitted values are not the physical ones.
    derivative_warnings: Vec<String>,
}

#[pymethods]
impl FitResult {
    /// A one-line summary.
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "<diffphys.FitResult {}: cost {:e}, {} iterations, converged: {}>",
            self.values.bind(py),
            self.cost,
            self.iterations,
            self.converged
        )
    }
}

/// Observations from a CSV path, or from a `[N, len(columns)]` array whose columns are named by `columns`
/// (`t` first, then trajectory columns, as the CSV's header).
fn observations(observed: &Bound<'_, PyAny>, columns: Option<Vec<String>>) -> PyResult<dfit::Observations> {
    if let Ok(path) = observed.extract::<PathBuf>() {
        if columns.is_some() {
            return Err(invalid("`columns` is for an array of observations; a CSV file names its own".into()));
        }
        return io::read_observations(&path).map_err(py_err);
    }
    let array: PyArrayLike2<'_, f64, AllowTypeChange> = observed
        .extract()
        .map_err(|_| invalid("`observed` must be a CSV path or a 2-D array of numbers (with `columns`)".into()))?;
    let Some(columns) = columns else {
        return Err(invalid("an array of observations needs `columns`: `t` and the trajectory columns".into()));
    };
    let view = array.as_array();
    if columns.first().map(|c| c.trim()) != Some("t") {
        return Err(invalid("`columns` must start with `t` (time in s), as the CSV's header".into()));
    }
    if columns.len() < 2 {
        return Err(invalid("`columns` has no observed columns besides `t`".into()));
    }
    if view.ncols() != columns.len() {
        return Err(invalid(format!("`observed` has {} columns, `columns` names {}", view.ncols(), columns.len())));
    }
    if view.nrows() == 0 {
        return Err(invalid("`observed` has no rows".into()));
    }
    for ((i, j), v) in view.indexed_iter() {
        if !v.is_finite() {
            return Err(invalid(format!("`observed[{i}, {j}]` (column `{}`) is not finite ({v})", columns[j])));
        }
    }
    Ok(dfit::Observations {
        times: view.column(0).to_vec(),
        columns: columns[1..].iter().map(|c| c.trim().to_string()).collect(),
        values: DMatrix::from_fn(view.nrows(), columns.len() - 1, |i, j| view[(i, j + 1)]),
    })
}

/// Fits the parameters `params` of `scene` (starting from its values) to `observed` by Levenberg–Marquardt
/// with exact Jacobians, as `diffphys fit` does. `observed` is a CSV path (header `t,<column>,…`) or an array
/// of shape `[N, len(columns)]` with `columns` naming its columns (`t` first). Runs with the GIL released.
#[pyfunction]
#[pyo3(signature = (scene, observed, params, *, columns = None, max_iterations = 100, stages = 3))]
fn fit(
    py: Python<'_>,
    scene: &Scene,
    observed: &Bound<'_, PyAny>,
    params: Vec<String>,
    columns: Option<Vec<String>>,
    max_iterations: usize,
    stages: usize,
) -> PyResult<FitResult> {
    if stages == 0 {
        return Err(invalid("`stages` must be at least 1".into()));
    }
    let obs = observations(observed, columns)?;
    let names: Vec<String> = params.iter().map(|p| p.trim().to_string()).collect();
    let lm = dfit::LmOptions { max_iterations, ..dfit::LmOptions::default() };
    let options = dfit::FitOptions { lm, stages };
    let model = &scene.model;
    let report = py.detach(|| dfit::fit(model, &names, &obs, &options, |_| {})).map_err(py_err)?;
    let (values, std_errors, initial) = (PyDict::new(py), PyDict::new(py), PyDict::new(py));
    for (i, name) in report.names.iter().enumerate() {
        values.set_item(name, report.values[i])?;
        std_errors.set_item(name, report.std_errs[i])?;
        initial.set_item(name, report.initial[i])?;
    }
    Ok(FitResult {
        names: report.names.clone(),
        values: values.unbind(),
        std_errors: std_errors.unbind(),
        initial: initial.unbind(),
        cost: report.cost,
        residual_std: report.residual_std,
        n_residuals: report.n_residuals,
        iterations: report.iterations,
        converged: report.converged,
        derivative_warnings: report.derivative_warnings.iter().map(|w| w.to_string()).collect(),
    })
}

/// An articulated robot (a kinematic tree) loaded from URDF, for `aba`, `rnea`, `crba` and `aba_derivatives`.
#[pyclass(module = "diffphys", frozen)]
struct Robot {
    model: Multibody<f64>,
}

#[pymethods]
impl Robot {
    /// The robot's name (the URDF's).
    #[getter]
    fn name(&self) -> String {
        self.model.name.clone()
    }

    /// The configuration size (a free joint counts 7: position and unit quaternion `[x, y, z, w]`).
    #[getter]
    fn nq(&self) -> usize {
        self.model.nq()
    }

    /// The velocity size (a free joint counts 6).
    #[getter]
    fn nv(&self) -> usize {
        self.model.nv()
    }

    /// The joints' names in model order (the order of `q` and `v`).
    #[getter]
    fn joint_names(&self) -> Vec<String> {
        self.model.joint_names().into_iter().map(str::to_string).collect()
    }

    /// Gravity in the root frame, m/s².
    #[getter]
    fn gravity<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        Array1::from_iter(self.model.gravity.iter().copied()).into_pyarray(py)
    }

    /// The neutral configuration (zero joint positions, identity orientations), shape `[nq]`.
    fn neutral<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        vector_to_py(py, &self.model.neutral())
    }

    /// A one-line summary.
    fn __repr__(&self) -> String {
        format!("<diffphys.Robot {:?}: nq = {}, nv = {}>", self.model.name, self.model.nq(), self.model.nv())
    }
}

impl Robot {
    /// `q` checked: `nq` finite entries, unit quaternions on free joints.
    fn q(&self, q: &PyArrayLike1<'_, f64, AllowTypeChange>) -> PyResult<DVector<f64>> {
        let q = vector_arg("q", q, self.model.nq(), "expected nq")?;
        self.model.check_quaternions(&q).map_err(py_err)?;
        Ok(q)
    }

    /// A velocity-sized argument checked: `nv` finite entries.
    fn v(&self, name: &str, x: &PyArrayLike1<'_, f64, AllowTypeChange>) -> PyResult<DVector<f64>> {
        vector_arg(name, x, self.model.nv(), "expected nv")
    }
}

/// Loads a robot from a URDF file (fixed base, or a floating base with `floating=True`: a free joint at the
/// root, `q` starting with `[x, y, z, qx, qy, qz, qw]`).
#[pyfunction]
#[pyo3(signature = (path, *, floating = false))]
fn load_urdf(path: PathBuf, floating: bool) -> PyResult<Robot> {
    let model = if floating { io::load_urdf_floating(&path) } else { io::load_urdf(&path) }.map_err(py_err)?;
    Ok(Robot { model })
}

/// Forward dynamics by the Articulated-Body Algorithm: the joint accelerations `a` (shape `[nv]`) produced by the
/// torques `tau` at configuration `q` (`[nq]`) and velocities `v` (`[nv]`).
#[pyfunction]
fn aba<'py>(
    py: Python<'py>,
    robot: &Robot,
    q: PyArrayLike1<'py, f64, AllowTypeChange>,
    v: PyArrayLike1<'py, f64, AllowTypeChange>,
    tau: PyArrayLike1<'py, f64, AllowTypeChange>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (q, v, tau) = (robot.q(&q)?, robot.v("v", &v)?, robot.v("tau", &tau)?);
    let mut ws = MultibodyWorkspace::new(&robot.model);
    let a = mb::aba(&robot.model, &mut ws, &q, &v, &tau, &[]).map_err(py_err)?;
    Ok(vector_to_py(py, &a))
}

/// Inverse dynamics by the Recursive Newton–Euler Algorithm: the joint torques `tau` (shape `[nv]`) that give
/// accelerations `a` (`[nv]`) at configuration `q` (`[nq]`) and velocities `v` (`[nv]`).
#[pyfunction]
fn rnea<'py>(
    py: Python<'py>,
    robot: &Robot,
    q: PyArrayLike1<'py, f64, AllowTypeChange>,
    v: PyArrayLike1<'py, f64, AllowTypeChange>,
    a: PyArrayLike1<'py, f64, AllowTypeChange>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (q, v, a) = (robot.q(&q)?, robot.v("v", &v)?, robot.v("a", &a)?);
    let mut ws = MultibodyWorkspace::new(&robot.model);
    Ok(vector_to_py(py, &mb::rnea(&robot.model, &mut ws, &q, &v, &a, &[])))
}

/// The joint-space mass matrix `M(q)` (shape `[nv, nv]`) by the Composite-Rigid-Body Algorithm.
#[pyfunction]
fn crba<'py>(
    py: Python<'py>,
    robot: &Robot,
    q: PyArrayLike1<'py, f64, AllowTypeChange>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let q = robot.q(&q)?;
    let mut ws = MultibodyWorkspace::new(&robot.model);
    Ok(matrix_to_py(py, &mb::crba(&robot.model, &mut ws, &q)))
}

/// The derivatives of forward dynamics at `(q, v, tau)`: `(∂a/∂q, ∂a/∂v, ∂a/∂tau = M⁻¹)`, each `[nv, nv]`, row
/// `i` the derivative of `a[i]`; derivatives with respect to `q` in the tangent space (a free joint's 6).
#[pyfunction]
fn aba_derivatives<'py>(
    py: Python<'py>,
    robot: &Robot,
    q: PyArrayLike1<'py, f64, AllowTypeChange>,
    v: PyArrayLike1<'py, f64, AllowTypeChange>,
    tau: PyArrayLike1<'py, f64, AllowTypeChange>,
) -> PyResult<(Matrix<'py>, Matrix<'py>, Matrix<'py>)> {
    let (q, v, tau) = (robot.q(&q)?, robot.v("v", &v)?, robot.v("tau", &tau)?);
    let mut ws = MultibodyWorkspace::new(&robot.model);
    let d = mb::aba_derivatives(&robot.model, &mut ws, &q, &v, &tau).map_err(py_err)?;
    Ok((matrix_to_py(py, &d.dddq_dq), matrix_to_py(py, &d.dddq_dv), matrix_to_py(py, &d.dddq_dtau)))
}

/// diffphys: a differentiable physics engine (Python bindings of the Rust crate).
#[pymodule]
fn _diffphys(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("Error", m.py().get_type::<PyDiffphysError>())?;
    m.add("DEFAULT_REL_STEP", grad::DEFAULT_REL_STEP)?;
    m.add_class::<Scene>()?;
    m.add_class::<Trajectory>()?;
    m.add_class::<GradCheck>()?;
    m.add_class::<FitResult>()?;
    m.add_class::<Robot>()?;
    m.add_function(wrap_pyfunction!(load_scene, m)?)?;
    m.add_function(wrap_pyfunction!(gradcheck, m)?)?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(load_urdf, m)?)?;
    m.add_function(wrap_pyfunction!(aba, m)?)?;
    m.add_function(wrap_pyfunction!(rnea, m)?)?;
    m.add_function(wrap_pyfunction!(crba, m)?)?;
    m.add_function(wrap_pyfunction!(aba_derivatives, m)?)?;
    Ok(())
}
