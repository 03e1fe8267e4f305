//! Reverse-time (adjoint) gradients of a loss on a rollout of the one world.
//!
//! A rollout of `T` steps maps the parameters `p`, the initial state `z₀ = S(p)` and the controls `u_t` (every
//! robot's extra joint torques at step `t`) to states `z_{t+1} = f(z_t, u_t, p)`, where `z` is everything in the
//! state that carries derivatives ([`State::values`]: particles, bodies, warm-start impulses, friction anchors,
//! robots). A loss `L = Σ_t ℓ_t(z_t, u_t) + ℓ_T(z_T)` ([`TrajectoryLoss`]) then has the gradient, with
//! `λ_T = ∂ℓ_T/∂z_T` and, backwards in time,
//!
//! ```text
//! ∂L/∂u_t = ∂ℓ_t/∂u_t + λ_{t+1}ᵀ ∂f/∂u        λ_t = ∂ℓ_t/∂z_t + λ_{t+1}ᵀ ∂f/∂z        ∂L/∂p = Σ_t λ_{t+1}ᵀ ∂f/∂p + λ₀ᵀ ∂S/∂p
//! ```
//!
//! one backward pass for all `T·m` controls and all `k` parameters. Each step's vector–Jacobian product
//! `λ_{t+1}ᵀ [∂f/∂p, ∂f/∂u, ∂f/∂z]` is exact, through contact memory (anchors, onset speeds, warm starts), so the
//! gradient is the forward-mode one to rounding:
//! - for a world of robots on the ground (no particles or free bodies, semi-implicit Euler, compliant contact),
//!   `∂f/∂u` and `∂f/∂z` are the step's analytic Jacobians with respect to the whole state, the ground contacts'
//!   memories included ([`super::StepLinearizer`]'s route), with `λ` in the tangent space (a floating base's
//!   quaternion as three rotation directions), and `∂f/∂p` takes `⌈k/8⌉` dual steps;
//! - otherwise everything is taken with dual numbers of 8 directions over that step alone (`⌈(k + m + n_t)/8⌉`
//!   dual steps, `n_t` the length of `z_t`).
//!
//! Memory: the forward pass keeps a checkpoint every `K` steps (default `K = ⌈√T⌉`) and the backward pass
//! recomputes one segment of `K` states at a time from its checkpoint, so about `2√T` states are held at once
//! (`T = 10,000`: 200 states instead of 10,001), for one more `f64` rollout. A step is a function of the state alone
//! (the workspace is scratch), so the recomputed states are the forward pass's, bit for bit.

use super::directions::Directions;
use super::state_jacobians::{covers_whole_state, TangentMaps};
use super::StepLinearizer;
use crate::model::{Model, ParamId};
use crate::sim::{check_time_step, step_with_torques, State, Workspace};
use crate::{Error, Result, Scalar};
use nalgebra::DVector;
use num_dual::DualSVec64;

/// Directions per dual step of the backward pass.
const CHUNK: usize = 8;
/// The dual number of the backward pass.
type Dual = DualSVec64<CHUNK>;

/// A loss on a trajectory: a running cost on every state before its step with the step's controls, and a
/// terminal cost on the last state. Written once, generically: [`adjoint`] evaluates it on dual numbers.
///
/// ```
/// use diffphys::{grad::TrajectoryLoss, sim::State, Scalar};
/// /// The first particle's squared height at the end.
/// struct FinalHeight;
/// impl TrajectoryLoss for FinalHeight {
///     fn terminal<T: Scalar>(&self, state: &State<T>) -> T {
///         state.x[0].z * state.x[0].z
///     }
/// }
/// ```
pub trait TrajectoryLoss {
    /// The cost of step `t`'s state (before the step) and controls (every robot's extra joint torques, robot after
    /// robot, `nv` each: [`Rollout::nu`] numbers). Zero unless overridden.
    fn running<T: Scalar>(&self, t: usize, state: &State<T>, controls: &[T]) -> T {
        let _ = (t, state, controls);
        T::zero()
    }

    /// The cost of the final state.
    fn terminal<T: Scalar>(&self, state: &State<T>) -> T;
}

