"""Type stubs of the native module ``diffphys._diffphys`` (re-exported by ``diffphys``)."""

import os
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str
DEFAULT_REL_STEP: float
"""The default relative step of :func:`gradcheck`'s central differences (6e-6)."""

_Path = Union[str, "os.PathLike[str]"]
_Vector = npt.ArrayLike
_Matrix = npt.ArrayLike
_F64 = npt.NDArray[np.float64]

class Error(ValueError):
    """Every error diffphys reports (a bad scene or URDF file, an unknown parameter, arguments of the wrong
    length, a non-finite value, a simulation that blew up, ...), with the Rust library's message."""

class Trajectory:
    """A simulated trajectory: the numbers of ``diffphys simulate``'s CSV."""

    @property
    def times(self) -> _F64:
        """Sample times in s, shape ``[T]`` (``step * dt`` rounded to 1e-12 s, as the CSV prints them); read-only."""
    @property
    def columns(self) -> List[str]:
        """Column names after ``t``: ``<particle>.x``, ..., ``<body>.qw``, ..., ``<robot>.<joint>``, ..."""
    @property
    def values(self) -> _F64:
        """Values, shape ``[T, len(columns)]``; read-only (``values.copy()`` to change them)."""
    def column(self, name: str) -> _F64:
        """One column's values, shape ``[T]``; an unknown name is an :class:`Error`."""
    def to_csv(self) -> str:
        """The CSV text ``diffphys simulate`` writes, byte for byte."""
    def __len__(self) -> int: ...

class Scene:
    """A scene: particles, springs, rigid bodies and robots in one world, with its named parameters. Immutable:
    methods take parameter values as arguments."""

    @staticmethod
    def from_toml(text: str, origin: str = "<string>", base_dir: Optional[_Path] = None) -> "Scene":
        """Parses a scene from TOML text; ``origin`` names it in error messages, and the files it names (URDF,
        torques) are found relative to ``base_dir`` (default: the current directory)."""
    def params(self) -> Dict[str, float]:
        """Every named parameter and its value, in the order of ``diffphys params SCENE``."""
    @property
    def columns(self) -> List[str]:
        """The trajectory's column names (after ``t``)."""
    @property
    def dt(self) -> float:
        """The time step in s."""
    @property
    def duration(self) -> float:
        """The simulated duration in s."""
    @property
    def n_steps(self) -> int:
        """The steps of a full rollout, ``round(duration / dt)``."""
    def time_step_warnings(self) -> List[str]:
        """Elements the time step may not resolve (the warnings ``diffphys`` prints on loading the scene)."""
    def simulate(self, params: Optional[Mapping[str, float]] = None, *, every: int = 1) -> Trajectory:
        """Simulates the full duration with the parameters ``params`` (name -> value) set; keeps states
        0, every, 2*every, ... as ``diffphys simulate SCENE --every N``. Releases the GIL."""
    def simulate_batch(self, names: Sequence[str], values: _Matrix, *, every: int = 1) -> List[Trajectory]:
        """One :meth:`simulate` per row of ``values`` (shape ``[B, len(names)]``), on all cores with the GIL
        released; item ``b`` equals ``simulate(dict(zip(names, values[b])), every=every)`` bit for bit."""
    def jacobian(
        self, params: Sequence[str], outputs: Optional[Sequence[str]] = None, at: Optional[_Vector] = None
    ) -> Tuple[_F64, _F64, List[str]]:
        """The final positions (``outputs``, default all: particles' and bodies' x, y, z, robots' joint
        positions) and their exact Jacobian with respect to ``params`` by dual numbers, at the scene's values or
        at ``at``: ``(value [n_out], jacobian [n_out, k], output names)``. Releases the GIL."""
    def jacobian_batch(
        self, names: Sequence[str], values: _Matrix, outputs: Optional[Sequence[str]] = None
    ) -> Tuple[_F64, _F64, List[str]]:
        """:meth:`jacobian` at every row of ``values`` (shape ``[B, len(names)]``), on all cores with the GIL
        released: ``(values [B, n_out], jacobians [B, n_out, k], output names)``, each equal to the serial
        one bit for bit."""

def load_scene(path: _Path) -> Scene:
    """Loads a scene file (TOML); the files it names are found relative to its folder."""

