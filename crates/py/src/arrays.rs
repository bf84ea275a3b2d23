//! numpy arrays in and out: columns of 2-D arrays, int8 or float neutralizer matrices.

use std::sync::Mutex;

use numpy::ndarray::{Array2, ArrayView2, ShapeBuilder};
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::narrow::{narrow_to_i8, narrow_to_i8_par, ExactI8};
use erascore_kernels::Parallelism;

/// A 1-D float64 array as a slice (the glue passes contiguous arrays; others are copied).
pub fn vector(a: &PyReadonlyArray1<'_, f64>) -> Vec<f64> {
    match a.as_slice() {
        Ok(s) => s.to_vec(),
        Err(_) => a.as_array().iter().copied().collect(),
    }
}

/// The columns of an `(n, k)` float64 array.
pub fn columns(a: &PyReadonlyArray2<'_, f64>) -> Vec<Vec<f64>> {
    let v = a.as_array();
    (0..v.ncols())
        .map(|j| v.column(j).iter().copied().collect())
        .collect()
}

fn column_major<T: Copy + Default + Send + Sync>(v: ArrayView2<'_, T>) -> Vec<T> {
    let t = v.t();
    match t.as_slice() {
        // A Fortran-ordered array (what pandas hands out for a frame of one dtype) is
        // already column-major: one copy, split between the pool's threads (at 5,000 x
        // 2,750 float64 features it is 110 MB of fresh pages to fault in and fill).
        Some(s) => {
            use rayon::prelude::*;
            let mut out = vec![T::default(); s.len()];
            let share = s.len().div_ceil(rayon::current_num_threads()).max(1 << 16);
            out.par_chunks_mut(share)
                .zip(s.par_chunks(share))
                .for_each(|(d, s)| d.copy_from_slice(s));
            out
        }
        None => t.iter().copied().collect(),
    }
}

/// Neutralizers `neutralizer_matrix` made for a kernel (int8 narrowed from another dtype,
/// or another dtype widened to float64), column-major already: the kernel takes them as
/// they are, where a numpy array would be copied again (at 5,000 x 2,750 features, another
/// 14 MB written on every call). One kernel takes them; a second gets an error. Private to the drop-in (`_KernelMatrix`), which makes one per kernel call.
#[pyclass(frozen, module = "erascore._erascore", name = "_KernelMatrix")]
pub struct KernelMatrix {
    rows: usize,
    cols: usize,
    i8: bool,
    columns: Mutex<Option<ColumnMatrix>>,
}

impl KernelMatrix {
    /// Wraps `columns` for one kernel.
    pub fn new(columns: ColumnMatrix) -> Self {
        Self {
            rows: columns.rows(),
            cols: columns.cols(),
            i8: matches!(columns.data(), ColumnData::I8(_)),
            columns: Mutex::new(Some(columns)),
        }
    }

    fn take(&self) -> PyResult<ColumnMatrix> {
        let mut slot = self.columns.lock().unwrap_or_else(|e| e.into_inner());
        slot.take().ok_or_else(|| {
            PyValueError::new_err("these neutralizers were already handed to a kernel")
        })
    }
}

#[pymethods]
impl KernelMatrix {
    /// numpy's dtype of the values the kernel reads (int8 or float64).
    #[getter]
    fn dtype<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArrayDescr> {
        if self.i8 {
            numpy::dtype::<i8>(py)
        } else {
            numpy::dtype::<f64>(py)
        }
    }

    /// (rows, columns).
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
}

