//! The Numerai v5 data layout: `id`, `era`, optional `data_type`, `feature_*`, `target*`.
//!
//! Only the requested columns are decoded (parquet column projection). Features are stored
//! as one int8 vector per column, never widened: a full validation set is ~3.8M rows x
//! ~2,750 features, 10 GB as int8 and 84 GB as f64. Integer feature columns are taken as
//! they are; float feature columns (older releases used 0, .25, .5, .75, 1) are stored as
//! `4 * value`, which leaves every score unchanged because neutralization and Pearson
//! correlation are invariant to an affine change of a column.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{Array, ArrayRef, Float64Array, Int8Array, RecordBatch};
use arrow_schema::ArrowError;
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

use crate::strings::{ExtendFromArrow, Strings};
use crate::{FloatWidth, IoError};

/// Which feature columns to load.
#[derive(Debug, Clone, Default)]
pub enum FeatureSelection {
    /// No features.
    #[default]
    None,
    /// Every `feature_*` column.
    All,
    /// These columns, in this order.
    Named(Vec<String>),
}

impl FeatureSelection {
    /// The feature columns this selection names, given a file's column names.
    fn columns(&self, names: &[String]) -> Vec<String> {
        match self {
            FeatureSelection::None => Vec::new(),
            FeatureSelection::All => names
                .iter()
                .filter(|n| n.starts_with("feature_"))
                .cloned()
                .collect(),
            FeatureSelection::Named(v) => v.clone(),
        }
    }
}

/// What to read from a data file.
#[derive(Debug, Clone, Default)]
pub struct DatasetRequest {
    /// Feature columns to load.
    pub features: FeatureSelection,
    /// Target columns to load.
    pub targets: Vec<String>,
}

/// A float target column.
#[derive(Debug, Clone)]
pub struct TargetColumn {
    /// Column name.
    pub name: String,
    /// Values, NaN where missing.
    pub values: Vec<f64>,
    /// On-disk width (the reference computes in it).
    pub width: FloatWidth,
}

/// The loaded part of a data file.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The file.
    pub path: PathBuf,
    /// Row ids.
    pub ids: Strings,
    /// Era of each row, as an index into `era_names`.
    pub eras: Vec<u32>,
    /// Distinct era names in order of first appearance.
    pub era_names: Vec<String>,
    /// Loaded feature names.
    pub feature_names: Vec<String>,
    /// One int8 vector per feature (all rows).
    pub features: Vec<Vec<i8>>,
    /// Loaded targets.
    pub targets: Vec<TargetColumn>,
}

/// A dataset's row ids and per-row era index, moved out of it by [`Dataset::take_keys`].
#[derive(Debug, Clone, Default)]
pub struct DataKeys {
    /// Row ids.
    pub ids: Strings,
    /// Era of each row, as an index into the dataset's `era_names`.
    pub eras: Vec<u32>,
}

impl Dataset {
    /// Number of rows (0 once the keys are taken).
    pub fn rows(&self) -> usize {
        self.ids.len()
    }

    /// Moves the ids and the per-row era index out, leaving both empty. A streamed run
    /// needs them only to match the other files' rows and to group and sort each era's
    /// rows; handed to it, it drops them before scoring rather than keeping ~30 bytes a
    /// row for the whole run.
    pub fn take_keys(&mut self) -> DataKeys {
        DataKeys {
            ids: std::mem::take(&mut self.ids),
            eras: std::mem::take(&mut self.eras),
        }
    }

