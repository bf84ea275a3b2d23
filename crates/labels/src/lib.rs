//! erascore-labels: the text labels every layer shares, without any file format.
//!
//! [`Strings`] is the column type of ids, eras, models and rounds (one buffer per column, not
//! one allocation per value); [`era`] holds the one order of era labels (and payout rounds)
//! every command uses. erascore-io reads files into these; erascore-payout orders its rounds
//! and lays out its trajectory with them without depending on the readers.
//!
//! ```
//! use erascore_labels::era::era_order;
//! assert_eq!(era_order(&["era10", "era2", "era1"]), vec![2, 1, 0]);
//! ```
#![deny(missing_docs)]

pub mod era;
pub mod strings;

pub use strings::Strings;
