//! Prediction, meta-model and benchmark columns keyed by id (or by era and id), and their
//! match to data rows.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use ahash::RandomState;

use erascore_io::dataset::Dataset;
use erascore_io::frame::Frame;
use erascore_io::Strings;

use crate::input::Input;
use crate::message;
use crate::EngineError;

/// Columns that are never models in a predictions file.
pub const NON_MODEL_COLUMNS: [&str; 4] = ["id", "era", "data_type", "__index_level_0__"];

/// Model prediction columns keyed by id (and era, when the file has an `era` column): a
/// [`RowTable`] whose columns are models.
pub type Predictions = RowTable;

/// The rows of a per-row input as [`match_rows`] sees them.
#[derive(Debug, Clone, Copy)]
pub struct RowKeys<'a> {
    /// The file, for messages.
    pub path: &'a Path,
    /// Row ids.
    pub ids: &'a Strings,
    /// Row eras, if the file has them.
    pub eras: Option<&'a Strings>,
}

/// Takes the id and (if present) era columns out of a frame; a row without an id or era is
/// an error naming its place in the file.
fn take_keys(frame: &mut Frame) -> Result<(Strings, Option<Strings>), EngineError> {
    let ids = frame.take_text("id")?;
    let eras = if frame.has("era") {
        Some(frame.take_text("era")?)
    } else {
        None
    };
    for (column, values) in [("id", Some(&ids)), ("era", eras.as_ref())] {
        if let Some(i) = values.and_then(|v| v.first_empty_from(0)) {
            return Err(EngineError::MissingKey {
                path: frame.path().to_path_buf(),
                column,
                location: frame.location(i),
            });
        }
    }
    Ok((ids, eras))
}

impl Predictions {
    /// Every numeric column but `id`/`era`/`data_type` is a model. Predictions must be finite
    /// ([`match_rows`] checks that ids are unique). `only` restricts to the named columns,
    /// each named once and none of them `id`, `era` or `data_type`.
    pub fn predictions(mut frame: Frame, only: Option<&[String]>) -> Result<Self, EngineError> {
        if let Some(list) = only {
            check_model_names(list)?;
        }
        let (ids, eras) = take_keys(&mut frame)?;
        let names = match only {
            Some(list) => list.to_vec(),
            None => frame
                .names()
                .into_iter()
                .filter(|n| !NON_MODEL_COLUMNS.contains(&n.as_str()))
                .collect(),
        };
        if names.is_empty() {
            return Err(EngineError::Config(format!(
                "{}: no prediction columns besides id",
                frame.path().display()
            )));
        }
        let values = finite_columns(&mut frame, &names, (&ids, eras.as_ref()), "predictions")?;
        Ok(Self {
            path: frame.path().to_path_buf(),
            ids,
            eras,
            names,
            values,
        })
    }
}

/// The id column (and era, when the file has one) and the model columns of a predictions
/// file: all but the key columns, or `models`. Only those columns are decoded.
pub fn read_predictions(
    path: &Path,
    models: Option<&[String]>,
) -> Result<Predictions, EngineError> {
    read_predictions_like(path, models, None)
}

/// [`read_predictions`] when the data's ids are known: a file listing them in the data's
/// order holds the data's id column (shared, not copied), and matching it is one pointer
/// comparison ([`erascore_io::frame::read_frame_columns_like`]).
pub fn read_predictions_like(
    path: &Path,
    models: Option<&[String]>,
    data_ids: Option<&Strings>,
) -> Result<Predictions, EngineError> {
    prepare_predictions(path, models)?.finish(data_ids)
}

/// A predictions file whose model columns are decoded and whose id column waits for the
/// data's ids ([`prepare_predictions`]).
pub struct PendingPredictions {
    frame: erascore_io::frame::PendingFrame,
    models: Option<Vec<String>>,
}

/// [`read_predictions_like`] in two steps, so that a file's model columns decode while the
/// data is still being read: this reads the footer and every column but the ids, and
/// [`PendingPredictions::finish`] the ids once the data's are known.
pub fn prepare_predictions(
    path: &Path,
    models: Option<&[String]>,
) -> Result<PendingPredictions, EngineError> {
    let names = erascore_io::frame::column_names(path)?;
    let wanted: Vec<String> = match models {
        Some(m) => m.to_vec(),
        None => names
            .iter()
            .filter(|n| !NON_MODEL_COLUMNS.contains(&n.as_str()))
            .cloned()
            .collect(),
    };
    let mut columns = vec!["id"];
    // With an era column, rows are matched to the data on (era, id).
    if names.iter().any(|n| n == "era") {
        columns.push("era");
    }
    columns.extend(
        wanted
            .iter()
            .map(String::as_str)
            .filter(|c| !NON_MODEL_COLUMNS.contains(c)),
    );
    Ok(PendingPredictions {
        frame: erascore_io::frame::read_frame_columns_pending(path, Some(&columns), "id")?,
        models: models.map(<[String]>::to_vec),
    })
}

impl PendingPredictions {
    /// The predictions, their id column decoded as [`read_predictions_like`] does.
    pub fn finish(self, data_ids: Option<&Strings>) -> Result<Predictions, EngineError> {
        Predictions::predictions(self.frame.finish(data_ids)?, self.models.as_deref())
    }
}

/// "id 'X'", or "id 'X' in era 'E'" for a file with eras: a row in a message.
fn row_name(ids: &Strings, eras: Option<&Strings>, i: usize) -> String {
    match eras {
        Some(e) => format!("id '{}' in era '{}'", &ids[i], &e[i]),
        None => format!("id '{}'", &ids[i]),
    }
}

