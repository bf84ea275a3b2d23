//! MPC, the Signals meta portfolio contribution: numerai-tools 0.7.2
//! `meta_portfolio_contribution` (the L2 form).
//!
//! For the `K` staked models of an era, with `W` (`n × K`) their neutralized weights
//! ([`generate_neutralized_weights`](crate::neutralized_weights)), `s` the stakes divided by
//! the sum of their absolute values, and `t_c` the centred target:
//!
//! ```text
//! W_c = W − 1 μᵀ                      (each model's weights centred over the rows)
//! v   = W_c s − mean(W_c s)           (the meta portfolio)
//! R   = W_c − v (W_cᵀ v)ᵀ / (vᵀ v)    (each model with the meta portfolio projected out)
//! MPC = Rᵀ t_c / ‖v‖₂ / 50
//! ```
//!
//! i.e. the gradient of the meta portfolio's normalized return `vᵀ t_c / ‖v‖` with respect
//! to the stakes, scaled by 1/50. A model with stake 0 still gets its MPC; a model with no
//! stake entry is not part of `W`. Where numerai-tools asserts "Stakes must sum to 1"
//! (stakes all zero or not all non-negative, to `np.isclose`), this is
//! [`KernelError::StakesNotNormalizable`]; a NaN stake counts as 0.

use crate::matrix::ColumnMatrix;
use crate::neutralized_weights::{check_target_len, neutralized_map};
use crate::scratch::Scratch;
use crate::target::{centre, pairwise_sum, Precision};
use crate::{KernelError, Parallelism};

/// The divisor numerai-tools applies to the gradient.
pub const MPC_SCALE: f64 = 50.0;

/// MPC of each staked model: `predictions[k]` is model `k`'s column, `stakes[k]` its stake.
/// All slices are one era's aligned rows; `target` holds no NaN.
pub fn meta_portfolio_contribution(
    predictions: &[&[f64]],
    stakes: &[f64],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    target: &[f64],
    precision: Precision,
) -> Result<Vec<f64>, KernelError> {
    meta_portfolio_contribution_par(
        predictions,
        stakes,
        neutralizers,
        sample_weights,
        target,
        precision,
        Parallelism::Sequential,
    )
}

/// [`meta_portfolio_contribution`] with the models spread over the threads `par` allows
/// (the same numbers).
pub fn meta_portfolio_contribution_par(
    predictions: &[&[f64]],
    stakes: &[f64],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    target: &[f64],
    precision: Precision,
    par: Parallelism,
) -> Result<Vec<f64>, KernelError> {
    if predictions.len() != stakes.len() {
        return Err(KernelError::LengthMismatch {
            left: predictions.len(),
            right: stakes.len(),
        });
    }
    let fractions = stake_fractions(stakes)?;
    check_target_len(neutralizers, target.len())?;
    // Each model's raw weights, formed over its powered ranks and centred there.
    let (_, centred) = neutralized_map(predictions, neutralizers, sample_weights, par, |s, f| {
        for ((a, b), w) in s.iter_mut().zip(f).zip(sample_weights) {
            *a = (*a - b) * w;
        }
        centre_in_place(s);
    })?;
    let mpc = mpc_of_centred(&centred, &fractions, &centre(target, precision), par);
    Ok(mpc)
}

/// MPC from neutralized weights already built
/// ([`WeightScaling::Raw`](crate::neutralized_weights::WeightScaling::Raw)), so alpha and MPC
/// can share them. `weights[k]` pairs with `stakes[k]`.
pub fn mpc_of_weights(
    weights: &[&[f64]],
    stakes: &[f64],
    centred_target: &[f64],
) -> Result<Vec<f64>, KernelError> {
    if weights.len() != stakes.len() {
        return Err(KernelError::LengthMismatch {
            left: weights.len(),
            right: stakes.len(),
        });
    }
    for w in weights {
        if w.len() != centred_target.len() {
            return Err(KernelError::LengthMismatch {
                left: w.len(),
                right: centred_target.len(),
            });
        }
    }
    let fractions = stake_fractions(stakes)?;
    let n = centred_target.len();
    let mut centred = Scratch::<f64>::take(n * weights.len());
    for (dst, w) in centred.chunks_mut(n.max(1)).zip(weights) {
        dst.copy_from_slice(w);
        centre_in_place(dst);
    }
    let mpc = mpc_of_centred(
        &centred,
        &fractions,
        centred_target,
        Parallelism::Sequential,
    );
    Ok(mpc)
}

/// numerai-tools `weight_normalize(stakes.fillna(0))` and its check that the result sums to
/// 1 (`np.isclose`: within 1e-8 + 1e-5).
pub fn stake_fractions(stakes: &[f64]) -> Result<Vec<f64>, KernelError> {
    let filled: Vec<f64> = stakes
        .iter()
        .map(|&s| if s.is_nan() { 0.0 } else { s })
        .collect();
    let abs: Vec<f64> = filled.iter().map(|s| s.abs()).collect();
    let gross = pairwise_sum(&abs);
    let fractions: Vec<f64> = filled.iter().map(|s| s / gross).collect();
    // pandas' sum skips the NaN that 0/0 leaves.
    let kept: Vec<f64> = fractions.iter().copied().filter(|f| !f.is_nan()).collect();
    let sum = pairwise_sum(&kept);
    if (sum - 1.0).abs() <= 1e-8 + 1e-5 {
        Ok(fractions)
    } else {
        Err(KernelError::StakesNotNormalizable { sum })
    }
}