/// A rollout to differentiate: a model, the parameters to differentiate with respect to, and a number of steps.
/// Its inputs are the parameters' values and one control vector per step ([`Rollout::nu`] extra joint torques,
/// N·m or N, held over the step, as [`step_with_torques`] takes them).
#[derive(Debug, Clone)]
pub struct Rollout {
    model: Model<f64>,
    params: Vec<ParamId>,
    steps: usize,
}

impl Rollout {
    /// `steps` steps of `model`, differentiated with respect to the named parameters `params` (may be empty: the
    /// controls alone).
    ///
    /// # Errors
    /// An invalid model or time step, an unknown or repeated parameter name, or more steps than
    /// `world.max_steps`.
    pub fn new<S: AsRef<str>>(model: &Model<f64>, params: &[S], steps: usize) -> Result<Self> {
        model.validate()?;
        check_time_step(model)?;
        if steps > model.settings.max_steps {
            return Err(Error::invalid(
                "world.max_steps",
                format!("is {}, and the rollout asks for {steps} steps", model.settings.max_steps),
            ));
        }
        let params = model.resolve_params(params)?;
        Ok(Rollout { model: model.clone(), params, steps })
    }

    /// The number of steps.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The number of controls per step: every robot's `nv`, summed.
    pub fn nu(&self) -> usize {
        self.model.robots.iter().map(|r| r.multibody.nv()).sum()
    }

    /// The parameters, in the order of the gradient.
    pub fn params(&self) -> &[ParamId] {
        &self.params
    }

    /// The model's current values of the parameters.
    pub fn initial_values(&self) -> Vec<f64> {
        self.model.param_values(&self.params)
    }

    /// The loss of the rollout at parameter values `p` and controls `controls` (one vector of [`Rollout::nu`]
    /// numbers per step, or none for zero controls), on any scalar: on dual numbers seeded in `p` and `controls`
    /// this is the forward-mode reference for [`adjoint`] ([`RolloutLoss`] does the seeding).
    ///
    /// # Errors
    /// Inputs of the wrong size, a non-finite state or a failed step.
    pub fn loss<T: Scalar>(&self, p: &[T], controls: &[DVector<T>], loss: &impl TrajectoryLoss) -> Result<T> {
        self.check_inputs(p.len(), controls.iter().map(|u| u.len()))?;
        let model = self.model.with_params(&self.params, p);
        let mut state = State::initial(&model);
        let mut ws = Workspace::new(model.particles.len());
        let zero = DVector::zeros(self.nu());
        let mut total = T::zero();
        for t in 0..self.steps {
            let u = controls.get(t).unwrap_or(&zero);
            total += loss.running(t, &state, u.as_slice());
            step_with_torques(&model, &mut state, &mut ws, &split_torques(&model, u))?;
        }
        Ok(total + loss.terminal(&state))
    }

    /// One clear error for inputs of the wrong size.
    fn check_inputs(&self, n_params: usize, controls: impl ExactSizeIterator<Item = usize>) -> Result<()> {
        if n_params != self.params.len() {
            return Err(Error::InvalidArgument(format!(
                "{n_params} parameter values for {} parameters",
                self.params.len()
            )));
        }
        let n = controls.len();
        if n != 0 && n != self.steps {
            return Err(Error::InvalidArgument(format!(
                "{n} control vectors for {} steps (give one per step, or none for zero controls)",
                self.steps
            )));
        }
        let nu = self.nu();
        for (t, len) in controls.enumerate() {
            if len != nu {
                return Err(Error::InvalidArgument(format!(
                    "the control vector of step {t} has {len} numbers; the model's robots take {nu} (their nv)"
                )));
            }
        }
        Ok(())
    }
}

/// Every robot's torques from the stacked controls `u` (none without robots).
fn split_torques<T: Scalar>(model: &Model<T>, u: &DVector<T>) -> Vec<DVector<T>> {
    let mut k = 0;
    model
        .robots
        .iter()
        .map(|r| {
            let nv = r.multibody.nv();
            k += nv;
            u.rows(k - nv, nv).into_owned()
        })
        .collect()
}

/// A rollout's loss as an [`Outcome`](super::Outcome) of `[p, u₀, u₁, …, u_{T−1}]` (parameters, then every step's
/// controls), for forward-mode gradients ([`super::gradient`]) and finite differences to compare [`adjoint`] with.
#[derive(Debug)]
pub struct RolloutLoss<'a, L> {
    /// The rollout.
    pub rollout: &'a Rollout,
    /// The loss.
    pub loss: &'a L,
}