/// Refuses a column stored as text ([`Frame::stored_text`]: a parquet or in-memory string
/// column, "0.5" included), naming its first row with a value; the one rule for every
/// column of values a front end reads, as numerai-tools refuses text there. A CSV file's
/// cells are text by nature and pass, to be read as numbers.
pub(crate) fn refuse_text(
    frame: &Frame,
    column: &str,
    (ids, eras): (&Strings, Option<&Strings>),
    what: &'static str,
) -> Result<(), EngineError> {
    let Some(cells) = frame.stored_text(column) else {
        return Ok(());
    };
    if cells.is_empty() {
        return Ok(());
    }
    let i = cells.iter().position(|c| !c.is_empty()).unwrap_or(0);
    Err(EngineError::TextValues {
        path: frame.path().to_path_buf(),
        column: column.to_string(),
        row: row_name(ids, eras, i),
        value: cells.get(i).unwrap_or_default().to_string(),
        what,
    })
}

/// The named columns of a frame as floats, each value finite (`what` names the values in the
/// error: "predictions", "neutralizers", ...).
fn finite_columns(
    frame: &mut Frame,
    names: &[String],
    (ids, eras): (&Strings, Option<&Strings>),
    what: &'static str,
) -> Result<Vec<Vec<f64>>, EngineError> {
    for name in names {
        refuse_text(frame, name, (ids, eras), what)?;
    }
    let values = frame.take_floats(names)?;
    for (name, v) in names.iter().zip(&values) {
        if let Some(i) = first_non_finite(v) {
            return Err(EngineError::NonFinite {
                path: frame.path().to_path_buf(),
                column: name.clone(),
                row: row_name(ids, eras, i),
                value: v[i],
                what,
            });
        }
    }
    Ok(values)
}

/// The first value of `v` that is NaN or infinite. Blocks are tested whole first (a test
/// with no early exit vectorizes; 3.7 million predictions cost a millisecond, not four).
fn first_non_finite(v: &[f64]) -> Option<usize> {
    const BLOCK: usize = 1024;
    let block = v
        .chunks(BLOCK)
        .position(|c| !c.iter().fold(true, |all, x| all & x.is_finite()))?;
    let start = block * BLOCK;
    v[start..]
        .iter()
        .position(|x| !x.is_finite())
        .map(|i| start + i)
}

/// Numeric columns keyed by id (and era): models' predictions ([`Predictions`], one column
/// per model), the Signals neutralizers (one column per neutralizer) and sample weights
/// (one column). Every value must be finite (numerai-tools asserts that neither holds a
/// NaN).
#[derive(Debug, Clone)]
pub struct RowTable {
    /// The file.
    pub path: PathBuf,
    /// Row ids.
    pub ids: Strings,
    /// Row eras, if the file has an `era` column.
    pub eras: Option<Strings>,
    /// Column names (model names, for predictions).
    pub names: Vec<String>,
    /// One vector per column, aligned with `ids`.
    pub values: Vec<Vec<f64>>,
}

impl RowTable {
    /// Every column but `id`/`era`/`data_type` (or only `only`); `what` names the values in
    /// errors.
    pub fn from_frame(
        mut frame: Frame,
        only: Option<&[&str]>,
        what: &'static str,
    ) -> Result<Self, EngineError> {
        let (ids, eras) = take_keys(&mut frame)?;
        let names: Vec<String> = match only {
            Some(list) => list.iter().map(|s| s.to_string()).collect(),
            None => frame
                .names()
                .into_iter()
                .filter(|n| !NON_MODEL_COLUMNS.contains(&n.as_str()))
                .collect(),
        };
        if names.is_empty() {
            return Err(EngineError::Config(format!(
                "{}: no {what} columns besides id and era",
                frame.path().display()
            )));
        }
        let values = finite_columns(&mut frame, &names, (&ids, eras.as_ref()), what)?;
        Ok(Self {
            path: frame.path().to_path_buf(),
            ids,
            eras,
            names,
            values,
        })
    }

    /// The rows' keys, for [`match_rows`].
    pub fn keys(&self) -> RowKeys<'_> {
        RowKeys {
            path: &self.path,
            ids: &self.ids,
            eras: self.eras.as_ref(),
        }
    }
}

/// A file keyed by id alone applies to every era only when the data has one era: the
/// Signals inputs repeat tickers each era, so without an `era` column a row could belong
/// to any of them. `flag` names the option in the error.
pub fn require_era_column(
    data: &Dataset,
    keys: &RowKeys<'_>,
    input: Input,
) -> Result<(), EngineError> {
    if keys.eras.is_none() && data.era_names.len() > 1 {
        return Err(EngineError::Request(message![
            input,
            format!(
                " {}: no era column, and {} has {} eras (first: '{}'); add an era column \
                 (rows are matched on era and id) or score one era",
                keys.path.display(),
                data.path.display(),
                data.era_names.len(),
                data.era_names[0],
            )
        ]));
    }
    Ok(())
}

/// How many rows of `keys` carry each data era (all of them for the only era when `keys`
/// has no eras; rows naming an era the data lacks count nowhere): the side of
/// numerai-tools' overlap rule that the data rows cannot tell.
pub fn rows_per_era(data: &Dataset, keys: &RowKeys<'_>) -> Vec<usize> {
    let mut counts = vec![0usize; data.era_names.len()];
    match keys.eras {
        None => {
            if let Some(c) = counts.first_mut() {
                *c = keys.ids.len();
            }
        }
        Some(eras) => {
            let lookup = era_lookup(data);
            let mut previous: Option<(&str, Option<u32>)> = None;
            for e in eras.iter() {
                let era = match previous {
                    Some((label, era)) if label == e => era,
                    _ => {
                        let era = lookup(e);
                        previous = Some((e, era));
                        era
                    }
                };
                if let Some(era) = era {
                    counts[era as usize] += 1;
                }
            }
        }
    }
    counts
}

