//! Small two-dimensional tables (predictions, meta models, stakes, scores) from Parquet or CSV.
//!
//! Parquet columns keep their type (strings as text, numbers as f64 with their on-disk
//! width). CSV cells stay text until a caller asks for a column as numbers, so ids and eras
//! such as "0001" are never mangled; a cell that does not parse is reported with its line.

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};

use crate::strings::{ExtendFromArrow, Strings};
use crate::{FloatWidth, IoError};

/// A column's values.
#[derive(Debug, Clone)]
pub enum Values {
    /// Text cells (CSV cells, parquet strings).
    Text(Strings),
    /// Numbers; NaN stands for missing.
    Float(Vec<f64>, FloatWidth),
    /// Parquet integers, kept as their decimal text (empty for null): an integer id above
    /// 2^53 has no f64 of its own, so two ids that differ would compare equal as numbers.
    /// Read as numbers, they are the nearest double, as before.
    Integer(Strings),
}

/// A named column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Its values.
    pub values: Values,
}

/// A table read from (or to be written to) one file.
#[derive(Debug, Clone)]
pub struct Frame {
    path: PathBuf,
    columns: Vec<Column>,
    rows: usize,
    /// Whether its text columns are a CSV file's cells, text by nature (numbers included),
    /// rather than columns stored as text (parquet, Arrow).
    csv_cells: bool,
}

impl Frame {
    /// Builds a frame from columns of equal length (used for outputs).
    pub fn new(path: impl Into<PathBuf>, columns: Vec<Column>) -> Result<Self, IoError> {
        let path = path.into();
        let rows = columns.first().map_or(0, |c| len(&c.values));
        if let Some(c) = columns.iter().find(|c| len(&c.values) != rows) {
            return Err(IoError::invalid(
                &path,
                format!(
                    "column '{}' has {} rows, expected {rows}",
                    c.name,
                    len(&c.values)
                ),
            ));
        }
        Ok(Self {
            path,
            columns,
            rows,
            csv_cells: false,
        })
    }

    /// Builds a frame of a CSV file's cells (text columns hold cells, read as numbers when
    /// a caller asks), from columns of equal length.
    pub fn from_csv_cells(path: impl Into<PathBuf>, columns: Vec<Column>) -> Result<Self, IoError> {
        let mut frame = Self::new(path, columns)?;
        frame.csv_cells = true;
        Ok(frame)
    }

    /// The file this frame came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Where row `row` (zero-based) of the table sits in its file, for messages: the line
    /// of a CSV file (its header is line 1), the zero-based row of a parquet file or an
    /// in-memory table.
    pub fn location(&self, row: usize) -> String {
        // Told by what the frame holds, not by its path's extension: an in-memory table
        // (named after its argument) has rows, not lines.
        if self.csv_cells {
            format!("line {}", row + 2)
        } else {
            format!("row {row}")
        }
    }

    /// Column names in file order.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// All columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Whether a column exists.
    pub fn has(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.name == name)
    }

    fn column(&self, name: &str) -> Result<&Column, IoError> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| IoError::missing(&self.path, name, &self.names()))
    }

    /// A column as text (numbers are formatted).
    pub fn text(&self, name: &str) -> Result<Cow<'_, Strings>, IoError> {
        Ok(match &self.column(name)?.values {
            Values::Text(v) | Values::Integer(v) => Cow::Borrowed(v),
            Values::Float(v, _) => Cow::Owned(v.iter().map(|x| format_number(*x)).collect()),
        })
    }

    /// Moves a column out as text (numbers are formatted), leaving it empty: ids of a large
    /// file are handed over without copying every string.
    pub fn take_text(&mut self, name: &str) -> Result<Strings, IoError> {
        let names = self.names();
        let col = self
            .columns
            .iter_mut()
            .find(|c| c.name == name)
            .ok_or_else(|| IoError::missing(&self.path, name, &names))?;
        Ok(match &mut col.values {
            Values::Text(v) | Values::Integer(v) => std::mem::take(v),
            Values::Float(v, _) => v.iter().map(|x| format_number(*x)).collect(),
        })
    }

    /// A column as numbers; empty cells and "nan" are NaN, anything else unparsable is an
    /// error naming the line.
    pub fn float(&self, name: &str) -> Result<(Cow<'_, [f64]>, FloatWidth), IoError> {
        let col = self.column(name)?;
        match &col.values {
            Values::Float(v, w) => Ok((Cow::Borrowed(v.as_slice()), *w)),
            Values::Text(v) | Values::Integer(v) => {
                let mut out = Vec::with_capacity(v.len());
                for (i, cell) in v.iter().enumerate() {
                    out.push(parse_number(cell).ok_or_else(|| {
                        let message = format!("column '{name}': '{cell}' is not a number");
                        if self.csv_cells {
                            IoError::Csv {
                                path: self.path.clone(),
                                line: i as u64 + 2,
                                message,
                            }
                        } else {
                            IoError::invalid(
                                &self.path,
                                format!("{message} ({})", self.location(i)),
                            )
                        }
                    })?);
                }
                Ok((Cow::Owned(out), FloatWidth::F64))
            }
        }
    }

    /// Moves the named columns out as numbers (as [`Frame::float`] reads them), leaving them
    /// empty: the prediction columns of a large file are handed over without a copy.
    pub fn take_floats(&mut self, names: &[String]) -> Result<Vec<Vec<f64>>, IoError> {
        let index: std::collections::HashMap<&str, usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        let positions = names
            .iter()
            .map(|n| {
                index
                    .get(n.as_str())
                    .copied()
                    .ok_or_else(|| IoError::missing(&self.path, n, &self.names()))
            })
            .collect::<Result<Vec<usize>, IoError>>()?;
        let mut out = Vec::with_capacity(names.len());
        for (name, i) in names.iter().zip(positions) {
            let v = match &mut self.columns[i].values {
                Values::Float(v, _) => std::mem::take(v),
                Values::Text(_) | Values::Integer(_) => self.float(name)?.0.into_owned(),
            };
            out.push(v);
        }
        Ok(out)
    }

    /// Whether a column is numeric (parquet numbers, or CSV cells that all parse; a column
    /// stored as text never is, see [`Frame::stored_text`]).
    pub fn is_numeric(&self, name: &str) -> bool {
        match self.column(name).map(|c| &c.values) {
            Ok(Values::Float(..) | Values::Integer(_)) => true,
            Ok(Values::Text(v)) => self.csv_cells && v.iter().all(|c| parse_number(c).is_some()),
            Err(_) => false,
        }
    }

    /// The cells of a column stored as text: a parquet or Arrow string (or binary) column,
    /// which pandas reads as strings and numerai-tools refuses as values, "0.5" included.
    /// `None` for a numeric column, a missing one, and every column of a CSV file, whose
    /// cells are text by nature and read as numbers when a caller asks, as pandas reads
    /// them.
    pub fn stored_text(&self, name: &str) -> Option<&Strings> {
        match self.column(name).map(|c| &c.values) {
            Ok(Values::Text(v)) if !self.csv_cells => Some(v),
            _ => None,
        }
    }
}

