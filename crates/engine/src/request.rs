//! What a user asks of `score` and `diagnostics`, resolved once for every front end.
//!
//! The CLI's flags and the Python binding's keyword arguments are translated into a
//! [`ScoreRequest`] or a [`DiagnosticsRequest`]; resolving it decides everything the user did
//! not say (the default metrics, the prerequisites of each metric, which data columns are
//! read, the meta-model, benchmark and example columns, the stake rule and where the meta
//! model comes from). Errors name the [`Input`] at fault, never a flag or a keyword: each
//! front end words it ([`EngineError::render`]), so the same input gets the same decision
//! and the same message in the CLI and in Python, modulo the name of the input.

use std::path::Path;

use erascore_io::dataset::Dataset;
use erascore_io::frame::{column_names, read_frame, Frame};

use crate::diagnostics::Available;
pub use crate::input::{Input, Message, Part};
use crate::inputs::{Predictions, Reference, NON_MODEL_COLUMNS};
use crate::message;
use crate::metrics::Metric;
pub use crate::prerequisites::{check_prerequisites, Given};
use crate::score::MetaModelSource;
use crate::stats::PayoutWeights;
use crate::EngineError;

fn refuse<T>(m: Message) -> Result<T, EngineError> {
    Err(EngineError::Request(m))
}

/// Refuses a share of dropped ids outside [0, 1).
pub fn check_max_filtered_ratio(ratio: f64) -> Result<(), EngineError> {
    if (0.0..1.0).contains(&ratio) {
        Ok(())
    } else {
        refuse(message![
            Input::MaxFilteredRatio,
            format!(" must be in [0, 1), got {ratio}")
        ])
    }
}

/// The target columns, each named once, none empty or a key or feature column.
pub fn check_targets(targets: &[String]) -> Result<(), EngineError> {
    if targets.is_empty() {
        return refuse(message![Input::Targets, " is empty"]);
    }
    for (i, t) in targets.iter().enumerate() {
        if t.trim().is_empty() {
            return refuse(message![Input::Targets, ": a target name is empty"]);
        }
        if targets[..i].contains(t) {
            return refuse(message![Input::Targets, format!(": '{t}' is named twice")]);
        }
        if NON_MODEL_COLUMNS.contains(&t.as_str()) || t.starts_with("feature_") {
            return refuse(message![
                Input::Targets,
                format!(": '{t}' is not a target column")
            ]);
        }
    }
    Ok(())
}

/// What `score` is asked: the metrics (or none: the default), the targets and which
/// optional inputs were given.
#[derive(Debug, Clone)]
pub struct ScoreRequest {
    /// The metrics named, or `None` for the default.
    pub metrics: Option<Vec<Metric>>,
    /// The target columns.
    pub targets: Vec<String>,
    /// The optional inputs given.
    pub given: Given,
    /// Share of ids alignment may drop.
    pub max_filtered_ratio: f64,
}

/// A [`ScoreRequest`] with everything the user did not say decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedScore {
    /// The metrics, in output order.
    pub metrics: Vec<Metric>,
    /// Whether the data's feature columns are read (fnc, fexp_max, or a Signals metric
    /// that neutralizes against them when no neutralizers are given).
    pub features: bool,
    /// Whether it is a Signals run: the predictions' era column is kept and rows are
    /// matched on (era, id).
    pub signals: bool,
}

/// The metrics `score` computes when none are named: corr, mmc with a meta model (or
/// stakes to build one), bmc with a benchmark, fnc.
pub fn default_score_metrics(given: &Given) -> Vec<Metric> {
    let mut m = vec![Metric::Corr];
    if given.meta_model || given.stakes {
        m.push(Metric::Mmc);
    }
    if given.benchmark {
        m.push(Metric::Bmc);
    }
    m.push(Metric::Fnc);
    m
}

