//! Payout simulation: one trajectory, and the block bootstrap at the target size
//! (10,000 trajectories of 600 rounds), with and without the fan-chart bands.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use erascore_payout::{bootstrap, simulate, BootstrapOptions, Preset, Rule, RuleOverrides};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Autocorrelated per-era scores, like 0.5 × CORR + 2 × MMC of a decent model.
fn scores(n: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut level = 0.0;
    (0..n)
        .map(|_| {
            level = 0.8 * level + 0.004 * (rng.random::<f64>() - 0.5);
            0.004 + level + 0.03 * (rng.random::<f64>() - 0.5)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rule = Rule::new(Preset::Y2024, &RuleOverrides::default()).expect("preset");
    let s = scores(600);
    let f = vec![0.9; 600];
    c.bench_function("simulate 600 rounds", |b| {
        b.iter(|| simulate(black_box(100.0), black_box(&s), &f, &rule).expect("valid"))
    });
    let mut g = c.benchmark_group("bootstrap");
    g.sample_size(10);
    let opts = BootstrapOptions {
        trajectories: 10_000,
        block: 10,
        seed: 1,
        fan: false,
    };
    g.bench_function("bootstrap 10000x600 block 10", |b| {
        b.iter(|| bootstrap(100.0, black_box(&s), &f, &rule, &opts, 0).expect("valid"))
    });
    let fan = BootstrapOptions { fan: true, ..opts };
    g.bench_function("bootstrap 10000x600 block 10 with fan bands", |b| {
        b.iter(|| bootstrap(100.0, black_box(&s), &f, &rule, &fan, 0).expect("valid"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
