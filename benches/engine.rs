//! Placeholder replaced by the benchmark suite in the next commit.
fn main() {}