/// Model names asked for by name: each once, and none of the key columns.
pub fn check_model_names(models: &[String]) -> Result<(), EngineError> {
    let mut seen = std::collections::HashSet::with_capacity(models.len());
    for m in models {
        if NON_MODEL_COLUMNS.contains(&m.as_str()) {
            return Err(EngineError::Config(format!(
                "'{m}' is a key column, not a model"
            )));
        }
        if m.trim().is_empty() {
            return Err(EngineError::Config("a model name is empty".into()));
        }
        if !seen.insert(m.as_str()) {
            return Err(EngineError::Config(format!("model '{m}' is named twice")));
        }
    }
    Ok(())
}

/// One reference column (meta model, benchmark, example predictions) keyed by id (and era,
/// when the file has one); NaN allowed.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The file.
    pub path: PathBuf,
    /// Column name.
    pub column: String,
    /// Row ids.
    pub ids: Strings,
    /// Row eras, if the file has an `era` column.
    pub eras: Option<Strings>,
    /// Values, NaN where missing.
    pub values: Vec<f64>,
}

impl Reference {
    /// Reads `column` (and `id`, and `era` if present) from a frame; `what` names its role
    /// in errors ("meta model", "benchmark", ...).
    pub fn from_frame(
        mut frame: Frame,
        column: &str,
        what: &'static str,
    ) -> Result<Self, EngineError> {
        if NON_MODEL_COLUMNS.contains(&column) {
            return Err(EngineError::Config(format!(
                "{}: '{column}' is a key column, not a value column",
                frame.path().display()
            )));
        }
        let (ids, eras) = take_keys(&mut frame)?;
        refuse_text(&frame, column, (&ids, eras.as_ref()), what)?;
        // Moved out of the frame, not copied: a meta model is a float per data row.
        let v = frame
            .take_floats(&[column.to_string()])?
            .pop()
            .unwrap_or_default();
        if let Some(i) = v.iter().position(|x| x.is_infinite()) {
            return Err(EngineError::NonFinite {
                path: frame.path().to_path_buf(),
                column: column.to_string(),
                row: row_name(&ids, eras.as_ref(), i),
                value: v[i],
                what,
            });
        }
        Ok(Self {
            path: frame.path().to_path_buf(),
            column: column.to_string(),
            ids,
            eras,
            values: v,
        })
    }

    /// The rows' keys, for [`match_rows`].
    pub fn keys(&self) -> RowKeys<'_> {
        RowKeys {
            path: &self.path,
            ids: &self.ids,
            eras: self.eras.as_ref(),
        }
    }
}

/// Errors on the first repeated key: an id, or an (era, id) pair when there are eras.
pub fn check_unique(keys: &RowKeys<'_>) -> Result<(), EngineError> {
    let mut seen: HashSet<(&str, &str), RandomState> =
        HashSet::with_capacity_and_hasher(keys.ids.len(), RandomState::new());
    for (i, id) in keys.ids.iter().enumerate() {
        let era = keys.eras.map_or("", |e| &e[i]);
        if !seen.insert((era, id)) {
            return Err(duplicate(keys.path, id, keys.eras.map(|_| era)));
        }
    }
    Ok(())
}

fn duplicate(path: &Path, id: &str, era: Option<&str>) -> EngineError {
    match era {
        Some(era) => EngineError::DuplicateKey {
            path: path.to_path_buf(),
            id: id.to_string(),
            era: era.to_string(),
        },
        None => EngineError::DuplicateId {
            path: path.to_path_buf(),
            id: id.to_string(),
        },
    }
}

/// For each data row, the row of `keys` holding the same id, and the same era when `keys`
/// has eras; `None` where there is none. Errors: a key that `keys` repeats, and (without
/// eras) an id that sits in two eras of the data, which would score one row twice.
///
/// Files made from the data file usually list the same ids in the same order: one
/// comparison of the two id buffers then replaces hashing every id, and the match is
/// positional.
pub fn match_rows(data: &Dataset, keys: &RowKeys<'_>) -> Result<Vec<Option<u32>>, EngineError> {
    DataRows::new(data).match_rows(keys)
}

/// For each data row, the row of another file holding its id ([`match_rows`]), kept for a
/// whole run (one per matched file, over every row it scores). A file listing the data's
/// ids in the data's order (a prediction file written while iterating the data) maps row
/// `i` to row `i` and takes no memory; otherwise one `u32` a row with `u32::MAX` for no
/// row, half the memory of `Vec<Option<u32>>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowMap {
    /// Data row `i` is row `i` of the other file, for each of the data's rows.
    Same(usize),
    /// The other file's row of each data row, `u32::MAX` for none.
    Rows(Vec<u32>),
}

impl RowMap {
    const NONE: u32 = u32::MAX;

    /// The map of [`match_rows`]' result. A file of `u32::MAX` rows or more could not be
    /// matched at all (rows are `u32`), so no match collides with the marker.
    pub fn new(matches: &[Option<u32>]) -> Self {
        if matches
            .iter()
            .enumerate()
            .all(|(i, m)| *m == Some(i as u32))
        {
            return RowMap::Same(matches.len());
        }
        RowMap::Rows(matches.iter().map(|m| m.unwrap_or(Self::NONE)).collect())
    }

    /// The other file's row for data row `row`.
    #[inline]
    pub fn get(&self, row: u32) -> Option<u32> {
        match self {
            RowMap::Same(_) => Some(row),
            RowMap::Rows(rows) => match rows[row as usize] {
                Self::NONE => None,
                i => Some(i),
            },
        }
    }

    /// Whether data row `row` has a row in the other file.
    #[inline]
    pub fn has(&self, row: usize) -> bool {
        self.get(row as u32).is_some()
    }