fn len(v: &Values) -> usize {
    match v {
        Values::Text(t) | Values::Integer(t) => t.len(),
        Values::Float(f, _) => f.len(),
    }
}

/// A text cell as a number: empty, "nan" and "na" (any case) are NaN; `None` when the cell
/// is not a number.
pub fn parse_number(cell: &str) -> Option<f64> {
    let t = cell.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("nan") || t.eq_ignore_ascii_case("na") {
        return Some(f64::NAN);
    }
    t.parse::<f64>().ok()
}

/// Shortest text that reads back as the same f64; NaN is the empty cell.
pub fn format_number(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

/// Whether `path` names a parquet file (by extension).
pub fn is_parquet(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()),
        Some(ref e) if e == "parquet" || e == "pq"
    )
}

/// Column names of a parquet or CSV file, reading only its schema or header line.
pub fn column_names(path: &Path) -> Result<Vec<String>, IoError> {
    if is_parquet(path) {
        return crate::dataset::parquet_column_names(path);
    }
    let file = File::open(path).map_err(|e| IoError::file(path, e))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(file);
    let (headers, _) = csv_header(path, &mut reader)?;
    Ok(headers)
}

/// The header of a CSV file, checked: no two columns with one name, none without a name.
/// pandas' `to_csv()` writes the row index first under an empty name (or "Unnamed: 0" once
/// read and written again); that column is the index, never data, and is left out: the
/// second value says it was there.
fn csv_header<R: std::io::Read>(
    path: &Path,
    reader: &mut csv::Reader<R>,
) -> Result<(Vec<String>, bool), IoError> {
    let mut headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let unnamed = |h: &str| h.is_empty() || h.starts_with("Unnamed: ");
    let index = headers.len() > 1 && unnamed(&headers[0]);
    if index {
        headers.remove(0);
    }
    if let Some(k) = headers.iter().position(|h| unnamed(h)) {
        return Err(IoError::invalid(
            path,
            format!(
                "column {} of the header has no name ('{}'); every column needs one",
                k + 1 + usize::from(index),
                headers[k]
            ),
        ));
    }
    check_distinct(path, &headers)?;
    Ok((headers, index))
}

/// Refuses a file with two columns of the same name: which one a reader took would be
/// arbitrary, and a model column would be scored twice.
fn check_distinct(path: &Path, names: &[String]) -> Result<(), IoError> {
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    match names.iter().find(|n| !seen.insert(n.as_str())) {
        Some(n) => Err(IoError::invalid(
            path,
            format!("two columns are named '{n}'"),
        )),
        None => Ok(()),
    }
}

/// Refuses a request that names a column twice (a reader asked for one column in two
/// roles, e.g. `id` as the value column too).
fn check_wanted(path: &Path, wanted: &[&str]) -> Result<(), IoError> {
    let mut seen = std::collections::HashSet::with_capacity(wanted.len());
    match wanted.iter().find(|w| !seen.insert(**w)) {
        Some(w) => Err(IoError::invalid(
            path,
            format!("column '{w}' was asked for twice"),
        )),
        None => Ok(()),
    }
}

/// The positions in a table's `names` of the `wanted` columns (all when `None`), in the
/// order asked: no column asked for twice, none of them (or of the whole table, when all are
/// read) sharing its name with another column, and every one present.
fn column_indices(
    path: &Path,
    names: &[String],
    wanted: Option<&[&str]>,
) -> Result<Vec<usize>, IoError> {
    let Some(wanted) = wanted else {
        check_distinct(path, names)?;
        return Ok((0..names.len()).collect());
    };
    check_wanted(path, wanted)?;
    // By name, not by scanning: a tournament's predictions have 10,000 model columns.
    let wanted_set: std::collections::HashSet<&str> = wanted.iter().copied().collect();
    let asked: Vec<String> = names
        .iter()
        .filter(|n| wanted_set.contains(n.as_str()))
        .cloned()
        .collect();
    check_distinct(path, &asked)?;
    let position: std::collections::HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    wanted
        .iter()
        .map(|c| {
            position
                .get(c)
                .copied()
                .ok_or_else(|| IoError::missing(path, c, names))
        })
        .collect()
}

/// Reads a whole table from a parquet or CSV file (chosen by extension).
pub fn read_frame(path: &Path) -> Result<Frame, IoError> {
    read_frame_columns(path, None)
}

/// Reads only `columns` (all when `None`) from a parquet or CSV file.
pub fn read_frame_columns(path: &Path, columns: Option<&[&str]>) -> Result<Frame, IoError> {
    read_frame_columns_like(path, columns, None)
}

