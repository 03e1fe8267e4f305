//! Plots of measured against simulated trajectories (PNG or SVG, by the file's extension).

use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// One curve of a plot: points of `panel` (a column such as `ball.z`), drawn as markers or a line.
#[derive(Debug, Clone)]
pub struct PlotSeries {
    /// The panel (one per observed column), e.g. `ball.z`.
    pub panel: String,
    /// Legend label, e.g. `measured`.
    pub label: String,
    /// `(t, value)` points.
    pub points: Vec<(f64, f64)>,
    /// Markers (measurements) or a line (simulations).
    pub markers: bool,
}

/// Draws one panel per distinct `panel` name, stacked vertically, each with its series; `.svg` paths give SVG,
/// anything else PNG.
///
/// # Errors
/// [`Error::InvalidArgument`] when there is nothing to plot; [`Error::Io`] when drawing or writing fails.
pub fn plot_fit(path: impl AsRef<Path>, title: &str, series: &[PlotSeries]) -> Result<()> {
    let path = path.as_ref();
    let mut panels: Vec<&str> = Vec::new();
    for s in series {
        if !panels.contains(&s.panel.as_str()) {
            panels.push(&s.panel);
        }
    }
    if panels.is_empty() {
        return Err(Error::InvalidArgument("nothing to plot".into()));
    }
    plot_panels(path, title, &panels, series, |_| "t [s]")
}

/// Panels of [`plot_optimization`]: the first robot's joint coordinates, the controls, the free bodies' paths.
const JOINTS: &str = "q [rad or m]";
const CONTROLS: &str = "u [N·m or N]";
const BODIES: &str = "body displacement [mm]";

/// The result of a trajectory optimisation: the cost per iteration (log scale), then the joint coordinates, the
/// controls and (for a model with free bodies, such as a push) each free body's displacement from its start
/// against time. `.svg` paths give SVG, anything else PNG.
///
/// # Errors
/// [`Error::Io`] when drawing or writing fails; a rollout of the controls that fails (with free bodies only,
/// whose paths come from [`crate::control::ControlProblem::simulate`]).
pub fn plot_optimization(
    path: impl AsRef<Path>,
    report: &crate::control::OptimizeReport,
    problem: &crate::control::ControlProblem,
) -> Result<()> {
    let dt = problem.dt();
    let mut series = vec![PlotSeries {
        panel: "log10(cost)".into(),
        label: report.method.clone(),
        points: report.costs.iter().enumerate().map(|(i, c)| (i as f64, c.max(1e-300).log10())).collect(),
        markers: false,
    }];
    // the first robot's joints (one curve per 1-DoF joint's coordinate; coordinates start with its q)
    let robot = &problem.robot().multibody;
    for joint in robot.joints.iter().filter(|j| j.kind.nq() == 1) {
        let points = report.states.iter().enumerate().map(|(t, x)| (t as f64 * dt, x[joint.q_index])).collect();
        series.push(PlotSeries { panel: JOINTS.into(), label: joint.name.clone(), points, markers: false });
    }
    let mut panels = vec!["log10(cost)", JOINTS, CONTROLS];
    if !problem.model.bodies.is_empty() {
        // the free bodies' paths (a push): the whole world's rollout, displacements from the start in mm
        let states = problem.simulate(&report.controls)?;
        for (b, body) in problem.model.bodies.iter().enumerate() {
            let start = states[0].bodies[b].position;
            for (axis, name) in ["x", "y", "z"].iter().enumerate() {
                let points = states
                    .iter()
                    .enumerate()
                    .map(|(t, s)| (t as f64 * dt, (s.bodies[b].position[axis] - start[axis]) * 1e3))
                    .collect();
                let label = format!("{}.{name}", body.name);
                series.push(PlotSeries { panel: BODIES.into(), label, points, markers: false });
            }
        }
        panels.push(BODIES);
    }
    for (k, &i) in problem.actuated.iter().enumerate() {
        let points = report.controls.iter().enumerate().map(|(t, u)| (t as f64 * dt, u[k])).collect();
        let joint = robot.joints.iter().find(|j| (j.v_index..j.v_index + j.kind.nv()).contains(&i));
        let label = joint.map_or_else(|| format!("u{k}"), |j| format!("u ({})", j.name));
        series.push(PlotSeries { panel: CONTROLS.into(), label, points, markers: false });
    }
    let title = format!("{} ({})", problem.name, report.method);
    plot_panels(
        path.as_ref(),
        &title,
        &panels,
        &series,
        |panel| {
            if panel.starts_with("log10") {
                "iteration"
            } else {
                "t [s]"
            }
        },
    )
}

fn plot_panels(
    path: &Path,
    title: &str,
    panels: &[&str],
    series: &[PlotSeries],
    x_label: impl Fn(&str) -> &'static str,
) -> Result<()> {
    let size = (1000, 120 + 320 * panels.len() as u32);
    let svg = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let drawn = if svg {
        draw(SVGBackend::new(path, size).into_drawing_area(), title, panels, series, x_label)
    } else {
        draw(BitMapBackend::new(path, size).into_drawing_area(), title, panels, series, x_label)
    };
    drawn.map_err(|e| Error::io(path, std::io::Error::other(e)))
}

/// The plots' font family. Monospace: plotters 0.3.7 rasterises each glyph of a PNG's text from its origin and
/// drops what lies left of it, so a proportional font loses the hook of every `j` (`panda_joint1` printed as
/// `panda_oint1`); DejaVu Sans Mono's glyphs stay inside their cells.
const FONT: &str = "monospace";

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    panels: &[&str],
    series: &[PlotSeries],
    x_label: impl Fn(&str) -> &'static str,
) -> std::result::Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let root = root.titled(title, (FONT, 24)).map_err(e)?;
    let colors = [RED, BLUE, GREEN, MAGENTA, BLACK];
    for (area, panel) in root.split_evenly((panels.len(), 1)).iter().zip(panels) {
        let mine: Vec<&PlotSeries> = series.iter().filter(|s| s.panel == *panel).collect();
        let all = mine.iter().flat_map(|s| s.points.iter());
        let (t0, t1, y0, y1) = all.fold((f64::MAX, f64::MIN, f64::MAX, f64::MIN), |(a, b, c, d), (t, y)| {
            (a.min(*t), b.max(*t), c.min(*y), d.max(*y))
        });
        let pad = ((y1 - y0) * 0.05).max(1e-6);
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(t0..t1.max(t0 + 1e-9), (y0 - pad)..(y1 + pad))
            .map_err(e)?;
        chart
            .configure_mesh()
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .x_desc(x_label(panel))
            .y_desc(*panel)
            .draw()
            .map_err(e)?;
        for (k, s) in mine.iter().enumerate() {
            let color = colors[k % colors.len()];
            let drawn = if s.markers {
                chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 2, color.filled()))).map_err(e)?
            } else {
                chart.draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2))).map_err(e)?
            };
            drawn
                .label(s.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3)));
        }
        chart
            .configure_series_labels()
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(e)?;
    }
    root.present().map_err(e)
}
