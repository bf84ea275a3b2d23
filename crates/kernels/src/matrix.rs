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
            ColumnData::I8(d) => dots(&d[r], [v])[0],
            ColumnData::F64(d) => dots(&d[r], [v])[0],
        }
    }

    /// `out[c] = sum_i x_ij * vs[c]_i` for every vector of `vs`, reading column `j` once
    /// per group of four vectors.
    #[inline(always)]
    pub fn col_dot_many(&self, j: usize, vs: &[&[f64]], out: &mut [f64]) {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => dot_many(&d[r], vs, out),
            ColumnData::F64(d) => dot_many(&d[r], vs, out),
        }
    }

    /// `outs[c] += coefs[c] * x_j` over the rows `rows` of column `j` for every output (each
    /// `rows.len()` long), reading and widening that part of the column once.
    #[inline(always)]
    pub fn col_axpy_many(
        &self,
        j: usize,
        rows: std::ops::Range<usize>,
        coefs: &[f64],
        outs: &mut [&mut [f64]],
    ) {
        let r = j * self.rows + rows.start..j * self.rows + rows.end;
        match &self.data {
            ColumnData::I8(d) => axpy_many(&d[r], coefs, outs),
            ColumnData::F64(d) => axpy_many(&d[r], coefs, outs),
        }
    }

    /// Column `j` widened into `out` (of [`ColumnMatrix::rows`] values).
    #[inline(always)]
    pub fn col_widen_into(&self, j: usize, out: &mut [f64]) {
        let r = j * self.rows..(j + 1) * self.rows;
        match &self.data {
            ColumnData::I8(d) => {
                for (o, &x) in out.iter_mut().zip(&d[r]) {
                    *o = x as f64;
                }
            }
            ColumnData::F64(d) => out.copy_from_slice(&d[r]),
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

/// A matrix element as f64 (int8 features are widened on the fly, never stored wide).
trait Widen: Copy {
    fn widen(self) -> f64;
}

impl Widen for i8 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self as f64
    }
}

impl Widen for f64 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
}

/// Dot products of one column with each of `vs`, in groups of four vectors.
#[inline(always)]
fn dot_many<T: Widen>(x: &[T], vs: &[&[f64]], out: &mut [f64]) {
    let mut c = 0;
    while c < vs.len() {
        match vs.len() - c {
            1 => out[c] = dots::<T, 1>(x, [vs[c]])[0],
            2 => out[c..c + 2].copy_from_slice(&dots::<T, 2>(x, [vs[c], vs[c + 1]])),
            3 => out[c..c + 3].copy_from_slice(&dots::<T, 3>(x, [vs[c], vs[c + 1], vs[c + 2]])),
            _ => out[c..c + 4]
                .copy_from_slice(&dots::<T, 4>(x, [vs[c], vs[c + 1], vs[c + 2], vs[c + 3]])),
        }
        c += 4;
    }
}

/// Eight lanes per vector (one AVX-512 register, two AVX2 ones): each group of eight rows is
/// widened once and serves all `M` vectors.
#[inline(always)]
fn dots<T: Widen, const M: usize>(x: &[T], vs: [&[f64]; M]) -> [f64; M] {
    let n = x.len();
    let full = n - n % 8;
    let mut acc = [[0.0f64; 8]; M];
    let mut xf = [0.0f64; 8];
    for (i, xs) in x[..full].chunks_exact(8).enumerate() {
        for (f, &v) in xf.iter_mut().zip(xs) {
            *f = v.widen();
        }
        for (a, v) in acc.iter_mut().zip(&vs) {
            let v: &[f64; 8] = match v[i * 8..i * 8 + 8].try_into() {
                Ok(v) => v,
                Err(_) => unreachable!("8-element slice"),
            };
            for l in 0..8 {
                a[l] += xf[l] * v[l];
            }
        }
    }
    let mut out = [0.0; M];
    for c in 0..M {
        let a = &acc[c];
        let mut s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
        for r in full..n {
            s += x[r].widen() * vs[c][r];
        }
        out[c] = s;
    }
    out
}

/// `outs[c] += coefs[c] * x` for each output: each group of eight rows is widened once and
/// serves every output.
#[inline(always)]
fn axpy_many<T: Widen>(x: &[T], coefs: &[f64], outs: &mut [&mut [f64]]) {
    let n = x.len();
    let full = n - n % 8;
    let mut xf = [0.0f64; 8];
    for (i, xs) in x[..full].chunks_exact(8).enumerate() {
        for (f, &v) in xf.iter_mut().zip(xs) {
            *f = v.widen();
        }
        for (o, &a) in outs.iter_mut().zip(coefs) {
            let o = &mut o[i * 8..i * 8 + 8];
            for l in 0..8 {
                o[l] += a * xf[l];
            }
        }
    }
    for (o, &a) in outs.iter_mut().zip(coefs) {
        for r in full..n {
            o[r] += a * x[r].widen();
        }
    }
}
