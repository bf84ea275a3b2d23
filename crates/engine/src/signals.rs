//! The Signals metrics of an era: `nc`, `ncontrib`, `alpha`, `mpc` (per target) and `churn`,
//! `churn_tbN`, `neutral_churn`, `turnover` (against the previous submission, whatever the
//! target), with numerai-tools 0.7.2's semantics.
//!
//! Neutralizers and sample weights come from files keyed by (era, id) (or from the data's
//! features and weight 1); every row a metric uses must have both, as numerai-tools' `@`
//! products need. Neutralizer matrices, and their least-squares factorizations, are built
//! once per era and row set and shared by every model and target.

use erascore_io::dataset::Dataset;
use erascore_io::frame::Frame;
use erascore_io::Strings;
use erascore_kernels::alpha::alpha_of_weights;
use erascore_kernels::churn::{churn, churn_top_bottom};
use erascore_kernels::contribution::ContributionTarget;
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::meta_portfolio::mpc_of_weights;
use erascore_kernels::neutral_scores::neutral_gaussian_rank;
use erascore_kernels::neutral_scores::{neutral_contribution, neutral_correlation_centred};
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::neutralized_weights::{generate_neutralized_weights_many, WeightScaling};
use erascore_kernels::turnover::turnover;
use erascore_kernels::KernelError;

use crate::input::Input;
use crate::inputs::{
    require_era_column, require_overlap, rows_per_era, DataRows, Predictions, RowTable,
};
use crate::message;
use crate::metrics::Metric;
use crate::EngineError;

/// The Signals inputs of a scoring run.
#[derive(Debug, Clone, Default)]
pub struct SignalsInputs<'a> {
    /// Neutralizers (one column each); `None`: the data's feature columns.
    pub neutralizers: Option<&'a RowTable>,
    /// Sample weights (one column); `None`: weight 1 for every row.
    pub sample_weights: Option<&'a RowTable>,
    /// Earlier submissions, each with the same model columns as the predictions; the churn
    /// and turnover metrics are the max over them (Numerai's stake rule looks at the last 5).
    pub previous: Vec<&'a Predictions>,
    /// (prediction column, stake) of the models in the meta portfolio, for MPC.
    pub stakes: Option<Vec<(usize, f64)>>,
}

/// The Signals tables of a run, owned, each read only when one of its metrics uses it: the
/// one home of which metric reads which input, for the CLI's files and Python's frames.
#[derive(Debug, Default)]
pub struct SignalTables {
    /// Neutralizers.
    pub neutralizers: Option<RowTable>,
    /// Sample weights: one weight column.
    pub sample_weights: Option<RowTable>,
    /// Earlier submissions.
    pub previous: Vec<Predictions>,
}

impl SignalTables {
    /// Reads the sources `metrics` use: `frame` reads a neutralizer or sample-weight
    /// source, `predictions` an earlier submission. A sample-weight table must have one
    /// weight column besides id and era.
    pub fn read<S, E: From<EngineError>>(
        metrics: &[Metric],
        (neutralizers, sample_weights, previous): (Option<S>, Option<S>, Vec<S>),
        frame: impl Fn(S) -> Result<Frame, E>,
        predictions: impl Fn(S) -> Result<Predictions, E>,
    ) -> Result<Self, E> {
        let uses = |f: fn(&Metric) -> bool| metrics.iter().any(f);
        let table = |src: Option<S>, used: bool, what: &'static str| {
            src.filter(|_| used)
                .map(|s| -> Result<RowTable, E> {
                    Ok(RowTable::from_frame(frame(s)?, None, what)?)
                })
                .transpose()
        };
        let neutralizers = table(
            neutralizers,
            uses(Metric::needs_neutralizers),
            "neutralizers",
        )?;
        let sample_weights = table(
            sample_weights,
            uses(Metric::needs_sample_weights),
            "sample weights",
        )?;
        if let Some(w) = &sample_weights {
            if w.names.len() != 1 {
                return Err(EngineError::Config(format!(
                    "sample weights {}: one weight column expected besides id and era, found {}",
                    w.path.display(),
                    w.names.join(", ")
                ))
                .into());
            }
        }
        let previous = if uses(Metric::needs_previous) {
            previous
                .into_iter()
                .map(predictions)
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        Ok(Self {
            neutralizers,
            sample_weights,
            previous,
        })
    }

