//! The Signals benchmark's era (benches/signals.rs) timed call by call: minimum and median
//! wall time of `alpha` and `meta_portfolio_contribution` over many single calls, on one
//! thread and on the rayon pool. On a machine shared with other jobs the minimum is the
//! closest to a quiet run that criterion's averages of many calls cannot give.
//!
//!     cargo run --release -p erascore-benches --example signals_min [CALLS] [MODE]
//!
//! MODE `1` or `pool` times only that variant (e.g. under `perf stat -e cycles:u`, whose
//! count on a loaded machine moves less than wall time: subtract a run with CALLS 0). Last
//! line: a fingerprint of the results' bits, to show a change kept every number.
use erascore_benches::{count_arg, era};
use erascore_kernels::alpha::alpha_many_par;
use erascore_kernels::matrix::{ColumnData, ColumnMatrix};
use erascore_kernels::meta_portfolio::meta_portfolio_contribution_par;
use erascore_kernels::target::Precision;
use erascore_kernels::Parallelism;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// CPU time of the calling thread, in ms: on a machine shared with other jobs, a
/// one-thread call's CPU time moves far less than its wall time.
#[allow(unsafe_code)]
fn thread_cpu_ms() -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime writes one timespec (two i64 on 64-bit Linux) to a valid pointer.
    unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.sec as f64 * 1e3 + t.nsec as f64 * 1e-6
}
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
    let reps = count_arg(1, 60);
    let mode = std::env::args().nth(2).unwrap_or_default();
    for (label, par) in [
        ("1 thread", Parallelism::Sequential),
        ("pool", Parallelism::Pool),
    ] {
        if !mode.is_empty() && !label.starts_with(mode.as_str()) {
            continue;
        }
        if reps == 0 {
            continue;
        }
        let mut ta = vec![];
        let mut tm = vec![];
        let (mut ca, mut cm) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..reps {
            let c = thread_cpu_ms();
            let s = Instant::now();
            std::hint::black_box(
                alpha_many_par(&preds, &nz, &w, &e.target, Precision::F32, par).expect("valid"),
            );
            ta.push(s.elapsed().as_secs_f64() * 1e3);
            ca = ca.min(thread_cpu_ms() - c);
            let c = thread_cpu_ms();
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
            cm = cm.min(thread_cpu_ms() - c);
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
        if par == Parallelism::Sequential {
            println!("{label}: CPU time min: alpha {ca:.2} ms | mpc {cm:.2} ms");
        }
    }
    // FNV-1a over the bits of every alpha and MPC, one thread.
    let a = alpha_many_par(
        &preds,
        &nz,
        &w,
        &e.target,
        Precision::F32,
        Parallelism::Sequential,
    )
    .expect("valid");
    let m = meta_portfolio_contribution_par(
        &preds,
        &e.stakes,
        &nz,
        &w,
        &e.target,
        Precision::F32,
        Parallelism::Sequential,
    )
    .expect("valid");
    let fingerprint = a.iter().chain(&m).fold(0xcbf2_9ce4_8422_2325u64, |h, v| {
        (h ^ v.to_bits()).wrapping_mul(0x100_0000_01b3)
    });
    println!(
        "fingerprint {fingerprint:016x} (alpha[0] {:e}, mpc[0] {:e})",
        a[0], m[0]
    );
}