class GradCheck:
    """Exact (dual-number) and central-difference Jacobians of the final positions."""

    params: List[str]
    """Parameter names, in column order."""
    outputs: List[str]
    """Output names, in row order."""
    value: _F64
    """The final positions at the parameters, shape ``[n_out]``."""
    jacobian: _F64
    """The exact Jacobian, shape ``[n_out, k]``."""
    fd_jacobian: _F64
    """The central-difference Jacobian, shape ``[n_out, k]``."""
    max_rel_err: float
    """The largest relative difference of the two."""
    derivative_warnings: List[str]
    """Where the derivatives are not the physical ones (unresolved contacts, ...)."""

def gradcheck(
    scene: Scene, params: Sequence[str], step: float = 6e-6, at: Optional[_Vector] = None
) -> GradCheck:
    """Compares the exact Jacobian of the final positions with central differences of relative step ``step``,
    as ``diffphys gradcheck`` does. Releases the GIL."""

class FitResult:
    """Fitted values and standard errors by name, and the optimiser's report."""

    names: List[str]
    """Parameter names, in the order given."""
    values: Dict[str, float]
    """Fitted values."""
    std_errors: Dict[str, Optional[float]]
    """Standard errors (``None`` where the observations do not determine the parameter)."""
    initial: Dict[str, float]
    """Starting values (the scene's)."""
    cost: float
    """Sum of squared residuals at the fit."""
    residual_std: float
    """Residual standard deviation (an estimate of the measurement noise)."""
    n_residuals: int
    """Number of residuals."""
    iterations: int
    """Accepted Levenberg-Marquardt steps, over all stages."""
    converged: bool
    """Whether a convergence test was met (rather than the iteration limit)."""
    derivative_warnings: List[str]
    """Where the derivatives at the fitted values are not the physical ones."""

def fit(
    scene: Scene,
    observed: Union[_Path, _Matrix],
    params: Sequence[str],
    *,
    columns: Optional[Sequence[str]] = None,
    max_iterations: int = 100,
    stages: int = 3,
) -> FitResult:
    """Fits ``params`` (starting from the scene's values) to ``observed`` by Levenberg-Marquardt with exact
    Jacobians, as ``diffphys fit`` does. ``observed`` is a CSV path (header ``t,<column>,...``) or an array of
    shape ``[N, len(columns)]`` whose columns ``columns`` names (``t`` first). Releases the GIL."""

class Robot:
    """An articulated robot (a kinematic tree) loaded from URDF."""

    @property
    def name(self) -> str:
        """The robot's name."""
    @property
    def nq(self) -> int:
        """Configuration size (a free joint counts 7: position and quaternion ``[x, y, z, w]``)."""
    @property
    def nv(self) -> int:
        """Velocity size (a free joint counts 6)."""
    @property
    def joint_names(self) -> List[str]:
        """Joint names in model order."""
    @property
    def gravity(self) -> _F64:
        """Gravity in the root frame, shape ``[3]``."""
    def neutral(self) -> _F64:
        """The neutral configuration, shape ``[nq]``."""

def load_urdf(path: _Path, *, floating: bool = False) -> Robot:
    """Loads a robot from URDF: fixed base, or a free joint at the root with ``floating=True``."""

def aba(robot: Robot, q: _Vector, v: _Vector, tau: _Vector) -> _F64:
    """Forward dynamics (Articulated-Body Algorithm): accelerations ``[nv]`` from torques ``tau``."""

def rnea(robot: Robot, q: _Vector, v: _Vector, a: _Vector) -> _F64:
    """Inverse dynamics (Recursive Newton-Euler): torques ``[nv]`` giving accelerations ``a``."""

def crba(robot: Robot, q: _Vector) -> _F64:
    """The mass matrix ``M(q)``, shape ``[nv, nv]`` (Composite-Rigid-Body Algorithm)."""

def aba_derivatives(robot: Robot, q: _Vector, v: _Vector, tau: _Vector) -> Tuple[_F64, _F64, _F64]:
    """``(da/dq, da/dv, da/dtau = M^-1)``, each ``[nv, nv]``, derivatives with respect to ``q`` in the tangent
    space."""
