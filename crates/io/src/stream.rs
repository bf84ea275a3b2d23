//! The streaming reader: a data file's ids, eras and targets up front (the cheap columns),
//! its int8 features on demand, a few eras at a time.
//!
//! [`open_dataset`] plans from the era column (which row groups hold which eras, pruned by
//! the column's statistics where the file has them and an era window asks for part of the
//! file), reads id, era and targets of the row groups that hold the eras in the window, and
//! returns a [`FeatureReader`] that decodes the feature columns of any set of those rows,
//! by row group and row selection, in parallel. Features therefore never exist for the
//! whole file at once: memory follows the eras in flight, not the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::ArrayRef;
use bytes::{Buf, Bytes};
use erascore_input::{message, Input};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ParquetRecordBatchReaderBuilder, RowSelection,
};
use parquet::arrow::ProjectionMask;
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::statistics::Statistics;
use rayon::prelude::*;

use crate::dataset::{
    fill_feature, plan_columns, push_text, read_row_groups, row_group_rows, starts, Dataset,
    DatasetRequest, FeatureSelection, BATCH_ROWS, FEATURES_PER_TASK,
};
use crate::era::{era_number, era_order};
use crate::strings::Strings;
use crate::IoError;

/// Which eras to score ([`Input::Eras`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EraWindow {
    /// Every era of the file.
    #[default]
    All,
    /// From the first to the last label, both included, in era order (`0575..0700`).
    Range(String, String),
    /// The last N eras in era order (`last:100`).
    Last(usize),
    /// Exactly these eras (`0575,0576,0600`).
    List(Vec<String>),
}

impl std::str::FromStr for EraWindow {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        // One form per value: a range and a list in one value ("0002..0003,0005") would
        // otherwise be read as the range 0002..(0003,0005) and score eras never named.
        if s.contains(',') && (s.contains("..") || s.contains("last:")) {
            return Err(format!(
                "'{s}': give one of FIRST..LAST, last:N or a comma-separated list of eras, \
                 not a mix (list every era to score several ranges: 0002,0003,0005)"
            ));
        }
        if let Some(n) = s.strip_prefix("last:") {
            return match n.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(EraWindow::Last(n)),
                _ => Err(format!(
                    "'{s}': last:N needs a whole number N of at least 1"
                )),
            };
        }
        if let Some((a, b)) = s.split_once("..") {
            let (a, b) = (a.trim(), b.trim());
            if a.is_empty() || b.is_empty() || b.contains("..") {
                return Err(format!("'{s}': a range needs both ends, as in 0575..0700"));
            }
            if in_order(b, a) && !in_order(a, b) {
                return Err(format!("'{s}': the range is empty ({b} comes before {a})"));
            }
            return Ok(EraWindow::Range(a.into(), b.into()));
        }
        let list: Vec<String> = s.split(',').map(|e| e.trim().to_string()).collect();
        if list.iter().any(String::is_empty) {
            return Err(format!(
                "'{s}': expected FIRST..LAST, last:N or a comma-separated list of eras"
            ));
        }
        Ok(EraWindow::List(list))
    }
}

/// `a` comes no later than `b` in era order (numbers when both labels end with one).
fn in_order(a: &str, b: &str) -> bool {
    match (era_number(a), era_number(b)) {
        (Some(x), Some(y)) => x <= y,
        _ => a <= b,
    }
}

/// A label made of `len` ASCII digits: the labels whose byte order (the order of parquet's
/// statistics) is their numeric order.
fn digits_of_len(s: &[u8], len: usize) -> bool {
    s.len() == len && s.iter().all(u8::is_ascii_digit)
}

impl EraWindow {
    /// Whether a row group whose era column lies within `min..=max` (byte order, from its
    /// statistics) can hold an era of the window. `true` when the statistics cannot tell.
    fn may_hold(&self, min: &[u8], max: &[u8]) -> bool {
        match self {
            EraWindow::All | EraWindow::Last(_) => true,
            EraWindow::List(eras) => eras
                .iter()
                .any(|e| min <= e.as_bytes() && e.as_bytes() <= max),
            EraWindow::Range(a, b) => {
                let len = a.len();
                let comparable = [a.as_bytes(), b.as_bytes(), min, max]
                    .iter()
                    .all(|s| digits_of_len(s, len));
                !comparable || (min <= b.as_bytes() && a.as_bytes() <= max)
            }
        }
    }