    /// The engine's view of the tables, with the meta portfolio's stakes when `metrics`
    /// hold mpc.
    pub fn inputs(
        &self,
        metrics: &[Metric],
        stakes: Option<Vec<(usize, f64)>>,
    ) -> SignalsInputs<'_> {
        SignalsInputs {
            neutralizers: self.neutralizers.as_ref(),
            sample_weights: self.sample_weights.as_ref(),
            previous: self.previous.iter().collect(),
            stakes: metrics.contains(&Metric::Mpc).then_some(stakes).flatten(),
        }
    }
}

/// The Signals inputs matched to the data rows.
#[derive(Debug)]
pub(crate) struct SignalsPlan {
    neutralizer_row: Option<Vec<Option<u32>>>,
    weight_row: Option<Vec<Option<u32>>>,
    previous: Vec<PreviousPlan>,
}

/// One earlier submission matched to the data rows.
#[derive(Debug)]
struct PreviousPlan {
    row: Vec<Option<u32>>,
    /// Per prediction model, its column in the previous file.
    column: Vec<usize>,
    /// Rows of the previous file in each data era (numerai-tools' overlap rule counts them).
    per_era: Vec<usize>,
}

impl SignalsPlan {
    /// Whether scoring an era reads the data's ids: to name a row a Signals table lacks,
    /// and to sort an era's previous-submission rows.
    pub(crate) fn needs_ids(&self) -> bool {
        self.neutralizer_row.is_some() || self.weight_row.is_some() || !self.previous.is_empty()
    }

    pub(crate) fn new(
        data: &Dataset,
        data_rows: &DataRows<'_>,
        signals: &SignalsInputs<'_>,
        predictions: &Predictions,
        metrics: &[Metric],
    ) -> Result<Self, EngineError> {
        let table_rows = |t: Option<&RowTable>, input: Input| {
            t.map(|t| {
                require_era_column(data, &t.keys(), input)?;
                data_rows.match_rows(&t.keys())
            })
            .transpose()
        };
        let uses = |f: fn(&Metric) -> bool| metrics.iter().any(f);
        let neutralizer_row = if uses(Metric::needs_neutralizers) {
            table_rows(signals.neutralizers, Input::Neutralizers)?
        } else {
            None
        };
        let weight_row = if uses(Metric::needs_sample_weights) {
            table_rows(signals.sample_weights, Input::SampleWeights)?
        } else {
            None
        };
        let mut previous = Vec::new();
        if uses(Metric::needs_previous) {
            for prev in &signals.previous {
                require_era_column(data, &prev.keys(), Input::Previous)?;
                let column = predictions
                    .names
                    .iter()
                    .map(|m| {
                        prev.names.iter().position(|p| p == m).ok_or_else(|| {
                            EngineError::Request(message![
                                Input::Previous,
                                format!(
                                    " {}: no column for model '{m}' (columns: {})",
                                    prev.path.display(),
                                    prev.names.join(", ")
                                )
                            ])
                        })
                    })
                    .collect::<Result<_, _>>()?;
                previous.push(PreviousPlan {
                    row: data_rows.match_rows(&prev.keys())?,
                    column,
                    per_era: rows_per_era(data, &prev.keys()),
                });
            }
        }
        Ok(Self {
            neutralizer_row,
            weight_row,
            previous,
        })
    }
}

/// A neutralizer matrix over some rows of an era, factorized when least squares need it.
enum Built {
    Matrix(ColumnMatrix),
    Factorized(Neutralizer),
}

impl Built {
    fn matrix(&self) -> &ColumnMatrix {
        match self {
            Built::Matrix(m) => m,
            Built::Factorized(n) => n.matrix(),
        }
    }
}

