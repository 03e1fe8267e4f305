"""diffphys: a differentiable physics engine (Python bindings of the Rust crate).

Scenes (particles, springs, rigid bodies and URDF robots in one world) are simulated on ``f64`` and
differentiated exactly by dual numbers. numpy arrays in and out; every error is a :class:`diffphys.Error`
(a subclass of :class:`ValueError`) carrying the Rust library's message.

>>> import diffphys
>>> scene = diffphys.load_scene("scenes/bouncing_ball.toml")        # doctest: +SKIP
>>> traj = scene.simulate({"ball.velocity.x": 2.5})                  # doctest: +SKIP
>>> value, jac, outputs = scene.jacobian(["ball.velocity.x"])        # doctest: +SKIP
"""

from ._diffphys import (
    DEFAULT_REL_STEP,
    Error,
    FitResult,
    GradCheck,
    Robot,
    Scene,
    Trajectory,
    __version__,
    aba,
    aba_derivatives,
    crba,
    fit,
    gradcheck,
    load_scene,
    load_urdf,
    rnea,
)

__all__ = [
    "DEFAULT_REL_STEP",
    "Error",
    "FitResult",
    "GradCheck",
    "Robot",
    "Scene",
    "Trajectory",
    "__version__",
    "aba",
    "aba_derivatives",
    "crba",
    "fit",
    "gradcheck",
    "load_scene",
    "load_urdf",
    "rnea",
]
