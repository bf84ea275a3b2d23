//! Property tests of the kernels: invariances and identities that must hold for any input.

use ::proptest::collection::vec;
use ::proptest::prelude::*;

use erascore_kernels::contribution::{contribution, ContributionTarget};
use erascore_kernels::corr::{gaussian_rank, numerai_corr, top_bottom_rows, CorrTarget};
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::neutralize::Neutralizer;
use erascore_kernels::pearson::{pearson, spearman};
use erascore_kernels::target::Precision;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(32)
}

/// `n` predictions on a 0.1 grid in [-5, 5] (many ties) and `n` bucket targets in
/// {0, .25, .5, .75, 1}.
fn preds_and_target(min: usize, max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (min..max).prop_flat_map(|n| {
        (
            vec((-50i32..=50).prop_map(|v| f64::from(v) / 10.0), n),
            vec((0u8..5).prop_map(|b| f64::from(b) / 4.0), n),
        )
    })
}

/// An int8 feature matrix (0..4) with `n` rows and `k` columns, plus a column to neutralize.
fn features_and_column() -> impl Strategy<Value = (usize, usize, Vec<i8>, Vec<f64>)> {
    (1usize..8, 0usize..60).prop_flat_map(|(k, extra)| {
        let n = k + 12 + extra;
        (Just(n), Just(k), vec(0i8..5, n * k), vec(-3.0f64..3.0, n))
    })
}