    /// The labels of `eras` (a file's distinct eras) the window keeps; a listed era the file
    /// lacks is an error.
    fn select(&self, path: &Path, eras: &[String]) -> Result<Vec<String>, IoError> {
        let kept: Vec<String> = match self {
            EraWindow::All => eras.to_vec(),
            EraWindow::Range(a, b) => eras
                .iter()
                .filter(|e| in_order(a, e) && in_order(e, b))
                .cloned()
                .collect(),
            EraWindow::Last(n) => {
                let order = era_order(eras);
                order[order.len().saturating_sub(*n)..]
                    .iter()
                    .map(|&i| eras[i].clone())
                    .collect()
            }
            EraWindow::List(list) => {
                if let Some(missing) = list.iter().find(|e| !eras.contains(e)) {
                    return Err(IoError::Input {
                        path: path.to_path_buf(),
                        message: message![
                            format!("era '{missing}' (from "),
                            Input::Eras,
                            ") is not in the file"
                        ],
                    });
                }
                list.clone()
            }
        };
        if kept.is_empty() {
            return Err(IoError::Input {
                path: path.to_path_buf(),
                message: message![
                    "no era of the file is in the window ",
                    Input::Eras,
                    format!(" {self}")
                ],
            });
        }
        Ok(kept)
    }
}

impl std::fmt::Display for EraWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EraWindow::All => write!(f, "all"),
            EraWindow::Range(a, b) => write!(f, "{a}..{b}"),
            EraWindow::Last(n) => write!(f, "last:{n}"),
            EraWindow::List(l) => write!(f, "{}", l.join(",")),
        }
    }
}

/// How a file's rows are laid out by era, which decides how features are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Every era's rows are one run of consecutive rows (Numerai's files): a batch of eras
    /// is a range of rows, and each row group is decoded about once.
    Grouped,
    /// Some era's rows are spread over the file: each batch of eras reads its rows by row
    /// selection from every row group that holds one of them.
    Scattered,
}

impl Layout {
    /// The layout of the era index `eras` (one entry per row).
    pub fn of(eras: &[u32]) -> Layout {
        // Era indices are small and dense (one per era name): a table, not a hash of every
        // row, counts them.
        let mut seen = vec![false; eras.iter().max().map_or(0, |&m| m as usize + 1)];
        let mut distinct = 0;
        for &e in eras {
            distinct += usize::from(!std::mem::replace(&mut seen[e as usize], true));
        }
        let runs = eras.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!eras.is_empty());
        if runs == distinct {
            Layout::Grouped
        } else {
            Layout::Scattered
        }
    }

    /// For messages: "grouped by era" or "eras scattered (row selection)".
    pub fn describe(self) -> &'static str {
        match self {
            Layout::Grouped => "grouped by era (streamed in row order)",
            Layout::Scattered => "eras scattered over the file (each batch read by row selection)",
        }
    }
}

/// A data file opened for streaming: its cheap columns in memory, features on demand.
#[derive(Debug)]
pub struct StreamingDataset {
    /// Ids, eras and targets of the rows in the era window; `feature_names` names the
    /// features the reader decodes and `features` is empty.
    pub data: Dataset,
    /// Decodes the features of any rows of `data`.
    pub features: FeatureReader,
    /// How the rows are laid out by era.
    pub layout: Layout,
    /// Row groups whose data were read (the others hold no era of the window).
    pub row_groups: Vec<usize>,
}

