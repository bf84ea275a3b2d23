//! A column of strings kept in one buffer: every value's bytes back to back, plus where
//! each one starts.
//!
//! Row ids come by the hundred thousand per file (~744,000 in a 120-era data file, and
//! scoring reads data, predictions and a meta model). As a `Vec<String>` each id is its own
//! heap allocation, and reading three files spent most of its time in malloc/free, page
//! faults and copying. Here a column is two allocations whatever its length, appending is a
//! copy into the buffer, and comparing two columns for equality is comparing two buffers.

use std::fmt;
use std::ops::Index;

/// Strings stored contiguously: `bytes[offsets[i]..offsets[i + 1]]` is the `i`-th value.
///
/// `offsets` always starts with 0 and `bytes` holds nothing but the values, so two columns
/// holding the same strings in the same order have identical fields: equality compares the
/// fields directly.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Strings {
    offsets: Vec<usize>,
    bytes: String,
}

// The per-value accessors are `#[inline]`: other crates call them once per id (sorting,
// hashing, matching) and the workspace is built without LTO.
impl Strings {
    /// An empty column.
    pub fn new() -> Self {
        Self::with_capacity(0, 0)
    }

    /// An empty column with room for `n` values of `bytes` bytes in total.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        Self {
            offsets,
            bytes: String::with_capacity(bytes),
        }
    }

    /// Makes room for `n` more values of `bytes` more bytes in total.
    pub fn reserve(&mut self, n: usize, bytes: usize) {
        self.offsets.reserve(n);
        self.bytes.reserve(bytes);
    }

    /// Number of values.
    #[inline]
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no values.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total length of the values in bytes.
    #[inline]
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The `i`-th value, or `None` past the end.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.offsets.get(i + 1)?;
        Some(&self.bytes[self.offsets[i]..end])
    }

    /// The values in order.
    #[inline]
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            strings: self,
            front: 0,
            back: self.len(),
        }
    }

    /// Appends a value.
    #[inline]
    pub fn push(&mut self, value: &str) {
        self.bytes.push_str(value);
        self.offsets.push(self.bytes.len());
    }

    /// Appends the values that `ends` cut `text` into: value `i` is `text[ends[i - 1]..ends[i]]`
    /// (from 0), so the last end is `text.len()`. One copy of the text and one pass over the
    /// ends, where pushing value by value copies each string on its own (an Arrow string
    /// array's value buffer and offsets are exactly this).
    ///
    /// Returns `false`, appending nothing, when an end is not at a character boundary of
    /// `text`, goes backwards, or the last one is not `text.len()`.
    pub fn try_extend_from_concatenated(
        &mut self,
        text: &str,
        ends: impl ExactSizeIterator<Item = usize>,
    ) -> bool {
        let base = self.bytes.len();
        let count = self.offsets.len();
        self.offsets.reserve(ends.len());
        let mut previous = 0;
        for end in ends {
            if end < previous || !text.is_char_boundary(end) {
                self.offsets.truncate(count);
                return false;
            }
            self.offsets.push(base + end);
            previous = end;
        }
        if previous != text.len() {
            self.offsets.truncate(count);
            return false;
        }
        self.bytes.push_str(text);
        true
    }

    /// Appends every value of `other`, in order.
    pub fn extend_from(&mut self, other: &Strings) {
        let base = self.bytes.len();
        self.bytes.push_str(&other.bytes);
        self.offsets
            .extend(other.offsets[1..].iter().map(|o| base + o));
    }

    /// The values as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl Default for Strings {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Strings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Index<usize> for Strings {
    type Output = str;

    #[inline]
    fn index(&self, i: usize) -> &str {
        &self.bytes[self.offsets[i]..self.offsets[i + 1]]
    }
}

impl<S: AsRef<str>> FromIterator<S> for Strings {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut out = Strings::new();
        out.extend(iter);
        out
    }
}

impl<S: AsRef<str>> Extend<S> for Strings {
    fn extend<I: IntoIterator<Item = S>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.offsets.reserve(iter.size_hint().0);
        for s in iter {
            self.push(s.as_ref());
        }
    }
}

impl<'a> IntoIterator for &'a Strings {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over the values of a [`Strings`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    strings: &'a Strings,
    front: usize,
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        if self.front == self.back {
            return None;
        }
        self.front += 1;
        Some(&self.strings[self.front - 1])
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }

    fn nth(&mut self, n: usize) -> Option<&'a str> {
        self.front = self.front.saturating_add(n).min(self.back);
        self.next()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        Some(&self.strings[self.back])
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl std::iter::FusedIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_get_and_iterate() {
        let mut s = Strings::new();
        assert!(s.is_empty());
        s.push("n003bba8a98662e4");
        s.push("");
        s.push("é");
        assert_eq!(s.len(), 3);
        assert_eq!(s.byte_len(), 16 + 2);
        assert_eq!(s.get(0), Some("n003bba8a98662e4"));
        assert_eq!(s.get(1), Some(""));
        assert_eq!(&s[2], "é");
        assert_eq!(s.get(3), None);
        assert_eq!(s.iter().len(), 3);
        assert_eq!(
            s.iter().rev().collect::<Vec<_>>(),
            ["é", "", "n003bba8a98662e4"]
        );
        assert_eq!(s.iter().nth(2), Some("é"));
        assert_eq!(s.iter().nth(3), None);
        assert_eq!(s.to_vec(), ["n003bba8a98662e4", "", "é"]);
        assert_eq!(format!("{s:?}"), r#"["n003bba8a98662e4", "", "é"]"#);
    }

    #[test]
    fn iterating_from_both_ends_meets_in_the_middle() {
        let s: Strings = ["a", "b", "c"].into_iter().collect();
        let mut it = s.iter();
        assert_eq!(it.next(), Some("a"));
        assert_eq!(it.next_back(), Some("c"));
        assert_eq!(it.len(), 1);
        assert_eq!(it.next_back(), Some("b"));
        assert_eq!(it.next(), None);
        assert_eq!(it.next_back(), None);
    }

    #[test]
    fn equal_iff_same_strings_in_same_order() {
        let a: Strings = ["ab", "c"].into_iter().collect();
        let b: Strings = vec!["ab".to_string(), "c".to_string()]
            .into_iter()
            .collect();
        assert_eq!(a, b);
        // The same bytes split differently are different columns.
        let c: Strings = ["a", "bc"].into_iter().collect();
        assert_ne!(a, c);
        assert_ne!(a, ["c", "ab"].into_iter().collect::<Strings>());
        assert_ne!(a, ["ab"].into_iter().collect::<Strings>());
        // Empty strings count as values.
        let e1: Strings = [""].into_iter().collect();
        let e2: Strings = ["", ""].into_iter().collect();
        assert_ne!(e1, e2);
        assert_ne!(e1, Strings::new());
        assert_eq!(Strings::new(), Strings::default());
        assert_eq!(Strings::new(), Strings::with_capacity(10, 100));
        // However a column was built, and whatever spare capacity it has.
        let mut d = Strings::with_capacity(5, 64);
        d.push("ab");
        let mut rest = Strings::new();
        rest.push("c");
        d.extend_from(&rest);
        assert_eq!(a, d);
        assert_eq!(a, a.clone());
    }

    #[test]
    fn extend_from_concatenated_cuts_at_the_ends() {
        let mut s: Strings = ["x"].into_iter().collect();
        assert!(s.try_extend_from_concatenated("abéc", [0, 2, 4, 5].into_iter()));
        assert_eq!(s.to_vec(), ["x", "", "ab", "é", "c"]);
        // The same column as pushed one by one.
        let pushed: Strings = ["x", "", "ab", "é", "c"].into_iter().collect();
        assert_eq!(s, pushed);
        assert!(s.try_extend_from_concatenated("", std::iter::empty()));
        assert_eq!(s, pushed);
        // Ends inside a character, backwards, or short of the text: nothing appended.
        for ends in [&[1, 2][..], &[2, 1, 3], &[1]] {
            assert!(!s.try_extend_from_concatenated("éb", ends.iter().copied()));
            assert_eq!(s, pushed);
        }
    }

    #[test]
    fn extend_from_appends_in_order() {
        let mut a: Strings = ["x", ""].into_iter().collect();
        let b: Strings = ["yz", "w"].into_iter().collect();
        a.extend_from(&b);
        a.extend_from(&Strings::new());
        assert_eq!(a.to_vec(), ["x", "", "yz", "w"]);
        let mut empty = Strings::new();
        empty.extend_from(&a);
        assert_eq!(empty, a);
    }
}
