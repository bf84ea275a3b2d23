//! A cached evaluator's FNC: one prediction column neutralized against many eras whose
//! factorizations are already built (120 eras x 6,200 rows x 705 int8 features 0..4 by
//! default, 1.2 GB of factorizations), on one thread and on two, against the same calls on
//! era 0 alone (its factorization in cache): the gap is what waits on memory. Then the two
//! passes over the features alone (`cols_dot`, `cols_axpy`), over every era and over era 0.
//! Minimum and median of the calls, in ms for all eras.
//!
//!     cargo run --release -p erascore-benches --example fnc_cached [CALLS] [ERAS] [ROWS] [FEATURES]
use erascore_benches::count_arg;
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::neutralize::Neutralizer;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let calls = count_arg(1, 10);
    let (eras, n, k) = (count_arg(2, 120), count_arg(3, 6200), count_arg(4, 705));
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let nzs: Vec<Neutralizer> = (0..eras)
        .map(|_| {
            let data: Vec<i8> = (0..n * k).map(|_| rng.random_range(0..5) as i8).collect();
            Neutralizer::new(ColumnMatrix::new(n, k, ColumnData::I8(data)).expect("shape"))
        })
        .collect();
    let pred: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    let all: Vec<usize> = (0..k).collect();
    let coefs = vec![0.001; k];
    let (mut dots, mut fitted) = (vec![0.0; k], vec![0.0; n]);
    let mut times: Vec<(&str, Vec<f64>)> = [
        "neutralize, 1 thread",
        "neutralize, era 0 only, 1 thread",
        "neutralize, 2 threads",
        "cols_dot, every era",
        "cols_dot, era 0",
        "cols_axpy, every era",
        "cols_axpy, era 0",
    ]
    .map(|label| (label, Vec::new()))
    .into();
    let timed = |times: &mut Vec<(&str, Vec<f64>)>, i: usize, f: &mut dyn FnMut()| {
        let s = Instant::now();
        f();
        times[i].1.push(s.elapsed().as_secs_f64() * 1e3);
    };
    let era0 = vec![&nzs[0]; eras];
    let every: Vec<&Neutralizer> = nzs.iter().collect();
    for _ in 0..calls {
        for (i, on) in [(0, &every), (1, &era0)] {
            timed(&mut times, i, &mut || {
                on.iter()
                    .for_each(|nz| drop(black_box(nz.neutralize(&pred, 1.0))));
            });
        }
        timed(&mut times, 2, &mut || {
            std::thread::scope(|s| {
                for half in nzs.chunks(eras.div_ceil(2)) {
                    let pred = &pred;
                    s.spawn(move || {
                        half.iter()
                            .for_each(|nz| drop(black_box(nz.neutralize(pred, 1.0))))
                    });
                }
            });
        });
        for (i, on) in [(3, &every), (4, &era0)] {
            timed(&mut times, i, &mut || {
                on.iter()
                    .for_each(|nz| nz.matrix().cols_dot(&all, &pred, black_box(&mut dots)));
            });
        }
        for (i, on) in [(5, &every), (6, &era0)] {
            timed(&mut times, i, &mut || {
                on.iter().for_each(|nz| {
                    nz.matrix()
                        .cols_axpy(&all, 0..n, &coefs, black_box(&mut fitted));
                });
            });
        }
    }
    println!(
        "{eras} eras x {n} rows x {k} features, {calls} calls (ms for all eras: min / median)"
    );
    for (label, mut t) in times {
        t.sort_by(f64::total_cmp);
        println!("{label:<35} {:8.1} {:8.1}", t[0], t[t.len() / 2]);
    }
}