impl ScoreRequest {
    /// Decides the metrics, checks that each has its inputs, and says which data columns
    /// the run reads.
    pub fn resolve(&self) -> Result<ResolvedScore, EngineError> {
        check_max_filtered_ratio(self.max_filtered_ratio)?;
        check_targets(&self.targets)?;
        let given = &self.given;
        let metrics = match &self.metrics {
            Some(m) if m.is_empty() => return refuse(message![Input::Metrics, " is empty"]),
            Some(m) => m.clone(),
            None => default_score_metrics(given),
        };
        check_prerequisites(&metrics, given)?;
        let uses = |f: fn(&Metric) -> bool| metrics.iter().any(f);
        let features = uses(Metric::needs_features)
            || (!given.neutralizers && uses(Metric::needs_neutralizers));
        let signals = given.signals_tables() || uses(Metric::is_signals);
        Ok(ResolvedScore {
            metrics,
            features,
            signals,
        })
    }
}

impl ResolvedScore {
    /// Refuses data without feature columns when the metrics read them.
    pub fn check_features(&self, data: &Dataset) -> Result<(), EngineError> {
        if self.features && data.feature_names.is_empty() {
            return refuse(message![
                format!(
                    "{}: no feature_* columns, needed by fnc/fexp_max (and by the Signals \
                     metrics without ",
                    data.path.display()
                ),
                Input::Neutralizers,
                ")"
            ]);
        }
        Ok(())
    }
}

/// What `diagnostics` is asked: targets, N of the top/bottom metrics, payout weights and
/// which optional inputs were given. Its metrics follow from the inputs
/// ([`ResolvedDiagnostics::metrics`]).
#[derive(Debug, Clone)]
pub struct DiagnosticsRequest {
    /// The target columns.
    pub targets: Vec<String>,
    /// N of corr_tbN and mmc_tbN.
    pub top_bottom: usize,
    /// Weights of the payout score.
    pub weights: PayoutWeights,
    /// Share of ids alignment may drop.
    pub max_filtered_ratio: f64,
    /// The optional inputs given.
    pub given: Given,
}

/// A checked [`DiagnosticsRequest`].
#[derive(Debug, Clone)]
pub struct ResolvedDiagnostics {
    /// The target columns, each once.
    pub targets: Vec<String>,
    /// N of corr_tbN and mmc_tbN.
    pub top_bottom: usize,
    /// Weights of the payout score.
    pub weights: PayoutWeights,
    /// The optional inputs given.
    pub given: Given,
}

impl DiagnosticsRequest {
    /// Checks the request before anything is read.
    pub fn resolve(&self) -> Result<ResolvedDiagnostics, EngineError> {
        check_targets(&self.targets)?;
        if self.top_bottom == 0 {
            return refuse(message![Input::TopBottom, " must be at least 1, got 0"]);
        }
        check_max_filtered_ratio(self.max_filtered_ratio)?;
        for (input, v) in [
            (Input::CorrMultiplier, self.weights.corr),
            (Input::MmcMultiplier, self.weights.mmc),
        ] {
            if !v.is_finite() {
                return refuse(message![
                    input,
                    format!(" must be a finite number, got {v}")
                ]);
            }
        }
        if self.given.sample_weights && !self.given.neutralizers {
            return refuse(message![
                Input::SampleWeights,
                " are for alpha and mpc, which need ",
                Input::Neutralizers,
                " here"
            ]);
        }
        Ok(ResolvedDiagnostics {
            targets: self.targets.clone(),
            top_bottom: self.top_bottom,
            weights: self.weights,
            given: self.given,
        })
    }
}

impl ResolvedDiagnostics {
    /// The metrics the inputs allow and a note per group left out
    /// ([`crate::diagnostics::metric_set`]); `features`: whether the data has feature
    /// columns.
    pub fn metrics(&self, features: bool) -> (Vec<Metric>, Vec<Message>) {
        let g = &self.given;
        crate::diagnostics::metric_set(
            self.top_bottom,
            &Available {
                meta_model: g.meta_model || g.stakes,
                benchmark: g.benchmark,
                example: g.example,
                features,
                neutralizers: g.neutralizers,
                stakes: g.stakes,
                previous: g.previous,
            },
        )
    }
}

