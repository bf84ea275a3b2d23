//! Signals alpha: numerai-tools 0.7.2 `alpha`.
//!
//! ```text
//! alpha = (1/n) Σ_i weights_i · t_c,i
//! ```
//!
//! with `weights` from [`generate_neutralized_weights`](crate::neutralized_weights) (rank,
//! gaussianize, signed 1.5 power, neutralize, times sample weight) and `t_c` the target
//! centred on its mean, in the target's own precision (numerai-tools centres before it
//! filters; for aligned rows that is the same). `n` is the number of rows.

use crate::matrix::ColumnMatrix;
use crate::neutralized_weights::{check_target_len, neutralized_map};
use crate::target::{centre, Precision};
use crate::{KernelError, Parallelism};

/// `alpha` of each prediction column against one era's target. All slices are that era's
/// aligned rows (`neutralizers.rows()` of them); `target` must hold no NaN (numerai-tools
/// drops NaN-target rows before scoring, so a caller drops them first).
pub fn alpha_many(
    predictions: &[&[f64]],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    target: &[f64],
    precision: Precision,
) -> Result<Vec<f64>, KernelError> {
    alpha_many_par(
        predictions,
        neutralizers,
        sample_weights,
        target,
        precision,
        Parallelism::Sequential,
    )
}

/// [`alpha_many`] with the models spread over the threads `par` allows (the same numbers).
pub fn alpha_many_par(
    predictions: &[&[f64]],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    target: &[f64],
    precision: Precision,
    par: Parallelism,
) -> Result<Vec<f64>, KernelError> {
    check_target_len(neutralizers, target.len())?;
    let t = centre(target, precision);
    // alpha_of_weights of the raw weights, each weight formed as it is multiplied (the same
    // products summed in the same order) rather than stored.
    let (alphas, _) = neutralized_map(predictions, neutralizers, sample_weights, par, |s, f| {
        let dot: f64 = s
            .iter()
            .zip(f)
            .zip(sample_weights)
            .zip(&t)
            .map(|(((a, b), w), t)| ((a - b) * w) * t)
            .sum();
        dot / t.len() as f64
    })?;
    Ok(alphas)
}

/// [`alpha_many`] of one prediction column.
pub fn alpha(
    predictions: &[f64],
    neutralizers: &ColumnMatrix,
    sample_weights: &[f64],
    target: &[f64],
    precision: Precision,
) -> Result<f64, KernelError> {
    Ok(alpha_many(
        &[predictions],
        neutralizers,
        sample_weights,
        target,
        precision,
    )?[0])
}

/// `Σ weights · centred_target / n`: alpha from weights already built (so that alpha and
/// MPC can share one
/// [`generate_neutralized_weights_many`](crate::neutralized_weights::generate_neutralized_weights_many)).
pub fn alpha_of_weights(weights: &[f64], centred_target: &[f64]) -> f64 {
    debug_assert_eq!(weights.len(), centred_target.len());
    let dot: f64 = weights.iter().zip(centred_target).map(|(w, t)| w * t).sum();
    dot / centred_target.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::ColumnData;

    fn no_neutralizers(n: usize) -> ColumnMatrix {
        ColumnMatrix::new(n, 0, ColumnData::F64(vec![])).unwrap()
    }

    #[test]
    fn hand_checked_without_neutralizers() {
        // Two rows: ranks 0.25/0.75 -> ndtri ±0.6744897501960817 -> signed power 1.5.
        let g: f64 = 0.674_489_750_196_081_7;
        let s = g * g.sqrt();
        let a = alpha(
            &[1.0, 2.0],
            &no_neutralizers(2),
            &[1.0, 1.0],
            &[0.0, 1.0],
            Precision::F64,
        )
        .unwrap();
        // weights (-s, s), centred target (-0.5, 0.5): (0.5 s + 0.5 s) / 2
        assert!((a - s / 2.0).abs() < 1e-15, "{a} vs {}", s / 2.0);
    }

    #[test]
    fn a_constant_shift_of_the_target_changes_nothing() {
        let p = [0.3, 0.1, 0.7, 0.5, 0.9];
        let t = [0.1, -0.2, 0.4, 0.0, 0.3];
        let shifted: Vec<f64> = t.iter().map(|v| v + 5.0).collect();
        let w = [1.0, 0.5, 2.0, 1.0, 1.5];
        let n = no_neutralizers(5);
        let a = alpha(&p, &n, &w, &t, Precision::F64).unwrap();
        let b = alpha(&p, &n, &w, &shifted, Precision::F64).unwrap();
        assert!((a - b).abs() < 1e-14);
    }

    #[test]
    fn target_length_must_match() {
        let n = no_neutralizers(3);
        assert!(matches!(
            alpha(&[0.1, 0.2, 0.3], &n, &[1.0; 3], &[0.0; 2], Precision::F64),
            Err(KernelError::LengthMismatch { .. })
        ));
    }
}
