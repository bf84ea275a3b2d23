//! `erascore metamodel`: the meta model of several prediction columns.
//!
//! Within each era every staked model is tie-kept ranked and gaussianized, then the meta
//! model is `sum(stake * g) / sum(stake)` (numerai-tools `stake_weight` of the transformed
//! predictions), or with `--weighting naive` (the Crypto meta model) the unweighted mean of
//! the models staked with at least `--min-stake`. Eras come from an `era` column of the predictions or from `--data`;
//! without either, all rows form one era (a live round).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use erascore_engine::inputs::{check_unique, rows_in_data, Predictions};
use erascore_engine::meta_model::{meta_model_by_era, MetaModelKind, MetaModelSpec};
use erascore_io::dataset::{read_dataset, DatasetRequest};
use erascore_io::frame::{read_frame, write_frame_unstaged, Column, Frame, Values};
use erascore_io::output::OutputFiles;
use erascore_io::{FloatWidth, Strings};

use crate::common::{check_outputs, usage};
use crate::stakes::read_column_stakes;

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
    /// `stake`: weigh each model by its stake; `naive`: every model staked with at least
    /// --min-stake counts once (the Crypto meta model).
    #[arg(long, value_enum, default_value_t = Weighting::Stake)]
    pub weighting: Weighting,
    /// Leave out models staked below this [default: 1 with --weighting naive, else 0].
    #[arg(long)]
    pub min_stake: Option<f64>,
}

/// How the models' gaussianized ranks are averaged.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// By stake.
    Stake,
    /// Equally, over the models staked with at least the minimum.
    Naive,
}

/// The weight of each staked model under `weighting`; an error when none is left.
fn model_weights(
    stakes: &[(usize, f64)],
    weighting: Weighting,
    min_stake: f64,
    path: &std::path::Path,
) -> anyhow::Result<Vec<(usize, f64)>> {
    let spec = MetaModelSpec {
        kind: match weighting {
            Weighting::Stake => MetaModelKind::Stake,
            Weighting::Naive => MetaModelKind::Naive,
        },
        min_stake,
        stake_cap: None,
    };
    let kept = spec.weights(stakes);
    if kept.is_empty() {
        bail!(
            "{}: no model has a positive stake of at least {min_stake} (--min-stake)",
            path.display()
        );
    }
    Ok(kept)
}

/// Runs `erascore metamodel`.
pub fn run(args: &MetamodelArgs) -> anyhow::Result<()> {
    let mut staged = OutputFiles::new();
    let tmp = check_outputs(
        &[("--out", &args.out)],
        &[
            ("--predictions", Some(&args.predictions)),
            ("--stakes", Some(&args.stakes)),
            ("--data", args.data.as_deref()),
        ],
    )
    .and_then(|()| crate::common::check_table_out("--out", &args.out))
    .and_then(|()| {
        if let Some(m) = args.min_stake {
            if !(m.is_finite() && m >= 0.0) {
                bail!("--min-stake must be a finite number >= 0, got {m}");
            }
        }
        staged.stage(&args.out).context("--out")
    })
    .map_err(usage)?;
    let min_stake = args.min_stake.unwrap_or(match args.weighting {
        Weighting::Naive => 1.0,
        Weighting::Stake => 0.0,
    });
    let frame = read_frame(&args.predictions)?;
    let predictions = Predictions::predictions(frame, None)?;
    if predictions.ids.is_empty() {
        bail!("{}: no rows", args.predictions.display());
    }
    check_unique(&predictions.keys())?;
    let stakes = model_weights(
        &read_column_stakes(&args.stakes, &predictions)?,
        args.weighting,
        min_stake,
        &args.stakes,
    )?;
    let n = predictions.ids.len();
    let eras: Strings = if let Some(d) = &args.data {
        let data = read_dataset(d, &DatasetRequest::default())?;
        let rows = rows_in_data(&data, &predictions.keys())?;
        let mut out = Strings::with_capacity(n, 0);
        for (i, r) in rows.iter().enumerate() {
            match r {
                Some(r) => out.push(&data.era_names[data.eras[*r as usize] as usize]),
                None => bail!(
                    "{}: id '{}'{} is not in {}",
                    args.predictions.display(),
                    &predictions.ids[i],
                    predictions
                        .eras
                        .as_ref()
                        .map_or_else(String::new, |e| format!(" of era '{}'", &e[i])),
                    d.display()
                ),
            }
        }
        out
    } else if let Some(eras) = &predictions.eras {
        eras.clone()
    } else {
        std::iter::repeat_n("", n).collect()
    };
    let mut era_index: HashMap<&str, u32> = HashMap::new();
    let mut era_names: Vec<&str> = Vec::new();
    let era_of_row: Vec<u32> = eras
        .iter()
        .map(|e| {
            *era_index.entry(e).or_insert_with(|| {
                era_names.push(e);
                (era_names.len() - 1) as u32
            })
        })
        .collect();
    let meta = meta_model_by_era(&predictions, &era_of_row, &era_names, &stakes)?;
    let out = Frame::new(
        &args.out,
        vec![
            Column {
                name: "id".into(),
                values: Values::Text(predictions.ids.clone()),
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
    write_frame_unstaged(&tmp, &out, &args.out)?;
    staged.commit()?;
    eprintln!(
        "wrote the {} meta model of {} models over {n} ids to {}",
        match args.weighting {
            Weighting::Stake => "stake-weighted",
            Weighting::Naive => "unweighted",
        },
        stakes.len(),
        args.out.display()
    );
    Ok(())
}