/// Which column of a reference table (meta model, benchmark, example predictions) holds
/// the values: the one asked for, else the conventional name when present, else the
/// table's only numeric column besides id/era/data_type.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRule {
    /// The column the user named, if any.
    pub asked: Option<String>,
    /// The conventional name.
    pub preferred: &'static str,
    /// The table's input.
    pub table: Input,
    /// The input that names the column.
    pub input: Input,
}

impl ColumnRule {
    /// The meta model's column: default `numerai_meta_model`.
    pub fn meta_model(asked: Option<String>) -> Self {
        Self {
            asked,
            preferred: "numerai_meta_model",
            table: Input::MetaModel,
            input: Input::MetaModelColumn,
        }
    }

    /// The benchmark's column: default `benchmark`.
    pub fn benchmark(asked: Option<String>) -> Self {
        Self {
            asked,
            preferred: "benchmark",
            table: Input::Benchmark,
            input: Input::BenchmarkColumn,
        }
    }

    /// The example predictions' column: default `prediction`.
    pub fn example(asked: Option<String>) -> Self {
        Self {
            asked,
            preferred: "prediction",
            table: Input::Example,
            input: Input::ExampleColumn,
        }
    }

    /// Refuses a column name no table can make right (empty, or a key column).
    pub fn check(&self) -> Result<(), EngineError> {
        match &self.asked {
            Some(c) if NON_MODEL_COLUMNS.contains(&c.as_str()) => refuse(message![
                self.input,
                format!(" {c}: '{c}' is a key column, not a value column")
            ]),
            Some(c) if c.trim().is_empty() => refuse(message![self.input, " is empty"]),
            _ => Ok(()),
        }
    }

    /// The column of a table with these columns; `numeric` tells which columns hold
    /// numbers (asked only when the default is not found).
    pub fn choose(
        &self,
        path: &Path,
        names: &[String],
        numeric: &dyn Fn(&str) -> bool,
    ) -> Result<String, EngineError> {
        if let Some(c) = &self.asked {
            return Ok(c.clone());
        }
        if names.iter().any(|n| n == self.preferred) {
            return Ok(self.preferred.to_string());
        }
        let candidates: Vec<&String> = names
            .iter()
            .filter(|n| !NON_MODEL_COLUMNS.contains(&n.as_str()))
            .filter(|n| numeric(n))
            .collect();
        match candidates.as_slice() {
            [only] => Ok((*only).clone()),
            [] => refuse(message![format!(
                "{}: no '{}' column and no other numeric column besides id (columns: {})",
                path.display(),
                self.preferred,
                names.join(", ")
            )]),
            _ => refuse(message![
                format!(
                    "{}: no '{}' column and several numeric columns ({}); choose one with ",
                    path.display(),
                    self.preferred,
                    candidates
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                self.input
            ]),
        }
    }

    /// The reference column of a table already read.
    pub fn from_frame(&self, frame: Frame) -> Result<Reference, EngineError> {
        let column = self.choose(frame.path(), &frame.names(), &|n| frame.is_numeric(n))?;
        Reference::from_frame(frame, &column, self.role())
    }

    /// Reads the reference column of a file (with the ids, and eras when the file has
    /// them); only when the column must be found by its values is the whole file read.
    pub fn read(&self, path: &Path) -> Result<Reference, EngineError> {
        self.read_like(path, None)
    }

    /// [`ColumnRule::read`] when the data's ids are known: a file listing them in the
    /// data's order holds the data's id column, shared, not copied
    /// ([`crate::inputs::read_predictions_like`]).
    pub fn read_like(
        &self,
        path: &Path,
        data_ids: Option<&erascore_io::Strings>,
    ) -> Result<Reference, EngineError> {
        self.prepare(path)?.finish(data_ids)
    }

    /// [`ColumnRule::read_like`] in two steps, so that the file's values decode while the
    /// data is still being read: this reads the footer and every column but the ids, and
    /// [`PendingReference::finish`] the ids once the data's are known.
    pub fn prepare(&self, path: &Path) -> Result<PendingReference, EngineError> {
        let names = column_names(path)?;
        let known = self.asked.is_some() || names.iter().any(|n| n == self.preferred);
        if !known {
            return Ok(PendingReference::Read(self.from_frame(read_frame(path)?)?));
        }
        let column = self.choose(path, &names, &|_| false)?;
        let mut columns = vec!["id", column.as_str()];
        if names.iter().any(|n| n == "era") {
            columns.push("era");
        }
        Ok(PendingReference::Columns {
            frame: erascore_io::frame::read_frame_columns_pending(path, Some(&columns), "id")?,
            role: self.role(),
            column,
        })
    }

    /// The values' role, naming them in errors about their values.
    fn role(&self) -> &'static str {
        match self.table {
            Input::MetaModel => "the meta model's values",
            Input::Benchmark => "the benchmark's values",
            _ => "example predictions",
        }
    }
}