/// [`read_frame_columns`], where a text column may repeat one already read: with `like =
/// (name, known)`, column `name`, when it holds `known`'s values in `known`'s order, is
/// `known` itself (a clone sharing its buffers) and nothing of it is copied or kept while
/// reading a parquet file; each batch is compared with `known` where it would have been
/// appended. From the first batch that differs on, the column is read as any other. A
/// prediction file written while iterating the data then holds the data's id column,
/// which matching compares by pointer.
pub fn read_frame_columns_like(
    path: &Path,
    columns: Option<&[&str]>,
    like: Option<(&str, &Strings)>,
) -> Result<Frame, IoError> {
    if is_parquet(path) {
        return read_parquet(path, columns, None, like);
    }
    let mut frame = read_csv(path, columns)?;
    if let Some((name, known)) = like {
        repeat_known(&mut frame, name, known);
    }
    Ok(frame)
}

/// [`read_frame_columns`] of a parquet file's row groups that may hold a row of one of
/// `eras` (by the `era` column's min/max statistics; every group where there are none): a
/// reader that works through a file era by era decodes each group about once. Rows of other
/// eras in the groups read are kept; CSV files are read whole.
pub fn read_frame_eras(
    path: &Path,
    columns: Option<&[&str]>,
    eras: &[String],
) -> Result<Frame, IoError> {
    if is_parquet(path) {
        read_parquet(path, columns, Some(eras), None)
    } else {
        read_csv(path, columns)
    }
}

fn read_parquet(
    path: &Path,
    wanted: Option<&[&str]>,
    eras: Option<&[String]>,
    like: Option<(&str, &Strings)>,
) -> Result<Frame, IoError> {
    let plan = ParquetPlan::new(path, wanted, eras)?;
    let (blocks, alone) = plan.blocks(like.map(|(name, _)| name));
    let decoded = plan.decode_blocks(&blocks, alone, like)?;
    plan.assemble(decoded, wanted)
}

/// Row groups of a table file decoded by one task, and where their rows start in the table.
#[derive(Clone)]
struct Part {
    groups: Vec<usize>,
    first_row: usize,
    rows: usize,
}

/// What a parquet table read decodes: the file's footer, the row groups and the columns
/// (in file order) it reads, and how many rows they hold.
struct ParquetPlan {
    path: PathBuf,
    metadata: parquet::arrow::arrow_reader::ArrowReaderMetadata,
    groups: Vec<usize>,
    /// Rows of each group read.
    group_rows: Vec<usize>,
    /// The columns read, by their index in the file, in file order.
    sorted: Vec<usize>,
    kinds: Vec<Kind>,
    rows: usize,
    file_len: usize,
}

impl ParquetPlan {
    fn new(path: &Path, wanted: Option<&[&str]>, eras: Option<&[String]>) -> Result<Self, IoError> {
        let mut lap = crate::timings::Lap::start();
        let metadata = crate::dataset::read_footer(path)?;
        let footer = metadata.metadata();
        let schema = metadata.schema().clone();
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let group_rows = crate::dataset::row_group_rows(path, footer)?;
        let groups: Vec<usize> = match (eras, names.iter().position(|n| n == "era")) {
            (Some(eras), Some(era_column)) => (0..group_rows.len())
                .filter(|&g| crate::dataset::may_hold_eras(footer, g, era_column, eras))
                .collect(),
            _ => (0..group_rows.len()).collect(),
        };
        let mut sorted = column_indices(path, &names, wanted)?;
        sorted.sort_unstable();
        let kinds: Vec<Kind> = sorted
            .iter()
            .map(|&i| Kind::of(schema.field(i).data_type()))
            .collect();
        crate::timings::add("read: footers of the other files", lap.lap());
        // A capacity hint only (columns grow past it if need be): genuine files hold at
        // least a byte per row, and a corrupt footer must not size an allocation.
        let file_len = usize::try_from(std::fs::metadata(path).map_or(0, |m| m.len())).unwrap_or(0);
        let rows: usize = groups
            .iter()
            .map(|&g| group_rows[g])
            .fold(0usize, usize::saturating_add)
            .min(file_len);
        let group_rows = groups.iter().map(|&g| group_rows[g]).collect();
        Ok(Self {
            path: path.to_path_buf(),
            metadata,
            groups,
            group_rows,
            sorted,
            kinds,
            rows,
            file_len,
        })
    }

    /// Every row group read, as one part.
    fn whole(&self) -> Part {
        Part {
            groups: self.groups.clone(),
            first_row: 0,
            rows: self.rows,
        }
    }

    /// The row groups read in up to `n` runs of about equal rows, in order: a column
    /// decoded alone (the ids) is then decoded by several tasks, not one while the other
    /// cores wait.
    fn parts(&self, n: usize) -> Vec<Part> {
        let total: usize = self.group_rows.iter().sum();
        let share = total.div_ceil(n.max(1)).max(1);
        let mut parts: Vec<Part> = Vec::new();
        let mut first_row = 0;
        for (&g, &r) in self.groups.iter().zip(&self.group_rows) {
            match parts.last_mut() {
                Some(p) if p.rows < share => {
                    p.groups.push(g);
                    p.rows += r;
                }
                _ => parts.push(Part {
                    groups: vec![g],
                    first_row,
                    rows: r,
                }),
            }
            first_row += r;
        }
        if parts.is_empty() {
            parts.push(self.whole());
        }
        // Capacity hints only, as `rows`: never beyond the file's bytes.
        for p in &mut parts {
            p.rows = p.rows.min(self.file_len);
        }
        parts
    }

    /// Blocks of columns (ranges of `sorted`) decoded as one task each: a prediction file's
    /// id column and each model's column decode at once, and a tournament's 10,000 columns
    /// go in a few tasks, each large enough to pay for its reader. Column `alone`, when
    /// read, is a block of its own, whose place comes back.
    fn blocks(&self, alone: Option<&str>) -> (Vec<std::ops::Range<usize>>, Option<usize>) {
        let schema = self.metadata.schema();
        let split = alone.and_then(|name| {
            self.sorted
                .iter()
                .position(|&i| schema.field(i).name() == name)
        });
        let per_task = self
            .sorted
            .len()
            .div_ceil(4 * rayon::current_num_threads().max(1))
            .max(1);
        let chunk = |range: std::ops::Range<usize>| {
            let end = range.end;
            range
                .step_by(per_task)
                .map(move |b| b..(b + per_task).min(end))
        };
        match split {
            Some(at) => {
                let before: Vec<_> = chunk(0..at).collect();
                let place = before.len();
                let blocks = before
                    .into_iter()
                    .chain(std::iter::once(at..at + 1))
                    .chain(chunk(at + 1..self.sorted.len()))
                    .collect();
                (blocks, Some(place))
            }
            None => (chunk(0..self.sorted.len()).collect(), None),
        }
    }

