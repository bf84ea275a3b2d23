//! The two conversions the readers need from Arrow arrays: numbers to `f64`, and labels (ids,
//! eras) to text.
//!
//! erascore does them itself rather than through `arrow-cast`: that crate, with the
//! `arrow-ord` it pulls in, was about a quarter of a cold build, for three calls. Only the
//! types a Numerai file holds are accepted (integers, floats, strings, binary, dictionaries of
//! those); anything else is an error the caller turns into a message naming the column.
//! Nulls stay nulls.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, StringArray};
use arrow_schema::{ArrowError, DataType};

fn unsupported(from: &DataType, to: &str) -> ArrowError {
    ArrowError::CastError(format!("cannot read {from} values as {to}"))
}

fn map_primitive<T: ArrowPrimitiveType>(
    array: &dyn Array,
    f: impl Fn(T::Native) -> f64,
) -> ArrayRef {
    // `unary` maps the values buffer and keeps the null buffer as it is.
    Arc::new(array.as_primitive::<T>().unary::<_, Float64Type>(f))
}

/// `array` as a `Float64Array` (nulls kept): integers, unsigned integers, half, single and
/// double floats, booleans (1 and 0), an all-null column, or a dictionary of those.
pub(crate) fn to_float64(array: &dyn Array) -> Result<ArrayRef, ArrowError> {
    Ok(match array.data_type() {
        DataType::Float64 => Arc::new(array.as_primitive::<Float64Type>().clone()),
        DataType::Float32 => map_primitive::<Float32Type>(array, f64::from),
        DataType::Float16 => map_primitive::<Float16Type>(array, |v| v.to_f64()),
        DataType::Int8 => map_primitive::<Int8Type>(array, f64::from),
        DataType::Int16 => map_primitive::<Int16Type>(array, f64::from),
        DataType::Int32 => map_primitive::<Int32Type>(array, f64::from),
        // As numpy and arrow do: the nearest double.
        DataType::Int64 => map_primitive::<Int64Type>(array, |v| v as f64),
        DataType::UInt8 => map_primitive::<UInt8Type>(array, f64::from),
        DataType::UInt16 => map_primitive::<UInt16Type>(array, f64::from),
        DataType::UInt32 => map_primitive::<UInt32Type>(array, f64::from),
        DataType::UInt64 => map_primitive::<UInt64Type>(array, |v| v as f64),
        DataType::Null => Arc::new(Float64Array::new_null(array.len())),
        // As pandas reads a bool column as numbers: 1 and 0.
        DataType::Boolean => Arc::new(Float64Array::from_iter(
            array
                .as_boolean()
                .iter()
                .map(|v| v.map(|b| if b { 1.0 } else { 0.0 })),
        )),
        DataType::Dictionary(_, _) => {
            let dict = array.as_any_dictionary();
            let values = to_float64(dict.values().as_ref())?;
            let values = values.as_primitive::<Float64Type>();
            let keys = dict.normalized_keys();
            Arc::new(Float64Array::from_iter((0..array.len()).map(|i| {
                let k = keys[i];
                (array.is_valid(i) && values.is_valid(k)).then(|| values.value(k))
            })))
        }
        other => return Err(unsupported(other, "numbers")),
    })
}

/// The text of one float as a label: the shortest representation that reads back to the
/// same value, with `.0` on whole numbers (`575.0`), as arrow-cast wrote it.
fn float_label(v: f64, buffer: &mut ryu::Buffer) -> &str {
    if v.is_finite() {
        buffer.format_finite(v)
    } else if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

fn labels<'a>(values: impl Iterator<Item = Option<&'a str>>, capacity: usize) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(capacity, capacity * 8);
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

/// Integers formatted straight into the column's buffer (an era column as integers is one
/// label per row: no string is allocated per row).
fn integer_labels<T: ArrowPrimitiveType>(array: &dyn Array) -> ArrayRef
where
    T::Native: std::fmt::Display,
{
    use std::fmt::Write;
    let a = array.as_primitive::<T>();
    let mut b = StringBuilder::with_capacity(a.len(), a.len() * 4);
    for v in a.iter() {
        match v {
            // Writing into a StringBuilder cannot fail; `append_value("")` ends the value.
            Some(v) => {
                let _ = write!(b, "{v}");
                b.append_value("");
            }
            None => b.append_null(),
        }
    }
    Arc::new(b.finish())
}

/// Binary values as text; a value that is not UTF-8 becomes null, for the caller to find and
/// name by its row.
fn binary_labels<'a>(values: impl Iterator<Item = Option<&'a [u8]>>, len: usize) -> ArrayRef {
    labels(
        values.map(|v| v.and_then(|b| std::str::from_utf8(b).ok())),
        len,
    )
}

