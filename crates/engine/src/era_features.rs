//! The int8 features an era is scored with, shared by the per-era scoring and the Signals
//! metrics.

use erascore_kernels::matrix::{ColumnData, ColumnMatrix};

/// The int8 features an era is scored with: the whole dataset's columns, or the columns
/// the streaming reader decoded for a batch of eras.
pub(crate) struct EraFeatures<'a> {
    /// One int8 column per feature.
    pub(crate) columns: &'a [Vec<i8>],
    /// The data row of each position of `columns` (ascending); `None`: every data row.
    pub(crate) rows: Option<&'a [u32]>,
}

impl EraFeatures<'_> {
    /// The features of data rows `rows`, as one rows x features block.
    pub(crate) fn block(&self, rows: &[u32]) -> ColumnMatrix {
        let at: Vec<usize> = match self.rows {
            None => rows.iter().map(|&r| r as usize).collect(),
            // Every row of a streamed era was decoded with its batch.
            Some(decoded) => rows
                .iter()
                .map(|r| match decoded.binary_search(r) {
                    Ok(i) => i,
                    Err(_) => unreachable!("row {r} was not decoded with its era"),
                })
                .collect(),
        };
        let n = at.len();
        let mut block = Vec::with_capacity(n * self.columns.len());
        for col in self.columns {
            block.extend(at.iter().map(|&r| col[r]));
        }
        // Lengths agree by construction.
        match ColumnMatrix::new(n, self.columns.len(), ColumnData::I8(block)) {
            Ok(m) => m,
            Err(e) => unreachable!("feature block shape: {e}"),
        }
    }
}
