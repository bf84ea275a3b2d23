//! The stakes file: its one home is [`erascore_report::stakes`], shared with the Python
//! binding.

pub use erascore_report::stakes::{read_column_stakes, read_stakes};
