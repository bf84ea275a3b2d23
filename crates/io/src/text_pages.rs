//! A text column compared page by page with a column read from another file (a prediction
//! or meta-model file's ids with the data's), without decoding it into Arrow arrays.
//!
//! Such a file nearly always lists the data's ids in the data's order, and then all that
//! is needed is the answer "same ids": building Arrow string arrays of 744,000 ids only to
//! compare them cost more than decompressing their pages. So each page is decompressed and
//! its values compared in place with the known column's, the page dropped before the next.
//!
//! Only what comparing needs is understood: byte-array values, plain or dictionary-encoded,
//! in v1 or v2 data pages, with no nulls. Anything else (nulls, other encodings, nested
//! columns, pages that do not parse, a panic in the page reader on a corrupt file) answers
//! "not the same", and the caller decodes the column the ordinary way, which then reads the
//! values as they are or reports what is wrong with them.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::serialized_reader::SerializedPageReader;

use crate::source::Source;
use crate::Strings;

/// Whether file column `column` over row groups `groups` of the file at `path` holds
/// `known`'s values from `first` on, as many as the groups have rows: false also where its
/// pages are not simply non-null byte arrays this can read (see the module's doc).
pub(crate) fn holds_known(
    path: &Path,
    metadata: &ParquetMetaData,
    groups: &[usize],
    column: usize,
    known: &Strings,
    first: usize,
) -> bool {
    let (text, offsets) = known.concatenated();
    let Some(offsets) = offsets.get(first..) else {
        return false;
    };
    let mut known = Known {
        text: text.as_bytes(),
        offsets,
        at: 0,
    };
    // A panic of the page reader on a corrupt file only means "not compared this way".
    crate::parquet_guard::guarded(|| {
        for_each_page(path, metadata, groups, column, |values| match values {
            PageValues::Plain(buf, n) => known.holds_plain(buf, n),
            PageValues::Indexed {
                dictionary,
                indices,
                n,
            } => known.holds_indexed(dictionary, indices, n),
        })
    })
    .flatten()
    .unwrap_or(false)
}

/// File column `column` of row group `group` read as text straight from its pages, or
/// `None` (the caller then reads it through Arrow, which names what is wrong) where a
/// value is null, empty or not UTF-8, or the pages are not read this way (see the module's
/// doc). The data's ids: Arrow's string arrays, copied into [`Strings`], cost three times
/// what decompressing the pages does.
pub(crate) fn read_text(
    path: &Path,
    metadata: &ParquetMetaData,
    group: usize,
    column: usize,
) -> Option<Strings> {
    crate::parquet_guard::guarded(|| read_text_unguarded(path, metadata, group, column)).flatten()
}

fn read_text_unguarded(
    path: &Path,
    metadata: &ParquetMetaData,
    group: usize,
    column: usize,
) -> Option<Strings> {
    let chunk = metadata.row_groups().get(group)?.columns().get(column)?;
    let rows = usize::try_from(metadata.row_groups().get(group)?.num_rows()).ok()?;
    // A hint only, from a footer that may lie: never beyond what the file could hold, nor
    // 64 bytes an id (the buffer grows past it if need be).
    let file_len = usize::try_from(std::fs::metadata(path).ok()?.len()).ok()?;
    let bytes = usize::try_from(chunk.uncompressed_size())
        .ok()?
        .min(file_len.saturating_mul(16))
        .min(rows.saturating_mul(64));
    let mut text: Vec<u8> = Vec::with_capacity(bytes);
    let mut offsets: Vec<usize> = Vec::with_capacity(rows.saturating_add(1));
    offsets.push(0);
    let mut push = |value: &[u8]| {
        if value.is_empty() {
            return false;
        }
        text.extend_from_slice(value);
        offsets.push(text.len());
        true
    };
    let read = for_each_page(path, metadata, &[group], column, |values| match values {
        PageValues::Plain(buf, n) => {
            let mut p = 0usize;
            for _ in 0..n {
                let Some((value, next)) = plain_value(buf, p) else {
                    return false;
                };
                if !push(value) {
                    return false;
                }
                p = next;
            }
            true
        }
        PageValues::Indexed {
            dictionary,
            indices,
            n,
        } => for_each_index(indices, n, |i| dictionary.value(i).is_some_and(&mut push)),
    })?;
    if !read {
        return None;
    }
    Strings::from_concatenated(String::from_utf8(text).ok()?, offsets)
}