/// Opens `path` for streaming: plans from the era column which row groups hold the eras of
/// `window`, reads `id`, `era` and the requested targets of those rows, and readies the
/// requested features for [`FeatureReader::read`].
pub fn open_dataset(
    path: &Path,
    request: &DatasetRequest,
    window: &EraWindow,
) -> Result<StreamingDataset, IoError> {
    let mut lap = crate::timings::Lap::start();
    let metadata = crate::dataset::read_footer(path)?;
    // Checks every requested column before reading any.
    let (feature_names, wanted) = plan_columns(path, metadata.schema(), request)?;
    let group_rows = row_group_rows(path, metadata.metadata())?;
    let group_start = starts(&group_rows);
    let era_column = find_column(&metadata, "era");
    let id_column = find_column(&metadata, "id");
    let mut feature_columns = vec![0; feature_names.len()];
    for (i, slot) in &wanted {
        if let crate::dataset::Slot::Feature(k) = slot {
            feature_columns[*k] = *i;
        }
    }
    let skeleton = DatasetRequest {
        features: FeatureSelection::None,
        targets: request.targets.clone(),
    };
    let (groups, selected) = match window {
        EraWindow::All => ((0..group_rows.len()).collect::<Vec<_>>(), None),
        _ => {
            let (groups, eras) = window_groups(path, &metadata, era_column, window)?;
            (groups, Some(eras))
        }
    };
    crate::timings::add("read: data footer and plan", lap.lap());
    let mut data =
        read_row_groups(path, &skeleton, Some(&groups), None, Some(&metadata)).map_err(corrupt)?;
    let mut file_rows: Option<Vec<u32>> = None;
    if groups.len() != group_rows.len() || selected.is_some() {
        let mut rows: Vec<u32> = Vec::with_capacity(data.rows());
        for &g in &groups {
            rows.extend((group_start[g]..group_start[g] + group_rows[g]).map(|r| r as u32));
        }
        file_rows = Some(rows);
    }
    if let Some(eras) = &selected {
        let keep_era: Vec<bool> = data.era_names.iter().map(|e| eras.contains(e)).collect();
        let keep: Vec<u32> = (0..data.rows() as u32)
            .filter(|&r| keep_era[data.eras[r as usize] as usize])
            .collect();
        if keep.len() != data.rows() {
            file_rows = file_rows.map(|f| keep.iter().map(|&r| f[r as usize]).collect());
            data = data.select_rows(&keep);
        }
    }
    let layout = Layout::of(&data.eras);
    data.feature_names = feature_names.clone();
    crate::timings::add("read: data ids, eras, targets", lap.lap());
    Ok(StreamingDataset {
        data,
        layout,
        row_groups: groups,
        features: FeatureReader {
            path: path.to_path_buf(),
            metadata,
            names: feature_names,
            columns: feature_columns,
            id_column,
            group_rows,
            group_start,
            file_rows,
            decoded: AtomicUsize::new(0),
        },
    })
}

fn find_column(metadata: &ArrowReaderMetadata, name: &str) -> usize {
    metadata
        .schema()
        .fields()
        .iter()
        .position(|f| f.name() == name)
        .unwrap_or(0)
}

/// The row groups holding an era of `window`, and the window's eras. A row group whose era
/// statistics exclude every era of the window is skipped without reading its era column.
fn window_groups(
    path: &Path,
    metadata: &ArrowReaderMetadata,
    era_column: usize,
    window: &EraWindow,
) -> Result<(Vec<usize>, Vec<String>), IoError> {
    let era_leaf = crate::dataset::leaves(
        metadata.metadata().file_metadata().schema_descr(),
        [era_column],
    )
    .first()
    .copied();
    let candidates: Vec<usize> = (0..metadata.metadata().num_row_groups())
        .filter(|&g| {
            let Some(leaf) = era_leaf else {
                return true;
            };
            let chunk = metadata.metadata().row_group(g).column(leaf);
            match chunk.statistics() {
                Some(s @ Statistics::ByteArray(_)) if !s.is_min_max_deprecated() => {
                    match (s.min_bytes_opt(), s.max_bytes_opt()) {
                        (Some(min), Some(max)) => window.may_hold(min, max),
                        _ => true,
                    }
                }
                _ => true,
            }
        })
        .collect();
    // The era column of each candidate group: distinct labels per group.
    let labels: Vec<Vec<String>> = candidates
        .par_iter()
        .map(|&g| group_eras(path, metadata, era_column, g).map_err(corrupt))
        .collect::<Result<_, _>>()?;
    let mut all: Vec<String> = Vec::new();
    for l in labels.iter().flatten() {
        if !all.contains(l) {
            all.push(l.clone());
        }
    }
    let eras = window.select(path, &all)?;
    let groups = candidates
        .iter()
        .zip(&labels)
        .filter(|(_, l)| l.iter().any(|e| eras.contains(e)))
        .map(|(&g, _)| g)
        .collect();
    Ok((groups, eras))
}