impl<L: TrajectoryLoss> super::Outcome for RolloutLoss<'_, L> {
    fn eval<T: Scalar>(&self, x: &[T]) -> Result<DVector<T>> {
        let (k, nu) = (self.rollout.params.len(), self.rollout.nu());
        if x.len() != k + nu * self.rollout.steps {
            return Err(Error::InvalidArgument(format!(
                "a rollout loss takes {} inputs ({k} parameters and {nu} controls for each of {} steps)",
                k + nu * self.rollout.steps,
                self.rollout.steps
            )));
        }
        let controls: Vec<DVector<T>> =
            if nu == 0 { Vec::new() } else { x[k..].chunks(nu).map(DVector::from_column_slice).collect() };
        Ok(DVector::from_element(1, self.rollout.loss(&x[..k], &controls, self.loss)?))
    }

    fn param_name(&self, j: usize) -> String {
        let (k, nu) = (self.rollout.params.len(), self.rollout.nu().max(1));
        match self.rollout.params.get(j) {
            Some(id) => self.rollout.model.param_name(*id),
            None => format!("control {} of step {}", (j - k) % nu, (j - k) / nu),
        }
    }
}

/// Options of [`adjoint_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdjointOptions {
    /// Keep a checkpoint every this many steps and recompute the states between them in the backward pass;
    /// `None`: `⌈√T⌉`. `Some(1)` keeps every state (no recomputation, `T + 1` states held).
    pub checkpoint_every: Option<usize>,
}

/// What [`adjoint`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct AdjointGradient {
    /// The loss.
    pub loss: f64,
    /// `∂L/∂p`, one entry per parameter of the [`Rollout`].
    pub params: DVector<f64>,
    /// `∂L/∂u_t`, one vector of [`Rollout::nu`] entries per step.
    pub controls: Vec<DVector<f64>>,
    /// The most states held at once (checkpoints and one recomputed segment): the memory figure.
    pub states_held: usize,
}

/// The loss of `rollout` at parameter values `p` and controls `controls` (one vector of [`Rollout::nu`] numbers
/// per step, or none for zero controls), and its exact gradient with respect to every parameter and every control,
/// by one forward pass and one backward (adjoint) pass (module docs); checkpoints every `⌈√T⌉` steps.
///
/// ```
/// use diffphys::grad::{adjoint, gradient, Rollout, RolloutLoss, TrajectoryLoss};
/// use diffphys::model::{Model, Particle};
/// use diffphys::{sim::State, Scalar};
/// let mut scene = Model::<f64>::empty(0.01, 1.0);
/// let mut ball = Particle::new("ball", 1.0, 0.1, nalgebra::Vector3::new(0.0, 0.0, 2.0));
/// ball.drag = 0.1;
/// scene.particles.push(ball);
/// struct Height;
/// impl TrajectoryLoss for Height {
///     fn terminal<T: Scalar>(&self, s: &State<T>) -> T {
///         s.x[0].z
///     }
/// }
/// let rollout = Rollout::new(&scene, &["ball.drag", "ball.velocity.z"], 50).unwrap();
/// let p = rollout.initial_values();
/// let g = adjoint(&rollout, &p, &[], &Height).unwrap();
/// let (_, forward) = gradient(&RolloutLoss { rollout: &rollout, loss: &Height }, &p).unwrap();
/// assert!((&g.params - &forward).norm() < 1e-12);
/// assert!((g.params[1] - 0.5).abs() < 0.05); // z(0.5 s) moves by about 0.5 s per m/s
/// ```
///
/// # Errors
/// Inputs of the wrong size, parameter values the model refuses ([`Model::validate`]), a step that fails or blows up (the forward pass reports it as a rollout would), and
/// [`Error::Numerical`] if a dual step does not reproduce the `f64` step's contacts.
pub fn adjoint(
    rollout: &Rollout,
    p: &[f64],
    controls: &[DVector<f64>],
    loss: &impl TrajectoryLoss,
) -> Result<AdjointGradient> {
    adjoint_with(rollout, p, controls, loss, &AdjointOptions::default())
}

