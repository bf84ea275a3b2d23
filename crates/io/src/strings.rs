//! Text columns read from arrow arrays into [`Strings`]. The column type itself lives in
//! erascore-labels, so that crates without file formats (erascore-payout) hold labels in it
//! too; arrow stays here.

use arrow_array::{Array, ArrayAccessor, LargeStringArray, StringArray, StringViewArray};

pub use erascore_labels::Strings;

/// Appending arrow text arrays to a [`Strings`] column.
pub(crate) trait ExtendFromArrow {
    /// Appends every value of an arrow text array (`Utf8`, `LargeUtf8` or `Utf8View`),
    /// nulls as empty strings. Returns `false`, appending nothing, for any other type.
    fn extend_from_arrow(&mut self, array: &dyn Array) -> bool;

    /// Whether values `at..` are the values of an arrow text array without nulls, in
    /// order (what [`ExtendFromArrow::extend_from_arrow`] would append), compared without a
    /// copy.
    fn holds_arrow(&self, at: usize, array: &dyn Array) -> bool;
}

impl ExtendFromArrow for Strings {
    fn extend_from_arrow(&mut self, array: &dyn Array) -> bool {
        let any = array.as_any();
        if let Some(a) = any.downcast_ref::<StringArray>() {
            if !extend_from_buffers(self, a, a.value_offsets(), a.value_data()) {
                extend_from_accessor(self, a, span(a.value_offsets()));
            }
        } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
            if !extend_from_buffers(self, a, a.value_offsets(), a.value_data()) {
                extend_from_accessor(self, a, span(a.value_offsets()));
            }
        } else if let Some(a) = any.downcast_ref::<StringViewArray>() {
            extend_from_accessor(self, a, 0);
        } else {
            return false;
        }
        true
    }

    fn holds_arrow(&self, at: usize, array: &dyn Array) -> bool {
        if array.null_count() > 0 || at + array.len() > self.len() {
            return false;
        }
        let any = array.as_any();
        if let Some(a) = any.downcast_ref::<StringArray>() {
            holds_buffers(self, at, a.value_offsets(), a.value_data())
        } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
            holds_buffers(self, at, a.value_offsets(), a.value_data())
        } else if let Some(a) = any.downcast_ref::<StringViewArray>() {
            (0..a.len()).all(|i| &self[at + i] == a.value(i))
        } else {
            false
        }
    }
}

fn holds_buffers<O: Copy + Into<i64>>(
    out: &Strings,
    at: usize,
    offsets: &[O],
    data: &[u8],
) -> bool {
    let Some(values) = value_bytes(offsets, data) else {
        return false;
    };
    let Some((bytes, ends)) = values else {
        return true;
    };
    // No UTF-8 check: bytes equal to a column's text are text.
    out.holds_concatenated(at, bytes, ends)
}

/// The bytes an array's offsets span and each value's end within them: `Some(None)` for an
/// array of no values, `None` when the offsets do not lie in the buffer (never for a valid
/// array).
fn value_bytes<'a, O: Copy + Into<i64>>(
    offsets: &'a [O],
    data: &'a [u8],
) -> Option<Option<(&'a [u8], impl ExactSizeIterator<Item = usize> + 'a)>> {
    let (Some(&first), Some(&last)) = (offsets.first(), offsets.last()) else {
        return Some(None);
    };
    let (first, last): (i64, i64) = (first.into(), last.into());
    let bytes = usize::try_from(first)
        .ok()
        .zip(usize::try_from(last).ok())
        .and_then(|(a, b)| data.get(a..b))?;
    let ends = offsets[1..]
        .iter()
        .map(move |&o| usize::try_from(o.into() - first).unwrap_or(usize::MAX));
    Some(Some((bytes, ends)))
}

/// A string array without nulls as one copy of its value buffer and one pass over its
/// offsets (the ids of a large file are most of what reading it copies). `false`, appending
/// nothing, when the array has nulls (they become empty strings value by value) or its
/// buffer is not text at the offsets (never for a valid array).
fn extend_from_buffers<O: Copy + Into<i64>>(
    out: &mut Strings,
    array: &dyn Array,
    offsets: &[O],
    data: &[u8],
) -> bool {
    if array.null_count() > 0 {
        return false;
    }
    let Some(values) = value_bytes(offsets, data) else {
        return false;
    };
    let Some((bytes, ends)) = values else {
        return true;
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    out.try_extend_from_concatenated(text, ends)
}

fn extend_from_accessor<'a>(
    out: &mut Strings,
    array: impl ArrayAccessor<Item = &'a str>,
    bytes: usize,
) {
    out.reserve(array.len(), bytes);
    if array.null_count() == 0 {
        for i in 0..array.len() {
            out.push(array.value(i));
        }
    } else {
        for i in 0..array.len() {
            out.push(if array.is_null(i) { "" } else { array.value(i) });
        }
    }
}

/// Bytes spanned by an arrow offsets buffer (a slice of an array need not start at 0).
fn span<O: Copy + Into<i64>>(offsets: &[O]) -> usize {
    match (offsets.first(), offsets.last()) {
        (Some(&first), Some(&last)) => usize::try_from(last.into() - first.into()).unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_arrow_text_arrays_with_nulls_as_empty() {
        let want = ["a", "", "ccc"];
        let mut s = Strings::new();
        assert!(s.extend_from_arrow(&StringArray::from(vec![Some("a"), None, Some("ccc")])));
        assert!(s.extend_from_arrow(&LargeStringArray::from(vec!["a", "", "ccc"])));
        // A slice starts at a nonzero offset into the array's buffer.
        let long = StringArray::from(vec!["zz", "a", "", "ccc"]);
        assert!(s.extend_from_arrow(&long.slice(1, 3)));
        assert!(s.extend_from_arrow(&StringViewArray::from(vec![Some("a"), None, Some("ccc")])));
        assert_eq!(s.to_vec(), want.repeat(4));
        assert!(!s.extend_from_arrow(&arrow_array::Int32Array::from(vec![1])));
        assert_eq!(s.len(), 12);
    }
}