/// The distinct era labels of row group `g`.
fn group_eras(
    path: &Path,
    metadata: &ArrowReaderMetadata,
    era_column: usize,
    g: usize,
) -> Result<Vec<String>, IoError> {
    let file = File::open(path).map_err(|e| IoError::file(path, e))?;
    let mask = ProjectionMask::roots(
        metadata.metadata().file_metadata().schema_descr(),
        [era_column],
    );
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
        .with_row_groups(vec![g])
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| IoError::parquet(path, e))?;
    let mut distinct: Vec<String> = Vec::new();
    for batch in crate::parquet_guard::batches(path, reader) {
        let mut text = Strings::new();
        push_text(path, "era", batch?.column(0), &mut text, 0, None)?;
        let mut previous: Option<&str> = None;
        for e in text.iter() {
            if previous != Some(e) && !distinct.iter().any(|d| d == e) {
                distinct.push(e.to_string());
            }
            previous = Some(e);
        }
    }
    Ok(distinct)
}

/// Decodes int8 feature columns of chosen rows of a data file (see [`open_dataset`]).
#[derive(Debug)]
pub struct FeatureReader {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    names: Vec<String>,
    /// File column of each feature.
    columns: Vec<usize>,
    id_column: usize,
    group_rows: Vec<usize>,
    group_start: Vec<usize>,
    /// File row of each row of the dataset, when they are not the same.
    file_rows: Option<Vec<u32>>,
    /// Row-group decodes so far (one per row group and block of features), for tests and
    /// timings.
    decoded: AtomicUsize,
}

/// One unit of parallel decoding: the selected rows of a row group and a block of feature
/// columns, with the output slices they fill.
struct Task<'a> {
    group: usize,
    /// Offsets within the row group, ascending.
    offsets: &'a [usize],
    features: Vec<(usize, &'a mut [i8])>,
}

impl FeatureReader {
    /// The features it decodes, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Row groups decoded so far, counting each (row group, block of features) task once
    /// per block: a measure of how much of the file was read.
    pub fn decoded_groups(&self) -> usize {
        self.decoded.load(Ordering::Relaxed)
    }

    /// One int8 column per feature holding the values of `rows` (rows of the dataset,
    /// ascending), decoded in parallel by row group and block of columns.
    pub fn read(&self, rows: &[u32]) -> Result<Vec<Vec<i8>>, IoError> {
        let path = self.path.as_path();
        let file_row = |r: u32| -> usize {
            match &self.file_rows {
                Some(f) => f[r as usize] as usize,
                None => r as usize,
            }
        };
        // Offsets of the rows within each row group they fall in.
        let mut per_group: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut g = 0;
        for &r in rows {
            let fr = file_row(r);
            while g + 1 < self.group_start.len() && self.group_start[g + 1] <= fr {
                g += 1;
            }
            match per_group.last_mut() {
                Some((lg, offs)) if *lg == g => offs.push(fr - self.group_start[g]),
                _ => per_group.push((g, vec![fr - self.group_start[g]])),
            }
        }
        let mut out: Vec<Vec<i8>> = self.names.iter().map(|_| vec![0i8; rows.len()]).collect();
        let mut parts: Vec<Vec<(usize, &mut [i8])>> =
            per_group.iter().map(|_| Vec::new()).collect();
        for (k, col) in out.iter_mut().enumerate() {
            let mut rest: &mut [i8] = col.as_mut_slice();
            for (p, (_, offs)) in per_group.iter().enumerate() {
                let (head, tail) = rest.split_at_mut(offs.len());
                parts[p].push((k, head));
                rest = tail;
            }
        }
        let mut tasks: Vec<Task<'_>> = Vec::new();
        for ((g, offs), mut feats) in per_group.iter().zip(parts) {
            while !feats.is_empty() {
                let rest = feats.split_off(feats.len().min(FEATURES_PER_TASK));
                tasks.push(Task {
                    group: *g,
                    offsets: offs,
                    features: std::mem::replace(&mut feats, rest),
                });
            }
        }
        tasks
            .into_par_iter()
            .try_for_each(|task| self.decode(path, task))?;
        Ok(out)
    }