/// [`adjoint`] with options (checkpointing).
///
/// # Errors
/// As [`adjoint`], and a zero `checkpoint_every`.
pub fn adjoint_with(
    rollout: &Rollout,
    p: &[f64],
    controls: &[DVector<f64>],
    loss: &impl TrajectoryLoss,
    options: &AdjointOptions,
) -> Result<AdjointGradient> {
    rollout.check_inputs(p.len(), controls.iter().map(|u| u.len()))?;
    let steps = rollout.steps;
    let every = match options.checkpoint_every {
        Some(0) => return Err(Error::InvalidArgument("checkpoint_every must be at least 1".into())),
        Some(k) => k,
        None => ((steps as f64).sqrt().ceil() as usize).max(1),
    };
    let model = rollout.model.with_params(&rollout.params, p);
    model.validate()?;
    let zero = DVector::zeros(rollout.nu());
    let control = |t: usize| controls.get(t).unwrap_or(&zero);
    // every robot's torques of every step, split once (as many numbers as the controls)
    let torques: Vec<Vec<DVector<f64>>> = (0..steps).map(|t| split_torques(&model, control(t))).collect();

    // forward: f64, checkpoints every `every` steps
    let mut state = State::initial(&model);
    let mut ws = Workspace::new(model.particles.len());
    let mut guard = crate::sim::RunawayGuard::new(&model, &state);
    if controls.iter().any(|u| u.iter().any(|&x| x != 0.0)) {
        // the controls do work on the robots: only speeds can tell a runaway
        guard = guard.driven();
    }
    let mut checkpoints = Vec::with_capacity(steps / every + 1);
    let mut total = 0.0;
    for (t, tau) in torques.iter().enumerate() {
        if t % every == 0 {
            checkpoints.push(state.clone());
        }
        total += loss.running(t, &state, control(t).as_slice());
        step_with_torques(&model, &mut state, &mut ws, tau)?;
        guard.check(&model, &state, t + 1 == steps)?;
    }
    total += loss.terminal(&state);

    // backward
    let mut sweep = Sweep::new(rollout, &model, p);
    if covers_whole_state(&model) {
        let mut linearizer = StepLinearizer::new(&model)?;
        // the maps at the state after the step being differentiated (the last one first), each made once
        let mut maps_next = TangentMaps::new(&model, &state);
        let mut lambda = maps_next.to_tangent(&sweep.terminal_gradient(&state, loss));
        let mut grad_p = DVector::zeros(rollout.params.len());
        let mut grad_u = vec![DVector::zeros(rollout.nu()); steps];
        let mut segment = Vec::with_capacity(every + 1);
        for (c, checkpoint) in checkpoints.iter().enumerate().rev() {
            let start = c * every;
            let end = (start + every).min(steps);
            segment.clear();
            segment.push(checkpoint.clone());
            for t in start..end {
                let mut next = segment[t - start].clone();
                step_with_torques(&model, &mut next, &mut ws, &torques[t])?;
                segment.push(next);
            }
            for t in (start..end).rev() {
                let (here, next) = (&segment[t - start], &segment[t - start + 1]);
                let jacobians = linearizer.state_jacobians(here, &torques[t], next)?;
                if !rollout.params.is_empty() {
                    grad_p += sweep.params_vjp(t, here, &torques[t], &maps_next.to_coordinates(&lambda))?;
                }
                let (running_u, running_z) = sweep.running_gradient(t, here, control(t), loss);
                grad_u[t] = running_u + jacobians.du.tr_mul(&lambda);
                let maps = TangentMaps::new(&model, here);
                lambda = maps.to_tangent(&running_z) + jacobians.dz.tr_mul(&lambda);
                maps_next = maps;
            }
        }
        // `maps_next` is the initial state's now (the last one's for a rollout of no steps)
        let initial = maps_next.to_coordinates(&lambda);
        grad_p += sweep.initial_state_vjp(&initial);
        let states_held = (checkpoints.len() + every.min(steps) + 1).max(1);
        return Ok(AdjointGradient { loss: total, params: grad_p, controls: grad_u, states_held });
    }
    let mut lambda = sweep.terminal_gradient(&state, loss);
    let mut grad_p = DVector::zeros(rollout.params.len());
    let mut grad_u = vec![DVector::zeros(rollout.nu()); steps];
    let mut segment = Vec::with_capacity(every);
    for (c, checkpoint) in checkpoints.iter().enumerate().rev() {
        let start = c * every;
        let end = (start + every).min(steps);
        segment.clear();
        segment.push(checkpoint.clone());
        for t in start..end - 1 {
            let mut next = segment[t - start].clone();
            step_with_torques(&model, &mut next, &mut ws, &torques[t])?;
            segment.push(next);
        }
        for t in (start..end).rev() {
            let g = sweep.step_vjp(t, &segment[t - start], control(t), &lambda, loss)?;
            let (k, m) = (grad_p.len(), zero.len());
            grad_p += g.rows(0, k);
            grad_u[t].copy_from(&g.rows(k, m));
            lambda = g.rows(k + m, g.len() - k - m).into_owned();
        }
    }
    grad_p += sweep.initial_state_vjp(&lambda);
    let states_held = (checkpoints.len() + every.min(steps)).max(1);
    Ok(AdjointGradient { loss: total, params: grad_p, controls: grad_u, states_held })
}

