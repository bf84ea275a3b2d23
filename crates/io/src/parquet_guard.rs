//! Defences against corrupt parquet files that the parquet crate (v60) does not turn into
//! errors itself. Every one was found by fuzzing (docs/fuzzing.md); the inputs are in
//! `fixtures/fuzz/{dataset,frame_parquet}/`.
//!
//! * A footer can give a column chunk a negative offset or size, on which the crate
//!   asserts: [`check_column_chunks`] refuses such a footer before any page is read.
//! * Corrupt pages make the decoders panic (a division by zero in the byte-array reader,
//!   "Decoder for dict should have been set" for dictionary-encoded pages without a
//!   dictionary, ...). These cannot be seen from the footer, so [`Batches`] decodes each
//!   batch under `catch_unwind` and reports such a panic as a corrupt file. Only the crate's
//!   own `next()` runs inside it: a panic in erascore's code still surfaces as a bug.
//!   The panic hook stays silent for these (see [`quiet_decoder_panics`]): the user gets
//!   one clear error, not a "thread panicked" line followed by it.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use parquet::file::metadata::ParquetMetaData;

use crate::IoError;

/// Every column chunk of every row group lies inside the file.
pub(crate) fn check_column_chunks(
    path: &Path,
    metadata: &ParquetMetaData,
    file_len: u64,
) -> Result<(), IoError> {
    for (g, group) in metadata.row_groups().iter().enumerate() {
        for chunk in group.columns() {
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or_else(|| chunk.data_page_offset());
            let len = chunk.compressed_size();
            let inside = u64::try_from(start)
                .ok()
                .zip(u64::try_from(len).ok())
                .and_then(|(s, l)| s.checked_add(l))
                .is_some_and(|end| end <= file_len);
            if !inside {
                return Err(IoError::parquet(
                    path,
                    format!(
                        "corrupt footer: column '{}' of row group {g} claims {len} bytes at \
                         offset {start} in a file of {file_len} bytes",
                        chunk.column_path()
                    ),
                ));
            }
        }
    }
    Ok(())
}

thread_local! {
    /// Set while this thread runs a decoder under `catch_unwind`.
    static DECODING: Cell<bool> = const { Cell::new(false) };
}

/// Wraps the process's panic hook once so that it prints nothing for a panic raised inside a
/// guarded decode on this thread (it becomes an error that names the file); every other
/// panic still reaches the previous hook, a bug report as before.
fn quiet_decoder_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !DECODING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, a call into the parquet crate's decoders, with a panic (a corrupt file) given
/// back as `None` and kept off the panic hook's output, as for [`Batches`].
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    quiet_decoder_panics();
    DECODING.with(|d| d.set(true));
    let done = catch_unwind(AssertUnwindSafe(f));
    DECODING.with(|d| d.set(false));
    done.ok()
}

/// The record batches of a parquet reader, with the reader's errors and panics both
/// reported as an unreadable `path`. Ends after the first error.
pub(crate) struct Batches<'a, R> {
    path: &'a Path,
    reader: R,
    failed: bool,
}

/// Wraps `reader` (see [`Batches`]).
pub(crate) fn batches<R>(path: &Path, reader: R) -> Batches<'_, R>
where
    R: Iterator<Item = Result<RecordBatch, ArrowError>>,
{
    quiet_decoder_panics();
    Batches {
        path,
        reader,
        failed: false,
    }
}

impl<R> Iterator for Batches<'_, R>
where
    R: Iterator<Item = Result<RecordBatch, ArrowError>>,
{
    type Item = Result<RecordBatch, IoError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        // The reader is dropped unused after a panic, so its state need not be consistent.
        DECODING.with(|d| d.set(true));
        let decoded = catch_unwind(AssertUnwindSafe(|| self.reader.next()));
        DECODING.with(|d| d.set(false));
        let next = match decoded {
            Ok(next) => next?.map_err(|e| IoError::parquet(self.path, e)),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown failure".to_string());
                Err(IoError::parquet(
                    self.path,
                    format!("corrupt data, the decoder failed: {what}"),
                ))
            }
        };
        self.failed = next.is_err();
        Some(next)
    }
}