    /// Decodes the columns of `block` over every row group read into their own final
    /// columns (no piece is copied twice). With `like`, as [`read_frame_columns_like`].
    ///
    /// Only the row groups of `part` are decoded. When the `like` column holds the known
    /// column's values at the part's rows all through, it is left empty and the number of
    /// rows it held comes back ([`ParquetPlan::joined`] puts the known values in).
    fn decode(
        &self,
        block: std::ops::Range<usize>,
        part: &Part,
        like: Option<(&str, &Strings)>,
    ) -> Result<(Vec<Column>, Option<usize>), IoError> {
        let path = self.path.as_path();
        let footer = self.metadata.metadata();
        let schema = self.metadata.schema();
        let rows = part.rows;
        // Sized up front: grown batch by batch, each column would be reallocated and copied
        // log2(batches) times, and every fresh page costs a fault (on a VM, a costly one).
        let flat = crate::dataset::is_flat(&self.metadata);
        let text_bytes = |i: usize| -> usize {
            if !flat {
                return 0;
            }
            part.groups
                .iter()
                .map(|&g| {
                    usize::try_from(footer.row_group(g).column(i).uncompressed_size()).unwrap_or(0)
                })
                .fold(0usize, usize::saturating_add)
                // Only a hint, and the footer is user input: never reserve far beyond the
                // file.
                .min(self.file_len.saturating_mul(16))
        };
        let mut columns: Vec<Column> = self.sorted[block.clone()]
            .iter()
            .zip(&self.kinds[block.clone()])
            .map(|(&i, kind)| {
                let name = schema.field(i).name().clone();
                // No room for a column that may repeat a known one: it is usually never
                // written, and each reservation would still fault in a fresh (huge) page.
                let rows = if like.is_some_and(|(l, _)| l == name) {
                    0
                } else {
                    rows
                };
                let values = match kind {
                    Kind::Text if rows > 0 => {
                        Values::Text(Strings::with_capacity(rows, text_bytes(i)))
                    }
                    kind => kind.empty(rows),
                };
                Column { name, values }
            })
            .collect();
        let mask = ProjectionMask::roots(
            footer.file_metadata().schema_descr(),
            self.sorted[block].iter().copied(),
        );
        // A source per task, as for a data file's tasks (`dataset::ReadPlan::decode`).
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
            crate::source::Source::open(path)?,
            self.metadata.clone(),
        )
        .with_projection(mask)
        .with_row_groups(part.groups.clone())
        // Batches small enough that the reader's buffers are reused from one to the next
        // rather than grown (fresh pages), and no larger than the rows.
        .with_batch_size(rows.clamp(1, BATCH_ROWS))
        .build()
        .map_err(|e| IoError::parquet(path, e))?;
        // The column that may repeat a known one: its place, the known column, and how
        // many of the part's rows so far are the known column's rows at the same place
        // (none once a batch differs).
        let mut follow = like.and_then(|(name, known)| {
            let c = columns.iter().position(|c| {
                c.name == name && matches!(c.values, Values::Text(_) | Values::Integer(_))
            })?;
            Some((c, known, Some(0usize)))
        });
        let mut first_row = part.first_row;
        for batch in crate::parquet_guard::batches(path, reader) {
            let batch = batch?;
            for (c, col) in columns.iter_mut().enumerate() {
                if let Some((fc, known, held @ Some(_))) = &mut follow {
                    if *fc == c {
                        let rows = held.unwrap_or(0);
                        let s = crate::text_array(path, &col.name, batch.column(c), first_row)?;
                        if known.holds_arrow(part.first_row + rows, s.as_ref()) {
                            *held = Some(rows + s.len());
                            continue;
                        }
                        if let Values::Text(v) | Values::Integer(v) = &mut col.values {
                            v.extend_from_range(known, part.first_row, rows);
                        }
                        *held = None;
                    }
                }
                append(path, &col.name, batch.column(c), first_row, &mut col.values)?;
            }
            first_row += batch.num_rows();
        }
        Ok((columns, follow.and_then(|(_, _, held)| held)))
    }

    /// Every block of columns decoded, a task each, over every row group read. Block
    /// `alone` (the like column, [`ParquetPlan::blocks`]) is [`ParquetPlan::like_column`]
    /// given `like`, and left empty without it (a two-step read finishes it later): the
    /// other blocks never hold the like column, so they decode as they are.
    fn decode_blocks(
        &self,
        blocks: &[std::ops::Range<usize>],
        alone: Option<usize>,
        like: Option<(&str, &Strings)>,
    ) -> Result<Vec<Vec<Column>>, IoError> {
        use rayon::prelude::*;
        let whole = self.whole();
        blocks
            .par_iter()
            .enumerate()
            .map(|(k, block)| match like {
                _ if alone != Some(k) => Ok(self.decode(block.clone(), &whole, None)?.0),
                Some((name, known)) => self.like_column(block.clone(), name, Some(known)),
                None => Ok(Vec::new()),
            })
            .collect()
    }

    /// Column `block` (the like column `name`, decoded alone) in parts of the row groups:
    /// the known column itself where the file's pages hold `known`'s values, compared part
    /// by part on every thread with nothing decoded (a file in the data's order); else
    /// decoded part by part (sharing the known values where a part holds them) and joined.
    fn like_column(
        &self,
        block: std::ops::Range<usize>,
        name: &str,
        known: Option<&Strings>,
    ) -> Result<Vec<Column>, IoError> {
        use rayon::prelude::*;
        let parts = self.parts(2 * rayon::current_num_threads().max(1));
        if let Some(known) = known {
            if known.len() == self.rows
                && parts
                    .par_iter()
                    .all(|part| self.text_holds(block.start, part, known))
            {
                return Ok(vec![Column {
                    name: name.to_string(),
                    values: Values::Text(known.clone()),
                }]);
            }
        }
        let like = known.map(|k| (name, k));
        let parts = parts
            .into_par_iter()
            .map(|part| {
                let (columns, held) = self.decode(block.clone(), &part, like)?;
                Ok((part, columns, held))
            })
            .collect::<Result<Vec<_>, IoError>>()?;
        Ok(self.joined(parts, like))
    }

    /// Whether sorted column `at`, a text column, holds `known`'s values at the rows of
    /// `part`, compared page by page ([`text_pages::holds_known`]); false for other columns
    /// and wherever the pages are not read that way.
    fn text_holds(&self, at: usize, part: &Part, known: &Strings) -> bool {
        crate::dataset::is_flat(&self.metadata)
            && matches!(self.kinds.get(at), Some(Kind::Text))
            && self.sorted.get(at).is_some_and(|&column| {
                crate::text_pages::holds_known(
                    &self.path,
                    self.metadata.metadata(),
                    &part.groups,
                    column,
                    known,
                    part.first_row,
                )
            })
    }

    /// The columns of a block decoded part by part (in order), joined: the `like` column is
    /// the known one itself where every part held all of its values, else its values part
    /// by part (a part that held them taking the known values at its rows).
    fn joined(
        &self,
        parts: Vec<(Part, Vec<Column>, Option<usize>)>,
        like: Option<(&str, &Strings)>,
    ) -> Vec<Column> {
        let held_rows = parts
            .iter()
            .map(|(_, _, held)| *held)
            .sum::<Option<usize>>();
        let shared = like.filter(|(_, known)| held_rows == Some(known.len()));
        let mut joined: Option<Vec<Column>> = None;
        for (part, mut columns, held) in parts {
            if let (Some((name, known)), Some(n), None) = (like, held, shared) {
                if let Some(Values::Text(v) | Values::Integer(v)) = columns
                    .iter_mut()
                    .find(|c| c.name == name)
                    .map(|c| &mut c.values)
                {
                    v.extend_from_range(known, part.first_row, n);
                }
            }
            let Some(all) = &mut joined else {
                joined = Some(columns);
                continue;
            };
            for (a, b) in all.iter_mut().zip(columns) {
                match (&mut a.values, b.values) {
                    (
                        Values::Text(a) | Values::Integer(a),
                        Values::Text(b) | Values::Integer(b),
                    ) => a.extend_from(&b),
                    (Values::Float(a, _), Values::Float(b, _)) => a.extend(b),
                    // Every part decodes the same columns into the same kinds.
                    _ => {}
                }
            }
        }
        let mut columns = joined.unwrap_or_default();
        if let Some((name, known)) = shared {
            if let Some(Values::Text(v) | Values::Integer(v)) = columns
                .iter_mut()
                .find(|c| c.name == name)
                .map(|c| &mut c.values)
            {
                *v = known.clone();
            }
        }
        columns
    }

    /// The frame of the decoded blocks, in the caller's order of columns.
    fn assemble(
        &self,
        decoded: Vec<Vec<Column>>,
        wanted: Option<&[&str]>,
    ) -> Result<Frame, IoError> {
        let mut columns: Vec<Column> = decoded.into_iter().flatten().collect();
        if let Some(w) = wanted {
            let mut ordered = Vec::with_capacity(w.len());
            for name in w {
                if let Some(p) = columns.iter().position(|c| c.name == *name) {
                    ordered.push(columns.swap_remove(p));
                }
            }
            columns = ordered;
        }
        Frame::new(&self.path, columns)
    }
}