    /// Decodes one task. The footer and the cheap columns have been read by now, so a
    /// failure of the parquet reader here is a corrupt column chunk, and says so as the
    /// decoder's panics do.
    fn decode(&self, path: &Path, task: Task<'_>) -> Result<(), IoError> {
        self.decode_task(path, task).map_err(corrupt)
    }

    fn decode_task(&self, path: &Path, task: Task<'_>) -> Result<(), IoError> {
        self.decoded.fetch_add(1, Ordering::Relaxed);
        let g = task.group;
        let mut columns: Vec<(usize, usize)> = task
            .features
            .iter()
            .enumerate()
            .map(|(pos, (k, _))| (self.columns[*k], pos))
            .collect();
        columns.sort_by_key(|(i, _)| *i);
        let mask = ProjectionMask::roots(
            self.metadata.metadata().file_metadata().schema_descr(),
            columns.iter().map(|(i, _)| *i),
        );
        let chunks = ColumnChunks::read(path, &self.metadata, g, columns.iter().map(|(i, _)| *i))?;
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(chunks, self.metadata.clone())
                .with_row_groups(vec![g])
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS);
        let whole = task.offsets.len() == self.group_rows[g];
        if !whole {
            builder = builder.with_row_selection(RowSelection::from_consecutive_ranges(
                runs(task.offsets).into_iter(),
                self.group_rows[g],
            ));
        }
        let reader = builder.build().map_err(|e| IoError::parquet(path, e))?;
        let mut feats = task.features;
        let mut done = 0;
        let no_ids = Strings::new();
        for batch in crate::parquet_guard::batches(path, reader) {
            let batch = batch?;
            let n = batch.num_rows();
            if done + n > task.offsets.len() {
                return Err(IoError::invalid(
                    path,
                    format!("row group {g} holds more rows than its metadata says"),
                ));
            }
            for (c, (_, pos)) in columns.iter().enumerate() {
                let array: &ArrayRef = batch.column(c);
                let (k, out) = &mut feats[*pos];
                fill_feature(
                    path,
                    &self.names[*k],
                    array,
                    &mut out[done..done + n],
                    (&no_ids, 0),
                    0,
                )
                .map_err(|e| self.name_bad_row(e, g, task.offsets, done))?;
            }
            done += n;
        }
        if done != task.offsets.len() {
            return Err(IoError::invalid(
                path,
                format!("row group {g} is shorter than its metadata says"),
            ));
        }
        Ok(())
    }

    /// A bad feature value found at position `row` of a batch that starts `done` rows into
    /// the task's selection: named by its row in the file and its id.
    fn name_bad_row(&self, e: IoError, g: usize, offsets: &[usize], done: usize) -> IoError {
        match e {
            IoError::BadFeature {
                path,
                column,
                row,
                value,
                ..
            } => {
                let offset = offsets.get(done + row).copied().unwrap_or(0);
                IoError::BadFeature {
                    id: crate::dataset::id_in_group(
                        &path,
                        &self.metadata,
                        self.id_column,
                        g,
                        offset,
                    )
                    .unwrap_or_default(),
                    path,
                    column,
                    row: self.group_start[g] + offset,
                    value,
                }
            }
            e => e,
        }
    }
}

/// A parquet reader's error once the footer has been read and checked: a corrupt column
/// chunk, said as the decoder's panics say it, whichever column happens to be read first.
fn corrupt(e: IoError) -> IoError {
    match e {
        IoError::Parquet { path, message } if !message.starts_with("corrupt data") => {
            IoError::Parquet {
                path,
                message: format!("corrupt data, the decoder failed: {message}"),
            }
        }
        e => e,
    }
}

/// The compressed column chunks of one decode task (one row group, a block of feature
/// columns), read from the file up front with one read per run of adjacent chunks; the
/// parquet decoder then reads them from memory. Reading the file directly cost a file
/// handle, a seek and several small reads per column chunk (page headers are parsed a few
/// bytes at a time): ~7% of the CPU of an FNC run against 2,750 features, where a row
/// group is read by every batch of eras that has rows in it.
struct ColumnChunks {
    /// File offset, length and position in `bytes` of each run, by file offset.
    runs: Vec<(u64, u64, usize)>,
    bytes: Bytes,
    file_len: u64,
}

