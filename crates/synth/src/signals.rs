//! Synthetic Signals tournaments: tickers as ids, a risk-model neutralizer file, sample
//! weights, and several consecutive submissions per model, so every Signals metric of
//! `erascore score` (nc, ncontrib, alpha, mpc, churn, neutral_churn, turnover) has real
//! inputs.
//!
//! Each era's universe is most of a fixed ticker pool (about 8% of the pool sits out each
//! era, so universes differ). Per era and ticker there is a latent return
//! `r = N β + a + ε`: `N` the era's risk factors (columns of standard normals divided by
//! √n, near orthonormal, as Numerai's risk model is meant to be), `a` a persistent alpha
//! (AR(1) across eras) and noise. The target bins `r` into 0, .25, .5, .75, 1 (5/20/50/20/5%),
//! with about 1% missing. Model `m` submits `squash(w_m a + x_m + exposure to N)` with its own
//! AR(1) noise `x_m` whose persistence falls with `m`, so churn and turnover grow with the
//! model index. `previous.parquet` labels each era's rows with the model's submission of the
//! era before (tickers in both universes), the layout `score --previous` reads. Everything
//! is a function of the seed: eras are generated in order from streams keyed by
//! (seed, era, purpose).

use std::path::Path;

use erascore_io::frame::{write_frame, Column, Frame, Values};
use erascore_io::{FloatWidth, Strings};
use rand_chacha::ChaCha8Rng;

use crate::era::{bin_targets, squash};
use crate::rng::{normals, stream, uniform, Stream};
use erascore_input::{message, Input, Message};

use crate::{too_large, SynthError, WrittenFile, MAX_ERAS, MAX_MODELS};

/// The files of a Signals dataset folder.
pub const SIGNALS_FILES: [&str; 6] = [
    "data.parquet",
    "predictions.parquet",
    "previous.parquet",
    "neutralizers.parquet",
    "sample_weights.parquet",
    "stakes.csv",
];

/// The most tickers in the pool.
pub const MAX_TICKERS: usize = 1_000_000;
/// The most neutralizer columns.
pub const MAX_NEUTRALIZERS: usize = 1_000;
/// Characters of a ticker name (`T` and six digits, [`ticker`]).
const TICKER_CHARS: u128 = 7;

/// The most memory a Signals dataset may take while written: 8 GB, and no more than half of
/// the machine's memory where that is known (an allocation that fails aborts the process,
/// so the size is refused before anything is generated).
fn memory_limit() -> u64 {
    let cap = 8 << 30;
    erascore_io::machine_memory().map_or(cap, |total| cap.min(total / 2))
}

/// The fewest tickers: 40 keep every target bin populated after the universe shrinks.
pub const MIN_TICKERS: usize = 40;

/// Share of the pool that sits out an era.
const SIT_OUT: f64 = 0.08;
/// Persistence of the tickers' alpha from era to era.
const ALPHA_PERSISTENCE: f64 = 0.9;

/// The shape and seed of a Signals dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalsConfig {
    /// Eras ("0001", ...): consecutive weekly rounds.
    pub eras: usize,
    /// Tickers in the pool; each era holds about 92% of them.
    pub tickers: usize,
    /// Risk-model neutralizer columns.
    pub neutralizers: usize,
    /// Models (each submits every era).
    pub models: usize,
    /// Seed.
    pub seed: u64,
}

