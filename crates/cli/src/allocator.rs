//! The process's allocator, and the two places where a run tells it what to do with
//! memory it frees.

/// glibc's malloc hands large buffers back to the kernel on free and takes fresh ones on the
/// next allocation, so every parquet batch's arrays were zeroed page by page again: with it,
/// page faults were 45% of a CORR+MMC run's CPU. mimalloc keeps and reuses freed memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keeps freed memory in the process for the rest of the run. A large run reads its
/// predictions a batch at a time, ~1 GB each; by default mimalloc returns freed memory to
/// the OS after a short delay (1 s in the v3 it builds), and every batch then page-faults the same amount back in (the kernel
/// zeroing fresh pages was half the CPU time of a 10,000-model run). The peak is unchanged:
/// the next batch reuses the memory. `score` and `diagnostics` keep it too when they stream
/// no features (`load.rs`).
#[allow(unsafe_code)]
pub fn keep_freed_memory() {
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // `mi_option_purge_delay` in mimalloc.h (v2 and v3, as built by libmimalloc-sys 0.1.49):
    // the 16th option of `mi_option_e`; -1 turns purging off (`MIMALLOC_PURGE_DELAY=-1`).
    const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
    // SAFETY: `mi_option_set` only stores an option value (no pointer is passed); mimalloc
    // is this binary's global allocator (main.rs), so the symbol is linked, and options may be
    // changed while the allocator runs.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Returns what this thread's heap holds freed to the OS now. mimalloc purges freed pages
/// lazily, when their thread next allocates; the thread that reads and matches a streamed
/// run's inputs then only waits for batches, so the prediction index and the data's ids it
/// freed stayed resident for the whole run (~235 MB of a 120-era, 2,750-feature
/// diagnostics run; measured with `MIMALLOC_PURGE_DELAY=0`). Called only by runs that
/// stream features (`load.rs`, `Loaded::streaming`): without them, scoring takes the freed
/// pages back and faults every one in again.
#[allow(unsafe_code)]
pub fn release_freed_memory() {
    extern "C" {
        fn mi_collect(force: bool);
    }
    // SAFETY: `mi_collect` takes no pointer and only walks this thread's own heap; mimalloc
    // is this binary's global allocator (above), so the symbol is linked.
    unsafe { mi_collect(true) };
}