/// One data page's values, as [`for_each_page`] hands them over.
enum PageValues<'a> {
    /// `n` plain values (a 4-byte little-endian length, then the bytes).
    Plain(&'a [u8], usize),
    /// `n` indices into the chunk's dictionary (a bit-width byte, then the RLE/bit-packed
    /// hybrid).
    Indexed {
        dictionary: &'a mut Dictionary,
        indices: &'a [u8],
        n: usize,
    },
}

/// Calls `f` on the values of each data page of file column `column` over row groups
/// `groups`, in order, while it returns true: `Some(true)` when every page was read and
/// accepted and each group held as many values as rows, `Some(false)` when `f` refused a
/// page or a group's count is off, `None` where the column or a page is not simply
/// non-null byte arrays, plain or dictionary-encoded (see the module's doc).
fn for_each_page(
    path: &Path,
    metadata: &ParquetMetaData,
    groups: &[usize],
    column: usize,
    mut f: impl FnMut(PageValues<'_>) -> bool,
) -> Option<bool> {
    let schema = metadata.file_metadata().schema_descr();
    let descr = schema.columns().get(column)?;
    let max_def = descr.max_def_level();
    if descr.physical_type() != PhysicalType::BYTE_ARRAY
        || descr.max_rep_level() != 0
        || max_def > 1
    {
        return None;
    }
    let source = Arc::new(Source::open(path).ok()?);
    for &g in groups {
        let group = metadata.row_groups().get(g)?;
        let chunk = group.columns().get(column)?;
        let rows = usize::try_from(group.num_rows()).ok()?;
        let mut read = 0usize;
        let mut reader = SerializedPageReader::new(source.clone(), chunk, rows, None).ok()?;
        // Each page's buffer is dropped before the next is read: the allocator hands the
        // same memory back, and no page but the dictionary is alive for long.
        let mut dictionary: Option<Dictionary> = None;
        while let Some(page) = reader.get_next_page().ok()? {
            let (values, encoding, n) = match page {
                Page::DictionaryPage {
                    buf, num_values, ..
                } => {
                    dictionary = Some(Dictionary::new(buf, num_values as usize));
                    continue;
                }
                Page::DataPage {
                    buf,
                    num_values,
                    encoding,
                    def_level_encoding,
                    ..
                } => {
                    let n = num_values as usize;
                    let start = if max_def == 1 {
                        if def_level_encoding != Encoding::RLE {
                            return None;
                        }
                        let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
                        let levels = buf.get(4..4usize.checked_add(len)?)?;
                        if !all_ones(levels, n) {
                            return None;
                        }
                        4 + len
                    } else {
                        0
                    };
                    (buf.slice(start..), encoding, n)
                }
                Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding,
                    num_nulls,
                    def_levels_byte_len,
                    rep_levels_byte_len,
                    ..
                } => {
                    if num_nulls != 0 {
                        return None;
                    }
                    let start =
                        (def_levels_byte_len as usize).checked_add(rep_levels_byte_len as usize)?;
                    if start > buf.len() {
                        return None;
                    }
                    (buf.slice(start..), encoding, num_values as usize)
                }
            };
            read = read.checked_add(n)?;
            if read > rows {
                return Some(false);
            }
            let accepted = match encoding {
                Encoding::PLAIN => f(PageValues::Plain(&values, n)),
                Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY => f(PageValues::Indexed {
                    dictionary: dictionary.as_mut()?,
                    indices: &values,
                    n,
                }),
                _ => return None,
            };
            if !accepted {
                return Some(false);
            }
        }
        if read != rows {
            return Some(false);
        }
    }
    Some(true)
}

/// The known column from some value on, and how many values of it were matched so far.
struct Known<'a> {
    text: &'a [u8],
    /// Where each value from the first compared starts (and the end of the last).
    offsets: &'a [usize],
    at: usize,
}

