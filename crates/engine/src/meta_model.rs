//! The meta model built from staked models' predictions: which models take part and with
//! what weight ([`MetaModelSpec`]: stake-weighted, or Crypto's unweighted mean over the
//! models staked with at least a minimum), and the meta model of every prediction row,
//! built era by era on the rayon pool ([`meta_model_by_era`], `erascore metamodel`).
//! `erascore score --stakes` and `compare` build the same meta model inside their own era
//! loop, from the era's already-ranked columns.

use rayon::prelude::*;

use erascore_kernels::meta_model::meta_model;

use crate::inputs::Predictions;
use crate::EngineError;

/// How a configuration's meta model is built from the staked models' predictions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetaModelKind {
    /// Stake-weighted mean of the gaussianized ranks (`erascore score --stakes`).
    Stake,
    /// Unweighted mean over the staked models (Numerai Crypto's meta model).
    Naive,
}

/// A meta model: which models take part and with what weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetaModelSpec {
    /// Stake-weighted or unweighted.
    pub kind: MetaModelKind,
    /// Models staked below this take no part (every model with a positive stake does at 0).
    pub min_stake: f64,
    /// Stakes above this count as this much (stake-weighted only).
    pub stake_cap: Option<f64>,
}

impl Default for MetaModelSpec {
    fn default() -> Self {
        Self {
            kind: MetaModelKind::Stake,
            min_stake: 0.0,
            stake_cap: None,
        }
    }
}

impl MetaModelSpec {
    /// The (prediction column, weight) pairs of the meta model, in stakes-file order. A model
    /// with zero weight is left out: adding its zero term changes no sum, so the result is
    /// bit for bit that of the full list.
    pub fn weights(&self, stakes: &[(usize, f64)]) -> Vec<(usize, f64)> {
        stakes
            .iter()
            .filter(|(_, s)| *s > 0.0 && *s >= self.min_stake)
            .map(|&(m, s)| {
                let w = match self.kind {
                    MetaModelKind::Naive => 1.0,
                    MetaModelKind::Stake => self.stake_cap.map_or(s, |c| s.min(c)),
                };
                (m, w)
            })
            .collect()
    }

    /// A short label: `stake`, `stake>=10`, `naive>=1`, `stake<=1000`.
    pub fn label(&self) -> String {
        let mut s = match self.kind {
            MetaModelKind::Stake => "stake".to_string(),
            MetaModelKind::Naive => "naive".to_string(),
        };
        if self.min_stake > 0.0 {
            s.push_str(&format!(">={}", self.min_stake));
        }
        if let Some(c) = self.stake_cap {
            s.push_str(&format!(" capped at {c}"));
        }
        s
    }
}

/// The meta model of each prediction row: within each era (`era_of_row[i]` indexes
/// `era_names`), `Σ w·g / Σ w` over the `weights`' models of their gaussianized tie-kept ranks
/// (numerai-tools `stake_weight` of the ranked predictions). Eras are built in parallel; a
/// row's value does not depend on the thread count or on the order of rows within its era.
pub fn meta_model_by_era(
    predictions: &Predictions,
    era_of_row: &[u32],
    era_names: &[&str],
    weights: &[(usize, f64)],
) -> Result<Vec<f64>, EngineError> {
    let mut rows_of_era: Vec<Vec<u32>> = vec![Vec::new(); era_names.len()];
    for (i, &e) in era_of_row.iter().enumerate() {
        rows_of_era[e as usize].push(i as u32);
    }
    let stakes: Vec<f64> = weights.iter().map(|(_, w)| *w).collect();
    let per_era = rows_of_era
        .par_iter()
        .enumerate()
        .map(|(era, rows)| {
            let columns: Vec<Vec<f64>> = weights
                .iter()
                .map(|(m, _)| {
                    let values = &predictions.values[*m];
                    rows.iter().map(|&i| values[i as usize]).collect()
                })
                .collect();
            let columns: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
            meta_model(&columns, &stakes).map_err(|source| EngineError::Kernel {
                era: era_names[era].to_string(),
                model: "(meta model)".into(),
                target: "-".into(),
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = vec![f64::NAN; era_of_row.len()];
    for (rows, values) in rows_of_era.iter().zip(per_era) {
        for (&i, v) in rows.iter().zip(values) {
            out[i as usize] = v;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use erascore_io::Strings;

    fn predictions(values: Vec<Vec<f64>>) -> Predictions {
        let n = values[0].len();
        Predictions {
            path: "p.csv".into(),
            ids: (0..n).map(|i| format!("id{i}")).collect::<Strings>(),
            eras: None,
            names: (0..values.len()).map(|m| format!("m{m}")).collect(),
            values,
        }
    }

    #[test]
    fn each_era_is_the_kernel_meta_model_of_its_own_rows() {
        // Two eras interleaved; era 1's rows hold a tie.
        let a = vec![0.3, 0.9, 0.1, 0.5, 0.7, 0.5, 0.2];
        let b = vec![0.6, 0.1, 0.8, 0.2, 0.4, 0.9, 0.3];
        let era_of_row = [0, 1, 0, 1, 0, 1, 1];
        let weights = [(0, 3.0), (1, 1.0)];
        let got = meta_model_by_era(
            &predictions(vec![a.clone(), b.clone()]),
            &era_of_row,
            &["x", "y"],
            &weights,
        )
        .unwrap();
        for era in 0..2 {
            let rows: Vec<usize> = (0..7).filter(|&i| era_of_row[i] == era).collect();
            let pa: Vec<f64> = rows.iter().map(|&i| a[i]).collect();
            let pb: Vec<f64> = rows.iter().map(|&i| b[i]).collect();
            let want = meta_model(&[&pa, &pb], &[3.0, 1.0]).unwrap();
            for (k, &i) in rows.iter().enumerate() {
                assert_eq!(got[i].to_bits(), want[k].to_bits(), "row {i}");
            }
        }
        // The tied pair of era 1 (rows 3 and 5 in model a) differ only through model b.
        assert!(got[3] < got[5]);
    }

    #[test]
    fn a_kernel_refusal_names_the_era() {
        // A negative weight never comes from MetaModelSpec; the kernel's check still holds.
        let p = predictions(vec![vec![0.1, 0.2, 0.3, 0.4]]);
        let err = meta_model_by_era(&p, &[0, 0, 0, 0], &["0002"], &[(0, -1.0)]);
        match err {
            Err(e @ EngineError::Kernel { .. }) => {
                assert!(e.to_string().contains("era '0002'"), "{e}")
            }
            other => panic!("expected a kernel error, got {other:?}"),
        }
    }

    #[test]
    fn naive_weighting_counts_each_model_staked_at_least_the_minimum_once() {
        let spec = MetaModelSpec {
            kind: MetaModelKind::Naive,
            min_stake: 1.0,
            stake_cap: None,
        };
        assert_eq!(
            spec.weights(&[(0, 5.0), (1, 0.5), (2, 1.0), (3, 0.0)]),
            vec![(0, 1.0), (2, 1.0)]
        );
    }
}