/// A reference file read but for its id column ([`ColumnRule::prepare`]).
pub enum PendingReference {
    /// Read whole already (its column was found by its values).
    Read(Reference),
    /// The reference column decoded; the ids wait for the data's.
    Columns {
        /// The file, its id column still to decode.
        frame: erascore_io::frame::PendingFrame,
        /// The reference column.
        column: String,
        /// The values' role, naming them in errors.
        role: &'static str,
    },
}

impl PendingReference {
    /// The reference, its id column decoded as [`ColumnRule::read_like`] does.
    pub fn finish(self, data_ids: Option<&erascore_io::Strings>) -> Result<Reference, EngineError> {
        match self {
            PendingReference::Read(r) => Ok(r),
            PendingReference::Columns {
                frame,
                column,
                role,
            } => Reference::from_frame(frame.finish(data_ids)?, &column, role),
        }
    }
}

/// (prediction column, stake) of each staked model.
pub type ColumnStakes = Vec<(usize, f64)>;

/// The stake rule of every front end: each stake finite and >= 0 (named by its model),
/// each staked model a prediction column, not every stake zero. `file` is the stakes file
/// when there is one (named in errors).
pub fn column_stakes(
    stakes: &[(String, f64)],
    file: Option<&Path>,
    predictions: &Predictions,
) -> Result<ColumnStakes, EngineError> {
    let at = || match file {
        Some(p) => format!(" {}", p.display()),
        None => String::new(),
    };
    let mut out = Vec::with_capacity(stakes.len());
    for (m, s) in stakes {
        if let Err(e) = erascore_payout::simulate::check_stake(Some(m), *s) {
            return refuse(message![Input::Stakes, format!("{}: {e}", at())]);
        }
        let Some(idx) = predictions.names.iter().position(|p| p == m) else {
            return refuse(message![
                Input::Stakes,
                format!(
                    "{}: model '{m}' has a stake but no column in {}",
                    at(),
                    predictions.path.display()
                )
            ]);
        };
        out.push((idx, *s));
    }
    if out.iter().map(|(_, s)| s).sum::<f64>() <= 0.0 {
        return refuse(message![
            Input::Stakes,
            format!(
                "{}: stakes are all zero (a meta model needs a positive stake)",
                at()
            )
        ]);
    }
    Ok(out)
}

