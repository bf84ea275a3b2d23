//! Id alignment: numerai-tools `filter_sort_index`.
//!
//! Keep the ids present (and non-NaN) on both sides, sort them, and refuse when either side
//! would lose more than `max_filtered_ratio` of its rows.

use crate::KernelError;

/// numerai-tools' default share of rows that alignment may drop.
pub const DEFAULT_MAX_FILTERED_RATIO: f64 = 0.2;

/// Sorted ids common to `left` and `right` (each given with a validity flag per id), with
/// the position of each in both inputs.
pub fn filter_sort_index<'a>(
    left: &[(&'a str, bool)],
    right: &[(&'a str, bool)],
    max_filtered_ratio: f64,
) -> Result<Vec<(&'a str, usize, usize)>, KernelError> {
    let mut r: Vec<(&str, usize)> = right
        .iter()
        .enumerate()
        .filter(|(_, (_, ok))| *ok)
        .map(|(i, (id, _))| (*id, i))
        .collect();
    r.sort_unstable();
    let mut out: Vec<(&str, usize, usize)> = left
        .iter()
        .enumerate()
        .filter(|(_, (_, ok))| *ok)
        .filter_map(|(i, (id, _))| {
            r.binary_search_by(|(rid, _)| rid.cmp(id))
                .ok()
                .map(|p| (*id, i, r[p].1))
        })
        .collect();
    out.sort_unstable();
    check_overlap(out.len(), left.len(), right.len(), max_filtered_ratio)?;
    Ok(out)
}

/// Errors when `kept` is below `1 - max_filtered_ratio` of either side.
pub fn check_overlap(
    kept: usize,
    left: usize,
    right: usize,
    max_filtered_ratio: f64,
) -> Result<(), KernelError> {
    let need = 1.0 - max_filtered_ratio;
    for total in [left, right] {
        if total == 0 || (kept as f64) / (total as f64) < need {
            return Err(KernelError::TooFewOverlapping {
                overlapping: kept,
                total,
                required: need,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersects_and_sorts() {
        let l = [
            ("b", true),
            ("a", true),
            ("c", true),
            ("d", true),
            ("e", true),
        ];
        let r = [
            ("e", true),
            ("c", true),
            ("a", true),
            ("b", true),
            ("d", false),
        ];
        let out = filter_sort_index(&l, &r, 0.2).unwrap();
        assert_eq!(
            out,
            vec![("a", 1, 2), ("b", 0, 3), ("c", 2, 1), ("e", 4, 0)]
        );
    }

    #[test]
    fn too_little_overlap_is_an_error() {
        let l = [("a", true), ("b", true), ("c", true)];
        let r = [("a", true), ("x", true), ("y", true)];
        assert!(filter_sort_index(&l, &r, 0.2).is_err());
    }
}