impl ColumnChunks {
    fn read(
        path: &Path,
        metadata: &ArrowReaderMetadata,
        group: usize,
        columns: impl Iterator<Item = usize>,
    ) -> Result<Self, IoError> {
        let row_group = metadata.metadata().row_group(group);
        let leaves =
            crate::dataset::leaves(metadata.metadata().file_metadata().schema_descr(), columns);
        let mut ranges: Vec<(u64, u64)> = leaves
            .into_iter()
            .map(|c| row_group.column(c).byte_range())
            .collect();
        ranges.sort_unstable();
        let mut runs: Vec<(u64, u64, usize)> = Vec::new();
        let mut total = 0usize;
        for (start, len) in ranges {
            match runs.last_mut() {
                Some((s, l, _)) if *s + *l == start => *l += len,
                _ => runs.push((start, len, total)),
            }
            total += len as usize;
        }
        let mut file = File::open(path).map_err(|e| IoError::file(path, e))?;
        let file_len = file.metadata().map_err(|e| IoError::file(path, e))?.len();
        let mut bytes = vec![0u8; total];
        for &(start, len, at) in &runs {
            file.seek(SeekFrom::Start(start))
                .and_then(|_| file.read_exact(&mut bytes[at..at + len as usize]))
                .map_err(|e| IoError::file(path, e))?;
        }
        Ok(Self {
            runs,
            bytes: Bytes::from(bytes),
            file_len,
        })
    }

    /// The bytes from file offset `start` to the end of its run.
    fn from(&self, start: u64) -> parquet::errors::Result<Bytes> {
        let i = self.runs.partition_point(|&(s, _, _)| s <= start);
        match i.checked_sub(1).map(|i| self.runs[i]) {
            Some((s, len, at)) if start < s + len => {
                let from = at + (start - s) as usize;
                Ok(self.bytes.slice(from..at + len as usize))
            }
            _ => Err(ParquetError::General(format!(
                "offset {start} lies outside the column chunks read"
            ))),
        }
    }
}

impl Length for ColumnChunks {
    fn len(&self) -> u64 {
        self.file_len
    }
}

impl ChunkReader for ColumnChunks {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(self.from(start)?.reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let b = self.from(start)?;
        if b.len() < length {
            return Err(ParquetError::EOF(format!(
                "{length} bytes at offset {start} run past the column chunks read"
            )));
        }
        Ok(b.slice(..length))
    }
}

