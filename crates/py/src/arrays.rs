//! numpy arrays in and out: columns of 2-D arrays, int8 or float neutralizer matrices.

use numpy::ndarray::{Array2, ArrayView2, ShapeBuilder};
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use erascore_kernels::matrix::{ColumnData, ColumnMatrix};

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

fn column_major<T: Copy>(v: ArrayView2<'_, T>) -> Vec<T> {
    let t = v.t();
    match t.as_slice() {
        // A Fortran-ordered array (what pandas hands out for a frame of one dtype) is
        // already column-major: one memcpy.
        Some(s) => s.to_vec(),
        None => t.iter().copied().collect(),
    }
}

/// Neutralizers or features: int8 arrays stay int8 (the exact integer Gram kernels), any
/// other dtype arrives as float64.
#[derive(FromPyObject)]
pub enum Matrix<'py> {
    /// int8 columns.
    I8(PyReadonlyArray2<'py, i8>),
    /// float64 columns.
    F64(PyReadonlyArray2<'py, f64>),
}

impl Matrix<'_> {
    /// Rows of the matrix.
    pub fn rows(&self) -> usize {
        match self {
            Matrix::I8(a) => a.as_array().nrows(),
            Matrix::F64(a) => a.as_array().nrows(),
        }
    }

    /// A column-major copy for the kernels (int8 stays int8).
    pub fn to_columns(&self) -> PyResult<ColumnMatrix> {
        let (rows, cols, data) = match self {
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
    let flat: Vec<f64> = cols.into_iter().flatten().collect();
    let a = Array2::from_shape_vec((n, k).f(), flat)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(PyArray2::from_owned_array(py, a))
}
