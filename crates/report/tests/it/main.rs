//! The integration tests of `erascore-report`: its outputs written whole into a folder, as
//! the CLI and Python write them (one test binary, a module per output, the helpers they
//! share in `common`).
#![allow(clippy::unwrap_used)]

mod common;

mod diagnostics_files;