/// One era's view of the Signals inputs.
pub(crate) struct EraSignals<'a> {
    ids: &'a Strings,
    features: &'a crate::era_features::EraFeatures<'a>,
    signals: &'a SignalsInputs<'a>,
    plan: &'a SignalsPlan,
    era_name: &'a str,
    era: usize,
    max_filtered_ratio: f64,
    /// (data rows, matrix) built so far; `data rows` sorted by id.
    built: Vec<(Vec<u32>, Built)>,
}

impl<'a> EraSignals<'a> {
    pub(crate) fn new(
        data: &'a Dataset,
        ids: &'a Strings,
        features: &'a crate::era_features::EraFeatures<'a>,
        signals: &'a SignalsInputs<'a>,
        plan: &'a SignalsPlan,
        era: usize,
        max_filtered_ratio: f64,
    ) -> Self {
        Self {
            ids,
            features,
            signals,
            plan,
            era_name: &data.era_names[era],
            era,
            max_filtered_ratio,
            built: Vec::new(),
        }
    }

    fn missing(&self, path: &std::path::Path, row: u32, input: Input) -> EngineError {
        EngineError::Request(message![
            input,
            format!(
                " {}: no row for id '{}' in era '{}' (every row scored by a Signals metric \
                 needs one)",
                path.display(),
                &self.ids[row as usize],
                self.era_name
            )
        ])
    }

    /// The neutralizers of `rows`: the file's columns, or the data's features.
    fn block(&self, rows: &[u32]) -> Result<ColumnMatrix, EngineError> {
        let (Some(table), Some(map)) = (self.signals.neutralizers, &self.plan.neutralizer_row)
        else {
            return Ok(self.features.block(rows));
        };
        let at = rows
            .iter()
            .map(|&r| {
                map[r as usize].ok_or_else(|| self.missing(&table.path, r, Input::Neutralizers))
            })
            .collect::<Result<Vec<u32>, _>>()?;
        let mut block = Vec::with_capacity(at.len() * table.values.len());
        for col in &table.values {
            block.extend(at.iter().map(|&i| col[i as usize]));
        }
        ColumnMatrix::new(rows.len(), table.values.len(), ColumnData::F64(block))
            .map_err(|e| self.kernel("(neutralizers)", "-", e))
    }

    /// The sample weights of `rows` (1 without a file).
    fn weights(&self, rows: &[u32]) -> Result<Vec<f64>, EngineError> {
        let (Some(table), Some(map)) = (self.signals.sample_weights, &self.plan.weight_row) else {
            return Ok(vec![1.0; rows.len()]);
        };
        rows.iter()
            .map(|&r| {
                map[r as usize]
                    .map(|i| table.values[0][i as usize])
                    .ok_or_else(|| self.missing(&table.path, r, Input::SampleWeights))
            })
            .collect()
    }

    fn position(&mut self, rows: &[u32]) -> Result<usize, EngineError> {
        if let Some(p) = self.built.iter().position(|(r, _)| r == rows) {
            return Ok(p);
        }
        let m = self.block(rows)?;
        self.built.push((rows.to_vec(), Built::Matrix(m)));
        Ok(self.built.len() - 1)
    }

    fn matrix(&mut self, rows: &[u32]) -> Result<&ColumnMatrix, EngineError> {
        let p = self.position(rows)?;
        Ok(self.built[p].1.matrix())
    }

    /// The least-squares neutralizer (with intercept) of `rows`.
    fn neutralizer(&mut self, rows: &[u32]) -> Result<&Neutralizer, EngineError> {
        let p = self.position(rows)?;
        let entry = &mut self.built[p].1;
        if let Built::Matrix(m) = entry {
            let m = std::mem::replace(m, empty_matrix());
            *entry = Built::Factorized(Neutralizer::new(m));
        }
        match entry {
            Built::Factorized(n) => Ok(n),
            Built::Matrix(_) => unreachable!("factorized above"),
        }
    }

    fn kernel(&self, model: &str, target: &str, source: KernelError) -> EngineError {
        kernel_error(self.era_name, model, target, source)
    }

