//! The integration tests of the `erascore` binary: one test binary (one link), a module per
//! command or concern, the helpers they share in `common`.
#![allow(clippy::unwrap_used)]

mod common;

mod bad_input;
mod compare;
mod diagnostics;
mod flag_words;
mod fuzz_regressions;
mod hostile;
mod metamodel;
mod neutralize;
mod paths;
mod score;
mod signals_score;
mod streaming;
mod table_outputs;
mod validate;