    /// Data rows that have a row in the other file.
    pub fn matched(&self) -> usize {
        match self {
            RowMap::Same(n) => *n,
            RowMap::Rows(rows) => rows.iter().filter(|&&i| i != Self::NONE).count(),
        }
    }
}

/// The data rows that several files are matched to: [`match_rows`] for each, with the
/// data's own id check done once for all of them.
#[derive(Debug)]
pub struct DataRows<'a> {
    data: &'a Dataset,
    /// The first data id repeated anywhere in the file (rows), once looked for.
    repeated: std::sync::OnceLock<Option<(usize, usize)>>,
}

impl<'a> DataRows<'a> {
    /// The rows of `data`.
    pub fn new(data: &'a Dataset) -> Self {
        Self {
            data,
            repeated: std::sync::OnceLock::new(),
        }
    }

    /// Sorts the data rows of one era by id, as numerai-tools sorts the index (which fixes
    /// tie-breaking and the top/bottom selection); an id the era repeats is an error.
    pub fn sort_era_by_id(&self, rows: &mut [u32]) -> Result<(), EngineError> {
        let data = self.data;
        let id = |r: &u32| &data.ids[*r as usize];
        if !rows.is_sorted_by(|a, b| id(a) <= id(b)) {
            // Each id's first eight bytes as one big-endian integer (the same order as the
            // bytes), of which the bits that vary within the era, as many as fit beside
            // the row's place in the era, go in one word above that place: the words are
            // radix-sorted, and strings compared only where words agree.
            let prefixes: Vec<u64> = rows
                .iter()
                .map(|&r| {
                    let mut b = [0u8; 8];
                    let s = id(&r).as_bytes();
                    let k = s.len().min(8);
                    b[..k].copy_from_slice(&s[..k]);
                    u64::from_be_bytes(b)
                })
                .collect();
            let mut words = prefix_words(&prefixes);
            drop(prefixes);
            let place = |w: u64| rows[(w & words.place_mask) as usize];
            // Ids whose words agree, in order of the whole id.
            let key_of = !words.place_mask;
            for run in words
                .sorted
                .chunk_by_mut(|a, b| a & key_of == b & key_of)
                .filter(|r| r.len() > 1)
            {
                run.sort_unstable_by(|a, b| id(&place(*a)).cmp(id(&place(*b))));
                // Sorted, a repeated id sits next to itself; equal ids have equal words.
                if let Some(w) = run
                    .windows(2)
                    .find(|w| id(&place(w[0])) == id(&place(w[1])))
                {
                    return Err(duplicate(&data.path, id(&place(w[0])), None));
                }
            }
            let sorted: Vec<u32> = words.sorted.iter().map(|&w| place(w)).collect();
            rows.copy_from_slice(&sorted);
            return Ok(());
        }
        // Already sorted: the check costs one pass, in order.
        match rows.windows(2).find(|w| id(&w[0]) == id(&w[1])) {
            Some(w) => Err(duplicate(&data.path, id(&w[0]), None)),
            None => Ok(()),
        }
    }

    /// See [`match_rows`].
    pub fn match_rows(&self, keys: &RowKeys<'_>) -> Result<Vec<Option<u32>>, EngineError> {
        Ok(match self.matched(keys)? {
            Matched::Same(n) => (0..n as u32).map(Some).collect(),
            Matched::Rows(rows) => rows,
        })
    }

    fn matched(&self, keys: &RowKeys<'_>) -> Result<Matched, EngineError> {
        match keys.eras {
            None => match_ids(self, keys),
            Some(eras) => match_era_ids(self.data, keys, eras),
        }
    }

    /// [`match_rows`] as the [`RowMap`] a run keeps: a file listing the data's rows in the
    /// data's order is known positional from one comparison of the two id buffers, with no
    /// per-row vector built and scanned.
    pub fn row_map(&self, keys: &RowKeys<'_>) -> Result<RowMap, EngineError> {
        Ok(match self.matched(keys)? {
            Matched::Same(n) => RowMap::Same(n),
            Matched::Rows(rows) => RowMap::new(&rows),
        })
    }
}

/// Sorts by the first field: a least-significant-byte-first radix sort, one counting pass
/// per byte that the keys do not all share (ids of one prefix, such as Numerai's `n`, skip
/// that byte). An era's rows are sorted by id in every run; a comparison sort of their
/// keys took a third longer.
/// An era's id prefixes as sorted words: the bits in which the prefixes differ (the
/// highest of them, as many as fit) above each prefix's place, in ascending order of those
/// bits and, where they agree, of place.
struct PrefixWords {
    sorted: Vec<u64>,
    /// The bits of a word that hold the place; the others hold the prefix's.
    place_mask: u64,
}

fn prefix_words(prefixes: &[u64]) -> PrefixWords {
    let n = prefixes.len();
    let place_bits = (u64::BITS - (n.saturating_sub(1) as u64).leading_zeros()).max(1);
    let place_mask = (1u64 << place_bits) - 1;
    let first = prefixes.first().copied().unwrap_or(0);
    let varying = prefixes.iter().fold(0u64, |acc, &p| acc | (p ^ first));
    // Prefix bits above the highest varying one are the same for all; below the window,
    // ties are broken by the strings.
    let top = u64::BITS - varying.leading_zeros();
    let key_bits = top.min(u64::BITS - place_bits);
    let shift = top - key_bits;
    let low_mask = if top == 64 {
        u64::MAX
    } else {
        (1u64 << top) - 1
    };
    let mut sorted: Vec<u64> = prefixes
        .iter()
        .enumerate()
        .map(|(i, &p)| (((p & low_mask) >> shift) << place_bits) | i as u64)
        .collect();
    // LSD radix sort over the key's digits (stable: equal keys stay in place order).
    const DIGIT: u32 = 11;
    let mut spare = vec![0u64; n];
    let mut bit = place_bits;
    while bit < place_bits + key_bits {
        let digit = |w: u64| ((w >> bit) & ((1 << DIGIT) - 1)) as usize;
        let mut start = vec![0usize; (1 << DIGIT) + 1];
        for &w in &sorted {
            start[digit(w) + 1] += 1;
        }
        if !start[1..].contains(&n) {
            for b in 0..1 << DIGIT {
                start[b + 1] += start[b];
            }
            for &w in &sorted {
                let slot = &mut start[digit(w)];
                spare[*slot] = w;
                *slot += 1;
            }
            std::mem::swap(&mut sorted, &mut spare);
        }
        bit += DIGIT;
    }
    PrefixWords { sorted, place_mask }
}

