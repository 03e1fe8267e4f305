//! `diffphys params SCENE`.

use super::output::Out;
use diffphys::{io, Result};
use std::path::Path;

pub fn run(scene: &Path) -> Result<()> {
    let scene = io::load_scene(scene)?;
    let ids = scene.param_ids();
    let names: Vec<String> = ids.iter().map(|id| scene.param_name(*id)).collect();
    let width = names.iter().map(String::len).max().unwrap_or(0);
    let mut out = Out::new("the parameter list");
    for (name, value) in names.iter().zip(scene.param_values(&ids)) {
        writeln!(out, "{name:<width$}  {value}")?;
    }
    out.flush()
}
