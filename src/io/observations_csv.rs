//! Measured trajectories as CSV: a `t` column and any subset of `<body>.x|y|z` columns.

use crate::fit::Observations;
use crate::{Error, Result};
use nalgebra::DMatrix;
use std::path::Path;

/// Reads observations from a CSV file (see [`parse_observations`]).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Observation`] naming the file, row and column of a
/// malformed entry.
pub fn read_observations(path: impl AsRef<Path>) -> Result<Observations> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_observations(&text, &path.display().to_string())
}

/// Parses observations: header `t,<col>,...`, then one row of numbers per sample time.
///
/// ```
/// let obs = diffphys::io::parse_observations("t,ball.z\n0,1.0\n0.1,0.95\n", "inline").unwrap();
/// assert_eq!(obs.columns, vec!["ball.z"]);
/// assert_eq!(obs.values[(1, 0)], 0.95);
/// ```
pub fn parse_observations(text: &str, origin: &str) -> Result<Observations> {
    let err = |m: String| Error::Observation(format!("{origin}: {m}"));
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| err(e.to_string()))?.clone();
    if header.get(0) != Some("t") {
        return Err(err("the first column must be `t` (time in s)".into()));
    }
    if header.len() < 2 {
        return Err(err("no observed columns besides `t`".into()));
    }
    let columns: Vec<String> = header.iter().skip(1).map(str::to_string).collect();
    let mut times = Vec::new();
    let mut values = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(e.to_string()))?;
        let line = row + 2;
        for (col, field) in record.iter().enumerate() {
            let v: f64 = field
                .parse()
                .map_err(|_| err(format!("line {line}, column `{}`: `{field}` is not a number", &header[col])))?;
            if !v.is_finite() {
                return Err(err(format!("line {line}, column `{}`: not finite", &header[col])));
            }
            if col == 0 {
                times.push(v);
            } else {
                values.push(v);
            }
        }
    }
    if times.is_empty() {
        return Err(err("no rows".into()));
    }
    let values = DMatrix::from_row_slice(times.len(), columns.len(), &values);
    Ok(Observations { times, columns, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_files_name_line_and_column() {
        let e = parse_observations("t,ball.z\n0,1.0\n0.1,abc\n", "o.csv").unwrap_err().to_string();
        assert!(e.contains("o.csv") && e.contains("line 3") && e.contains("ball.z"), "{e}");
        assert!(parse_observations("time,ball.z\n0,1\n", "o.csv").is_err());
        assert!(parse_observations("t,ball.z\n0,1\n0.1\n", "o.csv").is_err());
        assert!(parse_observations("t,ball.z\n", "o.csv").is_err());
    }
}
