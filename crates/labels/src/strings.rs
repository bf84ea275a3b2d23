//! A column of strings kept in one buffer: every value's bytes back to back, plus where
//! each one starts.
//!
//! Row ids come by the hundred thousand per file (~744,000 in a 120-era data file, and
//! scoring reads data, predictions and a meta model). As a `Vec<String>` each id is its own
//! heap allocation, and reading three files spent most of its time in malloc/free, page
//! faults and copying. Here a column is two allocations whatever its length, appending is a
//! copy into the buffer, and comparing two columns for equality is comparing two buffers.
//!
//! A clone shares the buffers (they are copied only when one of the two is changed): a file
//! that lists the data's ids in the data's order holds the data's column, not a copy, and
//! comparing the two is a pointer comparison.

use std::fmt;
use std::ops::Index;
use std::sync::Arc;

/// Strings stored contiguously: `bytes[offsets[i]..offsets[i + 1]]` is the `i`-th value.
///
/// `offsets` always starts with 0 and `bytes` holds nothing but the values, so two columns
/// holding the same strings in the same order have identical fields: equality compares the
/// fields directly (and two clones of one column are equal without reading them).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Strings {
    inner: Arc<Inner>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Inner {
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
            inner: Arc::new(Inner {
                offsets,
                bytes: String::with_capacity(bytes),
            }),
        }
    }

    /// Makes room for `n` more values of `bytes` more bytes in total.
    pub fn reserve(&mut self, n: usize, bytes: usize) {
        let inner = self.own();
        inner.offsets.reserve(n);
        inner.bytes.reserve(bytes);
    }

    /// Removes every value, keeping the buffers' room (a buffer reused batch by batch).
    pub fn clear(&mut self) {
        let inner = self.own();
        inner.offsets.truncate(1);
        inner.bytes.clear();
    }

    /// Number of values.
    #[inline]
    pub fn len(&self) -> usize {
        self.inner.offsets.len() - 1
    }

    /// Whether there are no values.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total length of the values in bytes.
    #[inline]
    pub fn byte_len(&self) -> usize {
        self.inner.bytes.len()
    }

    /// The `i`-th value, or `None` past the end.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        let Inner { offsets, bytes } = &*self.inner;
        let end = *offsets.get(i + 1)?;
        Some(&bytes[offsets[i]..end])
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
        let inner = self.own();
        inner.bytes.push_str(value);
        inner.offsets.push(inner.bytes.len());
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
        let inner = self.own();
        let base = inner.bytes.len();
        let count = inner.offsets.len();
        inner.offsets.reserve(ends.len());
        // In ASCII text every byte is a character boundary (ends past the text fail the
        // last check: they never go backwards).
        let ascii = text.is_ascii();
        let mut previous = 0;
        for end in ends {
            if end < previous || !(ascii || text.is_char_boundary(end)) {
                inner.offsets.truncate(count);
                return false;
            }
            inner.offsets.push(base + end);
            previous = end;
        }
        if previous != text.len() {
            inner.offsets.truncate(count);
            return false;
        }
        inner.bytes.push_str(text);
        true
    }

    /// The column as it is stored: every value's bytes back to back, and where each value
    /// starts (from 0, with the text's length last), e.g. for copying several columns into
    /// one in parallel ([`Strings::from_concatenated`]).
    pub fn concatenated(&self) -> (&str, &[usize]) {
        (&self.inner.bytes, &self.inner.offsets)
    }

    /// The first value at or after `start` that is the empty string, if any: an empty label
    /// names no row (an era called '', an id no other file can match), and every reader
    /// refuses it. Two equal offsets, so no string is looked at (744,000 ids stay unread).
    pub fn first_empty_from(&self, start: usize) -> Option<usize> {
        let offsets = &self.inner.offsets;
        offsets
            .get(start..)?
            .windows(2)
            .position(|w| w[0] == w[1])
            .map(|i| start + i)
    }

    /// The column of the values that `offsets` cut `text` into (value `i` is
    /// `text[offsets[i]..offsets[i + 1]]`), taking both buffers as they are; `None` when the
    /// offsets do not start at 0, go backwards, fall inside a character or do not end at
    /// `text.len()`.
    pub fn from_concatenated(text: String, offsets: Vec<usize>) -> Option<Self> {
        let valid = offsets.first() == Some(&0)
            && offsets.last() == Some(&text.len())
            && offsets.windows(2).all(|w| w[0] <= w[1])
            // ASCII text (ids nearly always) has a character boundary at every byte: one
            // pass over the bytes rather than a lookup per offset.
            && (text.is_ascii() || offsets.iter().all(|&o| text.is_char_boundary(o)));
        valid.then(|| Self {
            inner: Arc::new(Inner {
                offsets,
                bytes: text,
            }),
        })
    }

    /// Appends every value of `other`, in order.
    pub fn extend_from(&mut self, other: &Strings) {
        self.extend_from_head(other, other.len());
    }

    /// Appends the first `n` values of `other` (all of them when it has fewer), in order.
    pub fn extend_from_head(&mut self, other: &Strings, n: usize) {
        self.extend_from_range(other, 0, n);
    }

    /// Appends `n` values of `other` from value `start` on (those it has), in order.
    pub fn extend_from_range(&mut self, other: &Strings, start: usize, n: usize) {
        let start = start.min(other.len());
        let end = start.saturating_add(n).min(other.len());
        let theirs = &other.inner;
        let inner = self.own();
        let base = inner.bytes.len();
        let from = theirs.offsets[start];
        inner
            .bytes
            .push_str(&theirs.bytes[from..theirs.offsets[end]]);
        inner.offsets.extend(
            theirs.offsets[start + 1..=end]
                .iter()
                .map(|o| base + (o - from)),
        );
    }

    /// Whether values `at..` hold exactly the values that `ends` cut `text` into (as
    /// [`Strings::try_extend_from_concatenated`] would append them): one comparison of
    /// the bytes and one pass over the ends, no copy. `false` when there are fewer values.
    /// Bytes equal to the column's are text, so `text` need not be checked as UTF-8 first.
    pub fn holds_concatenated(
        &self,
        at: usize,
        text: &[u8],
        ends: impl ExactSizeIterator<Item = usize>,
    ) -> bool {
        let Inner { offsets, bytes } = &*self.inner;
        let Some(mine) = offsets.get(at..=at + ends.len()) else {
            return false;
        };
        let base = mine[0];
        bytes.as_bytes().get(base..base + text.len()) == Some(text)
            && mine[ends.len()] - base == text.len()
            && mine[1..].iter().zip(ends).all(|(&o, end)| o - base == end)
    }

    /// Whether `other` is a clone of this column sharing its buffers (not merely equal).
    pub fn shares(&self, other: &Strings) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The column's own buffers, copied first if a clone shares them.
    #[inline]
    fn own(&mut self) -> &mut Inner {
        Arc::make_mut(&mut self.inner)
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
        let Inner { offsets, bytes } = &*self.inner;
        &bytes[offsets[i]..offsets[i + 1]]
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
        let inner = self.own();
        inner.offsets.reserve(iter.size_hint().0);
        for s in iter {
            inner.bytes.push_str(s.as_ref());
            inner.offsets.push(inner.bytes.len());
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
    fn extend_from_range_appends_the_values_of_a_range() {
        let s: Strings = ["a", "bc", "", "def", "g"].into_iter().collect();
        let mut out: Strings = ["x"].into_iter().collect();
        out.extend_from_range(&s, 1, 3);
        assert_eq!(out.to_vec(), ["x", "bc", "", "def"]);
        out.extend_from_range(&s, 4, 9);
        assert_eq!(out.to_vec(), ["x", "bc", "", "def", "g"]);
        out.extend_from_range(&s, 7, 2);
        assert_eq!(out.len(), 5);
        let mut head = Strings::new();
        head.extend_from_head(&s, 2);
        assert_eq!(head.to_vec(), ["a", "bc"]);
    }

    #[test]
    fn first_empty_from_finds_the_first_empty_value_at_or_after_start() {
        let s: Strings = ["a", "", "bc", "", "d"].into_iter().collect();
        assert_eq!(s.first_empty_from(0), Some(1));
        assert_eq!(s.first_empty_from(1), Some(1));
        assert_eq!(s.first_empty_from(2), Some(3));
        assert_eq!(s.first_empty_from(4), None);
        assert_eq!(s.first_empty_from(5), None);
        assert_eq!(s.first_empty_from(9), None);
        assert_eq!(Strings::new().first_empty_from(0), None);
        let one: Strings = [""].into_iter().collect();
        assert_eq!(one.first_empty_from(0), Some(0));
    }

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

    #[test]
    fn from_concatenated_takes_valid_buffers_only() {
        let a: Strings = ["x", "", "yz", "é"].into_iter().collect();
        let (text, offsets) = a.concatenated();
        assert_eq!((text, offsets), ("xyzé", &[0, 1, 1, 3, 5][..]));
        let b = Strings::from_concatenated(text.to_string(), offsets.to_vec()).unwrap();
        assert_eq!(b, a);
        assert_eq!(
            Strings::from_concatenated(String::new(), vec![0]),
            Some(Strings::new())
        );
        for bad in [
            vec![1, 1, 3, 5],
            vec![0, 3, 1, 5],
            vec![0, 1, 1, 4, 5],
            vec![0, 1, 3],
        ] {
            assert_eq!(Strings::from_concatenated("xyzé".to_string(), bad), None);
        }
        assert_eq!(Strings::from_concatenated(String::new(), Vec::new()), None);
        // ASCII text: any cut in order is valid, past the end is not.
        let ascii = Strings::from_concatenated("abcd".into(), vec![0, 3, 3, 4]).unwrap();
        assert_eq!(ascii.to_vec(), ["abc", "", "d"]);
        for bad in [vec![0, 5, 4], vec![0, 2, 5], vec![0, 3, 2, 4]] {
            assert_eq!(Strings::from_concatenated("abcd".into(), bad), None);
        }
        let mut s = Strings::new();
        assert!(!s.try_extend_from_concatenated("abcd", [2, 5, 4].into_iter()));
        assert!(!s.try_extend_from_concatenated("abcd", [2, 5].into_iter()));
        assert!(s.is_empty());
        assert!(s.try_extend_from_concatenated("abcd", [1, 4].into_iter()));
        assert_eq!(s.to_vec(), ["a", "bcd"]);
    }

    #[test]
    fn a_clone_shares_until_either_changes() {
        let a: Strings = ["n1", "n22"].into_iter().collect();
        let mut b = a.clone();
        assert!(a.shares(&b) && a == b);
        b.push("n3");
        assert!(!a.shares(&b));
        assert_eq!(a.to_vec(), ["n1", "n22"]);
        assert_eq!(b.to_vec(), ["n1", "n22", "n3"]);
        let mut c = Strings::new();
        c.extend_from_head(&b, 2);
        assert_eq!(c, a);
        c.extend_from_head(&b, 9);
        assert_eq!(c.to_vec(), ["n1", "n22", "n1", "n22", "n3"]);
    }

    #[test]
    fn holds_concatenated_compares_bytes_and_cuts() {
        let a: Strings = ["ab", "c", "", "def"].into_iter().collect();
        assert!(a.holds_concatenated(0, b"abc", [2, 3].into_iter()));
        assert!(a.holds_concatenated(1, b"cdef", [1, 1, 4].into_iter()));
        assert!(a.holds_concatenated(4, b"", [].into_iter()));
        // Same bytes, cut elsewhere; other bytes; past the end.
        assert!(!a.holds_concatenated(0, b"abc", [1, 3].into_iter()));
        assert!(!a.holds_concatenated(0, b"abd", [2, 3].into_iter()));
        assert!(!a.holds_concatenated(3, b"def", [3, 3].into_iter()));
        assert!(!a.holds_concatenated(3, b"defg", [4].into_iter()));
    }
}