/// For each row of `keys`, the data row it matches ([`match_rows`] turned around).
pub fn rows_in_data(data: &Dataset, keys: &RowKeys<'_>) -> Result<Vec<Option<u32>>, EngineError> {
    let mut inverse = vec![None; keys.ids.len()];
    for (row, m) in match_rows(data, keys)?.into_iter().enumerate() {
        if let Some(i) = m {
            inverse[i as usize] = Some(row as u32);
        }
    }
    Ok(inverse)
}

/// What matching found: the data's rows in the data's order, or each data row's row.
enum Matched {
    Same(usize),
    Rows(Vec<Option<u32>>),
}

fn match_ids(rows: &DataRows<'_>, keys: &RowKeys<'_>) -> Result<Matched, EngineError> {
    let data = rows.data;
    if data.ids == *keys.ids {
        // Both files repeat any repeated id: one check on the data covers both.
        if let Some((first, second)) = *rows.repeated.get_or_init(|| repeated_id(data)) {
            return Err(repeated_in_data(data, keys.path, first, second));
        }
        return Ok(Matched::Same(keys.ids.len()));
    }
    let mut index: HashMap<&str, u32, RandomState> =
        HashMap::with_capacity_and_hasher(keys.ids.len(), RandomState::new());
    for (i, id) in keys.ids.iter().enumerate() {
        if index.insert(id, i as u32).is_some() {
            return Err(duplicate(keys.path, id, None));
        }
    }
    let rows: Vec<Option<u32>> = data.ids.iter().map(|id| index.get(id).copied()).collect();
    // A data id in two eras would take the same row of `keys` twice.
    let mut taken_by = vec![u32::MAX; keys.ids.len()];
    for (r, m) in rows.iter().enumerate() {
        if let Some(i) = *m {
            let first = taken_by[i as usize];
            if first != u32::MAX {
                return Err(repeated_in_data(data, keys.path, first as usize, r));
            }
            taken_by[i as usize] = r as u32;
        }
    }
    Ok(Matched::Rows(rows))
}

fn repeated_in_data(data: &Dataset, other: &Path, first: usize, second: usize) -> EngineError {
    let (a, b) = (data.eras[first], data.eras[second]);
    if a == b {
        return duplicate(&data.path, &data.ids[first], None);
    }
    EngineError::IdInTwoEras {
        data: data.path.clone(),
        id: data.ids[first].to_string(),
        first: data.era_names[a as usize].clone(),
        second: data.era_names[b as usize].clone(),
        other: other.to_path_buf(),
    }
}

/// The first pair of rows (in file order) holding one id. Each id is hashed once into one
/// `u64` whose low bits are replaced by its row; every share of the rows puts its keys in
/// ~1,000-key buckets by their top bits on its own, and each bucket (its part of every
/// share) is sorted on its own, so every step runs in parallel and the sorts stay in
/// cache. Strings are compared only where two hashes agree. One 8-byte key a row, twice,
/// instead of a `u64` hash and a 16-byte (hash, row) pair: fresh pages cost more than
/// hashing.
fn repeated_id(data: &Dataset) -> Option<(usize, usize)> {
    use rayon::prelude::*;
    let n = data.ids.len();
    if n < 2 {
        return None;
    }
    // Rows are u32, so at least 32 bits of each hash are kept: two ids that agree on them
    // are compared as strings, which a collision only makes slower, never wrong.
    let row_bits = u64::BITS - ((n - 1) as u64).leading_zeros();
    let row_mask = (1u64 << row_bits) - 1;
    let hasher = RandomState::with_seeds(1, 2, 3, 4);
    // About a thousand rows a bucket.
    let bits = (usize::BITS - (n / 1024).leading_zeros()).clamp(1, 16);
    let buckets = 1usize << bits;
    let bucket = |k: u64| (k >> (64 - bits)) as usize;
    // Shares of rows, each bucketed on its own: (its keys by bucket, where each bucket
    // starts).
    let share = n
        .div_ceil(4 * rayon::current_num_threads().max(1))
        .max(1 << 14);
    let shares: Vec<(Vec<u64>, Vec<usize>)> = (0..n)
        .into_par_iter()
        .step_by(share)
        .map(|first| {
            let rows = first..(first + share).min(n);
            let keys: Vec<u64> = rows
                .map(|r| (hasher.hash_one(&data.ids[r]) & !row_mask) | r as u64)
                .collect();
            let mut starts = vec![0usize; buckets + 1];
            for &k in &keys {
                starts[bucket(k) + 1] += 1;
            }
            for b in 1..starts.len() {
                starts[b] += starts[b - 1];
            }
            let mut next = starts.clone();
            let mut bucketed = vec![0u64; keys.len()];
            for &k in &keys {
                let slot = &mut next[bucket(k)];
                bucketed[*slot] = k;
                *slot += 1;
            }
            (bucketed, starts)
        })
        .collect();
    let row = |k: u64| (k & row_mask) as usize;
    // The repeat met first in file order is reported, whatever the hashes' order.
    (0..buckets)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(keys, table): &mut (Vec<u64>, Vec<u64>), b| {
                keys.clear();
                for (bucketed, starts) in &shares {
                    keys.extend_from_slice(&bucketed[starts[b]..starts[b + 1]]);
                }
                // Nearly always no two hashes agree: a small table says so without sorting.
                if !any_hash_twice(keys, row_bits, table) {
                    return None;
                }
                keys.sort_unstable();
                let mut earliest: Option<(usize, usize)> = None;
                for run in keys
                    .chunk_by(|a, b| a & !row_mask == b & !row_mask)
                    .filter(|r| r.len() > 1)
                {
                    for (k, &a) in run.iter().enumerate() {
                        for &b in &run[k + 1..] {
                            if data.ids[row(a)] == data.ids[row(b)] {
                                let pair = (row(a).min(row(b)), row(a).max(row(b)));
                                earliest = Some(earliest.map_or(pair, |e| e.min(pair)));
                            }
                        }
                    }
                }
                earliest
            },
        )
        .flatten()
        .min()
}

