//! The unit tests' pseudo-random inputs: one seeded generator (Knuth's MMIX linear
//! congruential step), so every test module draws reproducible data the same way without a
//! dependency.

/// A seeded stream of 64-bit states; callers take the high bits they need.
pub(crate) struct Lcg(u64);

impl Lcg {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Advances and returns the new state (its low bits are weak: shift them away).
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }
}
