//! The Signals benchmark's era (benches/signals.rs) timed call by call: minimum and median
//! wall time of `alpha` and `meta_portfolio_contribution` over many single calls, on one
//! thread and on the rayon pool. On a machine shared with other jobs the minimum is the
//! closest to a quiet run that criterion's averages of many calls cannot give.
//!
//!     cargo run --release -p erascore-benches --example signals_min [CALLS]
use erascore_benches::era;
use erascore_kernels::alpha::alpha_many_par;
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::meta_portfolio::meta_portfolio_contribution_par;
use erascore_kernels::target::Precision;
use erascore_kernels::Parallelism;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;
fn main() {
    let (t, m, k) = (5000, 100, 50);
    let e = era(t, 1, m);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let scale = 1.0 / (t as f64).sqrt();
    let mut normal = || {
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let data: Vec<f64> = (0..t * k).map(|_| normal() * scale).collect();
    let nz = ColumnMatrix::new(t, k, ColumnData::F64(data)).expect("shape");
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let w: Vec<f64> = (0..t).map(|_| 0.5 + rng.random::<f64>()).collect();
    let preds: Vec<&[f64]> = e.predictions.iter().map(Vec::as_slice).collect();
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(60);
    for (label, par) in [
        ("1 thread", Parallelism::Sequential),
        ("pool", Parallelism::Pool),
    ] {
        let mut ta = vec![];
        let mut tm = vec![];
        for _ in 0..reps {
            let s = Instant::now();
            std::hint::black_box(
                alpha_many_par(&preds, &nz, &w, &e.target, Precision::F32, par).expect("valid"),
            );
            ta.push(s.elapsed().as_secs_f64() * 1e3);
            let s = Instant::now();
            std::hint::black_box(
                meta_portfolio_contribution_par(
                    &preds,
                    &e.stakes,
                    &nz,
                    &w,
                    &e.target,
                    Precision::F32,
                    par,
                )
                .expect("valid"),
            );
            tm.push(s.elapsed().as_secs_f64() * 1e3);
        }
        ta.sort_by(f64::total_cmp);
        tm.sort_by(f64::total_cmp);
        println!(
            "{label}: alpha min {:.2} med {:.2} ms | mpc min {:.2} med {:.2} ms",
            ta[0],
            ta[reps / 2],
            tm[0],
            tm[reps / 2]
        );
    }
}