/// Whether two of `keys` (hashes above `row_bits` bits of row) hold the same hash, by
/// inserting the hashes in an open-addressed table (`table`, reused) of twice as many slots.
fn any_hash_twice(keys: &[u64], row_bits: u32, table: &mut Vec<u64>) -> bool {
    let slots = (2 * keys.len()).next_power_of_two().max(2);
    table.clear();
    table.resize(slots, 0);
    let mask = slots - 1;
    for &k in keys {
        // The row's bits cleared and the lowest set: never 0, the empty slot.
        let hash = (k >> row_bits) << row_bits | 1;
        let mut slot = (k >> row_bits) as usize & mask;
        loop {
            match table[slot] {
                0 => {
                    table[slot] = hash;
                    break;
                }
                h if h == hash => return true,
                _ => slot = (slot + 1) & mask,
            }
        }
    }
    false
}

/// The data era each distinct era label names: the same label, or, for labels that are
/// plain numbers, the data era with the same number ("575" for "0575": an integer era
/// column against a text one).
fn era_lookup<'a>(data: &'a Dataset) -> impl Fn(&str) -> Option<u32> + 'a {
    let exact: HashMap<&str, u32> = data
        .era_names
        .iter()
        .enumerate()
        .map(|(i, e)| (e.as_str(), i as u32))
        .collect();
    let mut by_number: HashMap<u64, Option<u32>> = HashMap::new();
    for (i, e) in data.era_names.iter().enumerate() {
        if let Some(n) = era_number(e) {
            // Two labels with one number ("1" and "01") make the number ambiguous.
            by_number
                .entry(n)
                .and_modify(|v| *v = None)
                .or_insert(Some(i as u32));
        }
    }
    move |label| {
        exact
            .get(label)
            .copied()
            .or_else(|| era_number(label).and_then(|n| by_number.get(&n).copied().flatten()))
    }
}

