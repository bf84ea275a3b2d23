//! The NaN check of kernel inputs that may hold none (CORR's predictions, the Signals
//! kernels' inputs), naming the first row that does.

use crate::KernelError;

/// `Err(NanInput)` naming the first NaN row of `values`.
pub(crate) fn first_nan(values: &[f64], what: &str) -> Result<(), KernelError> {
    if !has_nan(values) {
        return Ok(());
    }
    match values.iter().position(|v| v.is_nan()) {
        Some(row) => Err(KernelError::NanInput {
            what: what.into(),
            row,
        }),
        None => Ok(()),
    }
}

/// Whether any value is NaN: blocks without an early exit inside, which vectorize (a
/// search that stops at the first NaN does not).
pub(crate) fn has_nan(values: &[f64]) -> bool {
    values
        .chunks(256)
        .any(|block| block.iter().fold(false, |acc, v| acc | v.is_nan()))
}
