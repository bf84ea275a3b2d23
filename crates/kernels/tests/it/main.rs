//! Integration tests of erascore-kernels: golden comparisons against numerai-tools 0.7.2
//! (fixtures written by `scripts/make_golden.py`) and property tests.

mod golden;
mod proptest;
mod signals;
