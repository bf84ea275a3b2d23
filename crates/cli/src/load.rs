//! Loading what the input flags of `score` and `diagnostics` name ([`InputArgs`]): the data
//! file, the predictions and any reference columns (meta model, benchmark, example
//! predictions), read concurrently and projected to the columns in use.

use std::path::Path;
use std::time::{Duration, Instant};

use erascore_engine::inputs::{Predictions, Reference};
use erascore_engine::score::Streaming;
use erascore_io::dataset::{Dataset, DatasetRequest, FeatureSelection};
use erascore_io::stream::{open_dataset, FeatureReader, Layout, StreamingDataset};
use erascore_io::timings;
use erascore_io::Strings;

use crate::flags::InputArgs;
pub use crate::flags::ReferenceRequest;

/// Everything a scoring command reads.
#[derive(Debug)]
pub struct Loaded {
    /// The data rows (ids, eras, targets; features come from `features`).
    pub data: Dataset,
    /// Decodes the data's features, a batch of eras at a time.
    pub features: FeatureReader,
    /// How the data's rows are laid out by era (which read path runs).
    pub layout: Layout,
    /// Row groups of the data file that hold an era of the window.
    pub row_groups: Vec<usize>,
    /// The prediction columns.
    pub predictions: Predictions,
    /// One entry per requested reference, in request order.
    pub references: Vec<Option<Reference>>,
}

impl Loaded {
    /// How the engine streams the data's features in this run.
    pub fn streaming(&self, args: &InputArgs) -> Streaming<'_> {
        Streaming {
            features: &self.features,
            memory_budget: args.memory_budget(),
            threads: rayon::current_num_threads(),
            era_window: args.eras.is_some(),
            // Only a run that streams features allocates much after matching: handed back
            // without one, the freed pages were only faulted in again by scoring (the
            // kernel zeroing them and mimalloc's purge calls were a quarter of a CORR+MMC
            // run's CPU), and the peak, reached while reading, is the same.
            release_freed: streams_features(&self.features)
                .then_some(crate::allocator::release_freed_memory as fn()),
        }
    }

    /// Which read path ran, for `--timings`.
    pub fn describe_read(&self) -> String {
        if !streams_features(&self.features) {
            return format!(
                "data: no feature column decoded; {} row group(s) read",
                self.row_groups.len()
            );
        }
        format!(
            "data: {}; {} row group(s) hold the eras scored, {} (row group, feature block) \
             decodes",
            self.layout.describe(),
            self.row_groups.len(),
            self.features.decoded_groups()
        )
    }

    /// The `--timings` lines of a scoring command: seconds reading (until `read`), scoring
    /// (`read` to `scored`, `score_note` after it) and writing (`scored` to now), each since
    /// `started`; then where the time went and which read path ran.
    pub fn eprint_timings(
        &self,
        started: Instant,
        read: Duration,
        scored: Duration,
        score_note: &str,
    ) {
        let written = started.elapsed();
        eprintln!(
            "timings: read {:.3} s, score {:.3} s{score_note}, write {:.3} s",
            read.as_secs_f64(),
            (scored - read).as_secs_f64(),
            (written - scored).as_secs_f64()
        );
        eprintln!("{}", describe_timings());
        eprintln!("{}", self.describe_read());
    }
}

/// Whether a run decodes any feature column (streamed era by era after the rest is read):
/// what the allocator is told, scoring's memory release and `--timings`' read line turn on.
fn streams_features(features: &FeatureReader) -> bool {
    !features.names().is_empty()
}

/// Where the time went, for `--timings`: one line per phase recorded (reading each file,
/// matching ids, the parts of scoring), after the totals line. The files are read at once
/// and eras are scored in parallel, so phases of one step overlap: each is its threads'
/// time added up.
pub fn describe_timings() -> String {
    let mut out =
        String::from("  (phases overlap: files are read at once, eras scored in parallel)");
    for (name, total, count) in timings::snapshot() {
        let times = if count > 1 {
            format!(" ({count} times)")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "\n  {name}: {:.1} ms{times}",
            total.as_secs_f64() * 1e3
        ));
    }
    out
}

/// Reads the data while the predictions and every reference decode all but their ids, then
/// their ids concurrently (each file is mostly decode and id work that runs on one core, so
/// the files overlap rather than queue; the model columns fill the core the data's footer
/// leaves idle). The ids come after the data's so that a file listing the data's ids in the
/// data's order holds the data's id column instead of a copy (its pages compared with the
/// data's ids as they are decompressed, `erascore_io::frame::PendingFrame::finish`, then
/// matched by one pointer comparison). The data's errors come first, as when the files were
/// read one after the other.
pub fn load(
    args: &InputArgs,
    request: &DatasetRequest,
    references: &[Option<ReferenceRequest>],
) -> anyhow::Result<Loaded> {
    use rayon::prelude::*;
    let window = args.eras.clone().unwrap_or_default();
    if matches!(request.features, FeatureSelection::None) {
        // Decided before the files are read, as they are read at once (below).
        crate::allocator::keep_freed_memory();
    }
    let (dataset, pending) = rayon::join(
        || open_dataset(&args.data, request, &window),
        || {
            rayon::join(
                || {
                    timings::time("read: predictions (footer and decode)", || {
                        erascore_engine::inputs::prepare_predictions(
                            &args.predictions,
                            args.models.as_deref(),
                        )
                    })
                },
                || {
                    references
                        .par_iter()
                        .map(|r| {
                            timings::time(
                                "read: meta model, benchmark, example (footer and decode)",
                                || r.as_ref().map(|r| r.column.prepare(&r.path)).transpose(),
                            )
                        })
                        .collect::<Vec<_>>()
                },
            )
        },
    );
    let StreamingDataset {
        data,
        features,
        layout,
        row_groups,
    } = dataset?;
    if !streams_features(&features) {
        // Nothing large is allocated after the files are read when no feature is streamed:
        // scoring reuses what reading and matching freed, so the peak stays the one reached
        // while reading, and a page handed back (after mimalloc's purge delay, which a run
        // on a busy machine outlasts) would only be faulted in and zeroed again.
        crate::allocator::keep_freed_memory();
    }
    let (pending_predictions, pending_references) = pending;
    let pending_predictions = pending_predictions?;
    let ids = Some(&data.ids);
    let (predictions, references) = rayon::join(
        || {
            timings::time("read: predictions (ids)", || {
                pending_predictions.finish(ids)
            })
        },
        || {
            pending_references
                .into_par_iter()
                .map(|r| {
                    timings::time("read: meta model, benchmark, example (ids)", || {
                        r?.map(|r| r.finish(ids)).transpose()
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        },
    );
    Ok(Loaded {
        data,
        features,
        layout,
        row_groups,
        predictions: predictions?,
        references: references?,
    })
}

/// The id column and the model columns of a predictions file (not era or data_type).
/// `data_ids`: the data's ids, when read already ([`load`]).
pub fn read_predictions(
    path: &Path,
    models: Option<&[String]>,
    data_ids: Option<&Strings>,
) -> anyhow::Result<Predictions> {
    Ok(erascore_engine::inputs::read_predictions_like(
        path, models, data_ids,
    )?)
}

/// Reads one reference column (with the ids, and eras when the file has them);
/// `data_ids` as for [`read_predictions`].
pub fn read_reference(
    request: &ReferenceRequest,
    data_ids: Option<&Strings>,
) -> anyhow::Result<Reference> {
    Ok(request.column.read_like(&request.path, data_ids)?)
}