/// Subtracts the mean (numpy's pairwise sum over the rows) from one model's weights.
fn centre_in_place(w: &mut [f64]) {
    let m = pairwise_sum(w) / w.len() as f64;
    for v in w.iter_mut() {
        *v -= m;
    }
}

/// MPC of each model from its centred weights, `centred` column-major with one column of
/// `t.len()` rows per fraction.
fn mpc_of_centred(centred: &[f64], fractions: &[f64], t: &[f64], par: Parallelism) -> Vec<f64> {
    let n = t.len();
    let nf = n as f64;
    let centred = crate::columns(centred, n, fractions.len());
    // The meta portfolio, summed over the models in order for every row (rows split
    // between threads, so the sums do not depend on them).
    let mut v = vec![0.0; n];
    let accumulate = |(start, chunk): (usize, &mut [f64])| {
        let rows = start * ROW_CHUNK..start * ROW_CHUNK + chunk.len();
        for (c, &s) in centred.iter().zip(fractions) {
            for (vi, ci) in chunk.iter_mut().zip(&c[rows.clone()]) {
                *vi += ci * s;
            }
        }
    };
    if par.is_parallel() {
        use rayon::prelude::*;
        v.par_chunks_mut(ROW_CHUNK).enumerate().for_each(accumulate);
    } else {
        v.chunks_mut(ROW_CHUNK).enumerate().for_each(accumulate);
    }
    let vm = pairwise_sum(&v) / nf;
    for vi in v.iter_mut() {
        *vi -= vm;
    }
    let vv: f64 = v.iter().map(|a| a * a).sum();
    let norm = vv.sqrt();
    par.map_init(
        &centred,
        || (),
        |_, c| {
            // The residual is formed row by row (not as W_cᵀt − k vᵀt) so that no two large
            // sums cancel.
            let k = c.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() / vv;
            let rt: f64 = c
                .iter()
                .zip(&v)
                .zip(t)
                .map(|((a, b), ti)| (a - b * k) * ti)
                .sum();
            rt / norm / MPC_SCALE
        },
    )
}

/// Rows of the meta portfolio per task: the models' slices of this many rows stay in cache.
const ROW_CHUNK: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::ColumnData;

    fn no_neutralizers(n: usize) -> ColumnMatrix {
        ColumnMatrix::new(n, 0, ColumnData::F64(vec![])).unwrap()
    }

    #[test]
    fn stake_fractions_follow_numerai_tools_check() {
        assert_eq!(stake_fractions(&[1.0, 3.0]).unwrap(), vec![0.25, 0.75]);
        assert_eq!(stake_fractions(&[2.0, f64::NAN]).unwrap(), vec![1.0, 0.0]);
        assert!(matches!(
            stake_fractions(&[0.0, 0.0]),
            Err(KernelError::StakesNotNormalizable { .. })
        ));
        assert!(matches!(
            stake_fractions(&[1.0, -1.0]),
            Err(KernelError::StakesNotNormalizable { .. })
        ));
        // A negative stake too small to move the sum past np.isclose passes, as there.
        assert!(stake_fractions(&[1.0, -1e-12]).is_ok());
    }

    #[test]
    fn a_lone_staked_model_contributes_nothing() {
        let p = [0.3, 0.1, 0.7, 0.5, 0.9, 0.2];
        let t = [0.1, -0.2, 0.4, 0.0, 0.3, -0.1];
        let got = meta_portfolio_contribution(
            &[&p],
            &[10.0],
            &no_neutralizers(6),
            &[1.0; 6],
            &t,
            Precision::F64,
        )
        .unwrap();
        assert!(got[0].abs() < 1e-15, "{got:?}");
    }

    #[test]
    fn two_models_hand_checked() {
        // With no neutralizers, unit weights and distinct values, each model's weights are
        // its powered gaussian ranks; check against the formula written out directly.
        let a = [0.1, 0.4, 0.3, 0.9];
        let b = [0.8, 0.2, 0.5, 0.6];
        let t = [1.0, 0.0, 0.5, 0.25];
        let got = meta_portfolio_contribution(
            &[&a, &b],
            &[1.0, 1.0],
            &no_neutralizers(4),
            &[1.0; 4],
            &t,
            Precision::F64,
        )
        .unwrap();
        let wa = crate::corr::rank_gaussian_pow(&a).unwrap();
        let wb = crate::corr::rank_gaussian_pow(&b).unwrap();
        // Powered gaussian ranks of 4 distinct values are symmetric, so already centred.
        let v: Vec<f64> = wa.iter().zip(&wb).map(|(x, y)| 0.5 * x + 0.5 * y).collect();
        let tc: Vec<f64> = t.iter().map(|x| x - 0.4375).collect();
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>();
        let vv = dot(&v, &v);
        let want_a = (dot(&wa, &tc) - dot(&wa, &v) / vv * dot(&v, &tc)) / vv.sqrt() / 50.0;
        let want_b = (dot(&wb, &tc) - dot(&wb, &v) / vv * dot(&v, &tc)) / vv.sqrt() / 50.0;
        assert!((got[0] - want_a).abs() < 1e-15, "{got:?} {want_a}");
        assert!((got[1] - want_b).abs() < 1e-15, "{got:?} {want_b}");
        // Two equal stakes: the contributions are equal and opposite.
        assert!((got[0] + got[1]).abs() < 1e-15);
    }
}