/// Ascending offsets as runs of consecutive rows.
fn runs(offsets: &[usize]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for &o in offsets {
        match out.last_mut() {
            Some(r) if r.end == o => r.end = o + 1,
            _ => out.push(o..o + 1),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::Int8Array;
    use arrow_schema::{DataType, Field};

    use super::*;
    use crate::dataset::read_dataset;
    use crate::test_files::{
        every_feature_and_target, id_era_target, row_groups_of, write_parquet,
    };

    /// `eras` eras of `per` rows, in row groups of `group` rows; `order` gives the era of
    /// each row position (so a file can be grouped or scattered).
    fn write(path: &Path, era_of: &[usize], group: usize, features: usize) {
        let rows = era_of.len();
        let (mut fields, mut columns) = id_era_target(
            (0..rows).map(|r| format!("id{r:04}")),
            era_of.iter().map(|e| format!("{:04}", e + 1)),
        );
        for f in 0..features {
            fields.push(Field::new(format!("feature_{f:03}"), DataType::Int8, false));
            columns.push(Arc::new(Int8Array::from_iter_values(
                (0..rows).map(|r| ((r * (f + 3) + f) % 5) as i8),
            )));
        }
        write_parquet(path, fields, columns, row_groups_of(group));
    }

    fn request() -> DatasetRequest {
        every_feature_and_target()
    }

    #[test]
    fn windows_parse() {
        assert_eq!(
            "0575..0700".parse::<EraWindow>(),
            Ok(EraWindow::Range("0575".into(), "0700".into()))
        );
        assert_eq!("last:100".parse::<EraWindow>(), Ok(EraWindow::Last(100)));
        assert_eq!(
            "1, 3,10".parse::<EraWindow>(),
            Ok(EraWindow::List(vec!["1".into(), "3".into(), "10".into()]))
        );
        for bad in [
            "last:0",
            "last:x",
            "..5",
            "0700..0575",
            "1,,2",
            // A range and a list in one value, in either order, and a range of ranges.
            "0002..0003,0005",
            "0005,0002..0003",
            "last:2,0005",
            "0001..0002..0003",
        ] {
            assert!(bad.parse::<EraWindow>().is_err(), "{bad}");
        }
    }

    /// Ten eras of 30 rows in row groups of 30: one era per group.
    #[test]
    fn eras_in_one_run_each_are_grouped() {
        assert_eq!(Layout::of(&[0, 0, 1, 1, 2]), Layout::Grouped);
        assert_eq!(Layout::of(&[3, 3, 5]), Layout::Grouped);
        assert_eq!(Layout::of(&[]), Layout::Grouped);
        assert_eq!(Layout::of(&[0, 1, 0]), Layout::Scattered);
        assert_eq!(Layout::of(&[2, 2, 0, 2]), Layout::Scattered);
    }

    #[test]
    fn a_window_reads_only_the_row_groups_of_its_eras() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        let era_of: Vec<usize> = (0..300).map(|r| r / 30).collect();
        write(&path, &era_of, 30, 4);
        let full = read_dataset(&path, &request()).unwrap();
        for (window, eras, groups) in [
            ("0003..0005", vec!["0003", "0004", "0005"], vec![2, 3, 4]),
            ("last:2", vec!["0009", "0010"], vec![8, 9]),
            ("0007,0002", vec!["0002", "0007"], vec![1, 6]),
        ] {
            let w: EraWindow = window.parse().unwrap();
            let s = open_dataset(&path, &request(), &w).unwrap();
            assert_eq!(s.row_groups, groups, "{window}");
            assert_eq!(s.data.era_names, eras, "{window}");
            assert_eq!(s.layout, Layout::Grouped);
            // The features of every row in the window are the file's.
            let rows: Vec<u32> = (0..s.data.rows() as u32).collect();
            let cols = s.features.read(&rows).unwrap();
            for (k, col) in cols.iter().enumerate() {
                let want: Vec<i8> = s
                    .data
                    .ids
                    .iter()
                    .map(|id| full.features[k][full.ids.iter().position(|i| i == id).unwrap()])
                    .collect();
                assert_eq!(*col, want, "{window}");
            }
            // One decode per row group of the window (four features: one block).
            assert_eq!(s.features.decoded_groups(), groups.len(), "{window}");
        }
        let w: EraWindow = "0011".parse().unwrap();
        let e = open_dataset(&path, &request(), &w).unwrap_err().to_string();
        assert!(
            e.contains("era '0011'") && e.contains("not in the file"),
            "{e}"
        );
    }

    /// Rows of four eras dealt round-robin: every era in every row group.
    #[test]
    fn scattered_eras_read_by_row_selection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        let era_of: Vec<usize> = (0..200).map(|r| r % 4).collect();
        write(&path, &era_of, 64, 3);
        let full = read_dataset(&path, &request()).unwrap();
        let s = open_dataset(&path, &request(), &EraWindow::All).unwrap();
        assert_eq!(s.layout, Layout::Scattered);
        assert_eq!(s.data.ids.to_vec(), full.ids.to_vec());
        let era2: Vec<u32> = (0..200).filter(|r| r % 4 == 2).collect();
        let cols = s.features.read(&era2).unwrap();
        for (k, col) in cols.iter().enumerate() {
            let want: Vec<i8> = era2.iter().map(|&r| full.features[k][r as usize]).collect();
            assert_eq!(*col, want);
        }
        let w: EraWindow = "0002".parse().unwrap();
        let one = open_dataset(&path, &request(), &w).unwrap();
        assert_eq!(one.data.rows(), 50);
        let cols = one.features.read(&(0..50).collect::<Vec<u32>>()).unwrap();
        let want: Vec<i8> = (0..200)
            .filter(|r| r % 4 == 1)
            .map(|r| full.features[2][r])
            .collect();
        assert_eq!(cols[2], want);
    }
}