    /// The dataset's path, era names and the `keys` given, without features or targets:
    /// what matching rows by id reads.
    pub fn keyed(&self, keys: DataKeys) -> Dataset {
        Dataset {
            path: self.path.clone(),
            ids: keys.ids,
            eras: keys.eras,
            era_names: self.era_names.clone(),
            feature_names: Vec::new(),
            features: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// The dataset of rows `keep` (ascending): eras renumbered in order of first appearance
    /// among the kept rows.
    pub fn select_rows(&self, keep: &[u32]) -> Dataset {
        let mut ids = Strings::with_capacity(keep.len(), 0);
        for &r in keep {
            ids.push(&self.ids[r as usize]);
        }
        let (eras, era_names) = era_index(
            keep.iter()
                .map(|&r| self.era_names[self.eras[r as usize] as usize].as_str()),
            keep.len(),
        );
        let pick = |v: &Vec<i8>| keep.iter().map(|&r| v[r as usize]).collect();
        Dataset {
            path: self.path.clone(),
            ids,
            eras,
            era_names,
            feature_names: self.feature_names.clone(),
            features: self.features.iter().map(pick).collect(),
            targets: self
                .targets
                .iter()
                .map(|t| TargetColumn {
                    name: t.name.clone(),
                    values: keep.iter().map(|&r| t.values[r as usize]).collect(),
                    width: t.width,
                })
                .collect(),
        }
    }
}

/// Column names of a parquet file, without reading data.
pub fn parquet_column_names(path: &Path) -> Result<Vec<String>, IoError> {
    let file = File::open(path).map_err(|e| IoError::file(path, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| IoError::parquet(path, e))?;
    Ok(builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect())
}

/// Rows each row group holds, from a footer that has been checked against itself and
/// against the file's size before anything is sized from it: a footer is user input, and a
/// corrupt one can claim 2^62 rows in a file of a kilobyte.
///
/// Every file erascore reads holds ids or scores, which take bytes per row on disk, and
/// writers cap the rows of a page, so no genuine file packs more than 8 rows (one bit
/// each) into a byte; the bound refuses only footers that cannot be right.
pub(crate) fn row_group_rows(
    path: &Path,
    metadata: &parquet::file::metadata::ParquetMetaData,
) -> Result<Vec<usize>, IoError> {
    let file_len = std::fs::metadata(path)
        .map_err(|e| IoError::file(path, e))?
        .len();
    let corrupt = |what: String| IoError::parquet(path, format!("corrupt footer: {what}"));
    let mut total: u64 = 0;
    let mut rows = Vec::with_capacity(metadata.num_row_groups());
    for (g, group) in metadata.row_groups().iter().enumerate() {
        let n = u64::try_from(group.num_rows())
            .map_err(|_| corrupt(format!("row group {g} has {} rows", group.num_rows())))?;
        total = total
            .checked_add(n)
            .ok_or_else(|| corrupt("the row groups' row counts overflow".into()))?;
        rows.push(n);
    }
    let claimed = metadata.file_metadata().num_rows();
    if u64::try_from(claimed).ok() != Some(total) {
        return Err(corrupt(format!(
            "it claims {claimed} rows, its row groups hold {total}"
        )));
    }
    let most = file_len.saturating_mul(8).saturating_add(65_536);
    if total > most {
        return Err(corrupt(format!(
            "it claims {total} rows, more than a file of {file_len} bytes can hold"
        )));
    }
    rows.into_iter()
        .map(|n| usize::try_from(n).map_err(|_| corrupt(format!("{n} rows"))))
        .collect()
}

/// Feature columns decoded by one task.
pub(crate) const FEATURES_PER_TASK: usize = 128;
/// Rows per decoded batch: int8 columns are decoded through an i32 buffer, so a batch of
/// thousands of columns costs `4 * BATCH_ROWS * columns` bytes per thread.
pub(crate) const BATCH_ROWS: usize = 8_192;

/// One unit of parallel decoding: a row group and a block of its feature columns, with the
/// output slices it fills (targets only for the first block).
struct Task<'a> {
    group: usize,
    /// False for a row group that holds none of the eras asked for: only its ids and eras
    /// are decoded.
    full: bool,
    features: Vec<(usize, &'a mut [i8])>,
    targets: Option<Vec<&'a mut [f64]>>,
}

fn wanted_index(wanted: &[(usize, Slot)], pred: impl Fn(&Slot) -> bool) -> usize {
    wanted.iter().find(|(_, s)| pred(s)).map_or(0, |(i, _)| *i)
}

/// A file column to decode and where its values go.
type SlotColumn = (usize, Slot);

pub(crate) enum Slot {
    Id,
    Era,
    Feature(usize),
    Target(usize),
}

impl Slot {
    fn role(&self) -> &'static str {
        match self {
            Slot::Id => "the id column",
            Slot::Era => "the era column",
            Slot::Feature(_) => "a feature",
            Slot::Target(_) => "a target",
        }
    }
    fn is_id(&self) -> bool {
        matches!(self, Slot::Id)
    }
    fn is_era(&self) -> bool {
        matches!(self, Slot::Era)
    }
}

/// Where each requested column is in the file's `schema`: the feature names the request
/// resolves to and the (column, slot) pairs to decode. Refuses a missing column, a
/// non-numeric target and a column asked for in two roles.
pub(crate) fn plan_columns(
    path: &Path,
    schema: &Schema,
    request: &DatasetRequest,
) -> Result<(Vec<String>, Vec<SlotColumn>), IoError> {
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let find = |c: &str| {
        names
            .iter()
            .position(|n| n == c)
            .ok_or_else(|| IoError::missing(path, c, &names))
    };
    let feature_names = request.features.columns(&names);
    let mut wanted: Vec<(usize, Slot)> = vec![(find("id")?, Slot::Id), (find("era")?, Slot::Era)];
    for (k, f) in feature_names.iter().enumerate() {
        wanted.push((find(f)?, Slot::Feature(k)));
    }
    for (k, t) in request.targets.iter().enumerate() {
        let i = find(t)?;
        let dt = schema.field(i).data_type();
        if !dt.is_numeric() {
            return Err(IoError::NotNumeric {
                path: path.to_path_buf(),
                column: t.clone(),
                found: dt.to_string(),
            });
        }
        wanted.push((i, Slot::Target(k)));
    }
    let mut distinct: Vec<(usize, &Slot)> = wanted.iter().map(|(i, s)| (*i, s)).collect();
    distinct.sort_by_key(|(i, _)| *i);
    if let Some(w) = distinct.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(IoError::invalid(
            path,
            format!(
                "column '{}' is asked for twice, as {} and as {}",
                names[w[0].0],
                w[0].1.role(),
                w[1].1.role()
            ),
        ));
    }
    Ok((feature_names, wanted))
}

/// Reads `id`, `era` and the requested features and targets from a Numerai parquet file.
///
/// Row groups are decoded in parallel (rayon), each straight into its own slice of the
/// preallocated int8 feature columns, so peak memory is the int8 matrix plus one decoded
/// row group per thread.
pub fn read_dataset(path: &Path, request: &DatasetRequest) -> Result<Dataset, IoError> {
    read_row_groups(path, request, None, None, None)
}

/// [`read_dataset`] for a worker that scores only some eras: every row's id and era are
/// read (the checks on ids span the whole file), but features and targets only from the
/// row groups that may hold one of `eras`, by the era column's min/max statistics. Rows of
/// the other row groups keep zero features and NaN targets; a file without statistics is
/// read whole.
pub fn read_dataset_eras(
    path: &Path,
    request: &DatasetRequest,
    eras: Option<&[String]>,
) -> Result<Dataset, IoError> {
    read_row_groups(path, request, None, eras, None)
}

/// [`read_dataset`] over the row groups `only` (indices into the file's, ascending; all of
/// them with `None`): the rows of the other groups are not decoded. With `eras`, as
/// [`read_dataset_eras`] within those groups. `footer`: the file's footer when the caller
/// has read and checked it already (a data file's footer describes every feature column of
/// every row group, tens of thousands of column chunks: parsed once per run, not once per
/// reader).
///
/// Four steps: the footer and schema give a [`ReadPlan`]; the output columns are allocated
/// and cut into (row group, column block) [`Task`]s; the tasks decode in parallel
/// ([`ReadPlan::decode`]); [`ReadPlan::assemble`] joins ids and eras into the dataset.
pub(crate) fn read_row_groups(
    path: &Path,
    request: &DatasetRequest,
    only: Option<&[usize]>,
    eras: Option<&[String]>,
    footer: Option<&ArrowReaderMetadata>,
) -> Result<Dataset, IoError> {
    let plan = ReadPlan::new(path, request, only, eras, footer)?;
    plan.check_allocation()?;
    // Every row group gets disjoint mutable slices of each feature and target column.
    let mut features: Vec<Vec<i8>> = plan
        .feature_names
        .iter()
        .map(|_| vec![0i8; plan.total_rows])
        .collect();
    let mut target_values: Vec<Vec<f64>> = request
        .targets
        .iter()
        .map(|_| vec![0.0; plan.total_rows])
        .collect();
    let tasks = plan.tasks(&mut features, &mut target_values);
    let decoded: Vec<Option<(Strings, GroupEras)>> = tasks
        .into_par_iter()
        .map(|task| plan.decode(task))
        .collect::<Result<_, IoError>>()?;
    Ok(plan.assemble(decoded, features, target_values))
}

/// What a read decodes: the file's footer and schema, the requested columns' places, and
/// the row groups read, with their rows and whether their features and targets are wanted.
struct ReadPlan<'a> {
    path: &'a Path,
    request: &'a DatasetRequest,
    metadata: ArrowReaderMetadata,
    /// The footer the row groups are decoded with: `metadata` with a text era column read
    /// as a dictionary ([`era_as_dictionary`]).
    reader_metadata: ArrowReaderMetadata,
    schema: std::sync::Arc<Schema>,
    feature_names: Vec<String>,
    wanted: Vec<SlotColumn>,
    /// Indices of the file's row groups read.
    groups: Vec<usize>,
    /// Rows of each group read.
    group_rows: Vec<usize>,
    /// Where each group read starts in the file, in rows.
    group_start: Vec<usize>,
    /// False for a group that holds none of the eras asked for: only ids and eras decoded.
    full_groups: Vec<bool>,
    total_rows: usize,
}

impl<'a> ReadPlan<'a> {
    fn new(
        path: &'a Path,
        request: &'a DatasetRequest,
        only: Option<&[usize]>,
        eras: Option<&[String]>,
        footer: Option<&ArrowReaderMetadata>,
    ) -> Result<Self, IoError> {
        let metadata = match footer {
            Some(m) => m.clone(),
            None => read_footer(path)?,
        };
        let schema = metadata.schema().clone();
        let (feature_names, wanted) = plan_columns(path, &schema, request)?;
        let file_group_rows = row_group_rows(path, metadata.metadata())?;
        let file_group_start = starts(&file_group_rows);
        let groups: Vec<usize> = match only {
            Some(g) => g.to_vec(),
            None => (0..file_group_rows.len()).collect(),
        };
        let group_rows: Vec<usize> = groups.iter().map(|&g| file_group_rows[g]).collect();
        let group_start: Vec<usize> = groups.iter().map(|&g| file_group_start[g]).collect();
        let era_column = wanted_index(&wanted, Slot::is_era);
        let full_groups: Vec<bool> = groups
            .iter()
            .map(|&g| eras.is_none_or(|e| may_hold_eras(metadata.metadata(), g, era_column, e)))
            .collect();
        let total_rows = group_rows.iter().sum();
        let reader_metadata = era_as_dictionary(&metadata, &wanted);
        Ok(Self {
            path,
            request,
            reader_metadata,
            metadata,
            schema,
            feature_names,
            wanted,
            groups,
            group_rows,
            group_start,
            full_groups,
            total_rows,
        })
    }