fn f64_features_and_column() -> impl Strategy<Value = (usize, usize, Vec<f64>, Vec<f64>)> {
    (1usize..6, 0usize..60).prop_flat_map(|(k, extra)| {
        let n = k + 12 + extra;
        (
            Just(n),
            Just(k),
            vec(-10.0f64..10.0, n * k),
            vec(-3.0f64..3.0, n),
        )
    })
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn is_constant(v: &[f64]) -> bool {
    v.iter().all(|&x| x == v[0])
}

/// Whether a correlation of `p` and `t` (optionally on `p`'s top and bottom `k`) is defined:
/// at least two rows and neither side constant on them. Rank transforms keep constancy, so
/// this holds for numerai_corr's transformed predictions too.
fn defined(p: &[f64], t: &[f64], top_bottom: Option<usize>) -> bool {
    let rows: Vec<usize> = match top_bottom {
        Some(k) if k > 0 => match top_bottom_rows(p, k) {
            Some(r) => r,
            None => return false,
        },
        _ => (0..p.len()).collect(),
    };
    let ps: Vec<f64> = rows.iter().map(|&i| p[i]).collect();
    let ts: Vec<f64> = rows.iter().map(|&i| t[i]).collect();
    rows.len() >= 2 && !is_constant(&ps) && !is_constant(&ts)
}

/// A defined correlation lies in [-1, 1]; an undefined one is NaN.
fn check_corr(c: f64, defined: bool, what: &str) -> Result<(), TestCaseError> {
    if defined {
        prop_assert!(c.abs() <= 1.0, "{what} {c}");
    } else {
        prop_assert!(c.is_nan(), "{what} {c}: expected NaN");
    }
    Ok(())
}

/// Checks `r` is orthogonal to every column of `x` and to the intercept, relative to the
/// size of the input `y`.
fn assert_orthogonal(x: &ColumnMatrix, y: &[f64], r: &[f64]) -> Result<(), TestCaseError> {
    let scale = norm(y).max(1e-300);
    let n = y.len() as f64;
    let s: f64 = r.iter().sum();
    prop_assert!(
        s.abs() <= 1e-10 * n.sqrt() * scale,
        "residual sum {s:e} not ~0"
    );
    for j in 0..x.cols() {
        let c = x.col_f64(j);
        let d = dot(&c, r);
        prop_assert!(
            d.abs() <= 1e-10 * norm(&c).max(1.0) * scale,
            "column {j}: dot {d:e} not ~0 (|x_j| = {:e}, |y| = {scale:e})",
            norm(&c)
        );
    }
    Ok(())
}

/// Neutralizes `y` fully: the result is finite, orthogonal (see [`assert_orthogonal`]) and
/// unchanged by neutralizing it again. Returns it.
fn neutralized_orthogonal_and_idempotent(
    nz: &Neutralizer,
    y: &[f64],
) -> Result<Vec<f64>, TestCaseError> {
    let r = nz.neutralize(y, 1.0);
    prop_assert!(r.iter().all(|v| v.is_finite()));
    assert_orthogonal(nz.matrix(), y, &r)?;
    let r2 = nz.neutralize(&r, 1.0);
    let scale = norm(y);
    for (a, b) in r.iter().zip(&r2) {
        prop_assert!((a - b).abs() <= 1e-10 * scale, "not idempotent: {a} vs {b}");
    }
    Ok(r)
}

proptest! {
    #![proptest_config(config())]

    /// numerai_corr only sees the ranks of the predictions: any strictly increasing map
    /// leaves it unchanged (bit for bit, since the ranks are identical).
    #[test]
    fn corr_invariant_under_monotone_maps((p, t) in preds_and_target(5, 300), pow15 in any::<bool>()) {
        prop_assume!(!is_constant(&t));
        let target = CorrTarget::new(&t, Precision::F64, pow15);
        prop_assume!(target.is_ok());
        let target = target.unwrap();
        let base = numerai_corr(&p, &target, None).unwrap();
        let exp: Vec<f64> = p.iter().map(|v| v.exp()).collect();
        let cubic: Vec<f64> = p.iter().map(|v| v * v * v + v).collect();
        for mapped in [exp, cubic] {
            let c = numerai_corr(&mapped, &target, None).unwrap();
            prop_assert!(
                c.to_bits() == base.to_bits() || (c.is_nan() && base.is_nan()),
                "{c} != {base}"
            );
        }
        if p.len() > 20 {
            let k = p.len() / 5;
            let base = numerai_corr(&p, &target, Some(k)).unwrap();
            let mapped: Vec<f64> = p.iter().map(|v| v.exp()).collect();
            let c = numerai_corr(&mapped, &target, Some(k)).unwrap();
            prop_assert!(c.to_bits() == base.to_bits() || (c.is_nan() && base.is_nan()));
        }
    }

    /// Correlations are bounded by 1 in absolute value, and NaN exactly when a side is
    /// constant over the rows that count (or top/bottom leaves no rows).
    #[test]
    fn correlations_are_bounded(
        (p, t) in preds_and_target(2, 300),
        f32_target in any::<bool>(),
        a in vec(-1e3f64..1e3, 2..100),
    ) {
        let precision = if f32_target { Precision::F32 } else { Precision::F64 };
        if let Ok(target) = CorrTarget::new(&t, precision, true) {
            for tb in [None, Some(1), Some(p.len() / 4)] {
                let c = numerai_corr(&p, &target, tb).unwrap();
                check_corr(c, defined(&p, target.values(), tb), "numerai_corr")?;
            }
        }
        check_corr(pearson(&p, &t), defined(&p, &t, None), "pearson")?;
        check_corr(spearman(&p, &t), defined(&p, &t, None), "spearman")?;
        let b: Vec<f64> = a.iter().map(|v| v * v - 3.0 * v).collect();
        check_corr(pearson(&a, &b), defined(&a, &b, None), "pearson")?;
    }

    /// The neutralized column is orthogonal to every neutralizer and to the intercept, and
    /// neutralizing twice changes nothing.
    #[test]
    fn neutralize_orthogonal_and_idempotent_i8((n, k, data, y) in features_and_column()) {
        prop_assume!(!is_constant(&y));
        let x = ColumnMatrix::new(n, k, ColumnData::I8(data)).unwrap();
        let nz = Neutralizer::new(x);
        let r = neutralized_orthogonal_and_idempotent(&nz, &y)?;
        let scale = norm(&y);
        // Partial neutralization interpolates: y - p * proj(y).
        let half = nz.neutralize(&y, 0.5);
        for ((h, yi), ri) in half.iter().zip(&y).zip(&r) {
            prop_assert!((h - 0.5 * (yi + ri)).abs() <= 1e-12 * scale.max(1.0));
        }
    }

    /// The same with real-valued neutralizers, including a duplicated column.
    #[test]
    fn neutralize_orthogonal_and_idempotent_f64(
        (n, k, mut data, y) in f64_features_and_column(),
        duplicate in any::<bool>(),
    ) {
        prop_assume!(!is_constant(&y));
        let mut cols = k;
        if duplicate {
            let first: Vec<f64> = data[..n].to_vec();
            data.extend(first);
            cols += 1;
        }
        let x = ColumnMatrix::new(n, cols, ColumnData::F64(data)).unwrap();
        let nz = Neutralizer::new(x);
        if duplicate {
            prop_assert!(nz.rank() < cols);
        }
        neutralized_orthogonal_and_idempotent(&nz, &y)?;
    }

    /// Predictions identical to the meta model contribute nothing.
    #[test]
    fn contribution_of_the_meta_model_is_zero(
        (p, t) in preds_and_target(10, 300),
        f32_target in any::<bool>(),
    ) {
        prop_assume!(!is_constant(&p));
        let precision = if f32_target { Precision::F32 } else { Precision::F64 };
        let target = ContributionTarget::new(&t, precision);
        let g = gaussian_rank(&p);
        for tb in [None, Some(p.len() / 4)] {
            let c = contribution(&g, &g, &target, tb).unwrap();
            // Non-constant predictions have non-zero gaussianized ranks: never NaN.
            prop_assert!(c.abs() <= 1e-12, "contribution {c:e} with tb {tb:?}");
        }
    }
}

/// Values with many ties, signed zeros, ±inf and NaN, and enough of them (past 64) to take
/// the radix sort.
fn awkward_values() -> impl Strategy<Value = Vec<f64>> {
    vec(
        prop_oneof![
            (-4i32..=4).prop_map(|v| f64::from(v) / 2.0),
            Just(0.0),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::NAN),
            -1e300f64..1e300,
            -1e-300f64..1e-300,
        ],
        0..300,
    )
}

