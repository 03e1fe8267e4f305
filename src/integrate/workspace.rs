//! Scratch buffers for stepping, reused across steps so that no step allocates.

use crate::Scalar;
use nalgebra::Vector3;

/// Scratch space for the integrators ([`crate::sim::step`]): accelerations and intermediate stage states, one entry per particle.
/// Every step overwrites what it reads, so a workspace can be reused for any state of the same scene.
#[derive(Debug, Clone)]
pub struct Workspace<T: Scalar> {
    pub(crate) a: [Vec<Vector3<T>>; 4],
    pub(crate) x_stage: Vec<Vector3<T>>,
    pub(crate) v_stage: Vec<Vector3<T>>,
    /// The friction anchors of the step under way (last step's and this step's), shared by particles, free bodies
    /// and robot links.
    pub(crate) anchors: crate::contact::AnchorBook<T>,
    /// Scratch of the rigid-body step (contacts, solver rows); grows on first use.
    pub rigid: super::RigidWorkspace<T>,
    /// Scratch of each robot's dynamics, made on the first step of a scene with robots.
    pub robots: Vec<crate::multibody::MultibodyWorkspace<T>>,
    /// The robot links' contacts found in the last step (with the ground at its first force evaluation, with free
    /// bodies at its start), forces included: for inspection, plots and tests.
    pub link_contacts: Vec<crate::contact::LinkContact<T>>,
    /// Forces of robot links on the free bodies, held over the step.
    pub(crate) body_loads: super::BodyLoads<T>,
    /// Wrenches of free bodies on each robot's bodies, held over the step (empty when nothing touches).
    pub(crate) link_loads: Vec<Vec<crate::spatial::Force<T>>>,
}

impl<T: Scalar> Workspace<T> {
    /// Buffers for `n` particles.
    pub fn new(n: usize) -> Self {
        let buf = || vec![Vector3::zeros(); n];
        Workspace {
            a: [buf(), buf(), buf(), buf()],
            x_stage: buf(),
            v_stage: buf(),
            anchors: Default::default(),
            rigid: Default::default(),
            robots: Vec::new(),
            link_contacts: Vec::new(),
            body_loads: Default::default(),
            link_loads: Vec::new(),
        }
    }

    /// The number of particles the buffers are sized for.
    pub fn len(&self) -> usize {
        self.x_stage.len()
    }

    /// `true` for a workspace of zero particles.
    pub fn is_empty(&self) -> bool {
        self.x_stage.is_empty()
    }
}
