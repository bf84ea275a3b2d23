//! One era of FNC against every feature (6,200 rows x 2,750 int8 features 0..4, one model),
//! timed piece by piece on one thread: the int8 Gram matrix alone, the whole factorization
//! (Gram, centring, dropping Cholesky), the neutralization of one column, and the score.
//! Minimum and median of single calls: on a machine shared with other jobs the minimum is
//! the closest to a quiet run. The factorization minus the Gram matrix is the Cholesky.
//!
//!     cargo run --release -p erascore-benches --example fnc_era [CALLS] [ROWS] [FEATURES]
use erascore_benches::count_arg;
use erascore_kernels::corr::CorrTarget;
use erascore_kernels::gram::{lower_gram_i8, recycle};
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::neutral_scores::feature_neutral_corr_many;
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::target::Precision;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let (calls, n, k) = (count_arg(1, 10), count_arg(2, 6200), count_arg(3, 2750));
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let data: Vec<i8> = (0..n * k).map(|_| rng.random_range(0..5) as i8).collect();
    let pred: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    let target: Vec<f64> = (0..n)
        .map(|_| rng.random_range(0..5) as f64 / 4.0)
        .collect();
    let corr_target = CorrTarget::new(&target, Precision::F64, true).expect("target");
    let matrix = || ColumnMatrix::new(n, k, ColumnData::I8(data.clone())).expect("shape");

    let (mut gram, mut factor, mut neutralize, mut score) = (vec![], vec![], vec![], vec![]);
    let ms = |s: Instant| s.elapsed().as_secs_f64() * 1e3;
    for _ in 0..calls {
        let s = Instant::now();
        let g = lower_gram_i8(&data, n, k).expect("int8 Gram");
        gram.push(ms(s));
        recycle(black_box(g));

        let x = matrix();
        let s = Instant::now();
        let nz = Neutralizer::new(x);
        factor.push(ms(s));

        let s = Instant::now();
        black_box(nz.neutralize(&pred, 1.0));
        neutralize.push(ms(s));

        let s = Instant::now();
        black_box(feature_neutral_corr_many(&[&pred], &nz, &corr_target, None).expect("fnc"));
        score.push(ms(s));
    }
    println!("{n} rows x {k} features, {calls} calls on one thread (ms: min / median)");
    for (label, mut t) in [
        ("int8 Gram X'X", gram),
        ("factorization (Gram + centring + Cholesky)", factor),
        ("neutralize one column", neutralize),
        ("feature_neutral_corr_many, one model", score),
    ] {
        t.sort_by(f64::total_cmp);
        println!("{label:<45} {:8.1} {:8.1}", t[0], t[t.len() / 2]);
    }
    println!("kernels: {}", erascore_kernels::cpu::usage().describe());
}