    /// nc, ncontrib, alpha and mpc of every model against one target: `metrics` in order,
    /// one vector per metric (per model), NaN for the metrics that are not Signals ones.
    ///
    /// `scored` are the data rows with a prediction and a target (sorted by id), `columns`
    /// the models' predictions on them, `target` their target and `era_centred` that
    /// target centred on the era's whole target (numerai-tools' `alpha` and
    /// `neutral_correlation` centre before aligning; MPC centres after).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn target_metrics(
        &mut self,
        metrics: &[Metric],
        models: &[String],
        scored: &[u32],
        columns: &[&[f64]],
        era_centred: &[f64],
        centred: &[f64],
        contribution: Option<(&[usize], &[f64], &ContributionTarget)>,
        target_name: &str,
    ) -> Result<Vec<Option<Vec<f64>>>, EngineError> {
        let mut out: Vec<Option<Vec<f64>>> = vec![None; metrics.len()];
        let (era, signals) = (self.era_name, self.signals);
        let wanted = |m: Metric| metrics.iter().position(|x| *x == m);
        if let Some(k) = wanted(Metric::NeutralCorr) {
            let nz = self.neutralizer(scored)?;
            let v = columns
                .iter()
                .map(|p| neutral_correlation_centred(p, nz, era_centred, None))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| kernel_error(era, "(all models)", target_name, e))?;
            out[k] = Some(v);
        }
        if let (Some(k), Some((m_idx, meta, ct))) =
            (wanted(Metric::NeutralContribution), contribution)
        {
            let sub: Vec<u32> = m_idx.iter().map(|&i| scored[i]).collect();
            let nz = self.neutralizer(&sub)?;
            let mut v = Vec::with_capacity(columns.len());
            for (p, model) in columns.iter().zip(models) {
                let ps: Vec<f64> = m_idx.iter().map(|&i| p[i]).collect();
                let ms: Vec<f64> = m_idx.iter().map(|&i| meta[i]).collect();
                let s = neutral_contribution(&ps, &ms, nz, ct, None);
                v.push(s.map_err(|e| kernel_error(era, model, target_name, e))?);
            }
            out[k] = Some(v);
        }
        let (alpha_at, mpc_at) = (wanted(Metric::Alpha), wanted(Metric::Mpc));
        if alpha_at.is_some() || mpc_at.is_some() {
            let sw = self.weights(scored)?;
            let n = self.matrix(scored)?;
            let w = generate_neutralized_weights_many(columns, n, &sw, WeightScaling::Raw)
                .map_err(|e| kernel_error(era, "(all models)", target_name, e))?;
            if let Some(k) = alpha_at {
                out[k] = Some(w.iter().map(|w| alpha_of_weights(w, era_centred)).collect());
            }
            if let (Some(k), Some(stakes)) = (mpc_at, &signals.stakes) {
                let staked: Vec<&[f64]> = stakes.iter().map(|(m, _)| w[*m].as_slice()).collect();
                let s: Vec<f64> = stakes.iter().map(|(_, s)| *s).collect();
                let mpc = mpc_of_weights(&staked, &s, centred)
                    .map_err(|e| kernel_error(era, "(meta portfolio)", target_name, e))?;
                let mut v = vec![f64::NAN; columns.len()];
                for ((m, _), x) in stakes.iter().zip(mpc) {
                    v[*m] = x;
                }
                out[k] = Some(v);
            }
        }
        Ok(out)
    }

    /// churn, churn_tbN, neutral_churn and turnover of every model against its earlier
    /// submissions in this era, the max over the earlier submissions (NaN only where every
    /// file gives NaN): per metric (`None` for the others), per model.
    pub(crate) fn previous_metrics(
        &mut self,
        metrics: &[Metric],
        predictions: &Predictions,
        model_values: &[Vec<f64>],
        rows: &[u32],
        all_rows: &[u32],
        warnings: &mut Vec<String>,
    ) -> Result<Vec<Option<Vec<f64>>>, EngineError> {
        let mut out: Vec<Option<Vec<f64>>> = vec![None; metrics.len()];
        if !metrics.iter().any(Metric::needs_previous) {
            return Ok(out);
        }
        let (plan, signals) = (self.plan, self.signals);
        for (prev, prev_plan) in signals.previous.iter().zip(&plan.previous) {
            let one = self.against(
                metrics,
                predictions,
                model_values,
                (prev, prev_plan),
                rows,
                all_rows,
                warnings,
            )?;
            for (o, v) in out.iter_mut().zip(one) {
                let Some(v) = v else { continue };
                match o {
                    None => *o = Some(v),
                    // f64::max keeps the number when one side is NaN.
                    Some(best) => best.iter_mut().zip(v).for_each(|(b, x)| *b = b.max(x)),
                }
            }
        }
        Ok(out)
    }

    /// [`EraSignals::previous_metrics`] against one earlier submission. An era the file has
    /// no row for gives NaN (one warning); a constant side gives NaN where numerai-tools
    /// asserts (one warning per model).
    #[allow(clippy::too_many_arguments)]
    fn against(
        &mut self,
        metrics: &[Metric],
        predictions: &Predictions,
        model_values: &[Vec<f64>],
        (prev, prev_plan): (&Predictions, &PreviousPlan),
        rows: &[u32],
        all_rows: &[u32],
        warnings: &mut Vec<String>,
    ) -> Result<Vec<Option<Vec<f64>>>, EngineError> {
        let mut out: Vec<Option<Vec<f64>>> = vec![None; metrics.len()];
        let prev_map = &prev_plan.row;
        let models = predictions.names.len();
        let ids = self.ids;
        let id = |r: u32| &ids[r as usize];
        let mut prev_rows: Vec<u32> = all_rows
            .iter()
            .copied()
            .filter(|&r| prev_map[r as usize].is_some())
            .collect();
        prev_rows.sort_unstable_by(|a, b| id(*a).cmp(id(*b)));
        if prev_rows.is_empty() {
            warnings.push(format!(
                "previous submission {}: no rows in era '{}', so its churn and turnover are NaN",
                prev.path.display(),
                self.era_name
            ));
            for (k, m) in metrics.iter().enumerate() {
                if m.needs_previous() {
                    out[k] = Some(vec![f64::NAN; models]);
                }
            }
            return Ok(out);
        }
        // Positions of the rows both submissions hold, in `rows` and in `prev_rows` (both
        // sorted by id).
        let (mut in_cur, mut in_prev) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < rows.len() && j < prev_rows.len() {
            match id(rows[i]).cmp(id(prev_rows[j])) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    in_cur.push(i);
                    in_prev.push(j);
                    i += 1;
                    j += 1;
                }
            }
        }
        let aligned = metrics
            .iter()
            .any(|m| matches!(m, Metric::Churn | Metric::NeutralChurn | Metric::Turnover));
        if aligned {
            let what = || {
                format!(
                    "era '{}': predictions vs previous submission",
                    self.era_name
                )
            };
            require_overlap(what, in_cur.len(), rows.len(), self.max_filtered_ratio)?;
            let total = prev_plan.per_era[self.era];
            require_overlap(what, in_cur.len(), total, self.max_filtered_ratio)?;
        }
        let prev_values: Vec<Vec<f64>> = prev_plan
            .column
            .iter()
            .map(|&c| {
                let col = &prev.values[c];
                prev_rows
                    .iter()
                    .map(|&r| prev_map[r as usize].map_or(f64::NAN, |i| col[i as usize]))
                    .collect()
            })
            .collect();
        let pick = |v: &[f64], at: &[usize]| at.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let era = self.era_name;
        let mut constant_warned = vec![false; models];
        // numerai-tools asserts that neither side is constant; here that churn is NaN, as
        // the engine scores constant predictions elsewhere.
        let mut or_nan = |r: Result<f64, KernelError>, m: usize| -> Result<f64, EngineError> {
            match r {
                Ok(v) => Ok(v),
                Err(KernelError::ZeroVariance { what }) => {
                    if !constant_warned[m] {
                        constant_warned[m] = true;
                        let side = if what == "s1" {
                            "its submission"
                        } else {
                            "its previous submission"
                        };
                        warnings.push(format!(
                            "model '{}' in era '{era}': {side} is constant (for neutral_churn: \
                             after neutralization), so its churn there is NaN",
                            predictions.names[m]
                        ));
                    }
                    Ok(f64::NAN)
                }
                Err(e) => Err(kernel_error(era, &predictions.names[m], "-", e)),
            }
        };
        for (k, metric) in metrics.iter().enumerate() {
            let v = match *metric {
                Metric::Churn => (0..models)
                    .map(|m| {
                        let r = churn(
                            &pick(&model_values[m], &in_cur),
                            &pick(&prev_values[m], &in_prev),
                        );
                        or_nan(r, m)
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                Metric::ChurnTopBottom(tb) => {
                    let cur_ids: Vec<&str> = rows.iter().map(|&r| id(r)).collect();
                    let prev_ids: Vec<&str> = prev_rows.iter().map(|&r| id(r)).collect();
                    (0..models)
                        .map(|m| {
                            churn_top_bottom(
                                &cur_ids,
                                &model_values[m],
                                &prev_ids,
                                &prev_values[m],
                                tb,
                            )
                            .map_err(|e| kernel_error(era, &predictions.names[m], "-", e))
                        })
                        .collect::<Result<Vec<_>, _>>()?
                }
                Metric::NeutralChurn => {
                    let mut v = Vec::with_capacity(models);
                    for m in 0..models {
                        let cur = neutral_gaussian_rank(&model_values[m], self.neutralizer(rows)?);
                        let old =
                            neutral_gaussian_rank(&prev_values[m], self.neutralizer(&prev_rows)?);
                        let r = match (cur, old) {
                            (Some(c), Some(o)) => churn(&pick(&c, &in_cur), &pick(&o, &in_prev)),
                            (None, _) => Err(KernelError::ZeroVariance { what: "s1".into() }),
                            (_, None) => Err(KernelError::ZeroVariance { what: "s2".into() }),
                        };
                        v.push(or_nan(r, m)?);
                    }
                    v
                }
                Metric::Turnover => {
                    let cur_refs: Vec<&[f64]> = model_values.iter().map(Vec::as_slice).collect();
                    let prev_refs: Vec<&[f64]> = prev_values.iter().map(Vec::as_slice).collect();
                    let scale = WeightScaling::CenterAndNormalize;
                    let sw = self.weights(rows)?;
                    let w_cur = generate_neutralized_weights_many(
                        &cur_refs,
                        self.matrix(rows)?,
                        &sw,
                        scale,
                    );
                    let w_cur = w_cur.map_err(|e| kernel_error(era, "(all models)", "-", e))?;
                    let sw = self.weights(&prev_rows)?;
                    let w_prev = generate_neutralized_weights_many(
                        &prev_refs,
                        self.matrix(&prev_rows)?,
                        &sw,
                        scale,
                    );
                    let w_prev = w_prev.map_err(|e| kernel_error(era, "(previous)", "-", e))?;
                    (0..models)
                        .map(|m| {
                            turnover(&pick(&w_cur[m], &in_cur), &pick(&w_prev[m], &in_prev))
                                .map_err(|e| kernel_error(era, &predictions.names[m], "-", e))
                        })
                        .collect::<Result<Vec<_>, _>>()?
                }
                _ => continue,
            };
            out[k] = Some(v);
        }
        Ok(out)
    }
}

fn kernel_error(era: &str, model: &str, target: &str, source: KernelError) -> EngineError {
    EngineError::Kernel {
        era: era.to_string(),
        model: model.to_string(),
        target: target.to_string(),
        source,
    }
}

fn empty_matrix() -> ColumnMatrix {
    match ColumnMatrix::new(0, 0, ColumnData::F64(Vec::new())) {
        Ok(m) => m,
        Err(e) => unreachable!("empty matrix: {e}"),
    }
}
