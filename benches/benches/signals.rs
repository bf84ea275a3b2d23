//! Signals alpha and MPC for one era at the size: 100 models × 5,000 tickers × 50
//! neutralizers (float64 risk factors, standard normals / √n), sample weights in [0.5, 1.5).
//! `scripts/bench_signals.py` times numerai-tools 0.7.2 on the same shape, for the ratio.
//!
//! Three timings: `alpha` and `meta_portfolio_contribution` each on their own (as
//! numerai-tools' functions are called), and both from one set of neutralized weights, which
//! is what `erascore score --metrics alpha,mpc` does per era and target. Each on one thread
//! (as the engine runs a kernel, with eras spread over the threads) and on the rayon pool
//! (`Parallelism::Pool`, the models of the one era over the cores; numpy's OpenBLAS uses
//! every core for numerai-tools' products too).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use erascore_benches::era;
use erascore_kernels::alpha::{alpha_many_par, alpha_of_weights};
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::meta_portfolio::{meta_portfolio_contribution_par, mpc_of_weights};
use erascore_kernels::neutralized_weights::{generate_neutralized_weights_many_par, WeightScaling};
use erascore_kernels::target::{centre, Precision};
use erascore_kernels::Parallelism;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TICKERS: usize = 5_000;
const MODELS: usize = 100;
const NEUTRALIZERS: usize = 50;

fn signals(c: &mut Criterion) {
    let e = era(TICKERS, 1, MODELS);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let scale = 1.0 / (TICKERS as f64).sqrt();
    // Box-Muller normals for the risk factors.
    let mut normal = || {
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let data: Vec<f64> = (0..TICKERS * NEUTRALIZERS)
        .map(|_| normal() * scale)
        .collect();
    let neutralizers =
        ColumnMatrix::new(TICKERS, NEUTRALIZERS, ColumnData::F64(data)).expect("shape");
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let weights: Vec<f64> = (0..TICKERS).map(|_| 0.5 + rng.random::<f64>()).collect();
    let preds: Vec<&[f64]> = e.predictions.iter().map(Vec::as_slice).collect();
    let target = &e.target;

    let mut g = c.benchmark_group(format!(
        "signals {MODELS} models x {TICKERS} tickers x {NEUTRALIZERS} neutralizers"
    ));
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    for (label, par) in [
        ("", Parallelism::Sequential),
        (" (all threads)", Parallelism::Pool),
    ] {
        g.bench_function(format!("alpha{label}"), |b| {
            b.iter(|| {
                alpha_many_par(
                    black_box(&preds),
                    &neutralizers,
                    &weights,
                    target,
                    Precision::F32,
                    par,
                )
                .expect("valid")
            })
        });
        g.bench_function(format!("mpc{label}"), |b| {
            b.iter(|| {
                meta_portfolio_contribution_par(
                    black_box(&preds),
                    &e.stakes,
                    &neutralizers,
                    &weights,
                    target,
                    Precision::F32,
                    par,
                )
                .expect("valid")
            })
        });
        g.bench_function(format!("alpha + mpc from one set of weights{label}"), |b| {
            b.iter(|| {
                let w = generate_neutralized_weights_many_par(
                    black_box(&preds),
                    &neutralizers,
                    &weights,
                    WeightScaling::Raw,
                    par,
                )
                .expect("valid");
                let t = centre(target, Precision::F32);
                let alpha: Vec<f64> = w.iter().map(|w| alpha_of_weights(w, &t)).collect();
                let refs: Vec<&[f64]> = w.iter().map(Vec::as_slice).collect();
                (alpha, mpc_of_weights(&refs, &e.stakes, &t).expect("valid"))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, signals);
criterion_main!(benches);