    /// The footer passed its checks, but a corrupt one can still claim more rows than memory
    /// holds: ask the allocator first, so that such a file is an error, not an abort. (The
    /// columns themselves are zeroed lazily by the allocator; this probe touches nothing.)
    fn check_allocation(&self) -> Result<(), IoError> {
        let (rows, features, targets) = (
            self.total_rows,
            self.feature_names.len(),
            self.request.targets.len(),
        );
        let bytes = rows.saturating_mul(features + 8 * targets);
        if Vec::<u8>::new().try_reserve_exact(bytes).is_err() {
            return Err(IoError::invalid(
                self.path,
                format!(
                    "{rows} rows of {features} features and {targets} targets take {:.1} GB, \
                     more than this machine can allocate",
                    bytes as f64 / 1e9
                ),
            ));
        }
        Ok(())
    }

    /// The decoding tasks, each owning its slices of the output columns. Tasks are (row
    /// group, block of feature columns): files often have only a few row groups, and columns
    /// are independent, so both dimensions feed the thread pool. The first block of each row
    /// group also carries id, era and the targets.
    fn tasks<'c>(
        &self,
        features: &'c mut [Vec<i8>],
        target_values: &'c mut [Vec<f64>],
    ) -> Vec<Task<'c>> {
        let group_rows = &self.group_rows;
        let mut feature_parts: Vec<Vec<&mut [i8]>> =
            group_rows.iter().map(|_| Vec::new()).collect();
        for col in features.iter_mut() {
            let mut rest: &mut [i8] = col.as_mut_slice();
            for (g, &n) in group_rows.iter().enumerate() {
                let (head, tail) = rest.split_at_mut(n);
                feature_parts[g].push(head);
                rest = tail;
            }
        }
        let mut target_parts: Vec<Vec<&mut [f64]>> =
            group_rows.iter().map(|_| Vec::new()).collect();
        for col in target_values.iter_mut() {
            let mut rest: &mut [f64] = col.as_mut_slice();
            for (g, &n) in group_rows.iter().enumerate() {
                let (head, tail) = rest.split_at_mut(n);
                target_parts[g].push(head);
                rest = tail;
            }
        }
        let mut tasks: Vec<Task<'c>> = Vec::new();
        for (g, (feats, targs)) in feature_parts.into_iter().zip(target_parts).enumerate() {
            let mut feats: Vec<(usize, &mut [i8])> = feats.into_iter().enumerate().collect();
            if !self.full_groups[g] {
                tasks.push(Task {
                    group: g,
                    full: false,
                    features: Vec::new(),
                    targets: Some(Vec::new()),
                });
                continue;
            }
            let mut targs = Some(targs);
            loop {
                let rest = if feats.len() > FEATURES_PER_TASK {
                    feats.split_off(FEATURES_PER_TASK)
                } else {
                    Vec::new()
                };
                tasks.push(Task {
                    group: g,
                    full: true,
                    features: std::mem::take(&mut feats),
                    targets: targs.take(),
                });
                if rest.is_empty() {
                    break;
                }
                feats = rest;
            }
        }
        tasks
    }

    /// The file column of feature `k` of the request.
    fn feature_column(&self, k: usize) -> usize {
        wanted_index(&self.wanted, |s| matches!(s, Slot::Feature(j) if *j == k))
    }

    /// Decodes one task into its slices; a row group's first task returns the group's ids
    /// and eras.
    fn decode(&self, task: Task<'_>) -> Result<Option<(Strings, GroupEras)>, IoError> {
        let (path, request, wanted) = (self.path, self.request, &self.wanted);
        let g = task.group;
        let first = task.targets.is_some();
        // File order within the task's projection. Only a row group's first task decodes
        // its ids; the others look one up only to name a bad feature value.
        let id_column = wanted_index(wanted, Slot::is_id);
        let metadata = &self.metadata;
        let (group, group_rows, group_start) =
            (self.groups[g], self.group_rows[g], self.group_start[g]);
        // The ids straight from their pages where they are plain text (nearly always);
        // through Arrow otherwise, which then names a null, empty or non-text id.
        let direct_ids = (first && is_flat(metadata))
            .then(|| crate::text_pages::read_text(path, metadata.metadata(), group, id_column))
            .flatten();
        let mut columns: Vec<(usize, Slot)> = Vec::new();
        if first {
            if direct_ids.is_none() {
                columns.push((id_column, Slot::Id));
            }
            columns.push((wanted_index(wanted, Slot::is_era), Slot::Era));
            let targets = if task.full { request.targets.len() } else { 0 };
            for k in 0..targets {
                columns.push((
                    wanted_index(wanted, |s| matches!(s, Slot::Target(j) if *j == k)),
                    Slot::Target(k),
                ));
            }
        }
        for (pos, (k, _)) in task.features.iter().enumerate() {
            columns.push((self.feature_column(*k), Slot::Feature(pos)));
        }
        columns.sort_by_key(|(i, _)| *i);
        let mask = ProjectionMask::roots(
            metadata.metadata().file_metadata().schema_descr(),
            columns.iter().map(|(i, _)| *i),
        );
        let mut feats = task.features;
        let mut targs = task.targets.unwrap_or_default();
        // A separate source per task: cloned file handles would share one seek offset.
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
            crate::source::Source::open(path)?,
            self.reader_metadata.clone(),
        )
        .with_row_groups(vec![group])
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| IoError::parquet(path, e))?;
        let ids_through_arrow = direct_ids.is_none();
        let mut ids = direct_ids.unwrap_or_else(|| Strings::with_capacity(group_rows, 0));
        // A batch's eras, indexed before the next batch reuses the buffer.
        let mut era_batch = Strings::new();
        let mut eras = EraIndex::with_capacity(group_rows);
        let mut offset = 0;
        for batch in crate::parquet_guard::batches(path, reader) {
            let batch = batch?;
            let n = batch.num_rows();
            if offset + n > group_rows {
                return Err(IoError::invalid(
                    path,
                    format!("row group {group} holds more rows than its metadata says"),
                ));
            }
            let first_row = group_start + offset;
            // Ids first, so that a missing era can name its row's id.
            if let Some(c) = columns.iter().position(|(_, s)| s.is_id()) {
                push_text(path, "id", batch.column(c), &mut ids, first_row, None)?;
            }
            if ids_through_arrow && offset == 0 && n > 0 && n < group_rows {
                // Room for the group's text at the first batch's bytes per row: grown
                // batch by batch, the buffers would be copied and fresh pages faulted in
                // again at each doubling.
                let more = group_rows - n;
                ids.reserve(more, ids.byte_len().saturating_mul(more) / n);
            }
            for (c, (_, slot)) in columns.iter().enumerate() {
                let array = batch.column(c);
                match slot {
                    Slot::Id | Slot::Feature(_) => {}
                    Slot::Era
                        if push_era_keys(path, array, &mut eras, (&ids, offset), first_row)? => {}
                    Slot::Era => {
                        era_batch.clear();
                        push_text(
                            path,
                            "era",
                            array,
                            &mut era_batch,
                            first_row,
                            Some((&ids, offset)),
                        )?;
                        eras.extend(era_batch.iter());
                    }
                    Slot::Target(k) => fill_float(
                        path,
                        &request.targets[*k],
                        array,
                        &mut targs[*k][offset..offset + n],
                    )?,
                }
            }
            for (c, (_, slot)) in columns.iter().enumerate() {
                let Slot::Feature(pos) = slot else { continue };
                let (k, out) = &mut feats[*pos];
                fill_feature(
                    path,
                    &self.feature_names[*k],
                    batch.column(c),
                    &mut out[offset..offset + n],
                    (&ids, offset),
                    first_row,
                )
                .map_err(|e| match e {
                    IoError::BadFeature {
                        path,
                        column,
                        row,
                        id,
                        value,
                    } if id.is_empty() => IoError::BadFeature {
                        id: id_in_group(&path, metadata, id_column, group, row - group_start)
                            .unwrap_or_default(),
                        path,
                        column,
                        row,
                        value,
                    },
                    e => e,
                })?;
            }
            offset += n;
        }
        if offset != group_rows {
            return Err(IoError::invalid(
                path,
                format!("row group {group} is shorter than its metadata says"),
            ));
        }
        // Indexed here, in parallel, rather than after every group is read: the labels of
        // 744,000 rows are a serial pass at assembly, and then kept no longer than the task.
        Ok(first.then(|| (ids, eras.finish())))
    }

    /// Joins the row groups' ids and eras (in group order) with the decoded columns; the
    /// targets of groups that hold none of the eras asked for become NaN.
    fn assemble(
        self,
        decoded: Vec<Option<(Strings, GroupEras)>>,
        features: Vec<Vec<i8>>,
        mut target_values: Vec<Vec<f64>>,
    ) -> Dataset {
        let total_rows = self.total_rows;
        let (group_ids, group_eras): (Vec<Strings>, Vec<GroupEras>) =
            decoded.into_iter().flatten().unzip();
        let ids = join_ids(group_ids);
        let (eras, era_names) = join_era_indices(group_eras.into_iter(), total_rows);
        // Where each decoded group's rows start in the columns (not in the file: `only` may
        // leave groups out).
        let column_start = starts(&self.group_rows);
        for values in target_values.iter_mut() {
            for (g, &full) in self.full_groups.iter().enumerate() {
                if !full {
                    let start = column_start[g];
                    values[start..start + self.group_rows[g]].fill(f64::NAN);
                }
            }
        }
        let targets = target_columns(&self.schema, &self.request.targets, target_values);
        Dataset {
            path: self.path.to_path_buf(),
            ids,
            eras,
            era_names,
            feature_names: self.feature_names,
            features,
            targets,
        }
    }
}