/// The backward pass's models on dual numbers: one per chunk of parameter directions, and one without.
struct Sweep<'a> {
    rollout: &'a Rollout,
    /// The model at `p` over duals, parameters `8c..8c+8` seeded as directions `0..8`, for chunk `c`.
    seeded: Vec<Model<Dual>>,
    /// The model at `p` over duals, no parameter seeded.
    constant: Model<Dual>,
    ws: Workspace<Dual>,
}

impl<'a> Sweep<'a> {
    fn new(rollout: &'a Rollout, model: &Model<f64>, p: &[f64]) -> Self {
        let k = p.len();
        let seeded = (0..k.div_ceil(CHUNK))
            .map(|c| {
                let values: Vec<Dual> = (0..k).map(|j| seed(p[j], j, c * CHUNK)).collect();
                rollout.model.with_params(&rollout.params, &values)
            })
            .collect();
        Sweep { rollout, seeded, constant: model.lift(), ws: Workspace::new(model.particles.len()) }
    }

    /// `∂ℓ_T/∂z_T`.
    fn terminal_gradient(&self, last: &State<f64>, loss: &impl TrajectoryLoss) -> DVector<f64> {
        let z = last.values();
        let mut g = DVector::zeros(z.len());
        let mut eps = [0.0; CHUNK];
        for start in (0..z.len()).step_by(CHUNK) {
            let seeded: Vec<Dual> = z.iter().enumerate().map(|(i, &zi)| seed(zi, i, start)).collect();
            let l = loss.terminal(&last.with_values(&seeded));
            l.derivatives_into(&mut eps);
            let width = CHUNK.min(z.len() - start);
            g.rows_mut(start, width).copy_from_slice(&eps[..width]);
        }
        g
    }

    /// `[∂ℓ_t/∂p, ∂ℓ_t/∂u, ∂ℓ_t/∂z] + λᵀ [∂f/∂p, ∂f/∂u, ∂f/∂z]` for step `t` from `state` with controls `u`.
    fn step_vjp(
        &mut self,
        t: usize,
        state: &State<f64>,
        u: &DVector<f64>,
        lambda: &DVector<f64>,
        loss: &impl TrajectoryLoss,
    ) -> Result<DVector<f64>> {
        let (k, m) = (self.rollout.params.len(), u.len());
        let z = state.values();
        let width_all = k + m + z.len();
        let mut g = DVector::zeros(width_all);
        let mut eps = [0.0; CHUNK];
        for start in (0..width_all).step_by(CHUNK) {
            let ud: DVector<Dual> = DVector::from_fn(m, |i, _| seed(u[i], k + i, start));
            let zd: Vec<Dual> = z.iter().enumerate().map(|(i, &zi)| seed(zi, k + m + i, start)).collect();
            let mut s = state.with_values(&zd);
            let running = loss.running(t, &s, ud.as_slice());
            let model = self.seeded.get(start / CHUNK).unwrap_or(&self.constant);
            step_with_torques(model, &mut s, &mut self.ws, &split_torques(model, &ud))?;
            let y = s.values();
            same_contacts(t, y.len(), lambda.len())?;
            let width = CHUNK.min(width_all - start);
            running.derivatives_into(&mut eps);
            add_weighted(&mut eps, &y, lambda);
            g.rows_mut(start, width).copy_from_slice(&eps[..width]);
        }
        Ok(g)
    }

