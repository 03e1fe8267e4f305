//! `diffphys dynamics ROBOT.urdf|ROBOT.xml --states states.json [--json out.json]`.

use super::output::Out;
use super::report;
use diffphys::model::Multibody;
use diffphys::multibody::{
    aba_derivatives, kinetic_energy_multibody, potential_energy_multibody, rnea, MultibodyWorkspace,
};
use diffphys::{io, Error, Result};
use nalgebra::{DMatrix, DVector};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;

#[derive(Deserialize)]
struct StatesFile {
    states: Vec<StateIn>,
}

/// One input state; other keys (such as a reference file's results) are ignored.
#[derive(Deserialize)]
struct StateIn {
    q: Vec<f64>,
    v: Vec<f64>,
    tau: Vec<f64>,
}

pub fn run(robot: &Path, states: &Path, json_out: Option<&Path>) -> Result<()> {
    let model = super::load_robot(robot)?;
    let text = io::read_text(states)?;
    let input: StatesFile = serde_json::from_str(&text).map_err(|e| Error::SceneFile {
        path: states.to_path_buf(),
        message: format!("expected {{\"states\": [{{\"q\", \"v\", \"tau\"}}]}}: {e}"),
    })?;
    let out = evaluate(&model, &input.states).map_err(|e| match e {
        Error::InvalidArgument(m) => Error::SceneFile { path: states.to_path_buf(), message: m },
        Error::Numerical(m) => Error::Numerical(format!("{}: {m}", states.display())),
        other => other,
    })?;
    match json_out {
        Some(path) => {
            report::write_json(path, &out)?;
            note!("{}: {} states, nv = {}; wrote {}", model.name, input.states.len(), model.nv(), path.display());
        }
        None => {
            let mut stdout = Out::new("the dynamics results");
            let text = serde_json::to_string_pretty(&out).map_err(|e| Error::io("the dynamics results", e.into()))?;
            writeln!(stdout, "{text}")?;
            stdout.flush()?;
        }
    }
    Ok(())
}

fn evaluate(model: &Multibody<f64>, states: &[StateIn]) -> Result<Value> {
    let mut ws = MultibodyWorkspace::new(model);
    let mut out = Vec::with_capacity(states.len());
    for (k, s) in states.iter().enumerate() {
        let (q, v, tau) =
            (DVector::from_column_slice(&s.q), DVector::from_column_slice(&s.v), DVector::from_column_slice(&s.tau));
        let in_state = |e: Error| match e {
            Error::InvalidArgument(m) => Error::InvalidArgument(format!("states[{k}]: {m}")),
            e => Error::InvalidArgument(format!("states[{k}]: {e}")),
        };
        model.check_dimensions(&q, &v, Some(&tau)).map_err(in_state)?;
        model.check_quaternions(&q).map_err(in_state)?;
        let d = aba_derivatives(model, &mut ws, &q, &v, &tau)?;
        let rnea_of_ddq = rnea(model, &mut ws, &q, &v, &d.ddq, &[]);
        let energies =
            [kinetic_energy_multibody(model, &mut ws, &q, &v), potential_energy_multibody(model, &mut ws, &q)];
        // JSON has no NaN or infinity (serde_json would write `null`): a result that overflowed is an error.
        let results: [(&str, &[f64]); 8] = [
            ("ddq", d.ddq.as_slice()),
            ("mass_matrix", d.mass_matrix.as_slice()),
            ("rnea_of_ddq", rnea_of_ddq.as_slice()),
            ("dddq_dq", d.dddq_dq.as_slice()),
            ("dddq_dv", d.dddq_dv.as_slice()),
            ("dddq_dtau", d.dddq_dtau.as_slice()),
            ("kinetic_energy", &energies[..1]),
            ("potential_energy", &energies[1..]),
        ];
        if let Some((name, _)) = results.iter().find(|(_, x)| x.iter().any(|x| !x.is_finite())) {
            return Err(Error::Numerical(format!(
                "states[{k}]: `{name}` is not finite (NaN or infinite entries): q, v or tau is too large to evaluate"
            )));
        }
        out.push(json!({
            "q": s.q, "v": s.v, "tau": s.tau,
            "ddq": d.ddq.as_slice(),
            "mass_matrix": rows(&d.mass_matrix),
            "rnea_of_ddq": rnea_of_ddq.as_slice(),
            "dddq_dq": rows(&d.dddq_dq),
            "dddq_dv": rows(&d.dddq_dv),
            "dddq_dtau": rows(&d.dddq_dtau),
            "kinetic_energy": energies[0],
            "potential_energy": energies[1],
        }));
    }
    Ok(json!({
        "model": model.name,
        "source": format!("diffphys {}", env!("CARGO_PKG_VERSION")),
        "gravity": model.gravity.as_slice(),
        "joint_order": model.joint_names(),
        "states": out,
    }))
}

fn rows(m: &DMatrix<f64>) -> Vec<Vec<f64>> {
    (0..m.nrows()).map(|i| m.row(i).iter().copied().collect()).collect()
}