/// A table read in two steps ([`read_frame_columns_pending`]): every column but one is
/// decoded, the one that may repeat a known column waits for it ([`PendingFrame::finish`]).
pub struct PendingFrame {
    state: Pending,
}

enum Pending {
    /// Read whole already (a CSV file); `like` applies when finished.
    Read(Frame, String),
    /// A parquet file's plan, its decoded blocks and the block left (the like column).
    Parquet {
        // Boxed: a pending read is moved between tasks, and the plan is most of it.
        plan: Box<ParquetPlan>,
        decoded: Vec<Vec<Column>>,
        held: Option<std::ops::Range<usize>>,
        wanted: Option<Vec<String>>,
        like: String,
    },
}

/// [`read_frame_columns_like`] in two steps, so that a file's other columns decode while
/// the known column is still being read (the data's ids, say): this decodes every column of
/// `columns` but `like`, and [`PendingFrame::finish`] the `like` column, given the known
/// one. The same frame as one call of [`read_frame_columns_like`]; the footer's errors and
/// the other columns' come here, the `like` column's from `finish`.
pub fn read_frame_columns_pending(
    path: &Path,
    columns: Option<&[&str]>,
    like: &str,
) -> Result<PendingFrame, IoError> {
    if !is_parquet(path) {
        return Ok(PendingFrame {
            state: Pending::Read(read_csv(path, columns)?, like.to_string()),
        });
    }
    let plan = ParquetPlan::new(path, columns, None)?;
    let (blocks, held) = plan.blocks(Some(like));
    let decoded = plan.decode_blocks(&blocks, held, None)?;
    Ok(PendingFrame {
        state: Pending::Parquet {
            held: held.map(|k| blocks[k].clone()),
            decoded,
            wanted: columns.map(|c| c.iter().map(|s| s.to_string()).collect()),
            like: like.to_string(),
            plan: Box::new(plan),
        },
    })
}

