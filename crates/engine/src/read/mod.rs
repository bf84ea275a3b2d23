//! The input files that need the engine's types, read the same way by every front end (the
//! CLI commands, the Python binding): the stakes file ([`stakes`]), the predictions file of
//! `compare` in its wide or long shape ([`predictions`]) and compare's configurations
//! ([`compare_configs`]). Their errors are `anyhow` errors naming the file, the column, the
//! model or the configuration, as they were when these readers lived in erascore-report.

pub mod compare_configs;
pub mod predictions;
pub mod stakes;
