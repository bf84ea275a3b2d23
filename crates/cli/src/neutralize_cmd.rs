//! `erascore neutralize`: every model's predictions neutralized era by era against the
//! data's features (all, a feature set, named columns) or a neutralizers file, written as
//! a predictions table or as a submission (`id`, `prediction`). The per-era work and the
//! request's rules are the engine's ([`erascore_engine::neutralize`]); this module only
//! translates flags and writes the table.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use clap::Args;

use erascore_engine::inputs::{check_model_names, RowTable};
use erascore_engine::neutralize::{
    neutralize, NeutralizeInputs, NeutralizeRequest, Neutralized, RequestError,
};
use erascore_engine::score::{default_memory_budget, Streaming};
use erascore_io::dataset::{DatasetRequest, FeatureSelection};
use erascore_io::features_json::read_feature_set;
use erascore_io::frame::{read_frame, write_frame_unstaged, Column, Frame, Values};
use erascore_io::output::OutputFiles;
use erascore_io::stream::{open_dataset, EraWindow};
use erascore_io::{FloatWidth, Strings};

use crate::common::{check_outputs, check_table_out, progress, usage};
use crate::flags::parse_bytes;
use crate::load::read_predictions;

/// Flags of `erascore neutralize`.
#[derive(Args, Debug)]
pub struct NeutralizeArgs {
    /// Data parquet in the Numerai v5 layout (id, era, feature_*): live or validation.
    #[arg(long)]
    pub data: PathBuf,
    /// Predictions (parquet or CSV): id (an optional era) plus one column per model.
    #[arg(long)]
    pub predictions: PathBuf,
    /// Only these prediction columns (comma-separated; default: every numeric column).
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// Share of the projection on the neutralizers that is subtracted (numerai-tools'
    /// `proportion`): 0 keeps the gaussianized ranks, 1 neutralizes fully.
    #[arg(long, default_value_t = 1.0)]
    pub proportion: f64,
    /// Numerai features.json, for --feature-set.
    #[arg(long, requires = "feature_set")]
    pub features_json: Option<PathBuf>,
    /// Feature set of features.json to neutralize against [default: every feature_*
    /// column].
    #[arg(long, requires = "features_json", conflicts_with_all = ["features", "neutralizers"])]
    pub feature_set: Option<String>,
    /// Feature columns to neutralize against (comma-separated).
    #[arg(long, value_delimiter = ',', conflicts_with = "neutralizers")]
    pub features: Option<Vec<String>>,
    /// Neutralizers (parquet or CSV: id, an optional era, one column per neutralizer)
    /// instead of the data's features; rows are matched on (era,) id.
    #[arg(long)]
    pub neutralizers: Option<PathBuf>,
    /// Write a submission: `id,prediction`, the neutralized values ranked to (0, 1) within
    /// each era, as `erascore validate` accepts (one model: see --model).
    #[arg(long)]
    pub submission: bool,
    /// The model a submission holds, when the predictions have several.
    #[arg(long, requires = "submission")]
    pub model: Option<String>,
    /// Neutralize only these eras: FIRST..LAST, last:N, or a comma-separated list.
    #[arg(long, value_name = "WINDOW")]
    pub eras: Option<EraWindow>,
    /// Memory the features of the eras in flight may take, e.g. 2G or 800M [default: half
    /// of the machine's memory].
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub memory_budget: Option<u64>,
    /// Output: .csv or .parquet; id, era and one column per model (a submission: id and
    /// prediction).
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

fn request_error(e: RequestError) -> anyhow::Error {
    let data = e.is_data();
    let e = anyhow!(e.message().render(&crate::flags::flag));
    if data {
        e
    } else {
        usage(e)
    }
}

/// Runs `erascore neutralize`.
pub fn run(args: &NeutralizeArgs) -> anyhow::Result<()> {
    let request = NeutralizeRequest {
        proportion: args.proportion,
        submission: args.submission,
        model: args.model.clone(),
    };
    request.check().map_err(request_error)?;
    let (out, out_tmp) = check_flags(args).map_err(usage)?;
    let features = match (&args.neutralizers, &args.features, &args.feature_set) {
        (Some(_), _, _) => FeatureSelection::None,
        (None, Some(list), _) => FeatureSelection::Named(list.clone()),
        (None, None, Some(set)) => {
            let json = args
                .features_json
                .as_deref()
                .unwrap_or(std::path::Path::new(""));
            let list = read_feature_set(json, set)?;
            if list.is_empty() {
                bail!("{}: feature set '{set}' is empty", json.display());
            }
            FeatureSelection::Named(list)
        }
        (None, None, None) => FeatureSelection::All,
    };
    let window = args.eras.clone().unwrap_or_default();
    let dataset_request = DatasetRequest {
        features,
        targets: Vec::new(),
    };
    let (opened, (predictions, neutralizers)) = rayon::join(
        || open_dataset(&args.data, &dataset_request, &window),
        || {
            rayon::join(
                || read_predictions(&args.predictions, args.models.as_deref(), None),
                || {
                    args.neutralizers
                        .as_deref()
                        .map(|p| -> anyhow::Result<RowTable> {
                            Ok(RowTable::from_frame(read_frame(p)?, None, "neutralizers")?)
                        })
                        .transpose()
                },
            )
        },
    );
    let mut opened = opened?;
    let predictions = predictions?;
    let neutralizers = neutralizers?;
    let resolved = request.resolve(&predictions).map_err(request_error)?;
    let keys = opened.data.take_keys();
    let streaming = Streaming {
        features: &opened.features,
        memory_budget: args.memory_budget.unwrap_or_else(default_memory_budget),
        threads: rayon::current_num_threads(),
        era_window: args.eras.is_some(),
        release_freed: Some(crate::allocator::release_freed_memory),
    };
    let bar = progress(opened.data.era_names.len(), "neutralizing", args.quiet);
    let result = neutralize(
        NeutralizeInputs {
            data: &opened.data,
            predictions: &predictions,
            neutralizers: neutralizers.as_ref(),
        },
        &resolved,
        Some(&streaming),
        Some(keys),
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    write_frame_unstaged(
        &out_tmp,
        &neutralized_frame(&args.out, &result, !args.submission)?,
        &args.out,
    )?;
    out.commit()?;
    eprintln!(
        "wrote {} rows ({} eras x {} column(s){}) to {}",
        result.ids.len(),
        result.eras.len(),
        result.columns.len(),
        if args.submission {
            ", a submission"
        } else {
            ""
        },
        args.out.display()
    );
    Ok(())
}

/// The checks that need no file, and `--out` staged.
fn check_flags(args: &NeutralizeArgs) -> anyhow::Result<(OutputFiles, PathBuf)> {
    if let Some(models) = &args.models {
        check_model_names(models).context("--models")?;
    }
    if let Some(features) = &args.features {
        if features.is_empty() || features.iter().any(|f| f.trim().is_empty()) {
            bail!("--features: a feature name is empty");
        }
    }
    if let Some(model) = &args.model {
        if let Some(models) = &args.models {
            if !models.contains(model) {
                bail!(
                    "--model {model} is not one of --models ({})",
                    models.join(", ")
                );
            }
        }
    }
    check_outputs(
        &[("--out", &args.out)],
        &[
            ("--data", Some(args.data.as_path())),
            ("--predictions", Some(args.predictions.as_path())),
            ("--neutralizers", args.neutralizers.as_deref()),
            ("--features-json", args.features_json.as_deref()),
        ],
    )?;
    check_table_out("--out", &args.out)?;
    let mut out = OutputFiles::new();
    let tmp = out.stage(&args.out).context("--out")?;
    Ok((out, tmp))
}

/// `id`, `era` (unless a submission) and one float column per output column.
pub fn neutralized_frame(
    path: &std::path::Path,
    result: &Neutralized,
    with_era: bool,
) -> anyhow::Result<Frame> {
    let mut columns = vec![Column {
        name: "id".into(),
        values: Values::Text(result.ids.iter().collect::<Strings>()),
    }];
    if with_era {
        columns.push(Column {
            name: "era".into(),
            values: Values::Text(result.row_eras().into_iter().collect::<Strings>()),
        });
    }
    for (name, v) in result.columns.iter().zip(&result.values) {
        columns.push(Column {
            name: name.clone(),
            values: Values::Float(v.clone(), FloatWidth::F64),
        });
    }
    Ok(Frame::new(path, columns)?)
}
