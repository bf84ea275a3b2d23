//! The int8 Gram matrix alone with every kernel this CPU runs, on one thread and on the
//! pool, the kernels interleaved round by round so that a busy machine slows them alike
//! (5,000 rows x 2,750 features 0..4 by default, the drop-in FNC's shape). Minimum and median
//! of single calls; the matrices are compared, so a kernel that disagrees stops the run.
//!
//!     cargo run --release -p erascore-benches --example gram_kernels [ROUNDS] [ROWS] [FEATURES]
use erascore_benches::count_arg;
use erascore_kernels::gram::{lower_gram_i8_with_par, recycle, GramKernel};
use erascore_kernels::Parallelism;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let (rounds, n, k) = (count_arg(1, 7), count_arg(2, 5000), count_arg(3, 2750));
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let data: Vec<i8> = (0..n * k).map(|_| rng.random_range(0..5) as i8).collect();
    let kernels: Vec<GramKernel> = GramKernel::ALL
        .into_iter()
        .filter(|k| k.available())
        .collect();
    let runs: Vec<(GramKernel, Parallelism)> = kernels
        .iter()
        .flat_map(|&g| [(g, Parallelism::Sequential), (g, Parallelism::Pool)])
        .collect();
    let lower = |g: &[i32]| -> Vec<i32> {
        (0..k)
            .flat_map(|j| (j..k).map(move |i| (i, j)))
            .map(|(i, j)| g[j * k + i])
            .collect()
    };
    let mut reference: Option<Vec<i32>> = None;
    let mut times = vec![vec![]; runs.len()];
    for _ in 0..rounds {
        for (t, &(kernel, par)) in times.iter_mut().zip(&runs) {
            let s = Instant::now();
            let g = lower_gram_i8_with_par(kernel, black_box(&data), n, k, par).expect("0..4");
            t.push(s.elapsed().as_secs_f64() * 1e3);
            let got = lower(&g);
            match &reference {
                Some(r) => assert!(*r == got, "{} disagrees", kernel.name()),
                None => reference = Some(got),
            }
            recycle(g);
        }
    }
    println!("int8 Gram {n} x {k}, {rounds} rounds (ms: min / median)");
    for (t, (kernel, par)) in times.iter_mut().zip(&runs) {
        t.sort_by(f64::total_cmp);
        let on = if matches!(par, Parallelism::Pool) {
            "pool"
        } else {
            "1 thread"
        };
        println!(
            "  {:<12} {on:<9} {:8.1} / {:8.1}",
            kernel.name(),
            t[0],
            t[t.len() / 2]
        );
    }
}
