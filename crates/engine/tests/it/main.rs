//! The integration tests of `erascore-engine`: its public API end to end, on files written
//! by the tests (one test binary, a module per concern, the helpers they share in
//! `common`).
#![allow(clippy::unwrap_used)]

mod common;

mod compare_request;
mod stakes_files;