/// Tie-kept ranks as the previous implementation defined them: positions sorted stably by
/// `total_cmp` (with -0.0 as 0.0), runs of `==` values sharing their average 1-based rank.
fn reference_average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| (values[a] + 0.0).total_cmp(&(values[b] + 0.0)));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        for &i in &order[start..end] {
            ranks[i] = (start + 1 + end) as f64 / 2.0;
        }
        start = end;
    }
    ranks
}

proptest! {
    #![proptest_config(config())]

    /// The radix ranking equals a comparison sort's, ties, signed zeros, ±inf and NaN
    /// included, for both tie methods.
    #[test]
    fn ranks_equal_a_comparison_sort(values in awkward_values()) {
        use erascore_kernels::rank::{ordinal_ranks, TieMethod};
        let got = ordinal_ranks(&values, TieMethod::Average);
        let want = reference_average_ranks(&values);
        prop_assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            prop_assert_eq!(g.to_bits(), w.to_bits());
        }
        let first = ordinal_ranks(&values, TieMethod::First);
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| (values[a] + 0.0).total_cmp(&(values[b] + 0.0)));
        for (pos, &i) in order.iter().enumerate() {
            prop_assert_eq!(first[i], (pos + 1) as f64);
        }
    }

    /// The many-column transform (one table per thread, runs of ties at a time) gives each
    /// column bit for bit what the one-column transform gives, on one thread or the pool.
    #[test]
    fn rank_gaussian_pow_many_matches_one_column(
        cols in (1usize..200).prop_flat_map(|n| vec(vec((-20i32..=20).prop_map(|v| f64::from(v) / 7.0), n), 1..6))
    ) {
        use erascore_kernels::corr::{rank_gaussian_pow, rank_gaussian_pow_many_par};
        use erascore_kernels::Parallelism;
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        for par in [Parallelism::Sequential, Parallelism::Pool] {
            let many = rank_gaussian_pow_many_par(&refs, par);
            let one: Result<Vec<Vec<f64>>, _> = refs.iter().map(|c| rank_gaussian_pow(c)).collect();
            match (many, one) {
                (Ok(m), Ok(o)) => {
                    for (a, b) in m.iter().zip(&o) {
                        let (a, b): (Vec<u64>, Vec<u64>) =
                            (a.iter().map(|v| v.to_bits()).collect(), b.iter().map(|v| v.to_bits()).collect());
                        prop_assert_eq!(a, b);
                    }
                }
                (Err(_), Err(_)) => {}
                (m, o) => prop_assert!(false, "one errs, the other not: {:?} vs {:?}", m.is_ok(), o.is_ok()),
            }
        }
    }
}

