//! Streaming the eras to disk: data.parquet, predictions.parquet, meta_model.parquet,
//! stakes.csv and features.json.
//!
//! data.parquet is written through `ArrowWriter`'s lower-level half
//! ([`ArrowWriter::into_serialized_writer`]): one column writer per column, fed era by era
//! and encoded in parallel, which is what lets two cores keep up with ~2,750 int8 columns.
//! A row group holds several eras (about `rows_per_row_group` rows): one per era would put
//! millions of column-chunk entries into the footer at full size. Only one era's values
//! and one row group's encoded pages are in memory at a time.
//!
//! The files go into a folder that [`Synth::write`] stages and puts in place only once
//! everything succeeded, so a failed run leaves no half-written dataset behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Float64Array, Int8Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowWriter};
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use rayon::prelude::*;

use crate::era::{generate, Era, TARGETS};
use crate::{Population, Synth, SynthError};

/// One file written by [`Synth::write`].
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Rows per data page.
const PAGE_ROWS: usize = 2_048;

fn properties(rows_per_row_group: usize) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        // Chunk statistics like pyarrow's defaults; page indexes would only grow the footer.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        // The dictionary encoder buffers a u64 index per value until a page is flushed;
        // with ~2,750 columns in progress at once, small pages keep that buffer near 50 MB
        // instead of gigabytes (a 1 MB page of 3-bit indices is ~2.8M values).
        .set_data_page_row_count_limit(PAGE_ROWS)
        // Used by predictions.parquet and meta_model.parquet (data.parquet cuts its own row
        // groups): the default of ~1M rows would buffer ~100 MB of encoded pages.
        .set_max_row_group_row_count(Some(rows_per_row_group))
        .build()
}

fn data_schema(synth: &Synth) -> SchemaRef {
    // Only targets may be missing; required columns need no definition levels, which
    // would cost the encoder two bytes per value.
    let text = |name: &str| Field::new(name, DataType::Utf8, false);
    let mut fields = vec![text("id"), text("era"), text("data_type")];
    fields.extend(
        synth
            .plan
            .feature_names
            .iter()
            .map(|f| Field::new(f, DataType::Int8, false)),
    );
    fields.extend(
        TARGETS
            .iter()
            .map(|t| Field::new(*t, DataType::Float32, true)),
    );
    Arc::new(Schema::new(fields))
}

fn prediction_schema(synth: &Synth) -> SchemaRef {
    let mut fields = vec![Field::new("id", DataType::Utf8, true)];
    // A tournament archive is wide (`id, era, model_0 ...`) and float32: half the bytes of
    // 10,000 model columns, and ranks are unchanged by the width.
    let width = match synth.config.population {
        Population::Basic => DataType::Float64,
        Population::Classic => {
            fields.push(Field::new("era", DataType::Utf8, true));
            DataType::Float32
        }
    };
    fields.extend(
        synth
            .plan
            .models
            .iter()
            .map(|m| Field::new(&m.name, width.clone(), true)),
    );
    Arc::new(Schema::new(fields))
}

fn meta_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("era", DataType::Utf8, true),
        Field::new("numerai_meta_model", DataType::Float64, true),
    ]))
}

fn data_columns(era: Era) -> Vec<ArrayRef> {
    let n = era.ids.len();
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(era.ids)),
        Arc::new(StringArray::from(vec![era.name; n])),
        Arc::new(StringArray::from(vec!["validation"; n])),
    ];
    columns.extend(
        era.features
            .into_iter()
            .map(|f| Arc::new(Int8Array::from(f)) as ArrayRef),
    );
    // Missing targets are nulls, as in Numerai's files (pandas writes NaN as null).
    columns.extend(era.targets.into_iter().map(|t| {
        Arc::new(
            t.into_iter()
                .map(|v| (!v.is_nan()).then_some(v))
                .collect::<Float32Array>(),
        ) as ArrayRef
    }));
    columns
}

/// One file of the dataset.
struct Pending {
    tmp: PathBuf,
}

impl Pending {
    fn new(dir: &Path, name: &str) -> Self {
        Self {
            tmp: dir.join(name),
        }
    }

    fn create(&self) -> Result<File, SynthError> {
        File::create(&self.tmp).map_err(|e| SynthError::io(&self.tmp, e))
    }
}

/// Writes the whole dataset into the existing folder `dir` (a staged one: see
/// [`Synth::write`]), calling `on_era` after each era.
pub(crate) fn write_all(
    synth: &Synth,
    dir: &Path,
    on_era: &mut dyn FnMut(),
) -> Result<Vec<WrittenFile>, SynthError> {
    let files = crate::FILES.map(|name| Pending::new(dir, name));
    write_pending(synth, &files, on_era)?;
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::metadata(&f.tmp)
                .map_err(|e| SynthError::io(&f.tmp, e))?
                .len();
            Ok(WrittenFile {
                path: f.tmp.clone(),
                bytes,
            })
        })
        .collect()
}