/// `array` as text (`Utf8`, `LargeUtf8` and `Utf8View` are returned as they are): binary
/// columns (pandas writes Python `bytes` as binary; a value that is not UTF-8 becomes null),
/// dictionaries of text, integers and floats formatted.
pub(crate) fn to_utf8(array: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let len = array.len();
    Ok(match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => array.clone(),
        DataType::Binary => binary_labels(array.as_binary::<i32>().iter(), len),
        DataType::LargeBinary => binary_labels(array.as_binary::<i64>().iter(), len),
        DataType::BinaryView => binary_labels(array.as_binary_view().iter(), len),
        DataType::FixedSizeBinary(_) => binary_labels(array.as_fixed_size_binary().iter(), len),
        DataType::Int8 => integer_labels::<Int8Type>(array.as_ref()),
        DataType::Int16 => integer_labels::<Int16Type>(array.as_ref()),
        DataType::Int32 => integer_labels::<Int32Type>(array.as_ref()),
        DataType::Int64 => integer_labels::<Int64Type>(array.as_ref()),
        DataType::UInt8 => integer_labels::<UInt8Type>(array.as_ref()),
        DataType::UInt16 => integer_labels::<UInt16Type>(array.as_ref()),
        DataType::UInt32 => integer_labels::<UInt32Type>(array.as_ref()),
        DataType::UInt64 => integer_labels::<UInt64Type>(array.as_ref()),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            let f = to_float64(array.as_ref())?;
            let f = f.as_primitive::<Float64Type>();
            let mut buffer = ryu::Buffer::new();
            let mut b = StringBuilder::with_capacity(len, len * 8);
            for v in f.iter() {
                b.append_option(v.map(|v| float_label(v, &mut buffer)));
            }
            Arc::new(b.finish())
        }
        DataType::Null => Arc::new(StringArray::new_null(len)),
        DataType::Dictionary(_, _) => {
            let dict = array.as_any_dictionary();
            let values = to_utf8(dict.values())?;
            let keys = dict.normalized_keys();
            // Each dictionary value read once; rows borrow it.
            let text: Vec<Option<&str>> = match values.data_type() {
                DataType::LargeUtf8 => values.as_string::<i64>().iter().collect(),
                DataType::Utf8View => values.as_string_view().iter().collect(),
                _ => values.as_string::<i32>().iter().collect(),
            };
            labels(
                (0..len).map(|i| array.is_valid(i).then(|| text[keys[i]]).flatten()),
                len,
            )
        }
        other => return Err(unsupported(other, "text")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        BinaryArray, DictionaryArray, Float32Array, Int64Array, Int8Array, UInt16Array,
    };

    fn floats(a: &ArrayRef) -> Vec<Option<f64>> {
        a.as_primitive::<Float64Type>().iter().collect()
    }

    fn texts(a: &ArrayRef) -> Vec<Option<String>> {
        a.as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn numbers_become_doubles_and_nulls_stay() {
        let a: ArrayRef = Arc::new(Float32Array::from(vec![Some(0.25), None, Some(0.1)]));
        let f = floats(&to_float64(a.as_ref()).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(f, vec![Some(0.25), None, Some(0.1f32 as f64)]);
        let a: ArrayRef = Arc::new(UInt16Array::from(vec![7, 65535]));
        let f = floats(&to_float64(a.as_ref()).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(f, vec![Some(7.0), Some(65535.0)]);
        let a: ArrayRef = Arc::new(Int64Array::from(vec![i64::MAX]));
        let f = floats(&to_float64(a.as_ref()).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(f, vec![Some(9.223372036854776e18)]);
    }

    #[test]
    fn dictionaries_are_unpacked() {
        let d: DictionaryArray<arrow_array::types::Int8Type> =
            vec![Some("era2"), None, Some("era1"), Some("era2")]
                .into_iter()
                .collect();
        let a: ArrayRef = Arc::new(d);
        assert_eq!(
            texts(&to_utf8(&a).unwrap_or_else(|e| panic!("{e}"))),
            vec![
                Some("era2".to_string()),
                None,
                Some("era1".to_string()),
                Some("era2".to_string())
            ]
        );
        let keys = Int8Array::from(vec![Some(1), Some(0), None]);
        let values: ArrayRef = Arc::new(Float32Array::from(vec![0.5, 0.75]));
        let d = DictionaryArray::<arrow_array::types::Int8Type>::try_new(keys, values)
            .unwrap_or_else(|e| panic!("{e}"));
        let f = floats(&to_float64(&d).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(f, vec![Some(0.75), Some(0.5), None]);
    }

    #[test]
    fn labels_are_written_as_arrow_wrote_them() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(575), None, Some(-3)]));
        assert_eq!(
            texts(&to_utf8(&a).unwrap_or_else(|e| panic!("{e}"))),
            vec![Some("575".into()), None, Some("-3".into())]
        );
        let a: ArrayRef = Arc::new(arrow_array::Float64Array::from(vec![575.0, 0.1, f64::NAN]));
        assert_eq!(
            texts(&to_utf8(&a).unwrap_or_else(|e| panic!("{e}"))),
            vec![Some("575.0".into()), Some("0.1".into()), Some("NaN".into())]
        );
    }

    #[test]
    fn binary_that_is_not_utf8_becomes_null() {
        let a: ArrayRef = Arc::new(BinaryArray::from(vec![&b"ab"[..], &[0xff, 0xfe][..]]));
        assert_eq!(
            texts(&to_utf8(&a).unwrap_or_else(|e| panic!("{e}"))),
            vec![Some("ab".into()), None]
        );
    }

    #[test]
    fn booleans_are_numbers_and_other_types_are_refused() {
        let a: ArrayRef = Arc::new(arrow_array::BooleanArray::from(vec![
            Some(true),
            None,
            Some(false),
        ]));
        let f = floats(&to_float64(a.as_ref()).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(f, vec![Some(1.0), None, Some(0.0)]);
        assert!(to_utf8(&a).is_err());
        let a: ArrayRef = Arc::new(arrow_array::Date32Array::from(vec![19000]));
        assert!(to_float64(a.as_ref()).is_err());
        assert!(to_utf8(&a).is_err());
    }
}
