//! Reading a named [`Coordinate`] of a [`State`].

use super::State;
use crate::model::Coordinate;
use crate::Scalar;

impl Coordinate {
    /// The value of this coordinate in `state`.
    pub fn value<T: Scalar>(self, state: &State<T>) -> T {
        match self {
            Coordinate::Particle { index, axis } => state.x[index][axis],
            Coordinate::BodyPosition { index, axis } => state.bodies[index].position[axis],
            Coordinate::BodyOrientation { index, component } => {
                let q = &state.bodies[index].orientation;
                [q.w, q.i, q.j, q.k][component]
            }
            Coordinate::RobotQ { robot, index } => state.robots[robot].q[index],
        }
    }
}
