//! Benchmark support: fixed-seed generators shared by the criterion benches.
