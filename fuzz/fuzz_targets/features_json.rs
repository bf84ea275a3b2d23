#![no_main]

libfuzzer_sys::fuzz_target!(
    init: erascore_fuzz::abort_on_panics_outside_parquet(),
    |bytes: &[u8]| {
        let _ = erascore_fuzz::features_json(bytes);
    }
);