/// A parquet file's footer, checked against the file's size before anything is sized from
/// it.
pub(crate) fn read_footer(path: &Path) -> Result<ArrowReaderMetadata, IoError> {
    let file = File::open(path).map_err(|e| IoError::file(path, e))?;
    let file_len = file.metadata().map_err(|e| IoError::file(path, e))?.len();
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())
        .map_err(|e| IoError::parquet(path, e))?;
    crate::parquet_guard::check_column_chunks(path, metadata.metadata(), file_len)?;
    Ok(metadata)
}

/// Whether every field of the file's schema is one of its columns (no nested field), so
/// that field `i` is leaf column `i` of the footer.
pub(crate) fn is_flat(metadata: &ArrowReaderMetadata) -> bool {
    metadata
        .metadata()
        .file_metadata()
        .schema_descr()
        .num_columns()
        == metadata.schema().fields().len()
}

/// Where each row group starts, in rows from the start of the file.
pub(crate) fn starts(group_rows: &[usize]) -> Vec<usize> {
    let mut acc = 0;
    group_rows
        .iter()
        .map(|r| {
            let start = acc;
            acc += r;
            start
        })
        .collect()
}

/// The distinct eras of a data file in order of first appearance (the `era_names` of
/// [`read_dataset`]), from the era column alone: how the driver of a distributed job learns
/// the eras it splits into shares. Refuses a file without `id` or `era` as
/// [`read_dataset`] does; values it cannot read are left to the readers of the shares.
pub fn read_era_names(path: &Path) -> Result<Vec<String>, IoError> {
    let file = File::open(path).map_err(|e| IoError::file(path, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| IoError::parquet(path, e))?;
    let names: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let find = |c: &str| {
        names
            .iter()
            .position(|n| n == c)
            .ok_or_else(|| IoError::missing(path, c, &names))
    };
    find("id")?;
    let era = find("era")?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), [era]);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| IoError::parquet(path, e))?;
    let mut eras = Strings::new();
    for batch in crate::parquet_guard::batches(path, reader) {
        let batch = batch?;
        let start = eras.len();
        push_text(path, "era", batch.column(0), &mut eras, start, None)?;
    }
    let (_, names) = era_index(eras.iter(), eras.len());
    Ok(names)
}

/// The leaf columns (column chunks) of the top-level columns `roots`, in file order. A
/// flat file has one leaf per column at the same index; a list or struct column has one
/// leaf per primitive inside it, which shifts the chunk index of every column after it.
pub(crate) fn leaves(
    schema: &parquet::schema::types::SchemaDescriptor,
    roots: impl IntoIterator<Item = usize>,
) -> Vec<usize> {
    let mut roots: Vec<usize> = roots.into_iter().collect();
    roots.sort_unstable();
    (0..schema.num_columns())
        .filter(|&i| roots.binary_search(&schema.get_column_root_idx(i)).is_ok())
        .collect()
}

/// Whether row group `group` may hold one of `eras`: false only when the era column is text
/// with min/max statistics that leave every one of them out (truncated statistics are still
/// bounds, so the test never drops a group that holds one).
pub(crate) fn may_hold_eras(
    metadata: &parquet::file::metadata::ParquetMetaData,
    group: usize,
    era_column: usize,
    eras: &[String],
) -> bool {
    use parquet::basic::{LogicalType, Type as PhysicalType};
    let schema = metadata.file_metadata().schema_descr();
    let Some(&leaf) = leaves(schema, [era_column]).first() else {
        return true;
    };
    let column = metadata.row_group(group).column(leaf);
    let descr = column.column_descr();
    let is_text = descr.physical_type() == PhysicalType::BYTE_ARRAY
        && matches!(descr.logical_type_ref(), Some(LogicalType::String));
    let bounds = column
        .statistics()
        .and_then(|s| Some((s.min_bytes_opt()?, s.max_bytes_opt()?)));
    match bounds {
        Some((min, max)) if is_text => eras
            .iter()
            .any(|e| min <= e.as_bytes() && e.as_bytes() <= max),
        _ => true,
    }
}

/// The groups' ids, in order, as one column. The column is copied group by group in
/// parallel: its ~18 MB (744,000 ids and their offsets) are fresh pages, and copied on one
/// thread while the other waited they were a serial step of every read.
fn join_ids(mut groups: Vec<Strings>) -> Strings {
    if groups.len() <= 1 {
        return groups.pop().unwrap_or_default();
    }
    // One copy of each group's buffers, in order: they are text cut at value boundaries
    // already, so nothing is checked again (checking 12 MB of ids as UTF-8 cost more than
    // copying them on several threads saved).
    let rows: usize = groups.iter().map(Strings::len).sum();
    let bytes: usize = groups.iter().map(Strings::byte_len).sum();
    let mut ids = Strings::with_capacity(rows, bytes);
    for g in &groups {
        ids.extend_from(g);
    }
    ids
}

/// A row group's eras: each row's index into the group's distinct era names, in order of
/// first appearance.
type GroupEras = (Vec<u32>, Vec<String>);

/// The groups' eras (in row order) as one index into the distinct names, in order of first
/// appearance: what [`era_index`] gives for all the groups' rows at once.
fn join_era_indices(
    mut groups: impl Iterator<Item = GroupEras>,
    rows: usize,
) -> (Vec<u32>, Vec<String>) {
    let Some((mut index, mut names)) = groups.next() else {
        return (Vec::new(), Vec::new());
    };
    index.reserve(rows.saturating_sub(index.len()));
    let mut lookup: std::collections::HashMap<String, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i as u32))
        .collect();
    for (group_index, group_names) in groups {
        let global: Vec<u32> = group_names
            .into_iter()
            .map(|name| {
                let next = names.len() as u32;
                *lookup.entry(name).or_insert_with_key(|name| {
                    names.push(name.clone());
                    next
                })
            })
            .collect();
        index.extend(group_index.into_iter().map(|i| global[i as usize]));
    }
    (index, names)
}

/// Each row's era as an index into the distinct era names, in order of first appearance.
fn era_index<'a>(eras: impl Iterator<Item = &'a str>, rows: usize) -> (Vec<u32>, Vec<String>) {
    let mut index = EraIndex::with_capacity(rows);
    index.extend(eras);
    index.finish()
}

