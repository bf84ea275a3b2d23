//! `erascore metamodel`: the stake-weighted meta model of several prediction columns.
//!
//! Within each era every staked model is tie-kept ranked and gaussianized, then the meta
//! model is `sum(stake * g) / sum(stake)` (numerai-tools `stake_weight` of the transformed
//! predictions). Eras come from an `era` column of the predictions or from `--data`;
//! without either, all rows form one era (a live round).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use erascore_engine::inputs::{check_unique, match_rows, Predictions};
use erascore_io::dataset::{read_dataset, DatasetRequest};
use erascore_io::frame::{read_frame, write_frame, Column, Frame, Values};
use erascore_io::{FloatWidth, Strings};
use erascore_kernels::meta_model::meta_model;

use crate::score_cmd::read_stakes;

/// Flags of `erascore metamodel`.
#[derive(Args, Debug)]
pub struct MetamodelArgs {
    /// Predictions (parquet or CSV): id, optional era, one column per model.
    #[arg(long)]
    pub predictions: PathBuf,
    /// Stakes CSV with columns model,stake.
    #[arg(long)]
    pub stakes: PathBuf,
    /// Data file whose `era` column gives each id's era.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Output (.parquet or .csv): id, era, numerai_meta_model.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `erascore metamodel`.
pub fn run(args: &MetamodelArgs) -> anyhow::Result<()> {
    let mut frame = read_frame(&args.predictions)?;
    let era_column = if frame.has("era") {
        Some(frame.take_text("era")?)
    } else {
        None
    };
    let predictions = Predictions::from_frame(frame, None)?;
    check_unique(&args.predictions, &predictions.ids)?;
    let stakes = read_stakes(&args.stakes, &predictions)?;
    let n = predictions.ids.len();
    let eras: Strings = if let Some(d) = &args.data {
        let data = read_dataset(d, &DatasetRequest::default())?;
        let rows = match_rows(&predictions.ids, &data.ids, &data.path)?;
        let mut out = Strings::with_capacity(n, 0);
        for (i, r) in rows.iter().enumerate() {
            match r {
                Some(r) => out.push(&data.era_names[data.eras[*r as usize] as usize]),
                None => bail!(
                    "{}: id '{}' is not in {}",
                    args.predictions.display(),
                    &predictions.ids[i],
                    d.display()
                ),
            }
        }
        out
    } else if let Some(eras) = era_column {
        eras
    } else {
        std::iter::repeat_n("", n).collect()
    };
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in eras.iter().enumerate() {
        groups.entry(e).or_default().push(i);
    }
    let mut meta = vec![f64::NAN; n];
    for rows in groups.values() {
        let mut sorted = rows.clone();
        sorted.sort_by(|&a, &b| predictions.ids[a].cmp(&predictions.ids[b]));
        let cols: Vec<Vec<f64>> = stakes
            .iter()
            .map(|(m, _)| sorted.iter().map(|&i| predictions.values[*m][i]).collect())
            .collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let s: Vec<f64> = stakes.iter().map(|(_, s)| *s).collect();
        let mm = meta_model(&refs, &s)?;
        for (k, &i) in sorted.iter().enumerate() {
            meta[i] = mm[k];
        }
    }
    let out = Frame::new(
        &args.out,
        vec![
            Column {
                name: "id".into(),
                values: Values::Text(predictions.ids),
            },
            Column {
                name: "era".into(),
                values: Values::Text(eras),
            },
            Column {
                name: "numerai_meta_model".into(),
                values: Values::Float(meta, FloatWidth::F64),
            },
        ],
    )?;
    write_frame(&args.out, &out)?;
    eprintln!(
        "wrote the meta model of {} models over {n} ids to {}",
        stakes.len(),
        args.out.display()
    );
    Ok(())
}
