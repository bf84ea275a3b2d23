//! The stakes file: its one home is [`erascore_engine::read::stakes`], shared with the
//! Python binding.

pub use erascore_engine::read::stakes::{read_column_stakes, read_stakes};
