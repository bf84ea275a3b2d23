//! Random streams, Gaussian draws and unique row ids.
//!
//! Every stream is keyed by what it generates, (seed, era, purpose, column), never by the
//! order in which work happens to run: one ChaCha8 key per (seed, era) and one ChaCha
//! stream id per purpose and column. That makes the output a pure function of the seed,
//! whatever the number of threads and whichever era or column is generated first.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for; the tag goes into the stream id's top byte.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    /// Global parameters (feature groups, signal weights, stakes, feature sets).
    Blueprint,
    /// The balanced base column of feature group `g`.
    Group(usize),
    /// Feature column `j`.
    Feature(usize),
    /// The era's signal weights and target noise.
    Targets,
    /// Model and meta model noise.
    Models,
    /// Which rows of target_aux_60 are missing.
    Missing,
    /// The Signals generator's purpose `p` (see `signals.rs`).
    Signals(usize),
    /// One tournament model's own noise (so a near-copy can regenerate its original).
    Model(usize),
}

impl Stream {
    fn id(self) -> u64 {
        let (tag, index) = match self {
            Stream::Blueprint => (1u64, 0usize),
            Stream::Group(g) => (2, g),
            Stream::Feature(j) => (3, j),
            Stream::Targets => (4, 0),
            Stream::Models => (5, 0),
            Stream::Missing => (6, 0),
            Stream::Signals(p) => (7, p),
            Stream::Model(m) => (8, m),
        };
        (tag << 56) | (index as u64 & ((1 << 56) - 1))
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): spreads nearby seeds over the whole key space.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for `stream` of `era` (`None`: global, not tied to an era).
pub(crate) fn stream(seed: u64, era: Option<usize>, stream: Stream) -> ChaCha8Rng {
    let mut state = seed;
    let era_word = era.map_or(u64::MAX, |e| e as u64);
    state ^= splitmix64(&mut era_word.clone());
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream.id());
    rng
}

/// A uniform index in `0..n` (Lemire's multiply-shift; the bias of at most n / 2^32 is
/// irrelevant for synthetic data and the result is deterministic).
pub(crate) fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    debug_assert!(n > 0 && n <= u32::MAX as usize);
    ((u64::from(rng.next_u32()) * n as u64) >> 32) as usize
}

/// A uniform draw in [0, 1) with 53 random bits.
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Fills `out` with standard normal draws (Box-Muller, two per pair of uniforms).
pub(crate) fn fill_normal(rng: &mut ChaCha8Rng, out: &mut [f64]) {
    for pair in out.chunks_mut(2) {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let r = (-2.0 * (1.0 - uniform(rng)).ln()).sqrt();
        let theta = std::f64::consts::TAU * uniform(rng);
        pair[0] = r * theta.cos();
        if let Some(second) = pair.get_mut(1) {
            *second = r * theta.sin();
        }
    }
}

/// `n` standard normal draws.
pub(crate) fn normals(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    fill_normal(rng, &mut out);
    out
}

/// The id of global row `row`: "n" and 15 hex digits.
///
/// The digits are a bijection of the row number on 60 bits (an offset, then odd
/// multiplications and xor-shifts, each invertible modulo 2^60), so ids are unique by
/// construction yet look random and are not sorted within an era.
pub(crate) fn row_id(seed: u64, row: u64) -> String {
    const MASK: u64 = (1 << 60) - 1;
    let mut state = seed ^ 0x05EE_D1D5;
    let mut x = row.wrapping_add(splitmix64(&mut state)) & MASK;
    x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15) & MASK;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK;
    x ^= x >> 29;
    format!("n{x:015x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_era_and_purpose() {
        let a = stream(7, Some(0), Stream::Feature(3)).next_u64();
        let b = stream(7, Some(1), Stream::Feature(3)).next_u64();
        let c = stream(7, Some(0), Stream::Feature(4)).next_u64();
        let d = stream(7, Some(0), Stream::Feature(3)).next_u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, d);
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let ids: std::collections::HashSet<String> = (0..100_000).map(|r| row_id(3, r)).collect();
        assert_eq!(ids.len(), 100_000);
        assert!(ids.iter().all(|id| id.len() == 16
            && id.starts_with('n')
            && id[1..].chars().all(|c| c.is_ascii_hexdigit())));
    }

    #[test]
    fn normals_have_unit_variance() {
        let mut rng = stream(1, None, Stream::Blueprint);
        let z = normals(&mut rng, 100_001);
        let mean = z.iter().sum::<f64>() / z.len() as f64;
        let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / z.len() as f64;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }
}