impl Known<'_> {
    /// The next value, or `None` past the end.
    #[inline]
    fn next(&mut self) -> Option<&[u8]> {
        let (&s, &e) = (self.offsets.get(self.at)?, self.offsets.get(self.at + 1)?);
        self.at += 1;
        self.text.get(s..e)
    }

    /// Whether the next `n` values are the plain values of `buf`.
    fn holds_plain(&mut self, buf: &[u8], n: usize) -> bool {
        let Some(offsets) = self.offsets.get(self.at..=self.at.saturating_add(n)) else {
            return false;
        };
        let mut p = 0usize;
        for w in offsets.windows(2) {
            let len = w[1] - w[0];
            // The value's length, then its bytes: one slice of the page for both.
            let (Some(field), Some(known)) = (buf.get(p..p + 4 + len), self.text.get(w[0]..w[1]))
            else {
                return false;
            };
            if field[..4] != (len as u32).to_le_bytes() || !same(&field[4..], known) {
                return false;
            }
            p += 4 + len;
        }
        self.at += n;
        true
    }

    /// Whether the next `n` values are those of the dictionary indices in `buf`.
    fn holds_indexed(&mut self, dictionary: &mut Dictionary, buf: &[u8], n: usize) -> bool {
        for_each_index(
            buf,
            n,
            |i| matches!((dictionary.value(i), self.next()), (Some(v), Some(k)) if same(v, k)),
        )
    }
}

/// `a == b`, for ids of 8 to 16 bytes (Numerai's are 16) as two 8-byte words each rather
/// than a call of `memcmp` per id.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        let word = |s: &[u8], at: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&s[at..at + 8]);
            u64::from_ne_bytes(w)
        };
        // The two words overlap below 16 bytes.
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else {
        a == b
    }
}

/// A column chunk's dictionary page: `n` plain byte-array values. A file of distinct ids
/// (a dictionary filled in order of first appearance) asks for them in order, so they are
/// read at a cursor as asked; only an index out of that order makes the table of where
/// every value lies.
struct Dictionary {
    buf: Bytes,
    n: usize,
    /// The index the cursor stands at, and its byte in `buf`.
    next: (usize, usize),
    /// Where each value lies in `buf`, once an index out of order was asked for; `None`
    /// inside if the values do not fit in `buf`.
    ranges: Option<Option<Vec<(usize, usize)>>>,
}

impl Dictionary {
    fn new(buf: Bytes, n: usize) -> Self {
        Self {
            buf,
            n,
            next: (0, 0),
            ranges: None,
        }
    }

    /// Value `i`, or `None` past the dictionary or where the page does not hold it.
    #[inline]
    fn value(&mut self, i: u32) -> Option<&[u8]> {
        let i = i as usize;
        if i >= self.n {
            return None;
        }
        if i == self.next.0 {
            let (value, next) = plain_value(&self.buf, self.next.1)?;
            self.next = (i + 1, next);
            return Some(value);
        }
        let (start, end) = {
            let ranges = self
                .ranges
                .get_or_insert_with(|| plain_ranges(&self.buf, self.n));
            *ranges.as_ref()?.get(i)?
        };
        self.next = (i + 1, end);
        self.buf.get(start..end)
    }
}

/// Where each of `n` plain byte-array values lies in `buf`, or `None` if they do not fit.
fn plain_ranges(buf: &[u8], n: usize) -> Option<Vec<(usize, usize)>> {
    let mut ranges = Vec::with_capacity(n.min(buf.len() / 4));
    let mut p = 0usize;
    for _ in 0..n {
        let (_, end) = plain_value(buf, p)?;
        ranges.push((p + 4, end));
        p = end;
    }
    Some(ranges)
}

/// The plain byte-array value at byte `p` of `buf` (a 4-byte little-endian length, then
/// the bytes) and the byte after it, or `None` where it does not fit in `buf`.
#[inline]
fn plain_value(buf: &[u8], p: usize) -> Option<(&[u8], usize)> {
    let start = p.checked_add(4)?;
    let len = u32::from_le_bytes(buf.get(p..start)?.try_into().ok()?) as usize;
    let end = start.checked_add(len)?;
    Some((buf.get(start..end)?, end))
}

/// Whether the first `n` definition levels (bit width 1, the RLE/bit-packed hybrid) are
/// all 1: no value is null.
fn all_ones(levels: &[u8], n: usize) -> bool {
    hybrid(levels, 1, n, |v| v == 1)
}

/// Calls `f` on each of `n` dictionary indices of an indexed page (its bit width first),
/// while `f` says the value is the same; whether all were.
fn for_each_index(buf: &[u8], n: usize, f: impl FnMut(u32) -> bool) -> bool {
    match buf.split_first() {
        Some((&width, rest)) if width <= 32 => hybrid(rest, u32::from(width), n, f),
        // No values need no bit width.
        None => n == 0,
        _ => false,
    }
}