impl PendingFrame {
    /// Decodes the column left and returns the table, the `like` column being `known`
    /// where it holds `known`'s values (as [`read_frame_columns_like`]).
    pub fn finish(self, known: Option<&Strings>) -> Result<Frame, IoError> {
        match self.state {
            Pending::Read(mut frame, name) => {
                if let Some(known) = known {
                    repeat_known(&mut frame, &name, known);
                }
                Ok(frame)
            }
            Pending::Parquet {
                plan,
                mut decoded,
                held,
                wanted,
                like,
            } => {
                if let Some(block) = held {
                    decoded.push(plan.like_column(block, &like, known)?);
                }
                let wanted: Option<Vec<&str>> = wanted
                    .as_ref()
                    .map(|w| w.iter().map(String::as_str).collect());
                plan.assemble(decoded, wanted.as_deref())
            }
        }
    }
}

/// A CSV file's column `name` as `known` itself where it holds `known`'s values.
fn repeat_known(frame: &mut Frame, name: &str, known: &Strings) {
    for col in &mut frame.columns {
        if let Values::Text(v) | Values::Integer(v) = &mut col.values {
            if col.name == name && v == known {
                *v = known.clone();
            }
        }
    }
}

/// Rows per batch of a table file's reader.
const BATCH_ROWS: usize = 16_384;

/// How a parquet column is kept in a [`Frame`].
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Integer,
    Float(FloatWidth),
}

impl Kind {
    fn of(t: &DataType) -> Self {
        if is_text(t) {
            Kind::Text
        } else if is_integer(t) {
            Kind::Integer
        } else if t == &DataType::Float32 {
            Kind::Float(FloatWidth::F32)
        } else {
            Kind::Float(FloatWidth::F64)
        }
    }

    fn empty(self, rows: usize) -> Values {
        match self {
            Kind::Text => Values::Text(Strings::with_capacity(rows, 0)),
            Kind::Integer => Values::Integer(Strings::with_capacity(rows, 0)),
            Kind::Float(w) => Values::Float(Vec::with_capacity(rows), w),
        }
    }
}

