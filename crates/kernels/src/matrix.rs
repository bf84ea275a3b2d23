//! Column-major neutralizer/feature matrices: int8 features as stored, or f64 columns.

use crate::KernelError;

/// Column storage of a dense `rows x cols` matrix, column-major.
#[derive(Debug, Clone)]
pub enum ColumnData {
    /// Integer features exactly as Numerai ships them (0..4). Kept narrow on purpose.
    I8(Vec<i8>),
    /// Arbitrary real columns.
    F64(Vec<f64>),
}

/// A dense column-major matrix whose columns are features or other neutralizers.
#[derive(Debug, Clone)]
pub struct ColumnMatrix {
    rows: usize,
    cols: usize,
    data: ColumnData,
}

impl ColumnMatrix {
    /// Wraps column-major `data` of `rows * cols` values.
    pub fn new(rows: usize, cols: usize, data: ColumnData) -> Result<Self, KernelError> {
        let len = match &data {
            ColumnData::I8(v) => v.len(),
            ColumnData::F64(v) => v.len(),
        };
        if len != rows * cols {
            return Err(KernelError::LengthMismatch {
                left: len,
                right: rows * cols,
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The underlying storage.
    pub fn data(&self) -> &ColumnData {
        &self.data
    }

    /// `sum_i x_ij * v_i` for column `j`.
    #[inline]
    pub fn col_dot(&self, j: usize, v: &[f64]) -> f64 {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => dot_i8(&d[r], v),
            ColumnData::F64(d) => dot_f64(&d[r], v),
        }
    }

    /// `out += a * x_j`.
    #[inline]
    pub fn col_axpy(&self, j: usize, a: f64, out: &mut [f64]) {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => {
                for (o, &x) in out.iter_mut().zip(&d[r]) {
                    *o += a * x as f64;
                }
            }
            ColumnData::F64(d) => {
                for (o, &x) in out.iter_mut().zip(&d[r]) {
                    *o += a * x;
                }
            }
        }
    }

    /// Column `j` widened to f64.
    pub fn col_f64(&self, j: usize) -> Vec<f64> {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => d[r].iter().map(|&x| x as f64).collect(),
            ColumnData::F64(d) => d[r].to_vec(),
        }
    }
}

/// Four independent accumulators let the compiler vectorise the widening dot product.
#[inline]
fn dot_i8(x: &[i8], v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (xc, xr) = x.split_at(x.len() - x.len() % 4);
    let (vc, vr) = v.split_at(xc.len());
    for (xs, vs) in xc.chunks_exact(4).zip(vc.chunks_exact(4)) {
        for k in 0..4 {
            acc[k] += xs[k] as f64 * vs[k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (&a, &b) in xr.iter().zip(vr) {
        s += a as f64 * b;
    }
    s
}

#[inline]
fn dot_f64(x: &[f64], v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (xc, xr) = x.split_at(x.len() - x.len() % 4);
    let (vc, vr) = v.split_at(xc.len());
    for (xs, vs) in xc.chunks_exact(4).zip(vc.chunks_exact(4)) {
        for k in 0..4 {
            acc[k] += xs[k] * vs[k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (&a, &b) in xr.iter().zip(vr) {
        s += a * b;
    }
    s
}