/// Decodes `n` values of `width` bits from the RLE/bit-packed hybrid encoding in `buf`,
/// calling `f` on each while it returns true; whether all `n` were read and accepted.
fn hybrid(buf: &[u8], width: u32, n: usize, mut f: impl FnMut(u32) -> bool) -> bool {
    let mut p = 0usize;
    let mut left = n;
    let value_bytes = width.div_ceil(8) as usize;
    let mask = if width == 32 {
        u32::MAX
    } else {
        (1u32 << width) - 1
    };
    while left > 0 {
        let Some(header) = uleb128(buf, &mut p) else {
            return false;
        };
        if header & 1 == 0 {
            // A run of one value.
            let run = usize::try_from(header >> 1).unwrap_or(usize::MAX).min(left);
            let Some(bytes) = buf.get(p..p + value_bytes) else {
                return false;
            };
            p += value_bytes;
            let mut v = 0u32;
            for (i, &b) in bytes.iter().enumerate() {
                v |= u32::from(b) << (8 * i);
            }
            if run == 0 || v & !mask != 0 {
                return false;
            }
            for _ in 0..run {
                if !f(v) {
                    return false;
                }
            }
            left -= run;
        } else {
            // Groups of eight values packed low bit first.
            let groups = usize::try_from(header >> 1).unwrap_or(usize::MAX);
            let Some(len) = groups.checked_mul(width as usize) else {
                return false;
            };
            let Some(packed) = buf.get(p..p.saturating_add(len)) else {
                return false;
            };
            if groups == 0 {
                return false;
            }
            p += len;
            let count = (groups * 8).min(left);
            // Byte-aligned widths (a dictionary of up to 65,536 ids: 16 bits) read whole.
            let accepted = match width {
                8 => packed.iter().take(count).all(|&b| f(u32::from(b))),
                16 => packed
                    .chunks_exact(2)
                    .take(count)
                    .all(|c| f(u32::from(u16::from_le_bytes([c[0], c[1]])))),
                32 => packed
                    .chunks_exact(4)
                    .take(count)
                    .all(|c| f(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
                _ => unpack(packed, width, mask, count, &mut f),
            };
            if !accepted {
                return false;
            }
            left -= count;
        }
    }
    true
}

/// `count` values of `width` bits packed low bit first in `packed`, to `f` while it accepts
/// them; whether all were accepted.
fn unpack(
    packed: &[u8],
    width: u32,
    mask: u32,
    count: usize,
    f: &mut impl FnMut(u32) -> bool,
) -> bool {
    let mut bit = 0usize;
    for _ in 0..count {
        let mut v = 0u64;
        let (byte, shift) = (bit / 8, bit % 8);
        // A value spans at most five bytes (32 bits at any shift).
        for (i, &b) in packed[byte..].iter().take(5).enumerate() {
            v |= u64::from(b) << (8 * i);
        }
        if !f(((v >> shift) as u32) & mask) {
            return false;
        }
        bit += width as usize;
    }
    true
}

/// An unsigned LEB128 integer at `*p`, which moves past it.
fn uleb128(buf: &[u8], p: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*p)?;
        *p += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::{WriterProperties, WriterVersion};

    const ROWS: usize = 30_000;

    fn ids(n: usize) -> Vec<String> {
        // Lengths vary (3 to 7 bytes), so a value cut in the wrong place cannot match.
        (0..n).map(|i| format!("n{:x}", i * 37)).collect()
    }

    /// Writes `ids` (nullable or not) and a float column in row groups of 7,000 rows.
    fn write(path: &Path, ids: &[Option<String>], nullable: bool, props: WriterProperties) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, nullable),
            Field::new("v", DataType::Float64, false),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(ids.to_vec())),
            Arc::new(Float64Array::from_iter_values(
                (0..ids.len()).map(|i| i as f64),
            )),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, Some(props))
            .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    /// The ways writers lay out an id column: dictionary pages that give way to plain ones
    /// when the dictionary fills (pyarrow's and arrow-rs's default), plain only, data pages
    /// v2, many small pages, with and without definition levels.
    fn layouts() -> Vec<(&'static str, bool, WriterProperties)> {
        let base = || WriterProperties::builder().set_max_row_group_row_count(Some(7_000));
        vec![
            (
                "dictionary, then plain",
                true,
                base().set_dictionary_page_size_limit(20_000).build(),
            ),
            ("dictionary only", true, base().build()),
            ("plain", true, base().set_dictionary_enabled(false).build()),
            (
                "required column",
                false,
                base().set_dictionary_page_size_limit(20_000).build(),
            ),
            // (v2's writer falls back to DELTA_BYTE_ARRAY, which is not compared: below.)
            (
                "data pages v2",
                true,
                base()
                    .set_writer_version(WriterVersion::PARQUET_2_0)
                    .build(),
            ),
            (
                "small pages",
                true,
                base()
                    .set_data_page_row_count_limit(100)
                    .set_write_batch_size(100)
                    .build(),
            ),
        ]
    }

    fn holds(path: &Path, known: &Strings, groups: &[usize], first: usize) -> bool {
        let metadata = crate::dataset::read_footer(path).unwrap();
        holds_known(path, metadata.metadata(), groups, 0, known, first)
    }

    #[test]
    fn pages_hold_the_known_ids_exactly_where_they_are_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        let all = ids(ROWS);
        let known: Strings = all.iter().collect();
        let groups: Vec<usize> = (0..ROWS.div_ceil(7_000)).collect();
        for (layout, nullable, props) in layouts() {
            let some = |v: &[String]| v.iter().cloned().map(Some).collect::<Vec<_>>();
            write(&path, &some(&all), nullable, props.clone());
            assert!(holds(&path, &known, &groups, 0), "{layout}");
            // Parts of the row groups, at their rows of the known column.
            assert!(holds(&path, &known, &[1, 2], 7_000), "{layout}");
            assert!(!holds(&path, &known, &[1, 2], 7_001), "{layout}");
            assert!(!holds(&path, &known, &[1, 2], 0), "{layout}");
            // A value changed anywhere, two swapped, one cut into two, fewer or more ids.
            for at in [0, 6_999, 7_000, 15_555, ROWS - 1] {
                let mut other = all.clone();
                other[at].push('x');
                write(&path, &some(&other), nullable, props.clone());
                assert!(!holds(&path, &known, &groups, 0), "{layout} at {at}");
            }
            let mut swapped = all.clone();
            swapped.swap(20_000, 20_001);
            let mut moved = all.clone();
            let tail = moved[101].split_off(2);
            moved[102].insert_str(0, &tail);
            for other in [swapped, moved] {
                write(&path, &some(&other), nullable, props.clone());
                assert!(!holds(&path, &known, &groups, 0), "{layout}");
            }
            // Fewer ids are the known column's first ones (the caller compares lengths).
            write(&path, &some(&all[..ROWS - 1]), nullable, props.clone());
            assert!(holds(&path, &known, &groups, 0), "{layout}");
            let mut longer = all.clone();
            longer.push("n-extra".into());
            write(&path, &some(&longer), nullable, props.clone());
            assert!(!holds(&path, &known, &groups, 0), "{layout}");
            // A null id is never compared this way (the column's reader reports it).
            if nullable {
                let mut with_null = some(&all);
                with_null[9_000] = None;
                write(&path, &with_null, nullable, props);
                assert!(!holds(&path, &known, &groups, 0), "{layout}");
            }
        }
    }

    /// Each row group's ids read from the pages are the column's values, in every layout;
    /// a null, an empty id or bytes that are not UTF-8 leave the reading to Arrow.
    #[test]
    fn text_read_from_pages_is_the_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        let mut all = ids(ROWS);
        all[5] = "é-ünïcode".into();
        let some: Vec<Option<String>> = all.iter().cloned().map(Some).collect();
        for (layout, nullable, props) in layouts() {
            write(&path, &some, nullable, props.clone());
            let metadata = crate::dataset::read_footer(&path).unwrap();
            for g in 0..ROWS.div_ceil(7_000) {
                let got = read_text(&path, metadata.metadata(), g, 0).expect(layout);
                let end = (7_000 * (g + 1)).min(ROWS);
                assert_eq!(got.to_vec(), all[7_000 * g..end], "{layout}, group {g}");
            }
            for bad in [None, Some(String::new())] {
                let mut rows = some.clone();
                rows[7_003] = bad.clone();
                if bad.is_none() && !nullable {
                    continue;
                }
                write(&path, &rows, nullable, props.clone());
                let metadata = crate::dataset::read_footer(&path).unwrap();
                assert!(
                    read_text(&path, metadata.metadata(), 0, 0).is_some(),
                    "{layout}"
                );
                assert!(
                    read_text(&path, metadata.metadata(), 1, 0).is_none(),
                    "{layout}"
                );
            }
        }
        // Bytes that are not UTF-8, whole or cut inside a character.
        for values in [
            vec![b"ok".to_vec(), vec![0xff, 0x41]],
            vec!["é".as_bytes()[..1].to_vec(), "é".as_bytes()[1..].to_vec()],
        ] {
            let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Binary, false)]));
            let column: ArrayRef = Arc::new(arrow_array::BinaryArray::from_iter_values(values));
            let batch = RecordBatch::try_new(schema.clone(), vec![column]).unwrap();
            let mut w =
                ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None).unwrap();
            w.write(&batch).unwrap();
            w.close().unwrap();
            let metadata = crate::dataset::read_footer(&path).unwrap();
            assert!(read_text(&path, metadata.metadata(), 0, 0).is_none());
        }
    }

    /// Byte strings of every length around the two-word comparison's, equal and differing
    /// at each byte.
    #[test]
    fn same_compares_every_byte() {
        for n in 0..24usize {
            let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
            assert!(same(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 1;
                assert!(!same(&a, &b), "{n} at {at}");
            }
            assert!(!same(&a, &a[..n.saturating_sub(1)]) || n == 0, "{n}");
        }
    }

    /// Indices of every bit width from 0 (one distinct value) up, in RLE runs and in
    /// bit-packed groups, and definition levels in both kinds of run.
    #[test]
    fn hybrid_runs_decode_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        for distinct in [1usize, 2, 3, 200, 5_000] {
            // Long runs of one value (RLE) and a cycle through the dictionary (bit-packed).
            let values: Vec<String> = (0..ROWS)
                .map(|i| {
                    let k = if i < ROWS / 2 { i / 1_000 } else { i };
                    format!("v{}", k % distinct)
                })
                .collect();
            let known: Strings = values.iter().collect();
            let rows: Vec<Option<String>> = values.iter().cloned().map(Some).collect();
            for (layout, nullable, props) in layouts() {
                write(&path, &rows, nullable, props);
                let groups: Vec<usize> = (0..ROWS.div_ceil(7_000)).collect();
                assert!(
                    holds(&path, &known, &groups, 0),
                    "{layout}, {distinct} values"
                );
            }
        }
        // Encodings not read here are never "the same".
        let ids: Vec<Option<String>> = ids(ROWS).into_iter().map(Some).collect();
        let delta = WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_2_0)
            .set_dictionary_enabled(false)
            .build();
        write(&path, &ids, true, delta);
        let known: Strings = ids.iter().flatten().collect();
        assert!(!holds(&path, &known, &[0], 0));
        let mut seen = Vec::new();
        // Bit-packed: 0b1011_0001 then 0b0000_0010 at width 3 are 1, 6, 2, 1, 0 (low first).
        assert!(hybrid(&[0b11, 0b1011_0001, 0b0000_0010, 0], 3, 5, |v| {
            seen.push(v);
            true
        }));
        assert_eq!(seen, [1, 6, 2, 1, 0]);
        // Byte-aligned widths: one group of eight 16-bit and 32-bit values, low byte first.
        for width in [8u32, 16, 32] {
            let values: Vec<u32> = (0..8).map(|i| 0x0102_0304u32.wrapping_mul(i + 1)).collect();
            let mask = if width == 32 {
                u32::MAX
            } else {
                (1 << width) - 1
            };
            let mut buf = vec![(1 << 1) | 1];
            for v in &values {
                buf.extend_from_slice(&(v & mask).to_le_bytes()[..width as usize / 8]);
            }
            let mut seen = Vec::new();
            assert!(hybrid(&buf, width, 7, |v| {
                seen.push(v);
                true
            }));
            let want: Vec<u32> = values[..7].iter().map(|v| v & mask).collect();
            assert_eq!(seen, want, "width {width}");
        }
        // An RLE run of 4 fives, then too few bytes for the rest.
        let mut n = 0;
        assert!(hybrid(&[4 << 1, 5], 3, 4, |v| {
            n += 1;
            v == 5
        }));
        assert_eq!(n, 4);
        assert!(!hybrid(&[4 << 1, 5], 3, 5, |_| true));
        assert!(!hybrid(&[], 1, 1, |_| true));
    }
}