/// Builds a frame from Arrow record batches (an in-memory table handed over through the
/// Arrow C stream interface, say), keeping `wanted` columns in that order (all when `None`).
/// Text columns stay text, numeric ones become f64 with their width; `label` stands in for a
/// file name in error messages.
pub fn frame_from_batches(
    label: &Path,
    schema: &Schema,
    batches: impl IntoIterator<Item = Result<RecordBatch, arrow_schema::ArrowError>>,
    wanted: Option<&[&str]>,
) -> Result<Frame, IoError> {
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let indices = column_indices(label, &names, wanted)?;
    let mut columns: Vec<Column> = indices
        .iter()
        .map(|&i| {
            let f = schema.field(i);
            let values = if is_text(f.data_type()) {
                Values::Text(Strings::new())
            } else if is_integer(f.data_type()) {
                Values::Integer(Strings::new())
            } else if f.data_type() == &DataType::Float32 {
                Values::Float(Vec::new(), FloatWidth::F32)
            } else {
                Values::Float(Vec::new(), FloatWidth::F64)
            };
            Column {
                name: f.name().clone(),
                values,
            }
        })
        .collect();
    let mut first_row = 0;
    for batch in batches {
        let batch = batch.map_err(|e| IoError::invalid(label, e.to_string()))?;
        for (col, &i) in columns.iter_mut().zip(&indices) {
            append(
                label,
                &col.name.clone(),
                batch.column(i),
                first_row,
                &mut col.values,
            )?;
        }
        first_row += batch.num_rows();
    }
    Frame::new(label, columns)
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

fn is_integer(t: &DataType) -> bool {
    match t {
        DataType::Dictionary(_, v) => is_integer(v),
        t => t.is_integer(),
    }
}

fn append(
    path: &Path,
    name: &str,
    array: &ArrayRef,
    first_row: usize,
    out: &mut Values,
) -> Result<(), IoError> {
    match out {
        Values::Text(v) => {
            // Dictionary-encoded and binary text goes through a plain string array first.
            let s = crate::text_array(path, name, array, first_row)?;
            if !v.extend_from_arrow(&s) {
                return Err(IoError::invalid(
                    path,
                    format!("column '{name}' is not text"),
                ));
            }
        }
        Values::Integer(v) => {
            let s = crate::text_array(path, name, array, first_row)?;
            if !v.extend_from_arrow(&s) {
                return Err(IoError::invalid(
                    path,
                    format!("column '{name}' is not integers"),
                ));
            }
        }
        Values::Float(v, _) => {
            let f =
                crate::convert::to_float64(array.as_ref()).map_err(|_| IoError::NotNumeric {
                    path: path.to_path_buf(),
                    column: name.to_string(),
                    found: array.data_type().to_string(),
                })?;
            let f =
                f.as_any()
                    .downcast_ref::<Float64Array>()
                    .ok_or_else(|| IoError::NotNumeric {
                        path: path.to_path_buf(),
                        column: name.to_string(),
                        found: array.data_type().to_string(),
                    })?;
            match f.nulls() {
                // The common case, a column without nulls: one copy of the values buffer.
                None => v.extend_from_slice(f.values()),
                Some(nulls) => v.extend(f.values().iter().zip(nulls.iter()).map(|(&x, valid)| {
                    if valid {
                        x
                    } else {
                        f64::NAN
                    }
                })),
            }
        }
    }
    Ok(())
}

fn read_csv(path: &Path, wanted: Option<&[&str]>) -> Result<Frame, IoError> {
    let file = File::open(path).map_err(|e| IoError::file(path, e))?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
    let (headers, index) = csv_header(path, &mut reader)?;
    if let Some(w) = wanted {
        check_wanted(path, w)?;
    }
    let skip = usize::from(index);
    let indices: Vec<usize> = match wanted {
        None => (0..headers.len()).collect(),
        Some(w) => w
            .iter()
            .map(|c| {
                headers.iter().position(|h| h == c).ok_or_else(|| {
                    let mut e = IoError::missing(path, c, &headers);
                    if let (true, IoError::ColumnNotFound { hint, .. }) = (index, &mut e) {
                        hint.push_str(
                            "; its first column has no name: a pandas index written by \
                             to_csv(), which is not read (name it, e.g. to_csv(index_label=\"id\"))",
                        );
                    }
                    e
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let mut cells: Vec<Strings> = vec![Strings::new(); indices.len()];
    // One record reused for every row: its fields are copied straight into the columns.
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        for (k, &i) in indices.iter().enumerate() {
            cells[k].push(record.get(i + skip).unwrap_or(""));
        }
    }
    let columns = indices
        .iter()
        .zip(cells)
        .map(|(&i, v)| Column {
            name: headers[i].clone(),
            values: Values::Text(v),
        })
        .collect();
    Frame::from_csv_cells(path, columns)
}

fn csv_error(path: &Path, e: csv::Error) -> IoError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("row has {len} fields, the header has {expected_len}"),
        _ => e.to_string(),
    };
    IoError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Writes `frame` to `path` as parquet or CSV (by extension). The file appears only once
/// it is complete: it is written under a temporary sibling name and renamed.
pub fn write_frame(path: &Path, frame: &Frame) -> Result<(), IoError> {
    let mut staged = crate::output::OutputFiles::new();
    let tmp = staged.stage(path)?;
    write_frame_unstaged(&tmp, frame, path)?;
    staged.commit()
}

/// Writes `frame` straight to `file`, in the format `format_of`'s extension names; for
/// callers that stage several outputs themselves ([`crate::output`]).
pub fn write_frame_unstaged(file: &Path, frame: &Frame, format_of: &Path) -> Result<(), IoError> {
    if is_parquet(format_of) {
        write_parquet(file, frame)
    } else {
        write_csv(file, frame)
    }
}

fn write_csv(path: &Path, frame: &Frame) -> Result<(), IoError> {
    let file = File::create(path).map_err(|e| IoError::file(path, e))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let werr = |e: csv::Error| IoError::invalid(path, e.to_string());
    w.write_record(frame.columns.iter().map(|c| c.name.as_str()))
        .map_err(werr)?;
    for r in 0..frame.rows {
        for c in &frame.columns {
            match &c.values {
                Values::Text(v) | Values::Integer(v) => w.write_field(&v[r]),
                Values::Float(v, _) => w.write_field(format_number(v[r])),
            }
            .map_err(werr)?;
        }
        // Ends the row; the fields were written one by one, without a row of owned copies.
        w.write_record(None::<&[u8]>).map_err(werr)?;
    }
    w.flush().map_err(|e| IoError::file(path, e))
}

fn write_parquet(path: &Path, frame: &Frame) -> Result<(), IoError> {
    let fields: Vec<Field> = frame
        .columns
        .iter()
        .map(|c| match c.values {
            Values::Text(_) => Field::new(&c.name, DataType::Utf8, false),
            Values::Integer(_) => Field::new(&c.name, DataType::Int64, true),
            Values::Float(..) => Field::new(&c.name, DataType::Float64, true),
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays: Vec<ArrayRef> = frame
        .columns
        .iter()
        .map(|c| -> ArrayRef {
            match &c.values {
                Values::Text(v) => Arc::new(StringArray::from_iter_values(v)),
                // Read from an Int64 or narrower column, every value fits; an unsigned one
                // past i64::MAX is written as null rather than wrapped.
                Values::Integer(v) => Arc::new(arrow_array::Int64Array::from_iter(
                    v.iter().map(|x| x.parse::<i64>().ok()),
                )),
                Values::Float(v, _) => Arc::new(Float64Array::from_iter(v.iter().map(|x| {
                    if x.is_nan() {
                        None
                    } else {
                        Some(*x)
                    }
                }))),
            }
        })
        .collect();
    let batch =
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| IoError::parquet(path, e))?;
    let file = File::create(path).map_err(|e| IoError::file(path, e))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut writer =
        ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| IoError::parquet(path, e))?;
    writer
        .write(&batch)
        .map_err(|e| IoError::parquet(path, e))?;
    writer.close().map_err(|e| IoError::parquet(path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path, name: &str) -> Frame {
        Frame::new(
            dir.join(name),
            vec![
                Column {
                    name: "id".into(),
                    values: Values::Text(["n1", "n2"].into_iter().collect()),
                },
                Column {
                    name: "score".into(),
                    values: Values::Float(vec![0.25, f64::NAN], FloatWidth::F64),
                },
            ],
        )
        .unwrap()
    }

    /// Writes ids (text or integers) and one float column in row groups of 10,000 rows, so
    /// a 40,000-row file spans several reader batches.
    fn write_ids(path: &Path, ids: ArrayRef) {
        let n = ids.len();
        let values: ArrayRef = Arc::new(Float64Array::from_iter_values((0..n).map(|i| i as f64)));
        let batch = RecordBatch::try_from_iter([("id", ids), ("v", values)]).unwrap();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(10_000))
            .build();
        let mut w =
            ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    /// A file's id column read beside the data's ids: the data's column itself where the
    /// file lists the same ids in the same order, the file's own values wherever it does not
    /// (a later batch differs, rows reordered, fewer or more rows), for text and integer ids.
    #[test]
    fn ids_like_the_datas_are_the_datas_column_and_others_read_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        let names = |n: usize| -> Vec<String> { (0..n).map(|i| format!("n{i:05x}")).collect() };
        let known: Strings = names(40_000).iter().collect();
        // Read in one step and in two (the ids in parts of the file's four row groups,
        // decoded on their own): the same column either way, the data's where it holds.
        let read = |ids: Vec<String>| {
            write_ids(&path, Arc::new(StringArray::from(ids)));
            let f = read_frame_columns_like(&path, None, Some(("id", &known))).unwrap();
            let two = read_frame_columns_pending(&path, None, "id")
                .unwrap()
                .finish(Some(&known))
                .unwrap();
            let (one_ids, two_ids) = (f.text("id").unwrap(), two.text("id").unwrap());
            assert_eq!(one_ids.shares(&known), two_ids.shares(&known));
            assert_eq!(one_ids.to_vec(), two_ids.to_vec());
            assert_eq!(f.float("v").unwrap().0, two.float("v").unwrap().0);
            (one_ids.into_owned(), f.float("v").unwrap().0.len())
        };
        let (same, rows) = read(names(40_000));
        assert!(same.shares(&known) && rows == 40_000);
        let mut later = names(40_000);
        later[30_001] = "other".into();
        let mut reordered = names(40_000);
        reordered.swap(3, 4);
        let mut last = names(40_000);
        last[39_999] = "other".into();
        let mut first = names(40_000);
        first[0] = "other".into();
        for ids in [later, reordered, last, first, names(25_000), names(40_001)] {
            let (got, rows) = read(ids.clone());
            assert!(!got.shares(&known));
            assert_eq!(got.to_vec(), ids);
            assert_eq!(rows, ids.len());
        }
        // Integer ids are compared as the text they are read as.
        let numbers: Strings = (0..40_000).map(|i| (i * 7).to_string()).collect();
        let ints: ArrayRef = Arc::new(arrow_array::Int64Array::from_iter_values(
            (0..40_000).map(|i| i * 7),
        ));
        write_ids(&path, ints);
        let f = read_frame_columns_like(&path, None, Some(("id", &numbers))).unwrap();
        assert!(f.text("id").unwrap().shares(&numbers));
        // A CSV file listing the same ids holds the same column too.
        let csv = dir.path().join("p.csv");
        std::fs::write(&csv, "id,v\nn1,0.5\nn2,1\n").unwrap();
        let two: Strings = ["n1", "n2"].into_iter().collect();
        let f = read_frame_columns_like(&csv, None, Some(("id", &two))).unwrap();
        assert!(f.text("id").unwrap().shares(&two));
    }

    #[test]
    fn csv_and_parquet_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["t.csv", "t.parquet"] {
            let f = sample(dir.path(), name);
            write_frame(f.path(), &f).unwrap();
            let back = read_frame(f.path()).unwrap();
            assert_eq!(back.text("id").unwrap().to_vec(), ["n1", "n2"]);
            let (s, _) = back.float("score").unwrap();
            assert_eq!(s[0], 0.25);
            assert!(s[1].is_nan());
        }
    }

    /// The in-memory path refuses what the file readers refuse: a column asked for twice,
    /// two columns of one name.
    #[test]
    fn batches_refuse_repeated_columns() {
        use arrow_array::{Float64Array, StringArray};
        use arrow_schema::Field;
        use std::sync::Arc;
        let schema = Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("model", DataType::Float64, true),
            Field::new("model", DataType::Float64, true),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema.clone()),
            vec![
                Arc::new(StringArray::from(vec!["a"])),
                Arc::new(Float64Array::from(vec![0.5])),
                Arc::new(Float64Array::from(vec![0.25])),
            ],
        )
        .unwrap();
        let label = Path::new("<frame>");
        let e = frame_from_batches(label, &schema, [Ok(batch.clone())], None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("two columns are named 'model'"), "{e}");
        let e = frame_from_batches(label, &schema, [Ok(batch.clone())], Some(&["id", "id"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("column 'id' was asked for twice"), "{e}");
        let f = frame_from_batches(label, &schema, [Ok(batch)], Some(&["id"])).unwrap();
        assert_eq!(f.text("id").unwrap().to_vec(), ["a"]);
    }

    #[test]
    fn columns_are_picked_by_name_in_the_order_asked() {
        let names: Vec<String> = ["id", "era", "m1", "m0"].map(String::from).to_vec();
        let p = Path::new("p.parquet");
        assert_eq!(
            column_indices(p, &names, Some(&["m0", "id"])).unwrap(),
            vec![3, 0]
        );
        assert_eq!(column_indices(p, &names, None).unwrap(), vec![0, 1, 2, 3]);
        let e = column_indices(p, &names, Some(&["m0", "m0"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("column 'm0' was asked for twice"), "{e}");
        let e = column_indices(p, &names, Some(&["m2"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("m2"), "{e}");
        let twice: Vec<String> = ["id", "m0", "m0"].map(String::from).to_vec();
        let e = column_indices(p, &twice, Some(&["m0"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("two columns are named 'm0'"), "{e}");
        // A repeated name that was not asked for is no error when columns are picked.
        assert_eq!(column_indices(p, &twice, Some(&["id"])).unwrap(), vec![0]);
    }

    #[test]
    fn missing_output_directories_are_created() {
        let dir = tempfile::tempdir().unwrap();
        let f = sample(&dir.path().join("a/b"), "t.csv");
        write_frame(f.path(), &f).unwrap();
        assert_eq!(read_frame(f.path()).unwrap().rows(), 2);
    }

    #[test]
    fn malformed_csv_row_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.csv");
        std::fs::write(&p, "id,prediction\na,0.5\nb,0.1,9\n").unwrap();
        let e = read_frame(&p).unwrap_err().to_string();
        assert!(e.contains("bad.csv:3"), "{e}");
    }

    #[test]
    fn non_numeric_cell_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.csv");
        std::fs::write(&p, "id,prediction\na,0.5\nb,high\n").unwrap();
        let f = read_frame(&p).unwrap();
        let e = f.float("prediction").unwrap_err().to_string();
        assert!(e.contains("p.csv:3") && e.contains("high"), "{e}");
    }

    #[test]
    fn missing_file_and_column() {
        let e = read_frame(Path::new("/nonexistent/x.parquet"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/x.parquet"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let f = sample(dir.path(), "t.csv");
        write_frame(f.path(), &f).unwrap();
        let e = read_frame_columns(f.path(), Some(&["nope"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope"), "{e}");
    }

    #[test]
    fn truncated_parquet_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = sample(dir.path(), "t.parquet");
        write_frame(f.path(), &f).unwrap();
        let bytes = std::fs::read(f.path()).unwrap();
        std::fs::write(f.path(), &bytes[..bytes.len() / 2]).unwrap();
        assert!(read_frame(f.path()).is_err());
    }
}