fn era_number(label: &str) -> Option<u64> {
    let t = label.trim();
    (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

fn match_era_ids(
    data: &Dataset,
    keys: &RowKeys<'_>,
    eras: &Strings,
) -> Result<Matched, EngineError> {
    let lookup = &era_lookup(data);
    // Rows of an era come in runs: look a label up once per run.
    let key_eras = || {
        let mut previous: Option<(&str, Option<u32>)> = None;
        eras.iter().map(move |e| match previous {
            Some((label, era)) if label == e => era,
            _ => {
                let era = lookup(e);
                previous = Some((e, era));
                era
            }
        })
    };
    if data.ids == *keys.ids && key_eras().zip(&data.eras).all(|(k, d)| k == Some(*d)) {
        // Same rows in the same order (every era found, so none of the checks below
        // fails), known without a per-row vector; the scoring engine rejects an id
        // repeated in an era.
        return Ok(Matched::Same(keys.ids.len()));
    }
    let key_era: Vec<Option<u32>> = key_eras().collect();
    if !key_era.is_empty() && key_era.iter().all(Option::is_none) {
        fn sample<'s>(v: impl Iterator<Item = &'s str>) -> String {
            v.take(3)
                .map(|e| format!("'{e}'"))
                .collect::<Vec<_>>()
                .join(", ")
        }
        return Err(EngineError::Config(format!(
            "{}: none of its eras ({}, ...) is an era of {} ({}, ...); rows are matched on \
             era and id",
            keys.path.display(),
            sample(eras.iter()),
            data.path.display(),
            sample(data.era_names.iter().map(String::as_str)),
        )));
    }
    let mut index: HashMap<(u32, &str), u32, RandomState> =
        HashMap::with_capacity_and_hasher(keys.ids.len(), RandomState::new());
    for (i, id) in keys.ids.iter().enumerate() {
        if let Some(era) = key_era[i] {
            if index.insert((era, id), i as u32).is_some() {
                return Err(duplicate(keys.path, id, Some(&eras[i])));
            }
        }
    }
    Ok(Matched::Rows(
        data.ids
            .iter()
            .zip(&data.eras)
            .map(|(id, &era)| index.get(&(era, id)).copied())
            .collect(),
    ))
}

/// numerai-tools' overlap rule: error when fewer than `1 - max_filtered_ratio` of `total`
/// survive.
pub fn require_overlap(
    what: impl FnOnce() -> String,
    overlapping: usize,
    total: usize,
    max_filtered_ratio: f64,
) -> Result<(), EngineError> {
    let need = 1.0 - max_filtered_ratio;
    if total > 0 && (overlapping as f64) / (total as f64) >= need {
        return Ok(());
    }
    Err(EngineError::TooLittleOverlap {
        what: what(),
        overlapping,
        total,
        share: if total == 0 {
            0.0
        } else {
            100.0 * overlapping as f64 / total as f64
        },
        required: 100.0 * need,
    })
}

#[cfg(test)]
mod tests {
    use erascore_io::dataset::TargetColumn;
    use erascore_io::FloatWidth;

    use super::*;

    /// Rows (era, id) of a data file.
    fn data(rows: &[(&str, &str)]) -> Dataset {
        let mut era_names: Vec<String> = Vec::new();
        let eras = rows
            .iter()
            .map(|(e, _)| match era_names.iter().position(|n| n == e) {
                Some(i) => i as u32,
                None => {
                    era_names.push(e.to_string());
                    era_names.len() as u32 - 1
                }
            })
            .collect();
        Dataset {
            path: PathBuf::from("data.parquet"),
            ids: rows.iter().map(|(_, id)| *id).collect(),
            eras,
            era_names,
            feature_names: Vec::new(),
            features: Vec::new(),
            targets: vec![TargetColumn {
                name: "target".into(),
                values: vec![0.5; rows.len()],
                width: FloatWidth::F64,
            }],
        }
    }

    fn keys<'a>(ids: &'a Strings, eras: Option<&'a Strings>) -> RowKeys<'a> {
        RowKeys {
            path: Path::new("preds.csv"),
            ids,
            eras,
        }
    }

    #[test]
    fn an_era_sorts_by_the_whole_id_and_names_a_repeated_one() {
        // Ids sharing eight bytes or more, shorter than eight, empty, and not ASCII.
        let ids = [
            "n0000000b",
            "n0000000a",
            "zz",
            "n0000000",
            "",
            "n000",
            "é1",
            "n0000001",
            "a",
            "n0000000ab",
            "é",
        ];
        let rows: Vec<(&str, &str)> = ids.iter().map(|id| ("1", *id)).collect();
        let d = data(&rows);
        let mut era: Vec<u32> = (0..ids.len() as u32).rev().collect();
        DataRows::new(&d).sort_era_by_id(&mut era).unwrap();
        let sorted: Vec<&str> = era.iter().map(|&r| ids[r as usize]).collect();
        let mut expected = ids.to_vec();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        let repeated = data(&[("1", "n0000000b"), ("1", "c"), ("1", "n0000000b")]);
        let err = DataRows::new(&repeated)
            .sort_era_by_id(&mut [2, 1, 0])
            .unwrap_err();
        assert!(err.to_string().contains("n0000000b"), "{err}");
    }

    #[test]
    fn the_first_non_finite_value_is_found_in_any_block() {
        for n in [0usize, 1, 1023, 1024, 1025, 5000] {
            assert_eq!(first_non_finite(&vec![0.5; n]), None, "{n}");
            for at in [0, n / 2, n.saturating_sub(1)]
                .into_iter()
                .filter(|&a| a < n)
            {
                for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let mut v = vec![0.5; n];
                    v[at] = bad;
                    if at + 1 < n {
                        v[n - 1] = f64::NAN;
                    }
                    assert_eq!(first_non_finite(&v), Some(at), "{n} {at}");
                }
            }
        }
    }

    fn xorshift(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// The words come out in the order of their prefixes' varying bits, and of place where
    /// those agree (a stable sort), however many bits the place leaves to the key.
    #[test]
    fn prefix_words_sort_by_the_varying_bits_then_place() {
        let mut next = xorshift(42);
        for n in [1, 2, 100, 5_000, 70_000] {
            for spread in [1_000u64, u64::MAX] {
                // A shared first byte; few distinct values (ties) or all bits varying.
                let prefixes: Vec<u64> = (0..n)
                    .map(|_| (0x6e << 56) | ((next() % spread) << 8 >> 8))
                    .collect();
                let words = prefix_words(&prefixes);
                let places: Vec<usize> = words
                    .sorted
                    .iter()
                    .map(|&w| (w & words.place_mask) as usize)
                    .collect();
                let mut seen = places.clone();
                seen.sort_unstable();
                assert!(seen.iter().copied().eq(0..n), "{n}: every place once");
                // Neighbours in prefix order, unless their keys agree (bits below the key).
                let key = |w: u64| w & !words.place_mask;
                let prefix = |w: u64| prefixes[(w & words.place_mask) as usize];
                assert!(
                    words
                        .sorted
                        .windows(2)
                        .all(|w| key(w[0]) == key(w[1]) || prefix(w[0]) < prefix(w[1])),
                    "{n}"
                );
                assert!(
                    words.sorted.is_sorted_by_key(|&w| w & !words.place_mask),
                    "{n}"
                );
                assert!(
                    words
                        .sorted
                        .chunk_by(|a, b| a & !words.place_mask == b & !words.place_mask)
                        .all(|run| run.is_sorted()),
                    "{n}: ties in place order"
                );
            }
        }
    }

    /// Eras of Numerai-like ids (16 hex characters: more varying bits than fit beside the
    /// place, so words tie and strings decide), ids sharing long prefixes, and repeats.
    #[test]
    fn large_eras_sort_as_the_strings_do() {
        let mut next = xorshift(7);
        for n in [3_000usize, 70_000] {
            let mut ids: Vec<String> = (0..n)
                .map(|i| match i % 7 {
                    0 => format!("n{:015x}", next() >> 4),
                    1 => format!("n0000000{:x}", next() % 50),
                    _ => format!("n{:015x}", next() >> 4),
                })
                .collect();
            // No repeat yet: drop them, then sort.
            ids.sort_unstable();
            ids.dedup();
            let mut shuffled = ids.clone();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            let rows: Vec<(&str, &str)> = shuffled.iter().map(|id| ("1", id.as_str())).collect();
            let d = data(&rows);
            let mut era: Vec<u32> = (0..rows.len() as u32).collect();
            DataRows::new(&d).sort_era_by_id(&mut era).unwrap();
            let sorted: Vec<&str> = era.iter().map(|&r| shuffled[r as usize].as_str()).collect();
            assert_eq!(sorted, ids, "{n}");
            // One id repeated: named.
            let mut repeated = shuffled.clone();
            let k = repeated.len() / 3;
            repeated[k] = repeated[2 * k].clone();
            let rows: Vec<(&str, &str)> = repeated.iter().map(|id| ("1", id.as_str())).collect();
            let d = data(&rows);
            let mut era: Vec<u32> = (0..rows.len() as u32).collect();
            let err = DataRows::new(&d).sort_era_by_id(&mut era).unwrap_err();
            assert!(err.to_string().contains(&repeated[k]), "{err}");
        }
    }

    #[test]
    fn tickers_repeated_per_era_match_on_era_and_id() {
        let d = data(&[("1", "a"), ("1", "b"), ("2", "a"), ("2", "b")]);
        let ids: Strings = ["b", "a", "a", "b", "x"].into_iter().collect();
        let eras: Strings = ["0002", "0001", "0002", "0001", "0001"]
            .into_iter()
            .collect();
        // Era labels "0001" match data eras "1" by number.
        let rows = match_rows(&d, &keys(&ids, Some(&eras))).unwrap();
        assert_eq!(rows, [Some(1), Some(3), Some(2), Some(0)]);
        assert_eq!(
            rows_in_data(&d, &keys(&ids, Some(&eras))).unwrap(),
            [Some(3), Some(0), Some(2), Some(1), None]
        );
        // The same keys in the data's order take the positional path.
        let same_ids: Strings = ["a", "b", "a", "b"].into_iter().collect();
        let same_eras: Strings = ["1", "1", "2", "2"].into_iter().collect();
        let rows = match_rows(&d, &keys(&same_ids, Some(&same_eras))).unwrap();
        assert_eq!(rows, [Some(0), Some(1), Some(2), Some(3)]);
        // Ids alone cannot tell the eras apart, on either path.
        let two: Strings = ["a", "b"].into_iter().collect();
        for ids in [&two, &same_ids] {
            let e = match_rows(&d, &keys(ids, None)).unwrap_err().to_string();
            assert!(
                e.contains("id 'a' is in era '1' and in era '2'") && e.contains("preds.csv"),
                "{e}"
            );
        }
        // A repeated (era, id) names its era.
        let dup_ids: Strings = ["a", "a"].into_iter().collect();
        let dup_eras: Strings = ["2", "2"].into_iter().collect();
        let e = match_rows(&d, &keys(&dup_ids, Some(&dup_eras)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'a' appears more than once in era '2'"), "{e}");
        assert!(check_unique(&keys(&dup_ids, Some(&dup_eras))).is_err());
        let apart: Strings = ["1", "2"].into_iter().collect();
        assert!(check_unique(&keys(&dup_ids, Some(&apart))).is_ok());
        // Eras that name nothing in the data say so.
        let other: Strings = ["2024-01-05", "2024-01-05"].into_iter().collect();
        let e = match_rows(&d, &keys(&two, Some(&other)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'2024-01-05'") && e.contains("'1'"), "{e}");
    }

    #[test]
    fn unique_ids_without_eras_match_as_before() {
        let d = data(&[("1", "a"), ("1", "b"), ("2", "c")]);
        let ids: Strings = ["c", "a", "z"].into_iter().collect();
        assert_eq!(
            match_rows(&d, &keys(&ids, None)).unwrap(),
            [Some(1), None, Some(0)]
        );
        let dup: Strings = ["c", "a", "c"].into_iter().collect();
        let e = match_rows(&d, &keys(&dup, None)).unwrap_err().to_string();
        assert!(
            e.contains("preds.csv: id 'c' appears more than once"),
            "{e}"
        );
    }

    /// The data's repeated-id check against a plain map of each id's first two rows, on ids
    /// that repeat near and far apart, once, several times, or not at all.
    #[test]
    fn the_first_repeated_data_id_is_the_earliest_pair_of_rows_of_one_id() {
        // Each id's first two rows; the earliest such pair of any id.
        let expected = |ids: &[String]| {
            let mut first: HashMap<&str, (usize, Option<usize>)> = HashMap::new();
            for (r, id) in ids.iter().enumerate() {
                first
                    .entry(id)
                    .and_modify(|(_, second)| *second = second.or(Some(r)))
                    .or_insert((r, None));
            }
            first.values().filter_map(|&(a, b)| Some((a, b?))).min()
        };
        for (n, modulus) in [
            (0, 1),
            (1, 1),
            (2, 1),
            (2, 3),
            (3000, 2999),
            (3000, 7),
            (5000, 1 << 20),
            // Several shares of rows.
            (40_000, 39_999),
            (70_000, 1 << 40),
            (70_000, 69_001),
        ] {
            let ids: Vec<String> = (0..n as u64)
                .map(|i| format!("n{:x}", (i * 2_654_435_761) % modulus))
                .collect();
            let pairs: Vec<(&str, &str)> = ids.iter().map(|i| ("1", i.as_str())).collect();
            assert_eq!(
                repeated_id(&data(&pairs)),
                expected(&ids),
                "{n} ids mod {modulus}"
            );
        }
    }

    #[test]
    fn models_are_named_once_and_never_as_key_columns() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_model_names(&names(&["a", "b"])).is_ok());
        for (bad, want) in [
            (&["id"][..], "'id' is a key column"),
            (&["a", "era"], "'era' is a key column"),
            (&["a", "a"], "'a' is named twice"),
        ] {
            let e = check_model_names(&names(bad)).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
    }
}