/// The stakes of the prediction columns and the meta model, as `score` and `diagnostics`
/// take them: a meta model table wins; stakes alone build it, per era.
pub fn meta_model<'r>(
    stakes: Option<ColumnStakes>,
    table: Option<&'r Reference>,
) -> (Option<ColumnStakes>, Option<MetaModelSource<'r>>) {
    let source = match (table, &stakes) {
        (Some(r), _) => Some(MetaModelSource::Column(r)),
        (None, Some(s)) => Some(MetaModelSource::Stakes(s.clone())),
        (None, None) => None,
    };
    (stakes, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(i: Input) -> String {
        format!("<{i:?}>")
    }

    fn refused(r: &ScoreRequest) -> String {
        match r.resolve() {
            Ok(v) => panic!("accepted {v:?}"),
            Err(e) => e.render(&flag),
        }
    }

    fn request(metrics: Option<&str>, given: Given) -> ScoreRequest {
        ScoreRequest {
            metrics: metrics.map(|m| Metric::parse_list(m).unwrap_or_else(|e| panic!("{e}"))),
            targets: vec!["target".into()],
            given,
            max_filtered_ratio: 0.2,
        }
    }

    #[test]
    fn default_metrics_follow_the_inputs() {
        let names = |g: Given| -> Vec<String> {
            let r = request(None, g).resolve().unwrap_or_else(|e| panic!("{e}"));
            r.metrics.iter().map(Metric::name).collect()
        };
        assert_eq!(names(Given::default()), ["corr", "fnc"]);
        let stakes = Given {
            stakes: true,
            ..Given::default()
        };
        assert_eq!(names(stakes), ["corr", "mmc", "fnc"]);
        let all = Given {
            meta_model: true,
            benchmark: true,
            ..Given::default()
        };
        assert_eq!(names(all), ["corr", "mmc", "bmc", "fnc"]);
    }

    #[test]
    fn a_metric_without_its_input_names_the_input() {
        let none = Given::default();
        assert_eq!(
            refused(&request(Some("mmc"), none)),
            "metric mmc needs <MetaModel> or <Stakes>"
        );
        assert_eq!(
            refused(&request(Some("bmc"), none)),
            "metric bmc needs <Benchmark>"
        );
        assert!(refused(&request(Some("churn"), none)).starts_with("metric churn needs <Previous>"));
        assert!(refused(&request(Some("mpc"), none)).starts_with("metric mpc needs <Stakes>"));
        let mut r = request(Some("corr"), none);
        r.max_filtered_ratio = 1.5;
        assert_eq!(refused(&r), "<MaxFilteredRatio> must be in [0, 1), got 1.5");
        // Without a front end's words, the input is named in plain words, never a flag.
        let e = request(Some("mmc"), none)
            .resolve()
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("metric mmc needs a meta model or stakes")
        );
    }

    #[test]
    fn the_stake_rule_names_the_model() {
        let predictions = Predictions {
            path: "predictions".into(),
            ids: ["a", "b"].iter().collect(),
            eras: None,
            names: vec!["m0".into(), "m1".into()],
            values: vec![vec![0.1, 0.2], vec![0.3, 0.4]],
        };
        let err = |stakes: &[(&str, f64)]| {
            let s: Vec<(String, f64)> = stakes.iter().map(|(m, s)| (m.to_string(), *s)).collect();
            match column_stakes(&s, None, &predictions) {
                Ok(v) => panic!("accepted {v:?}"),
                Err(e) => e.render(&flag),
            }
        };
        assert_eq!(
            err(&[("m0", 1.0), ("m1", -1.0)]),
            "<Stakes>: stake -1 of model 'm1' must be a finite number >= 0"
        );
        assert_eq!(
            err(&[("m0", 1.0), ("m1", f64::NAN)]),
            "<Stakes>: stake NaN of model 'm1' must be a finite number >= 0"
        );
        assert!(err(&[("m0", 0.0)]).contains("stakes are all zero"));
        assert!(err(&[("x", 1.0)]).contains("model 'x' has a stake but no column"));
    }

    #[test]
    fn column_rule_defaults() {
        let names: Vec<String> = ["id", "era", "bench"].map(String::from).to_vec();
        let rule = ColumnRule::benchmark(None);
        let numeric = |n: &str| n != "id" && n != "era";
        assert_eq!(
            rule.choose(Path::new("b.csv"), &names, &numeric)
                .ok()
                .as_deref(),
            Some("bench")
        );
        let two: Vec<String> = ["id", "x", "y"].map(String::from).to_vec();
        let e = match rule.choose(Path::new("b.csv"), &two, &numeric) {
            Ok(c) => panic!("chose {c}"),
            Err(e) => e.render(&flag),
        };
        assert!(
            e.ends_with("several numeric columns (x, y); choose one with <BenchmarkColumn>"),
            "{e}"
        );
    }
}
