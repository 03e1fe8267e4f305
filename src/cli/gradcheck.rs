//! `diffphys gradcheck SCENE --params a,b [--json out.json]`.

use super::output::Out;
use super::report;
use diffphys::grad::{check, FinalPositions};
use diffphys::{Error, Result};
use serde_json::json;
use std::path::Path;

pub fn run(scene: &Path, params: &[String], json: Option<&Path>, step: f64, max_rel_err: Option<f64>) -> Result<()> {
    if !(step > 0.0 && step < 1.0) {
        return Err(Error::InvalidArgument(format!("--step must be in (0, 1), got {step}")));
    }
    if let Some(limit) = max_rel_err.filter(|l| !(l.is_finite() && *l >= 0.0)) {
        return Err(Error::InvalidArgument(format!("--max-rel-err must be a finite number >= 0, got {limit}")));
    }
    let scene = super::load_scene(scene)?;
    let outcome = FinalPositions::new(&scene, params)?;
    let p = outcome.initial_values();
    let result = check(&outcome, &p, step)?;
    let outputs = outcome.output_names();
    let width = outputs.iter().map(String::len).max().unwrap_or(6).max(6);
    let mut stdout = Out::new("the gradient check");
    writeln!(stdout, "d(final position)/d(parameter): dual numbers [central differences]")?;
    write!(stdout, "{:<width$}", "output")?;
    for name in params {
        write!(stdout, "  {:>36}", name.trim())?;
    }
    writeln!(stdout)?;
    for (i, out) in outputs.iter().enumerate() {
        write!(stdout, "{out:<width$}")?;
        for j in 0..p.len() {
            write!(stdout, "  {:>16.9e} [{:>16.9e}]", result.jacobian[(i, j)], result.fd_jacobian[(i, j)])?;
        }
        writeln!(stdout)?;
    }
    writeln!(stdout, "max relative error: {:.3e}", result.max_rel_err)?;
    stdout.flush()?;
    let warnings = outcome.derivative_warnings(&p)?;
    report::print_derivative_warnings(&warnings);
    if let Some(path) = json {
        let rows = |m: &nalgebra::DMatrix<f64>| -> Vec<Vec<f64>> {
            (0..m.nrows()).map(|i| m.row(i).iter().copied().collect()).collect()
        };
        let value = json!({
            "params": params.iter().map(|s| s.trim()).collect::<Vec<_>>(),
            "outputs": outputs,
            "jacobian": rows(&result.jacobian),
            "fd_jacobian": rows(&result.fd_jacobian),
            "max_rel_err": result.max_rel_err,
            "derivative_warnings": warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        });
        report::write_json(path, &value)?;
        note!("wrote {}", path.display());
    }
    match max_rel_err {
        Some(limit) if result.max_rel_err > limit => Err(Error::Numerical(format!(
            "largest relative error {:.3e} exceeds --max-rel-err {limit:e}",
            result.max_rel_err
        ))),
        _ => Ok(()),
    }
}