    /// `∂ℓ_t/∂u` and `∂ℓ_t/∂z` (coordinates) of the running cost at step `t`'s state `state` and controls `u`.
    fn running_gradient(
        &self,
        t: usize,
        state: &State<f64>,
        u: &DVector<f64>,
        loss: &impl TrajectoryLoss,
    ) -> (DVector<f64>, DVector<f64>) {
        let m = u.len();
        let z = state.values();
        let width_all = m + z.len();
        let mut g = DVector::zeros(width_all);
        let mut eps = [0.0; CHUNK];
        for start in (0..width_all).step_by(CHUNK) {
            let ud: Vec<Dual> = (0..m).map(|i| seed(u[i], i, start)).collect();
            let zd: Vec<Dual> = z.iter().enumerate().map(|(i, &zi)| seed(zi, m + i, start)).collect();
            loss.running(t, &state.with_values(&zd), &ud).derivatives_into(&mut eps);
            let width = CHUNK.min(width_all - start);
            g.rows_mut(start, width).copy_from_slice(&eps[..width]);
        }
        (g.rows(0, m).into_owned(), g.rows(m, z.len()).into_owned())
    }

    /// `λᵀ ∂f/∂p` of step `t` from `state` with every robot's torques `torques`, `λ` in coordinates.
    fn params_vjp(
        &mut self,
        t: usize,
        state: &State<f64>,
        torques: &[DVector<f64>],
        lambda: &DVector<f64>,
    ) -> Result<DVector<f64>> {
        let k = self.rollout.params.len();
        let mut g = DVector::zeros(k);
        let z = state.values();
        let zd: Vec<Dual> = z.iter().map(|&x| Dual::constant(x)).collect();
        let torques: Vec<DVector<Dual>> = torques.iter().map(|u| u.map(Dual::constant)).collect();
        for (c, model) in self.seeded.iter().enumerate() {
            let mut s = state.with_values(&zd);
            step_with_torques(model, &mut s, &mut self.ws, &torques)?;
            let y = s.values();
            same_contacts(t, y.len(), lambda.len())?;
            let mut acc = [0.0; CHUNK];
            add_weighted(&mut acc, &y, lambda);
            let width = CHUNK.min(k - c * CHUNK);
            g.rows_mut(c * CHUNK, width).copy_from_slice(&acc[..width]);
        }
        Ok(g)
    }

    /// `λ₀ᵀ ∂S/∂p`: the initial state's dependence on the parameters (initial positions and velocities).
    fn initial_state_vjp(&self, lambda: &DVector<f64>) -> DVector<f64> {
        let k = self.rollout.params.len();
        let mut g = DVector::zeros(k);
        for (c, model) in self.seeded.iter().enumerate() {
            let mut acc = [0.0; CHUNK];
            add_weighted(&mut acc, &State::initial(model).values(), lambda);
            let width = CHUNK.min(k - c * CHUNK);
            g.rows_mut(c * CHUNK, width).copy_from_slice(&acc[..width]);
        }
        g
    }
}

/// A dual step `t` that ended with `dual` state numbers where the `f64` step had `real`: its contacts differ.
fn same_contacts(t: usize, dual: usize, real: usize) -> Result<()> {
    if dual == real {
        return Ok(());
    }
    Err(Error::Numerical(format!(
        "the adjoint's dual step {t} ends with {dual} state numbers where the f64 step had {real}: its contacts \
         differ"
    )))
}

/// `acc += Σ_i λ_i ∂y_i`, over the `CHUNK` directions of the duals `y` (entries with `λ_i = 0` skipped).
fn add_weighted(acc: &mut [f64; CHUNK], y: &DVector<Dual>, lambda: &DVector<f64>) {
    let mut eps = [0.0; CHUNK];
    for (yi, &li) in y.iter().zip(lambda.iter()) {
        if li != 0.0 {
            yi.derivatives_into(&mut eps);
            for (a, e) in acc.iter_mut().zip(&eps) {
                *a += li * e;
            }
        }
    }
}

/// `x` as a dual number, seeded with direction `index − start` when that is in `0..CHUNK`.
fn seed(x: f64, index: usize, start: usize) -> Dual {
    match index.checked_sub(start) {
        Some(j) if j < CHUNK => Dual::seeded(x, CHUNK, j),
        _ => Dual::constant(x),
    }
}
