//! Small parquet files for the unit tests of the readers (`dataset`, `stream`).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use crate::dataset::{DatasetRequest, FeatureSelection};

/// Writes `columns` (named by `fields`) to `path` as one batch, in row groups as `props`
/// says.
pub(crate) fn write_parquet(
    path: &Path,
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
    props: WriterProperties,
) {
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let mut w =
        ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Row groups of `rows` rows.
pub(crate) fn row_groups_of(rows: usize) -> WriterProperties {
    WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows))
        .build()
}

/// The id, era and float32 target columns of a Numerai-layout file (target `(r % 5) / 4`
/// at row `r`), with their fields, for a test to add features to.
pub(crate) fn id_era_target(
    ids: impl Iterator<Item = String>,
    eras: impl Iterator<Item = String>,
) -> (Vec<Field>, Vec<ArrayRef>) {
    let ids = StringArray::from_iter_values(ids);
    let rows = ids.len();
    let fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("era", DataType::Utf8, false),
        Field::new("target", DataType::Float32, true),
    ];
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(StringArray::from_iter_values(eras)),
        Arc::new(Float32Array::from_iter_values(
            (0..rows).map(|r| (r % 5) as f32 / 4.0),
        )),
    ];
    (fields, columns)
}

/// Every feature and the column `target`.
pub(crate) fn every_feature_and_target() -> DatasetRequest {
    DatasetRequest {
        features: FeatureSelection::All,
        targets: vec!["target".into()],
    }
}