fn write_pending(
    synth: &Synth,
    files: &[Pending; 5],
    on_era: &mut dyn FnMut(),
) -> Result<(), SynthError> {
    let [data, preds, meta, stakes, features] = files;
    write_stakes(synth, stakes)?;
    write_features_json(synth, features)?;

    let data_schema = data_schema(synth);
    let data_writer = ArrowWriter::try_new(
        BufWriter::new(data.create()?),
        data_schema.clone(),
        Some(properties(synth.config.rows_per_row_group)),
    )
    .map_err(|e| SynthError::parquet(&data.tmp, e))?;
    let (mut file_writer, factory) = data_writer
        .into_serialized_writer()
        .map_err(|e| SynthError::parquet(&data.tmp, e))?;
    let pq = |e| SynthError::parquet(&data.tmp, e);

    let pred_schema = prediction_schema(synth);
    let mut pred_writer = ArrowWriter::try_new(
        BufWriter::new(preds.create()?),
        pred_schema.clone(),
        Some(properties(synth.config.rows_per_row_group)),
    )
    .map_err(|e| SynthError::parquet(&preds.tmp, e))?;
    let meta_schema = meta_schema();
    let mut meta_writer = ArrowWriter::try_new(
        BufWriter::new(meta.create()?),
        meta_schema.clone(),
        Some(properties(synth.config.rows_per_row_group)),
    )
    .map_err(|e| SynthError::parquet(&meta.tmp, e))?;

    let config = &synth.config;
    let per_group = config
        .rows_per_row_group
        .div_ceil(config.rows_per_era)
        .max(1);
    let eras: Vec<usize> = (0..config.eras).collect();
    for (group_index, group) in eras.chunks(per_group).enumerate() {
        let mut writers = factory.create_column_writers(group_index).map_err(pq)?;
        assert_eq!(
            writers.len(),
            data_schema.fields().len(),
            "flat schema: one leaf per field"
        );
        for &e in group {
            let era = generate(config, &synth.plan, e);

            let mut pred_columns: Vec<ArrayRef> =
                vec![Arc::new(StringArray::from(era.ids.clone()))];
            let tournament = config.population == Population::Classic;
            if tournament {
                pred_columns.push(Arc::new(StringArray::from(vec![
                    era.name.clone();
                    era.ids.len()
                ])));
                pred_columns.extend(era.predictions.iter().map(|p| {
                    Arc::new(p.iter().map(|&v| v as f32).collect::<Float32Array>()) as ArrayRef
                }));
            } else {
                pred_columns.extend(
                    era.predictions
                        .iter()
                        .map(|p| Arc::new(Float64Array::from(p.clone())) as ArrayRef),
                );
            }
            let batch = RecordBatch::try_new(pred_schema.clone(), pred_columns)
                .map_err(|e| SynthError::arrow(&preds.tmp, e))?;
            pred_writer
                .write(&batch)
                .map_err(|e| SynthError::parquet(&preds.tmp, e))?;
            if tournament {
                // One row group per era: thousands of columns would otherwise buffer a
                // whole multi-era row group of encoded pages.
                pred_writer
                    .flush()
                    .map_err(|e| SynthError::parquet(&preds.tmp, e))?;
            }

            let meta_columns: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from(era.ids.clone())),
                Arc::new(StringArray::from(vec![era.name.clone(); era.ids.len()])),
                Arc::new(Float64Array::from(era.meta_model.clone())),
            ];
            let batch = RecordBatch::try_new(meta_schema.clone(), meta_columns)
                .map_err(|e| SynthError::arrow(&meta.tmp, e))?;
            meta_writer
                .write(&batch)
                .map_err(|e| SynthError::parquet(&meta.tmp, e))?;

            let columns = data_columns(era);
            writers
                .par_iter_mut()
                .zip(columns.par_iter().zip(data_schema.fields().par_iter()))
                .try_for_each(|(writer, (column, field))| {
                    for leaf in compute_leaves(field, column)? {
                        writer.write(&leaf)?;
                    }
                    Ok(())
                })
                .map_err(pq)?;
            on_era();
        }
        let chunks: Vec<ArrowColumnChunk> = writers
            .into_par_iter()
            .map(|w| w.close())
            .collect::<Result<_, _>>()
            .map_err(pq)?;
        let mut row_group = file_writer.next_row_group().map_err(pq)?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut row_group).map_err(pq)?;
        }
        row_group.close().map_err(pq)?;
    }
    let inner = file_writer.into_inner().map_err(pq)?;
    finish(inner, &data.tmp)?;
    let inner = pred_writer
        .into_inner()
        .map_err(|e| SynthError::parquet(&preds.tmp, e))?;
    finish(inner, &preds.tmp)?;
    let inner = meta_writer
        .into_inner()
        .map_err(|e| SynthError::parquet(&meta.tmp, e))?;
    finish(inner, &meta.tmp)
}

/// Flushes and syncs a finished file, so a rename never exposes a short one.
fn finish(writer: BufWriter<File>, path: &Path) -> Result<(), SynthError> {
    let file = writer
        .into_inner()
        .map_err(|e| SynthError::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| SynthError::io(path, e))
}

fn write_stakes(synth: &Synth, file: &Pending) -> Result<(), SynthError> {
    let mut out = BufWriter::new(file.create()?);
    let mut text = String::from("model,stake\n");
    for m in &synth.plan.models {
        text.push_str(&format!("{},{:.2}\n", m.name, m.stake));
    }
    out.write_all(text.as_bytes())
        .map_err(|e| SynthError::io(&file.tmp, e))?;
    finish(out, &file.tmp)
}

fn write_features_json(synth: &Synth, file: &Pending) -> Result<(), SynthError> {
    let names = |idx: &[usize]| -> Vec<&str> {
        idx.iter()
            .map(|&j| synth.plan.feature_names[j].as_str())
            .collect()
    };
    let json = serde_json::json!({
        "feature_sets": {
            "small": names(&synth.plan.small),
            "medium": names(&synth.plan.medium),
            "all": synth.plan.feature_names,
        },
        "targets": TARGETS,
    });
    let mut out = BufWriter::new(file.create()?);
    serde_json::to_writer_pretty(&mut out, &json)
        .map_err(|e| SynthError::io(&file.tmp, e.into()))?;
    out.write_all(b"\n")
        .map_err(|e| SynthError::io(&file.tmp, e))?;
    finish(out, &file.tmp)
}