/// The many-column transform at an era's size (past the radix sort's threshold, windows
/// exact and not), bit for bit the one-column transform, on one thread and the pool:
/// continuous values, values a few ulps apart, rank-like values, a few rounded levels, one
/// value repeated, and a column with a NaN (an error naming its row either way).
#[test]
fn rank_gaussian_pow_many_matches_one_column_at_era_size() {
    use erascore_kernels::corr::{rank_gaussian_pow, rank_gaussian_pow_many_par};
    use erascore_kernels::{KernelError, Parallelism};
    let n = 5_000;
    let mut next = lcg(7);
    let continuous: Vec<f64> = (0..n)
        .map(|_| next() as f64 / (1u64 << 31) as f64)
        .collect();
    let ulps: Vec<f64> = (0..n)
        .map(|_| f64::from_bits(0.3f64.to_bits() + next() % 3_000))
        .collect();
    let ranks: Vec<f64> = (0..n)
        .map(|i| ((i * 7_919) % n) as f64 / n as f64)
        .collect();
    let rounded: Vec<f64> = continuous
        .iter()
        .map(|v| (v * 10.0).round() / 10.0)
        .collect();
    let signed: Vec<f64> = (0..n)
        .map(|i| match i % 5 {
            0 => -0.0,
            1 => 0.0,
            _ => continuous[i] - 0.5,
        })
        .collect();
    let repeated = vec![0.25; n];
    let cols: Vec<&[f64]> = vec![&continuous, &ulps, &ranks, &rounded, &signed, &repeated];
    for par in [Parallelism::Sequential, Parallelism::Pool] {
        let many = rank_gaussian_pow_many_par(&cols, par).expect("no NaN");
        for (got, col) in many.iter().zip(&cols) {
            let want = rank_gaussian_pow(col).expect("no NaN");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(got), bits(&want));
        }
        let mut with_nan = continuous.clone();
        with_nan[1_234] = f64::NAN;
        assert_eq!(
            rank_gaussian_pow_many_par(&[&continuous, &with_nan], par).unwrap_err(),
            KernelError::NanInput {
                what: "predictions".into(),
                row: 1_234
            }
        );
    }
}

/// Deterministic pseudo-random values for the larger equality tests below.
fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s >> 33
    }
}

/// On the rayon pool the Gram matrix, the factorization and the neutralized columns are
/// bit for bit those of one thread (work is split by output, never inside a sum), at a size
/// where the blocked Cholesky, the panels of the Gram kernel and faer's parallel products
/// all split work (also the single-vector products, by columns and by rows); with a
/// duplicate and a constant feature so that columns are dropped.
#[test]
fn neutralizer_on_the_pool_equals_one_thread() {
    use erascore_kernels::gram::{lower_gram_i8_par, recycle};
    use erascore_kernels::Parallelism;
    let (n, k) = (2_100, 300);
    let mut next = lcg(3);
    let mut data: Vec<i8> = (0..n * k).map(|_| (next() % 5) as i8).collect();
    data.copy_within(0..n, 7 * n);
    data[130 * n..131 * n].fill(2);
    let seq = lower_gram_i8_par(&data, n, k, Parallelism::Sequential).expect("exact");
    let pool = lower_gram_i8_par(&data, n, k, Parallelism::Pool).expect("exact");
    for j in 0..k {
        assert_eq!(
            seq[j * k + j..(j + 1) * k],
            pool[j * k + j..(j + 1) * k],
            "column {j}"
        );
    }
    recycle(seq);
    recycle(pool);
    let ys: Vec<Vec<f64>> = (0..4)
        .map(|_| (0..n).map(|_| (next() % 10_000) as f64 / 9_999.0).collect())
        .collect();
    let refs: Vec<&[f64]> = ys.iter().map(Vec::as_slice).collect();
    let x = || ColumnMatrix::new(n, k, ColumnData::I8(data.clone())).expect("shape");
    let one = Neutralizer::new(x());
    let many = Neutralizer::with_parallelism(x(), Parallelism::Pool);
    assert_eq!(one.rank(), k - 2);
    assert_eq!(many.rank(), k - 2);
    for cols in [&refs[..1], &refs[..]] {
        let a = one.neutralize_many(cols, 1.0);
        let b = many.neutralize_many(cols, 1.0);
        for (a, b) in a.iter().zip(&b) {
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            assert_eq!(bits(a), bits(b));
        }
    }
}

/// `bits` computed on pools of 2 and 3 threads are one thread's, bit for bit.
fn same_bits_on_any_pool(bits: impl Fn() -> Vec<u64> + Sync) {
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(&bits)
    };
    let one = on(1);
    for threads in [2, 3] {
        let other = on(threads);
        let first = one.iter().zip(&other).position(|(a, b)| a != b);
        assert_eq!(first, None, "{threads} threads: first differing value");
    }
}

/// One vector (and three) neutralized against a few hundred features on pools of 1, 2 and 3
/// threads: the same bits. (Its triangular solves' off-diagonal blocks are then large enough that a
/// parallel matrix-vector product would split each sum between the threads.)
#[test]
fn one_vector_neutralized_on_any_pool_gives_the_same_bits() {
    use erascore_kernels::Parallelism;
    let (n, k) = (1_200, 600);
    let mut next = lcg(17);
    let data: Vec<i8> = (0..n * k).map(|_| (next() % 5) as i8).collect();
    let ys: Vec<Vec<f64>> = (0..3)
        .map(|_| (0..n).map(|_| (next() % 10_000) as f64 / 9_999.0).collect())
        .collect();
    same_bits_on_any_pool(|| {
        let x = ColumnMatrix::new(n, k, ColumnData::I8(data.clone())).expect("shape");
        let nz = Neutralizer::with_parallelism(x, Parallelism::Pool);
        // One vector, then three (matrix products) for comparison.
        let refs: Vec<&[f64]> = ys.iter().map(Vec::as_slice).collect();
        let mut r = nz.neutralize(&ys[0], 1.0);
        r.extend(nz.neutralize_many(&refs, 1.0).concat());
        r.iter().map(|v| v.to_bits()).collect::<Vec<u64>>()
    });
}