impl SignalsConfig {
    /// Checks the shape.
    pub fn validate(&self) -> Result<(), SynthError> {
        let too_large =
            |input, value, why: Message| Err(SynthError::Size(too_large(input, value, why)));
        if self.eras < 2 || self.eras > MAX_ERAS {
            return too_large(
                Input::EraCount,
                self.eras,
                message![format!(
                    "a Signals dataset needs 2 to {MAX_ERAS} eras (churn compares consecutive ones)"
                )],
            );
        }
        let range = |input, value: usize, min: usize, max: usize| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                too_large(
                    input,
                    value,
                    message![format!("must be between {min} and {max}")],
                )
            }
        };
        range(Input::RowsPerEra, self.tickers, MIN_TICKERS, MAX_TICKERS)?;
        range(
            Input::NeutralizerCount,
            self.neutralizers,
            1,
            MAX_NEUTRALIZERS,
        )?;
        range(Input::ModelCount, self.models, 1, MAX_MODELS)?;
        let (need, limit) = (self.memory_bytes(), memory_limit());
        if need > u128::from(limit) {
            return too_large(
                Input::RowsPerEra,
                self.tickers,
                message![
                    format!(
                        "the dataset is held in memory while written: about {:.1} GB, more than \
                         the {:.1} GB allowed (at most 8 GB, and half of this machine's memory); \
                         use fewer ",
                        need as f64 / 1e9,
                        limit as f64 / 1e9
                    ),
                    Input::EraCount,
                    ", ",
                    Input::RowsPerEra,
                    ", ",
                    Input::ModelCount,
                    " or ",
                    Input::NeutralizerCount
                ],
            );
        }
        Ok(())
    }

    /// Bytes [`write_signals`] holds at its peak, counting every pool row of every era (an
    /// era holds ~92% of the pool): the five tables' float columns, each table's ids and
    /// eras as text with an 8-byte offset per value, and, while the largest table is
    /// written, its Arrow arrays and one encoded copy.
    pub fn memory_bytes(&self) -> u128 {
        let rows = self.eras as u128 * self.tickers as u128;
        let (k, m) = (self.neutralizers as u128, self.models as u128);
        // "T000123" and "0001", each with its offset.
        let keys = (TICKER_CHARS + 8) + (4 + 8);
        // data (target), predictions, previous submissions, neutralizers, sample weights.
        let tables = [1, m, m, k, 1];
        let held: u128 = tables.iter().map(|c| c * 8 + keys).sum();
        let largest = tables.iter().max().copied().unwrap_or(1) * 8 + keys;
        rows * (held + 2 * largest)
    }
}

/// The ticker name of pool index `i`.
pub fn ticker(i: usize) -> String {
    format!("T{i:06}")
}

/// Purposes of the Signals random streams.
fn rng(seed: u64, era: Option<usize>, purpose: usize) -> ChaCha8Rng {
    stream(seed, era, Stream::Signals(purpose))
}

const UNIVERSE: usize = 0;
const RISK: usize = 1;
const RETURNS: usize = 2;
const WEIGHTS: usize = 3;
const MODELS: usize = 4;
const PLAN: usize = 5;

/// Columns of one file being assembled era by era.
struct Table {
    ids: Strings,
    eras: Strings,
    columns: Vec<(String, Vec<f64>, FloatWidth)>,
}

impl Table {
    fn new(names: impl IntoIterator<Item = String>, width: FloatWidth) -> Self {
        Self {
            ids: Strings::default(),
            eras: Strings::default(),
            columns: names.into_iter().map(|n| (n, Vec::new(), width)).collect(),
        }
    }

    fn write(self, path: &Path) -> Result<WrittenFile, SynthError> {
        let mut columns = vec![
            Column {
                name: "id".into(),
                values: Values::Text(self.ids),
            },
            Column {
                name: "era".into(),
                values: Values::Text(self.eras),
            },
        ];
        for (name, v, width) in self.columns {
            columns.push(Column {
                name,
                values: Values::Float(v, width),
            });
        }
        let frame = Frame::new(path, columns).map_err(SynthError::Output)?;
        write_frame(path, &frame).map_err(SynthError::Output)?;
        let bytes = std::fs::metadata(path)
            .map_err(|e| SynthError::io(path, e))?
            .len();
        Ok(WrittenFile {
            path: path.to_path_buf(),
            bytes,
        })
    }
}

