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
    let text = super::read_bounded(path).map_err(|e| Error::io(path, e))?;
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
    for record in reader.records() {
        let record = record.map_err(|e| err(e.to_string()))?;
        // the line the record starts on: a quoted field may span lines
        let line = record.position().map_or(0, |p| p.line());
        for (col, field) in record.iter().enumerate() {
            let v = super::csv_number(field, &header[col], line).map_err(err)?;
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

    /// An unbalanced quote makes one field of the rest of the file: the error names the line the field starts on and
    /// quotes 40 characters of it (it quoted the whole field, over as many lines, and counted one line per record).
    #[test]
    fn a_field_spanning_lines_is_quoted_short_at_the_line_it_starts() {
        let rows: String = (1..1000).map(|i| format!("{i},1.0\n")).collect();
        let text = format!("t,ball.z\n\"0\n\n0.005\",1.0\n0,\"1{rows}");
        let e = parse_observations(&text, "o.csv").unwrap_err().to_string();
        assert_eq!(e, "observations: o.csv: line 2, column `t`: `0\\n\\n0.005` is not a number");
        let text = format!("t,ball.z\n0,1.0\n0.01,\"2\n{rows}\"\n");
        let e = parse_observations(&text, "o.csv").unwrap_err().to_string();
        let quoted = "2\\n1,1.0\\n2,1.0\\n3,1.0\\n4,1.0\\n5,1.0\\n6,1.0\\n7,…";
        assert_eq!(e, format!("observations: o.csv: line 3, column `ball.z`: `{quoted}` is not a number"));
    }
}
