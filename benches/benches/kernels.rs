//! The per-era kernels at the size of one Numerai validation era (6,200 rows): rank,
//! gaussianize, CORR, MMC, neutralization against the small / medium / all feature sets
//! (42 / 780 / 2,750 int8 features), feature exposure and a 100-model meta model.
//!
//! Neutralization is measured twice because the engine pays for it twice differently: the
//! first model of an era builds the factorization (Gram matrix + Cholesky), every further
//! model only projects. The slow benchmarks take few, flat samples so the suite stays at a
//! few minutes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use erascore_benches::{era, feature_matrix, ERA_ROWS};
use erascore_kernels::contribution::{contribution, ContributionTarget};
use erascore_kernels::corr::{gaussian_rank, numerai_corr, CorrTarget};
use erascore_kernels::exposure::{max_feature_correlation, ExposureBasis};
use erascore_kernels::gaussian::gaussianize_in_place;
use erascore_kernels::gram::{lower_gram_i8_with, recycle, GramKernel};
use erascore_kernels::matrix::ColumnData;
use erascore_kernels::meta_model::meta_model;
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::rank::{percentile_rank, TieMethod};
use erascore_kernels::target::Precision;

/// Feature counts of Numerai's small, medium and all feature sets.
const FEATURE_SETS: [usize; 3] = [42, 780, 2_750];

fn scores(c: &mut Criterion) {
    let e = era(ERA_ROWS, 42, 2);
    let preds = &e.predictions[0];
    let n = ERA_ROWS;

    c.benchmark_group("rank")
        .bench_function(format!("{n} tie-kept"), |b| {
            b.iter(|| percentile_rank(black_box(preds), TieMethod::Average))
        });
    let ranks = percentile_rank(preds, TieMethod::Average);
    let mut g = c.benchmark_group("gaussianize");
    g.bench_function(format!("{n} ndtri of ranks"), |b| {
        b.iter_batched_ref(
            || ranks.clone(),
            |r| gaussianize_in_place(black_box(r)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function(format!("{n} rank + ndtri"), |b| {
        b.iter(|| gaussian_rank(black_box(preds)))
    });
    g.finish();

    // Targets are float32 on disk, so the reference computes their transforms in f32.
    let corr_target = CorrTarget::new(&e.target, Precision::F32, true).expect("valid target");
    c.benchmark_group("numerai_corr")
        .bench_function(format!("{n}"), |b| {
            b.iter(|| numerai_corr(black_box(preds), &corr_target, None).expect("valid"))
        });

    let mmc_target = ContributionTarget::new(&e.target, Precision::F32);
    let meta = gaussian_rank(&e.meta_model);
    c.benchmark_group("mmc").bench_function(
        format!("{n} (rank + gaussianize the model, meta model prepared)"),
        |b| {
            b.iter(|| {
                let g = gaussian_rank(black_box(preds));
                contribution(&g, &meta, &mmc_target, None).expect("valid")
            })
        },
    );
}

fn neutralize(c: &mut Criterion) {
    let e = era(ERA_ROWS, 2_750, 6);
    let y = gaussian_rank(&e.predictions[0]);
    let further: Vec<Vec<f64>> = e.predictions[1..]
        .iter()
        .map(|p| gaussian_rank(p))
        .collect();
    let further_refs: Vec<&[f64]> = further.iter().map(Vec::as_slice).collect();
    let mut g = c.benchmark_group("neutralize");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for k in FEATURE_SETS {
        let x = feature_matrix(&e.features, k);
        g.bench_function(format!("{ERA_ROWS}x{k} first model"), |b| {
            b.iter_batched(
                || x.clone(),
                |x| Neutralizer::new(x).neutralize(black_box(&y), 1.0),
                BatchSize::LargeInput,
            )
        });
        let neutralizer = Neutralizer::new(x);
        g.bench_function(format!("{ERA_ROWS}x{k} each further model"), |b| {
            b.iter(|| neutralizer.neutralize(black_box(&y), 1.0))
        });
        g.bench_function(
            format!("{ERA_ROWS}x{k} {} further models together", further.len()),
            |b| b.iter(|| neutralizer.neutralize_many(black_box(&further_refs), 1.0)),
        );
    }
    g.finish();

    // The Gram matrix is most of a neutralizer's first-model cost; each kernel this CPU
    // runs, on the same era.
    let x = feature_matrix(&e.features, 2_750);
    let mut g = c.benchmark_group("gram");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    if let ColumnData::I8(d) = x.data() {
        for kernel in GramKernel::ALL.into_iter().filter(|k| k.available()) {
            g.bench_function(format!("{ERA_ROWS}x2750 {}", kernel.name()), |b| {
                // Recycled as the engine's neutralizers recycle it: a fresh 30 MB buffer
                // per iteration would time page faults the engine does not pay.
                b.iter(|| {
                    if let Some(g) = lower_gram_i8_with(kernel, black_box(d), ERA_ROWS, 2_750) {
                        recycle(black_box(g));
                    }
                })
            });
        }
    }
    g.finish();

    let mut g = c.benchmark_group("feature exposure");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function(format!("{ERA_ROWS}x2750 max_feature_correlation"), |b| {
        b.iter(|| max_feature_correlation(black_box(&e.predictions[0]), &x))
    });
    let basis = ExposureBasis::new(&x);
    g.bench_function(format!("{ERA_ROWS}x2750 each further model"), |b| {
        b.iter(|| basis.max_correlation(black_box(&e.predictions[0])))
    });
    g.finish();
}

fn meta(c: &mut Criterion) {
    let e = era(ERA_ROWS, 1, 100);
    let columns: Vec<&[f64]> = e.predictions.iter().map(Vec::as_slice).collect();
    let mut g = c.benchmark_group("meta model");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function(format!("{ERA_ROWS}x100 models"), |b| {
        b.iter(|| meta_model(black_box(&columns), &e.stakes).expect("valid stakes"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = scores, neutralize, meta
}
criterion_main!(benches);
