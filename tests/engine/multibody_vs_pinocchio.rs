//! Issue 3 — golden values: our RNEA, CRBA, ABA, ABA derivatives and energies against Pinocchio 4.1 on four robots
//! (double pendulum, 7-link chain, UR5, Go2 legs as a fixed-base tree) at five seeded states each, to 1e-9
//! relative (relative to the largest entry of each quantity, so a near-zero entry is judged at the quantity's
//! scale).

use diffphys::grad::{aba_derivatives_duals, DualDerivativesWorkspace};
use diffphys::io::load_urdf;
use diffphys::multibody::{
    aba, aba_derivatives, crba, kinetic_energy_multibody, potential_energy_multibody, rnea, MultibodyWorkspace,
};
use nalgebra::{DMatrix, DVector};
use serde_json::Value;
use std::path::PathBuf;

const TOLERANCE: f64 = 1e-9;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn vector(v: &Value) -> DVector<f64> {
    DVector::from_vec(v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
}

fn matrix(v: &Value) -> DMatrix<f64> {
    let rows: Vec<DVector<f64>> = v.as_array().unwrap().iter().map(vector).collect();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn assert_close(what: &str, ours: &DMatrix<f64>, reference: &DMatrix<f64>) -> f64 {
    assert_eq!(ours.shape(), reference.shape(), "{what}: shape");
    let scale = reference.amax().max(1e-300);
    let err = (ours - reference).amax() / scale;
    assert!(err <= TOLERANCE, "{what}: relative error {err:.3e} > {TOLERANCE:e}\nours {ours}\nreference {reference}");
    err
}

fn check_model(name: &str) {
    let model = load_urdf(&data(&format!("{name}.urdf"))).unwrap();
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(data(&format!("{name}.json"))).unwrap()).unwrap();
    let order: Vec<&str> = reference["joint_order"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(model.joint_names(), order, "{name}: joint order");
    let mut ws = MultibodyWorkspace::new(&model);
    let mut dws = DualDerivativesWorkspace::new(&model);
    let mut worst: f64 = 0.0;
    for (k, state) in reference["states"].as_array().unwrap().iter().enumerate() {
        let (q, v, tau) = (vector(&state["q"]), vector(&state["v"]), vector(&state["tau"]));
        let at = |what: &str| format!("{name} state {k} {what}");
        let col = |x: DVector<f64>| DMatrix::from_column_slice(x.len(), 1, x.as_slice());
        let ddq = aba(&model, &mut ws, &q, &v, &tau, &[]).unwrap();
        worst = worst.max(assert_close(&at("ddq"), &col(ddq), &col(vector(&state["ddq"]))));
        let m = crba(&model, &mut ws, &q);
        worst = worst.max(assert_close(&at("mass_matrix"), &m, &matrix(&state["mass_matrix"])));
        let back = rnea(&model, &mut ws, &q, &v, &vector(&state["ddq"]), &[]);
        worst = worst.max(assert_close(&at("rnea_of_ddq"), &col(back), &col(vector(&state["rnea_of_ddq"]))));
        let analytic = aba_derivatives(&model, &mut ws, &q, &v, &tau).unwrap();
        let duals = aba_derivatives_duals(&model, &mut dws, &q, &v, &tau).unwrap();
        for (how, d) in [("analytic", &analytic), ("duals", &duals)] {
            worst =
                worst.max(assert_close(&at(&format!("ddq ({how})")), &col(d.ddq.clone()), &col(vector(&state["ddq"]))));
            worst = worst.max(assert_close(&at(&format!("dddq_dq ({how})")), &d.dddq_dq, &matrix(&state["dddq_dq"])));
            worst = worst.max(assert_close(&at(&format!("dddq_dv ({how})")), &d.dddq_dv, &matrix(&state["dddq_dv"])));
            worst =
                worst.max(assert_close(&at(&format!("dddq_dtau ({how})")), &d.dddq_dtau, &matrix(&state["dddq_dtau"])));
            // the analytic route forms M from its sweep's composite inertias, not by CRBA
            let mass = &d.mass_matrix;
            worst = worst.max(assert_close(&at(&format!("mass_matrix ({how})")), mass, &matrix(&state["mass_matrix"])));
        }
        let scalar = |x: f64| DMatrix::from_element(1, 1, x);
        let t = kinetic_energy_multibody(&model, &mut ws, &q, &v);
        worst = worst.max(assert_close(
            &at("kinetic_energy"),
            &scalar(t),
            &scalar(state["kinetic_energy"].as_f64().unwrap()),
        ));
        let u = potential_energy_multibody(&model, &mut ws, &q);
        worst = worst.max(assert_close(
            &at("potential_energy"),
            &scalar(u),
            &scalar(state["potential_energy"].as_f64().unwrap()),
        ));
    }
    println!("{name}: worst relative error {worst:.2e}");
}

#[test]
fn double_pendulum_matches_pinocchio() {
    check_model("double_pendulum");
}

#[test]
fn chain7_matches_pinocchio() {
    check_model("chain7");
}

#[test]
fn ur5_matches_pinocchio() {
    check_model("ur5");
}

#[test]
fn go2_matches_pinocchio() {
    check_model("go2");
}

#[test]
fn g1_humanoid_matches_pinocchio() {
    // 29 revolute joints in five branches (legs, waist, arms), fixed base
    check_model("g1");
}