/// Signals alpha and MPC on the pool equal one thread's, bit for bit.
#[test]
fn signals_on_the_pool_equal_one_thread() {
    use erascore_kernels::alpha::alpha_many_par;
    use erascore_kernels::meta_portfolio::meta_portfolio_contribution_par;
    use erascore_kernels::Parallelism;
    let (n, k, m) = (2_000, 20, 9);
    let mut next = lcg(5);
    let x: Vec<f64> = (0..n * k)
        .map(|_| (next() % 2_001) as f64 / 1_000.0 - 1.0)
        .collect();
    let x = ColumnMatrix::new(n, k, ColumnData::F64(x)).expect("shape");
    // Coarse predictions: many ties.
    let preds: Vec<Vec<f64>> = (0..m)
        .map(|_| (0..n).map(|_| (next() % 300) as f64).collect())
        .collect();
    let refs: Vec<&[f64]> = preds.iter().map(Vec::as_slice).collect();
    let weights: Vec<f64> = (0..n)
        .map(|_| 0.5 + (next() % 100) as f64 / 100.0)
        .collect();
    let target: Vec<f64> = (0..n).map(|_| (next() % 5) as f64 / 4.0).collect();
    let stakes: Vec<f64> = (0..m).map(|i| i as f64 + 0.5).collect();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
    let alpha =
        |par| alpha_many_par(&refs, &x, &weights, &target, Precision::F32, par).expect("valid");
    let mpc = |par| {
        meta_portfolio_contribution_par(&refs, &stakes, &x, &weights, &target, Precision::F32, par)
            .expect("valid")
    };
    assert_eq!(
        bits(&alpha(Parallelism::Sequential)),
        bits(&alpha(Parallelism::Pool))
    );
    assert_eq!(
        bits(&mpc(Parallelism::Sequential)),
        bits(&mpc(Parallelism::Pool))
    );
    // alpha formed on the fly equals alpha of the stored weights, bit for bit, and MPC from
    // those shared weights equals MPC on its own.
    use erascore_kernels::alpha::alpha_of_weights;
    use erascore_kernels::meta_portfolio::mpc_of_weights;
    use erascore_kernels::neutralized_weights::{generate_neutralized_weights_many, WeightScaling};
    use erascore_kernels::target::centre;
    let w =
        generate_neutralized_weights_many(&refs, &x, &weights, WeightScaling::Raw).expect("valid");
    let t = centre(&target, Precision::F32);
    let stored: Vec<f64> = w.iter().map(|w| alpha_of_weights(w, &t)).collect();
    assert_eq!(bits(&alpha(Parallelism::Sequential)), bits(&stored));
    let wrefs: Vec<&[f64]> = w.iter().map(Vec::as_slice).collect();
    let shared = mpc_of_weights(&wrefs, &stakes, &t).expect("valid");
    assert_eq!(bits(&mpc(Parallelism::Sequential)), bits(&shared));
}

/// Signals weights of one prediction column (a matrix-vector product per block of
/// neutralizers) on pools of 1, 2 and 3 threads: the same bits.
#[test]
fn one_column_of_neutralized_weights_on_any_pool_gives_the_same_bits() {
    use erascore_kernels::neutralized_weights::{
        generate_neutralized_weights_many_par, WeightScaling,
    };
    use erascore_kernels::Parallelism;
    let (n, k) = (3_000, 70);
    let mut next = lcg(23);
    let x: Vec<f64> = (0..n * k)
        .map(|_| (next() % 2_001) as f64 / 1_000.0 - 1.0)
        .collect();
    let p: Vec<f64> = (0..n).map(|_| (next() % 10_000) as f64).collect();
    let w = vec![1.0; n];
    same_bits_on_any_pool(|| {
        let x = ColumnMatrix::new(n, k, ColumnData::F64(x.clone())).expect("shape");
        let r = generate_neutralized_weights_many_par(
            &[&p],
            &x,
            &w,
            WeightScaling::CenterAndNormalize,
            Parallelism::Pool,
        )
        .expect("weights");
        r[0].iter().map(|v| v.to_bits()).collect::<Vec<u64>>()
    });
}