/// [`era_index`] built a batch of rows at a time, so that a row group's era labels need not
/// be kept until its last batch (a copy of every row's era, fresh pages for each group).
#[derive(Default)]
struct EraIndex {
    index: Vec<u32>,
    names: Vec<String>,
    lookup: std::collections::HashMap<String, u32>,
    /// The last row's era: rows of an era come in runs.
    previous: Option<u32>,
}

impl EraIndex {
    fn with_capacity(rows: usize) -> Self {
        Self {
            index: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    fn extend<'a>(&mut self, eras: impl Iterator<Item = &'a str>) {
        for e in eras {
            let idx = match self.previous {
                Some(i) if self.names[i as usize] == e => i,
                _ => self.index_of(e),
            };
            self.previous = Some(idx);
            self.index.push(idx);
        }
    }

    /// The index of era `e`, a new one if it was not seen yet (no row is added).
    fn index_of(&mut self, e: &str) -> u32 {
        match self.lookup.get(e) {
            Some(&i) => i,
            None => {
                let next = self.names.len() as u32;
                self.names.push(e.to_string());
                self.lookup.insert(e.to_string(), next);
                next
            }
        }
    }

    fn finish(self) -> (Vec<u32>, Vec<String>) {
        (self.index, self.names)
    }
}

/// Target columns with the width their schema gives them.
fn target_columns(schema: &Schema, names: &[String], values: Vec<Vec<f64>>) -> Vec<TargetColumn> {
    names
        .iter()
        .zip(values)
        .map(|(t, values)| TargetColumn {
            name: t.clone(),
            values,
            width: match schema.field_with_name(t).map(|f| f.data_type()) {
                Ok(DataType::Float32) => FloatWidth::F32,
                _ => FloatWidth::F64,
            },
        })
        .collect()
}

/// Builds a [`Dataset`] from Arrow record batches (an in-memory table handed over through the
/// Arrow C stream interface, say) with the columns of the Numerai layout: `id`, `era`, the
/// requested features (kept as int8, checked as [`read_dataset`] checks them) and targets.
/// `label` stands in for a file name in error messages.
pub fn dataset_from_batches(
    label: &Path,
    schema: &Schema,
    batches: impl IntoIterator<Item = Result<RecordBatch, ArrowError>>,
    request: &DatasetRequest,
) -> Result<Dataset, IoError> {
    let (feature_names, wanted) = plan_columns(label, schema, request)?;
    let id_col = wanted_index(&wanted, Slot::is_id);
    let era_col = wanted_index(&wanted, Slot::is_era);
    let feature_cols: Vec<usize> = wanted
        .iter()
        .filter(|(_, s)| matches!(s, Slot::Feature(_)))
        .map(|(i, _)| *i)
        .collect();
    let target_cols: Vec<usize> = wanted
        .iter()
        .filter(|(_, s)| matches!(s, Slot::Target(_)))
        .map(|(i, _)| *i)
        .collect();
    let mut ids = Strings::new();
    let mut era_text = Strings::new();
    let mut features: Vec<Vec<i8>> = feature_cols.iter().map(|_| Vec::new()).collect();
    let mut target_values: Vec<Vec<f64>> = target_cols.iter().map(|_| Vec::new()).collect();
    for batch in batches {
        let batch = batch.map_err(|e| IoError::invalid(label, e.to_string()))?;
        let start = ids.len();
        let n = batch.num_rows();
        push_text(label, "id", batch.column(id_col), &mut ids, start, None)?;
        push_text(
            label,
            "era",
            batch.column(era_col),
            &mut era_text,
            start,
            Some((&ids, start)),
        )?;
        for ((name, &c), out) in request
            .targets
            .iter()
            .zip(&target_cols)
            .zip(&mut target_values)
        {
            out.resize(start + n, 0.0);
            fill_float(label, name, batch.column(c), &mut out[start..])?;
        }
        for ((name, &c), out) in feature_names.iter().zip(&feature_cols).zip(&mut features) {
            out.resize(start + n, 0);
            fill_feature(
                label,
                name,
                batch.column(c),
                &mut out[start..],
                (&ids, start),
                start,
            )?;
        }
    }
    let rows = ids.len();
    let (eras, era_names) = era_index(era_text.iter(), rows);
    Ok(Dataset {
        path: label.to_path_buf(),
        ids,
        eras,
        era_names,
        feature_names,
        features,
        targets: target_columns(schema, &request.targets, target_values),
    })
}

/// The id of one row of a row group, read on the error path only (tasks that decode
/// features but not ids name the row of a bad value with it).
pub(crate) fn id_in_group(
    path: &Path,
    metadata: &ArrowReaderMetadata,
    id_column: usize,
    group: usize,
    row: usize,
) -> Option<String> {
    let file = File::open(path).ok()?;
    let mask = ProjectionMask::roots(
        metadata.metadata().file_metadata().schema_descr(),
        [id_column],
    );
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
        .with_row_groups(vec![group])
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .ok()?;
    let mut ids = Strings::new();
    for batch in crate::parquet_guard::batches(path, reader) {
        push_text(path, "id", batch.ok()?.column(0), &mut ids, 0, None).ok()?;
        if ids.len() > row {
            break;
        }
    }
    ids.get(row).map(str::to_string)
}

/// Appends a batch of the id or era column. `first_row` is the batch's first row in the
/// file; `ids` (the ids read so far, with the batch starting at the given index) names the
/// row of a missing era.
pub(crate) fn push_text(
    path: &Path,
    name: &str,
    array: &ArrayRef,
    out: &mut Strings,
    first_row: usize,
    ids: Option<(&Strings, usize)>,
) -> Result<(), IoError> {
    let missing = |i: usize, how: &str| missing_label(path, name, ids, first_row, i, how);
    let s = crate::text_array(path, name, array, first_row)?;
    if s.null_count() > 0 {
        let i = (0..s.len()).find(|&i| s.is_null(i)).unwrap_or(0);
        return Err(missing(i, "null"));
    }
    let before = out.len();
    if !out.extend_from_arrow(s.as_ref()) {
        return Err(IoError::invalid(
            path,
            format!("column '{name}' cannot be read as text"),
        ));
    }
    if let Some(i) = out.first_empty_from(before) {
        return Err(missing(i - before, "empty"));
    }
    Ok(())
}

/// Row `i` of a batch that starts at row `first_row` of the file (its ids, when read, at
/// `ids.1`) has no `name` label: the error names the row in the file and its id.
fn missing_label(
    path: &Path,
    name: &str,
    ids: Option<(&Strings, usize)>,
    first_row: usize,
    i: usize,
    how: &str,
) -> IoError {
    let id = ids
        .and_then(|(ids, start)| ids.get(start + i))
        .map_or_else(String::new, |id| format!(" (id '{id}')"));
    IoError::invalid(
        path,
        format!(
            "column '{name}' is missing ({how}) at row {}{id}",
            first_row + i
        ),
    )
}

/// `metadata` with the era column, when it is plain text, read as a dictionary of its
/// labels: a file's few hundred era labels are then decoded once per page's dictionary, not
/// copied out for each of 744,000 rows and compared with the last ([`push_era_keys`]).
/// `metadata` itself where the reader does not take that schema.
fn era_as_dictionary(metadata: &ArrowReaderMetadata, wanted: &[SlotColumn]) -> ArrowReaderMetadata {
    let schema = metadata.schema();
    let era = wanted
        .iter()
        .find(|(_, slot)| slot.is_era())
        .map(|(i, _)| *i);
    let Some(era) = era.filter(|&i| {
        schema
            .fields()
            .get(i)
            .is_some_and(|f| f.data_type() == &DataType::Utf8)
    }) else {
        return metadata.clone();
    };
    let mut fields = schema.fields().to_vec();
    fields[era] = std::sync::Arc::new(fields[era].as_ref().clone().with_data_type(
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
    ));
    let schema = std::sync::Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    ArrowReaderMetadata::try_new(
        metadata.metadata().clone(),
        ArrowReaderOptions::new().with_schema(schema),
    )
    .unwrap_or_else(|_| metadata.clone())
}

/// A batch's eras read as a dictionary of labels ([`era_as_dictionary`]) added to `eras`:
/// each label of the dictionary looked up once, the rows by their keys. False (nothing
/// added) for an array of another type, which [`push_text`] reads. The errors are
/// [`push_text`]'s: a null or empty era, named by its row in the file and its id.
fn push_era_keys(
    path: &Path,
    array: &ArrayRef,
    eras: &mut EraIndex,
    ids: (&Strings, usize),
    first_row: usize,
) -> Result<bool, IoError> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int32Type;
    let Some(dict) = array.as_dictionary_opt::<Int32Type>() else {
        return Ok(false);
    };
    let Some(labels) = dict.values().as_string_opt::<i32>() else {
        return Ok(false);
    };
    let missing = |i: usize, how: &str| missing_label(path, "era", Some(ids), first_row, i, how);
    if dict.null_count() > 0 {
        let i = (0..dict.len()).find(|&i| dict.is_null(i)).unwrap_or(0);
        return Err(missing(i, "null"));
    }
    // Each label's era, looked up when a row first holds it (eras are numbered in order of
    // first appearance, as row by row).
    let mut era_of: Vec<Option<u32>> = vec![None; labels.len()];
    for (i, &key) in dict.keys().values().iter().enumerate() {
        let k = usize::try_from(key).unwrap_or(usize::MAX);
        let idx = match era_of.get(k) {
            Some(Some(idx)) => *idx,
            Some(None) => {
                if labels.is_null(k) {
                    return Err(missing(i, "null"));
                }
                let label = labels.value(k);
                if label.is_empty() {
                    return Err(missing(i, "empty"));
                }
                let idx = eras.index_of(label);
                era_of[k] = Some(idx);
                idx
            }
            // The reader checks keys against its dictionary: never, but no panic if so.
            None => {
                return Err(IoError::invalid(
                    path,
                    format!("column 'era' at row {} has no label", first_row + i),
                ))
            }
        };
        eras.index.push(idx);
    }
    eras.previous = eras.index.last().copied();
    Ok(true)
}