/// Writes the [`SIGNALS_FILES`] into the existing folder `dir`, calling `on_era` after each
/// era is generated.
pub fn write_signals(
    config: &SignalsConfig,
    dir: &Path,
    on_era: &mut dyn FnMut(),
) -> Result<Vec<WrittenFile>, SynthError> {
    config.validate()?;
    let (pool, k, models) = (config.tickers, config.neutralizers, config.models);
    let model_names: Vec<String> = (0..models).map(|m| format!("model_{m:03}")).collect();
    let mut plan = rng(config.seed, None, PLAN);
    let beta = normals(&mut plan, k);
    // Model m: alpha weight, noise persistence falling with m, risk exposure.
    let weight: Vec<f64> = (0..models)
        .map(|_| 0.2 + 0.6 * uniform(&mut plan))
        .collect();
    let persistence: Vec<f64> = (0..models)
        .map(|m| 0.95 - 0.6 * m as f64 / models.max(2) as f64 - 0.05 * uniform(&mut plan))
        .collect();
    let exposure: Vec<Vec<f64>> = (0..models).map(|_| normals(&mut plan, k)).collect();
    let stakes: Vec<f64> = (0..models)
        .map(|_| (10.0 * (3.0 * uniform(&mut plan)).exp()).round())
        .collect();

    let mut data = Table::new(["target".to_string()], FloatWidth::F32);
    let mut predictions = Table::new(model_names.clone(), FloatWidth::F64);
    let mut previous = Table::new(model_names.clone(), FloatWidth::F64);
    let risk_names: Vec<String> = (0..k).map(|j| format!("risk_{j:03}")).collect();
    let mut neutralizers = Table::new(risk_names, FloatWidth::F64);
    let mut weights = Table::new(["weight".to_string()], FloatWidth::F64);

    // State carried from era to era, over the whole pool.
    let mut alpha = normals(&mut rng(config.seed, None, RETURNS), pool);
    let mut noise: Vec<Vec<f64>> = (0..models)
        .map(|m| normals(&mut rng(config.seed, None, MODELS + 8 * (m + 1)), pool))
        .collect();
    let mut last: Option<(Vec<bool>, Vec<Vec<f64>>)> = None;
    for e in 0..config.eras {
        let era = crate::era::era_name(e);
        let mut u = rng(config.seed, Some(e), UNIVERSE);
        let inside: Vec<bool> = (0..pool).map(|_| uniform(&mut u) >= SIT_OUT).collect();
        let members: Vec<usize> = (0..pool).filter(|&i| inside[i]).collect();
        let n = members.len();
        let scale = 1.0 / (n as f64).sqrt();
        let mut r = rng(config.seed, Some(e), RISK);
        let risk: Vec<Vec<f64>> = (0..k)
            .map(|_| normals(&mut r, n).into_iter().map(|v| v * scale).collect())
            .collect();
        let mut ret = rng(config.seed, Some(e), RETURNS);
        let shock = normals(&mut ret, pool);
        let keep = (1.0 - ALPHA_PERSISTENCE * ALPHA_PERSISTENCE).sqrt();
        for (a, s) in alpha.iter_mut().zip(&shock) {
            *a = ALPHA_PERSISTENCE * *a + keep * s;
        }
        let eps = normals(&mut ret, n);
        let risk_part = |row: usize, b: &[f64]| -> f64 {
            b.iter()
                .zip(&risk)
                .map(|(b, col)| b * col[row])
                .sum::<f64>()
                * (n as f64).sqrt()
        };
        let latent: Vec<f64> = (0..n)
            .map(|row| {
                0.6 * risk_part(row, &beta) / (k as f64).sqrt()
                    + 0.3 * alpha[members[row]]
                    + eps[row]
            })
            .collect();
        let mut target: Vec<f64> = bin_targets(&latent).into_iter().map(f64::from).collect();
        for t in target.iter_mut() {
            if uniform(&mut ret) < 0.01 {
                *t = f64::NAN;
            }
        }
        let mut w = rng(config.seed, Some(e), WEIGHTS);
        let sample_weight: Vec<f64> = (0..n)
            .map(|_| ((0.5 + uniform(&mut w)) * 1e4).round() / 1e4)
            .collect();
        let mut mr = rng(config.seed, Some(e), MODELS);
        let mut submissions: Vec<Vec<f64>> = Vec::with_capacity(models);
        for m in 0..models {
            let rho = persistence[m];
            let fresh = normals(&mut mr, pool);
            let keep = (1.0 - rho * rho).sqrt();
            for (x, f) in noise[m].iter_mut().zip(&fresh) {
                *x = rho * *x + keep * f;
            }
            let mut full = vec![f64::NAN; pool];
            for (row, &i) in members.iter().enumerate() {
                let expo = 0.3 * risk_part(row, &exposure[m]) / (k as f64).sqrt();
                full[i] = squash(weight[m] * alpha[i] + noise[m][i] + expo);
            }
            submissions.push(full);
        }
        for (row, &i) in members.iter().enumerate() {
            let id = ticker(i);
            for t in [&mut data, &mut predictions, &mut neutralizers, &mut weights] {
                t.ids.push(&id);
                t.eras.push(&era);
            }
            data.columns[0].1.push(target[row]);
            weights.columns[0].1.push(sample_weight[row]);
            for (j, col) in risk.iter().enumerate() {
                neutralizers.columns[j].1.push(col[row]);
            }
            for (m, s) in submissions.iter().enumerate() {
                predictions.columns[m].1.push(s[i]);
            }
            if let Some((was_in, before)) = &last {
                if was_in[i] {
                    previous.ids.push(&id);
                    previous.eras.push(&era);
                    for (m, b) in before.iter().enumerate() {
                        previous.columns[m].1.push(b[i]);
                    }
                }
            }
        }
        last = Some((inside, submissions));
        on_era();
    }
    let mut files = Vec::with_capacity(SIGNALS_FILES.len());
    for (table, name) in [
        (data, SIGNALS_FILES[0]),
        (predictions, SIGNALS_FILES[1]),
        (previous, SIGNALS_FILES[2]),
        (neutralizers, SIGNALS_FILES[3]),
        (weights, SIGNALS_FILES[4]),
    ] {
        files.push(table.write(&dir.join(name))?);
    }
    let stakes_path = dir.join(SIGNALS_FILES[5]);
    let mut text = String::from("model,stake\n");
    for (name, s) in model_names.iter().zip(&stakes) {
        text.push_str(&format!("{name},{s:.2}\n"));
    }
    std::fs::write(&stakes_path, text).map_err(|e| SynthError::io(&stakes_path, e))?;
    files.push(WrittenFile {
        bytes: std::fs::metadata(&stakes_path)
            .map_err(|e| SynthError::io(&stakes_path, e))?
            .len(),
        path: stakes_path,
    });
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use erascore_io::frame::read_frame;

    fn config(seed: u64) -> SignalsConfig {
        SignalsConfig {
            eras: 3,
            tickers: 200,
            neutralizers: 4,
            models: 3,
            seed,
        }
    }

    #[test]
    fn same_seed_same_files_and_previous_is_the_era_before() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        write_signals(&config(5), a.path(), &mut || {}).unwrap();
        write_signals(&config(5), b.path(), &mut || {}).unwrap();
        write_signals(&config(6), c.path(), &mut || {}).unwrap();
        for name in SIGNALS_FILES {
            let x = std::fs::read(a.path().join(name)).unwrap();
            let y = std::fs::read(b.path().join(name)).unwrap();
            assert_eq!(x, y, "{name}");
        }
        let p = std::fs::read(a.path().join("predictions.parquet")).unwrap();
        let q = std::fs::read(c.path().join("predictions.parquet")).unwrap();
        assert_ne!(p, q);

        let preds = read_frame(&a.path().join("predictions.parquet")).unwrap();
        let prev = read_frame(&a.path().join("previous.parquet")).unwrap();
        let key = |f: &Frame, i: usize| {
            (
                f.text("era").unwrap()[i].to_string(),
                f.text("id").unwrap()[i].to_string(),
            )
        };
        let pv = preds.float("model_000").unwrap().0.into_owned();
        let qv = prev.float("model_000").unwrap().0.into_owned();
        // Every previous row of era 0002 is the era-0001 prediction of that ticker.
        let mut checked = 0;
        for (i, q) in qv.iter().enumerate() {
            let (era, id) = key(&prev, i);
            assert_ne!(era, "0001");
            if era == "0002" {
                let j = (0..preds.rows())
                    .find(|&j| key(&preds, j) == ("0001".to_string(), id.clone()))
                    .unwrap();
                assert_eq!(*q, pv[j]);
                checked += 1;
            }
        }
        assert!(checked > 150, "{checked}");
    }

    #[test]
    fn shapes_are_checked() {
        let mut c = config(1);
        c.eras = 1;
        assert!(c.validate().is_err());
        let mut c = config(1);
        c.tickers = 10;
        assert!(c.validate().is_err());
        let mut c = config(1);
        c.neutralizers = 0;
        assert!(c.validate().is_err());
    }
}