/// Neutralizers or features: int8 arrays stay int8 (the exact integer Gram kernels), any
/// other dtype arrives as float64, or already made for the kernel.
#[derive(FromPyObject)]
pub enum Matrix<'py> {
    /// int8 columns.
    I8(PyReadonlyArray2<'py, i8>),
    /// float64 columns.
    F64(PyReadonlyArray2<'py, f64>),
    /// Columns `neutralizer_matrix` made for the kernel.
    Ready(Bound<'py, KernelMatrix>),
}

impl Matrix<'_> {
    /// Rows of the matrix.
    pub fn rows(&self) -> usize {
        match self {
            Matrix::I8(a) => a.as_array().nrows(),
            Matrix::F64(a) => a.as_array().nrows(),
            Matrix::Ready(m) => m.get().rows,
        }
    }

    /// The columns for the kernels: a column-major copy of a numpy array (int8 stays
    /// int8), or those `neutralizer_matrix` made, as they are.
    pub fn to_columns(&self) -> PyResult<ColumnMatrix> {
        let (rows, cols, data) = match self {
            Matrix::Ready(m) => return m.get().take(),
            Matrix::I8(a) => {
                let v = a.as_array();
                (v.nrows(), v.ncols(), ColumnData::I8(column_major(v)))
            }
            Matrix::F64(a) => {
                let v = a.as_array();
                (v.nrows(), v.ncols(), ColumnData::F64(column_major(v)))
            }
        };
        ColumnMatrix::new(rows, cols, data).map_err(crate::kernel_err)
    }
}

/// Neutralizers or features as the user's frame holds them, in any numeric numpy dtype.
#[derive(FromPyObject)]
pub enum AnyMatrix<'py> {
    /// int8.
    I8(PyReadonlyArray2<'py, i8>),
    /// int16.
    I16(PyReadonlyArray2<'py, i16>),
    /// int32.
    I32(PyReadonlyArray2<'py, i32>),
    /// int64.
    I64(PyReadonlyArray2<'py, i64>),
    /// uint8.
    U8(PyReadonlyArray2<'py, u8>),
    /// uint16.
    U16(PyReadonlyArray2<'py, u16>),
    /// uint32.
    U32(PyReadonlyArray2<'py, u32>),
    /// uint64.
    U64(PyReadonlyArray2<'py, u64>),
    /// float32.
    F32(PyReadonlyArray2<'py, f32>),
    /// float64.
    F64(PyReadonlyArray2<'py, f64>),
}

/// What a matrix of neutralizers is for the kernels, decided in one pass.
pub enum Prepared {
    /// Made here, column-major: int8 when every value is an integer in -128..=127, else
    /// input of another dtype than float64 widened to it.
    Made(ColumnData),
    /// The input as it is: int8, or float64 values that are not all int8 values.
    Same,
    /// A value is infinite or NaN (what numpy's lstsq cannot take).
    NotFinite,
}

/// Values convertible to f64 and testable for finiteness.
pub trait Widen: ExactI8 + numpy::Element + Default {
    /// float64 itself: real values are handed over as they are.
    const IS_F64: bool = false;
    /// int8 itself.
    const IS_I8: bool = false;
    /// The value as f64 (exact for every type here but the largest 64-bit integers).
    fn widen(self) -> f64;
}

macro_rules! widen {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            fn widen(self) -> f64 {
                self as f64
            }
        }
    )*};
}
widen!(i16, i32, i64, u8, u16, u32, u64, f32);

impl Widen for i8 {
    const IS_I8: bool = true;
    fn widen(self) -> f64 {
        self as f64
    }
}

impl Widen for f64 {
    const IS_F64: bool = true;
    fn widen(self) -> f64 {
        self
    }
}

impl AnyMatrix<'_> {
    /// Rows and columns.
    pub fn shape(&self) -> (usize, usize) {
        macro_rules! shape {
            ($($v:ident),*) => {
                match self {
                    $(AnyMatrix::$v(a) => a.as_array().dim(),)*
                }
            };
        }
        shape!(I8, I16, I32, I64, U8, U16, U32, U64, F32, F64)
    }

    /// int8 when every value is one (bit for bit the numbers of int8 input), else float64;
    /// run without the GIL.
    pub fn prepare(&self, py: Python<'_>) -> Prepared {
        macro_rules! prepare {
            ($($v:ident),*) => {
                match self {
                    $(AnyMatrix::$v(a) => {
                        let view = a.as_array();
                        py.detach(|| prepare_view(view))
                    })*
                }
            };
        }
        prepare!(I8, I16, I32, I64, U8, U16, U32, U64, F32, F64)
    }
}

fn prepare_view<T: Widen>(v: ArrayView2<'_, T>) -> Prepared {
    let (n, k) = v.dim();
    // An empty matrix keeps the path it took before values were checked: int8 columns
    // without rows stay int8, no columns or other dtypes without rows go to f64.
    if k > 0 && T::IS_I8 {
        // Already what the integer kernels read: no pass, no copy.
        return Prepared::Same;
    }
    if k > 0 && n > 0 {
        if let Some(i8s) = narrow_column_major(v) {
            return Prepared::Made(ColumnData::I8(i8s));
        }
    }
    let finite = |x: T| x.widen().is_finite();
    if T::IS_F64 {
        let all = match v.as_slice_memory_order() {
            Some(s) => {
                use rayon::prelude::*;
                s.par_chunks(1 << 16).all(|c| c.iter().all(|&x| finite(x)))
            }
            None => v.iter().all(|&x| finite(x)),
        };
        return if all {
            Prepared::Same
        } else {
            Prepared::NotFinite
        };
    }
    let widened: Vec<f64> = column_major(v).into_iter().map(Widen::widen).collect();
    if widened.iter().all(|x| x.is_finite()) {
        Prepared::Made(ColumnData::F64(widened))
    } else {
        Prepared::NotFinite
    }
}

/// Rows per tile when a row-major int8 matrix is turned column-major (64 x 64 bytes: the
/// tile's source and destination lines stay in L1).
const TILE: usize = 64;

/// The matrix narrowed to int8, column-major, or `None` when a value is not an int8.
fn narrow_column_major<T: ExactI8 + Default>(v: ArrayView2<'_, T>) -> Option<Vec<i8>> {
    let (n, k) = v.dim();
    // Fortran order (a pandas frame of one dtype): memory order is column order.
    if let Some(s) = v.t().as_slice() {
        return narrow_to_i8_par(s, Parallelism::Pool);
    }
    // C order (a frame built from a 2-D numpy array): narrow in memory order, then
    // transpose the int8 values tile by tile.
    if let Some(s) = v.as_slice() {
        let rows = narrow_to_i8_par(s, Parallelism::Pool)?;
        let mut out = vec![0i8; n * k];
        for i0 in (0..n).step_by(TILE) {
            for j0 in (0..k).step_by(TILE) {
                for j in j0..(j0 + TILE).min(k) {
                    let col = &mut out[j * n..(j + 1) * n];
                    for i in i0..(i0 + TILE).min(n) {
                        col[i] = rows[i * k + j];
                    }
                }
            }
        }
        return Some(out);
    }
    narrow_to_i8(&column_major(v))
}

/// Errors unless `got` rows match `want`.
pub fn same_rows(what: &str, got: usize, want: usize) -> PyResult<()> {
    if got == want {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "{what} has {got} rows, expected {want}"
        )))
    }
}

/// A 1-D float64 array.
pub fn out1(py: Python<'_>, v: Vec<f64>) -> Bound<'_, PyArray1<f64>> {
    PyArray1::from_vec(py, v)
}

/// An `(n, k)` float64 array from `k` columns of `n` values (Fortran order, no transpose).
pub fn out2(py: Python<'_>, n: usize, cols: Vec<Vec<f64>>) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let k = cols.len();
    out_columns(py, n, k, cols.into_iter().flatten().collect())
}

/// An `(n, k)` array taking `values`, its columns back to back (Fortran order, no copy).
pub fn out_columns<T: numpy::Element>(
    py: Python<'_>,
    n: usize,
    k: usize,
    values: Vec<T>,
) -> PyResult<Bound<'_, PyArray2<T>>> {
    let a = Array2::from_shape_vec((n, k).f(), values)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(PyArray2::from_owned_array(py, a))
}