fn fill_float(path: &Path, name: &str, array: &ArrayRef, out: &mut [f64]) -> Result<(), IoError> {
    let f = crate::convert::to_float64(array.as_ref()).map_err(|_| IoError::NotNumeric {
        path: path.to_path_buf(),
        column: name.to_string(),
        found: array.data_type().to_string(),
    })?;
    let f = f
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| IoError::invalid(path, format!("column '{name}' is not numeric")))?;
    for (i, o) in out.iter_mut().enumerate() {
        *o = if f.is_null(i) { f64::NAN } else { f.value(i) };
    }
    Ok(())
}

/// Copies one batch of a feature column into `out`. For error messages: `ids` are the row
/// group's ids with the batch starting at index `batch_start`, and `first_row` is the
/// batch's position in the file.
pub(crate) fn fill_feature(
    path: &Path,
    name: &str,
    array: &ArrayRef,
    out: &mut [i8],
    (ids, batch_start): (&Strings, usize),
    first_row: usize,
) -> Result<(), IoError> {
    let bad = |i: usize, value: String| IoError::BadFeature {
        path: path.to_path_buf(),
        column: name.to_string(),
        row: first_row + i,
        id: ids
            .get(batch_start + i)
            .map(str::to_string)
            .unwrap_or_default(),
        value,
    };
    if let Some(a) = array.as_any().downcast_ref::<Int8Array>() {
        if a.null_count() > 0 {
            let i = (0..a.len()).find(|&i| a.is_null(i)).unwrap_or(0);
            return Err(bad(i, "null".into()));
        }
        out.copy_from_slice(a.values());
        return Ok(());
    }
    let dt = array.data_type().clone();
    if !dt.is_numeric() {
        return Err(IoError::NotNumeric {
            path: path.to_path_buf(),
            column: name.to_string(),
            found: dt.to_string(),
        });
    }
    let scale = if dt.is_floating() { 4.0 } else { 1.0 };
    let f = crate::convert::to_float64(array.as_ref()).map_err(|e| IoError::parquet(path, e))?;
    let f = f
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| IoError::invalid(path, format!("column '{name}' is not numeric")))?;
    for (i, o) in out.iter_mut().enumerate() {
        if f.is_null(i) {
            return Err(bad(i, "null".into()));
        }
        let v = f.value(i) * scale;
        if !(v.fract() == 0.0 && (-128.0..=127.0).contains(&v)) {
            return Err(bad(i, format!("{}", f.value(i))));
        }
        *o = v as i8;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Float32Array, Float64Array, Int8Array, RecordBatch, StringArray};
    use arrow_schema::{Field, Schema};

    use super::*;
    use crate::test_files::{
        every_feature_and_target, id_era_target, row_groups_of, write_parquet,
    };

    #[test]
    fn dataset_from_record_batches() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("era", DataType::Utf8, false),
            Field::new("feature_a", DataType::Int8, false),
            Field::new("feature_b", DataType::Float64, false),
            Field::new("target", DataType::Float32, true),
        ]));
        let batch = |ids: [&str; 2], eras: [&str; 2], b: [f64; 2]| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(ids.to_vec())),
                    Arc::new(StringArray::from(eras.to_vec())),
                    Arc::new(Int8Array::from(vec![1i8, 4])),
                    Arc::new(Float64Array::from(b.to_vec())),
                    Arc::new(Float32Array::from(vec![Some(0.5f32), None])),
                ],
            )
        };
        let request = DatasetRequest {
            features: FeatureSelection::All,
            targets: vec!["target".into()],
        };
        let label = Path::new("<frame>");
        let d = dataset_from_batches(
            label,
            &schema,
            [
                batch(["a", "b"], ["e1", "e1"], [0.25, 0.5]),
                batch(["c", "d"], ["e2", "e1"], [1.0, 0.0]),
            ],
            &request,
        )
        .unwrap();
        assert_eq!(d.ids.to_vec(), ["a", "b", "c", "d"]);
        assert_eq!(d.eras, vec![0, 0, 1, 0]);
        assert_eq!(d.era_names, ["e1", "e2"]);
        assert_eq!(d.features, vec![vec![1, 4, 1, 4], vec![1, 2, 4, 0]]);
        assert_eq!(d.targets[0].width, FloatWidth::F32);
        assert!(d.targets[0].values[1].is_nan());
        // A value that is not a quarter step names the column, row and id.
        let err = dataset_from_batches(
            label,
            &schema,
            [batch(["a", "b"], ["e1", "e1"], [0.3, 0.5])],
            &request,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("feature_b") && err.contains("row 0") && err.contains("id a"),
            "{err}"
        );
        // A column in two roles is refused as the file reader refuses it, before any batch.
        let twice = DatasetRequest {
            features: FeatureSelection::All,
            targets: vec!["target".into(), "target".into()],
        };
        let err = dataset_from_batches(label, &schema, [], &twice)
            .unwrap_err()
            .to_string();
        assert!(err.contains("column 'target' is asked for twice"), "{err}");
        let text_target = DatasetRequest {
            features: FeatureSelection::All,
            targets: vec!["era".into()],
        };
        let err = dataset_from_batches(label, &schema, [], &text_target)
            .unwrap_err()
            .to_string();
        assert!(err.contains("era"), "{err}");
    }

    /// 10 rows in row groups of 4, and more features than one decode task takes, so that
    /// features past the first task are read without the id column.
    fn write_data(path: &Path, bad: Option<(usize, usize)>) {
        let rows = 10;
        let n_features = FEATURES_PER_TASK + 5;
        let (mut fields, mut columns) = id_era_target(
            (0..rows).map(|r| format!("id{r}")),
            (0..rows).map(|r| format!("{:04}", r / 5)),
        );
        for f in 0..n_features {
            let name = format!("feature_{f:04}");
            match bad {
                Some((bf, br)) if bf == f => {
                    fields.push(Field::new(name, DataType::Float64, false));
                    columns.push(Arc::new(Float64Array::from_iter_values(
                        (0..rows).map(|r| if r == br { 0.3 } else { 0.5 }),
                    )));
                }
                _ => {
                    fields.push(Field::new(name, DataType::Int8, false));
                    columns.push(Arc::new(Int8Array::from_iter_values(
                        (0..rows).map(|r| ((r + f) % 5) as i8),
                    )));
                }
            }
        }
        write_parquet(path, fields, columns, row_groups_of(4));
    }

    fn request() -> DatasetRequest {
        every_feature_and_target()
    }

    #[test]
    fn row_groups_ids_join_in_order() {
        let groups: Vec<Strings> = [&["n1", "n22"][..], &[][..], &["é", "", "n333"][..]]
            .iter()
            .map(|g| g.iter().copied().collect())
            .collect();
        let joined = join_ids(groups.clone());
        assert_eq!(joined.to_vec(), ["n1", "n22", "é", "", "n333"]);
        assert_eq!(join_ids(groups[..1].to_vec()), groups[0]);
        assert_eq!(join_ids(Vec::new()), Strings::new());
    }

    #[test]
    fn eras_indexed_by_row_group_join_as_indexed_whole() {
        let groups: [&[&str]; 3] = [&["b", "b", "a"], &["a", "c", "b"], &["d", "c", "c"]];
        let whole: Vec<&str> = groups.concat();
        let joined = join_era_indices(
            groups.iter().map(|g| era_index(g.iter().copied(), g.len())),
            whole.len(),
        );
        assert_eq!(joined, era_index(whole.iter().copied(), whole.len()));
        assert_eq!(joined.0, [0, 0, 1, 1, 2, 0, 3, 2, 2]);
        assert_eq!(joined.1, ["b", "a", "c", "d"]);
    }

    #[test]
    fn reads_ids_eras_and_every_feature() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        write_data(&path, None);
        let d = read_dataset(&path, &request()).unwrap();
        assert_eq!(
            d.ids.to_vec(),
            (0..10).map(|r| format!("id{r}")).collect::<Vec<_>>()
        );
        assert_eq!(d.era_names, ["0000", "0001"]);
        assert_eq!(d.eras, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        assert_eq!(d.features.len(), FEATURES_PER_TASK + 5);
        let last = FEATURES_PER_TASK + 4;
        assert_eq!(
            d.features[last],
            (0..10).map(|r| ((r + last) % 5) as i8).collect::<Vec<_>>()
        );
        assert_eq!(d.targets[0].values[3], 0.75);
    }

    #[test]
    fn bad_feature_value_names_row_and_id_in_any_task() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        // Row 6 is in the second row group; the feature is in the second decode task.
        for feature in [3, FEATURES_PER_TASK + 2] {
            write_data(&path, Some((feature, 6)));
            match read_dataset(&path, &request()) {
                Err(IoError::BadFeature {
                    column,
                    row,
                    id,
                    value,
                    ..
                }) => {
                    assert_eq!(column, format!("feature_{feature:04}"));
                    assert_eq!((row, id.as_str(), value.as_str()), (6, "id6", "0.3"));
                }
                other => panic!("expected a bad-feature error, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_share_of_eras_decodes_features_only_of_row_groups_that_may_hold_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        write_data(&path, None);
        let whole = read_dataset(&path, &request()).unwrap();
        // Row groups: rows 0-3 (era 0000), 4-7 (both eras), 8-9 (era 0001).
        let share = read_dataset_eras(&path, &request(), Some(&["0000".to_string()])).unwrap();
        assert_eq!(share.ids.to_vec(), whole.ids.to_vec());
        assert_eq!(share.eras, whole.eras);
        assert_eq!(share.era_names, whole.era_names);
        let last = FEATURES_PER_TASK + 4;
        for f in [0, last] {
            assert_eq!(share.features[f][..8], whole.features[f][..8]);
            assert_eq!(share.features[f][8..], [0, 0]);
        }
        assert_eq!(share.targets[0].values[..8], whole.targets[0].values[..8]);
        assert!(share.targets[0].values[8..].iter().all(|v| v.is_nan()));
        // A bad value in a row group of another share's eras is that share's to report.
        write_data(&path, Some((3, 9)));
        assert!(read_dataset_eras(&path, &request(), Some(&["0000".to_string()])).is_ok());
        let err = read_dataset_eras(&path, &request(), Some(&["0001".to_string()])).unwrap_err();
        assert!(matches!(err, IoError::BadFeature { row: 9, .. }), "{err:?}");
        assert_eq!(read_era_names(&path).unwrap(), whole.era_names);
        // No eras: ids and eras only, every row.
        let keys = read_dataset_eras(&path, &request(), Some(&[])).unwrap();
        assert_eq!(keys.ids.to_vec(), whole.ids.to_vec());
    }
}

#[cfg(test)]
mod bad_files {
    use std::sync::Arc;

    use arrow_array::{BinaryArray, Float64Array, StringArray};
    use arrow_schema::Field;
    use parquet::basic::{BrotliLevel, Compression, GzipLevel};
    use parquet::file::metadata::ParquetMetaDataReader;
    use parquet::file::properties::WriterProperties;

    use super::*;
    use crate::frame::read_frame;
    use crate::test_files::write_parquet;

    fn write(path: &Path, columns: Vec<(&str, ArrayRef)>, props: WriterProperties) {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect();
        let arrays = columns.into_iter().map(|(_, a)| a).collect();
        write_parquet(path, fields, arrays, props);
    }

    /// `rows` rows of id, era and target; era `null_era` is missing.
    fn small(path: &Path, rows: usize, null_era: Option<usize>, props: WriterProperties) {
        write(
            path,
            vec![
                (
                    "id",
                    Arc::new(StringArray::from_iter_values(
                        (0..rows).map(|r| format!("n{r:05}")),
                    )),
                ),
                (
                    "era",
                    Arc::new(StringArray::from_iter(
                        (0..rows).map(|r| (Some(r) != null_era).then(|| format!("{}", r / 100))),
                    )),
                ),
                (
                    "target",
                    Arc::new(Float64Array::from_iter_values(
                        (0..rows).map(|r| (r % 5) as f64 / 4.0),
                    )),
                ),
            ],
            props,
        );
    }

    fn request() -> DatasetRequest {
        DatasetRequest {
            features: FeatureSelection::None,
            targets: vec!["target".into()],
        }
    }

    /// `read_dataset`'s refusal of `path`.
    fn dataset_error(path: &Path) -> String {
        read_dataset(path, &request()).unwrap_err().to_string()
    }

    /// Asserts the message `e` names every one of `parts`.
    fn assert_names(e: &str, parts: &[&str]) {
        assert!(parts.iter().all(|p| e.contains(p)), "{e}");
    }

    /// Rewrites the footer of a 10-row parquet file so that it claims `file_rows` rows in
    /// all and `group_rows` in its row group. In the footer's thrift compact encoding the
    /// file's `num_rows` (and then the row group's, and each column chunk's `num_values`)
    /// is an i64 field one id after the previous field: header byte 0x16, then the zigzag
    /// varint of 10, 0x14. The file's count comes first, before the row groups.
    fn claim_rows(path: &Path, file_rows: i64, group_rows: i64) {
        let bytes = std::fs::read(path).unwrap();
        let n = bytes.len();
        let footer_len = u32::from_le_bytes(bytes[n - 8..n - 4].try_into().unwrap()) as usize;
        let (data, footer) = bytes[..n - 8].split_at(n - 8 - footer_len);
        let varint = |v: i64| {
            let mut z = ((v << 1) ^ (v >> 63)) as u64;
            let mut out = vec![0x16];
            loop {
                let b = (z & 0x7f) as u8;
                z >>= 7;
                if z == 0 {
                    out.push(b);
                    return out;
                }
                out.push(b | 0x80);
            }
        };
        let mut patched = Vec::with_capacity(footer.len() + 64);
        let (mut i, mut seen) = (0, 0);
        while i < footer.len() {
            if footer[i..].starts_with(&[0x16, 0x14]) {
                patched.extend(varint(if seen == 0 { file_rows } else { group_rows }));
                seen += 1;
                i += 2;
            } else {
                patched.push(footer[i]);
                i += 1;
            }
        }
        assert!(seen >= 2, "row counts found in the footer");
        let mut out = data.to_vec();
        out.extend(&patched);
        out.extend((patched.len() as u32).to_le_bytes());
        out.extend(b"PAR1");
        std::fs::write(path, out).unwrap();
        let back = ParquetMetaDataReader::new()
            .parse_and_finish(&File::open(path).unwrap())
            .unwrap();
        assert_eq!(
            back.file_metadata().num_rows(),
            file_rows,
            "footer rewritten"
        );
    }

    #[test]
    fn a_footer_claiming_impossible_row_counts_is_refused_before_allocating() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        for (file_rows, group_rows, want) in [
            (1i64 << 40, 1i64 << 40, "more than a file of"),
            (1 << 62, 1 << 62, "more than a file of"),
            (1 << 40, 10, "its row groups hold 10"),
        ] {
            small(&path, 10, None, WriterProperties::default());
            claim_rows(&path, file_rows, group_rows);
            for e in [
                dataset_error(&path),
                read_frame(&path).unwrap_err().to_string(),
            ] {
                assert!(
                    e.contains("data.parquet") && e.contains("corrupt footer") && e.contains(want),
                    "{file_rows}: {e}"
                );
            }
        }
    }

    /// Eras read as a dictionary of labels (every text era column) or as text (other
    /// types) number the same eras the same way: in order of first appearance, over row
    /// groups and reader batches, with an era that comes back after others; pages plain or
    /// dictionary-encoded.
    #[test]
    fn eras_are_indexed_alike_however_the_column_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        let rows = 40_000;
        // Era of row r: runs of 700 rows through 9 labels, then the first label again.
        let label = |r: usize| {
            if r >= 38_000 {
                "era07".to_string()
            } else {
                format!("era{:02}", 7 + (r / 700) % 9)
            }
        };
        let mut names: Vec<String> = Vec::new();
        let expected: Vec<u32> = (0..rows)
            .map(|r| {
                let l = label(r);
                match names.iter().position(|n| *n == l) {
                    Some(i) => i as u32,
                    None => {
                        names.push(l);
                        (names.len() - 1) as u32
                    }
                }
            })
            .collect();
        let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..rows).map(|r| format!("n{r:05}")),
        ));
        let target: ArrayRef = Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|r| (r % 5) as f64 / 4.0),
        ));
        let text: ArrayRef = Arc::new(StringArray::from_iter_values((0..rows).map(label)));
        let large: ArrayRef = Arc::new(arrow_array::LargeStringArray::from_iter_values(
            (0..rows).map(label),
        ));
        let groups = || WriterProperties::builder().set_max_row_group_row_count(Some(15_000));
        for (eras, props, as_dictionary) in [
            (text.clone(), groups().build(), true),
            (text, groups().set_dictionary_enabled(false).build(), true),
            (large, groups().build(), false),
        ] {
            write(
                &path,
                vec![
                    ("id", ids.clone()),
                    ("era", eras),
                    ("target", target.clone()),
                ],
                props,
            );
            let footer = read_footer(&path).unwrap();
            let (_, wanted) = plan_columns(&path, footer.schema(), &request()).unwrap();
            let read_as = era_as_dictionary(&footer, &wanted).schema().clone();
            let era_type = read_as.field_with_name("era").unwrap().data_type();
            assert_eq!(matches!(era_type, DataType::Dictionary(..)), as_dictionary);
            let d = read_dataset(&path, &request()).unwrap();
            assert_eq!(d.era_names, names);
            assert_eq!(d.eras, expected);
        }
    }

    #[test]
    fn a_missing_era_is_named_by_its_row_in_the_file_and_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(1000))
            .build();
        small(&path, 3000, Some(2750), props);
        assert_names(&dataset_error(&path), &["'era'", "row 2750", "id 'n02750'"]);
    }

    #[test]
    fn an_empty_era_or_id_is_named_by_its_row_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let props = || {
            WriterProperties::builder()
                .set_max_row_group_row_count(Some(1000))
                .build()
        };
        for (column, row) in [("era", 2750), ("id", 1999)] {
            let path = dir.path().join(format!("{column}.parquet"));
            let label = |r: usize, text: String| if r == row { String::new() } else { text };
            let (ids, eras): (Vec<String>, Vec<String>) = (0..3000)
                .map(|r| {
                    let (id, era) = (format!("n{r:05}"), format!("{}", r / 100));
                    match column {
                        "era" => (id, label(r, era)),
                        _ => (label(r, id), era),
                    }
                })
                .unzip();
            write(
                &path,
                vec![
                    ("id", Arc::new(StringArray::from_iter_values(ids))),
                    ("era", Arc::new(StringArray::from_iter_values(eras))),
                    ("target", Arc::new(Float64Array::from(vec![0.5; 3000]))),
                ],
                props(),
            );
            let e = dataset_error(&path);
            assert!(
                e.contains(&format!(
                    "column '{column}' is missing (empty) at row {row}"
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn a_column_asked_for_twice_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        small(&path, 10, None, WriterProperties::default());
        let e = read_dataset(
            &path,
            &DatasetRequest {
                features: FeatureSelection::None,
                targets: vec!["target".into(), "target".into()],
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("column 'target' is asked for twice, as a target and as a target"),
            "{e}"
        );
    }

    #[test]
    fn a_binary_id_that_is_not_utf8_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        let ids: Vec<&[u8]> = (0..8)
            .map(|r| -> &[u8] {
                if r == 5 {
                    b"n\xff\xfe"
                } else {
                    b"n0001"
                }
            })
            .collect();
        write(
            &path,
            vec![
                ("id", Arc::new(BinaryArray::from(ids))),
                (
                    "era",
                    Arc::new(StringArray::from_iter_values((0..8).map(|_| "1"))),
                ),
                (
                    "target",
                    Arc::new(Float64Array::from_iter_values((0..8).map(f64::from))),
                ),
            ],
            WriterProperties::default(),
        );
        for e in [
            dataset_error(&path),
            read_frame(&path).unwrap_err().to_string(),
        ] {
            assert_names(&e, &["'id'", "row 5", "UTF-8"]);
        }
    }

    #[test]
    fn gzip_and_brotli_files_read() {
        let dir = tempfile::tempdir().unwrap();
        for (name, compression) in [
            ("gzip", Compression::GZIP(GzipLevel::default())),
            ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ] {
            let path = dir.path().join(format!("{name}.parquet"));
            let props = WriterProperties::builder()
                .set_compression(compression)
                .build();
            small(&path, 250, None, props);
            let d = read_dataset(&path, &request()).unwrap();
            assert_eq!(d.rows(), 250, "{name}");
            assert_eq!(d.targets[0].values[7], 0.5, "{name}");
            assert_eq!(&d.ids[249], "n00249", "{name}");
            let f = read_frame(&path).unwrap();
            assert_eq!(f.float("target").unwrap().0[3], 0.75, "{name}");
        }
    }
}
