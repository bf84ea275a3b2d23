//! `compare`'s one request: what every front end asks, checked before any data is read,
//! its errors naming the input at fault.

use erascore_engine::compare::{CompareRequest, Configs};
use erascore_engine::request::ColumnRule;

use crate::common::{name, tmp, write};

const RULES: &str = "[[config]]\nname = \"y2024\"\nrule = \"2024\"\n\n[[config]]\nname = \"b\"\nscore = \"corr + bmc\"\ntarget = \"target_aux\"\n";

fn refused(request: &CompareRequest<'_>) -> String {
    match request.resolve() {
        Ok(r) => panic!("accepted {:?}", r.configs),
        Err(e) => e.render(&name),
    }
}

#[test]
fn the_request_decides_what_the_run_reads() {
    let dir = tmp();
    let file = write(dir.path(), "rules.toml", RULES);
    let request = CompareRequest {
        configs: Configs::File(&file),
        benchmark: Some(ColumnRule::benchmark(None)),
        max_filtered_ratio: 0.2,
    };
    let resolved = request.resolve().unwrap();
    let names: Vec<&str> = resolved.configs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["y2024", "b"]);
    // A configuration scores bmc: the benchmark is read; each target once.
    assert!(resolved.benchmark.is_some());
    assert_eq!(resolved.data().targets, ["target", "target_aux"]);
    // Two targets: two scoring passes over 5 eras.
    assert_eq!(resolved.era_steps(5), 10);
    // A benchmark no configuration needs is not read.
    let json = r#"{"config": [{"name": "y2024", "rule": "2024"}]}"#;
    let plain = CompareRequest {
        configs: Configs::Json(json),
        ..request
    };
    assert!(plain.resolve().unwrap().benchmark.is_none());
}

#[test]
fn refusals_name_the_input() {
    let dir = tmp();
    let file = write(dir.path(), "rules.toml", RULES);
    let mut request = CompareRequest {
        configs: Configs::File(&file),
        benchmark: None,
        max_filtered_ratio: 0.2,
    };
    assert_eq!(
        refused(&request),
        "configuration 'b': its score uses bmc, which needs <Benchmark>"
    );
    request.max_filtered_ratio = 1.0;
    assert_eq!(
        refused(&request),
        "<MaxFilteredRatio> must be in [0, 1), got 1"
    );
    request.max_filtered_ratio = 0.2;
    let bad = write(
        dir.path(),
        "bad.toml",
        "[[config]]\nname = \"x\"\nrule = \"nope\"\n",
    );
    request.configs = Configs::File(&bad);
    let e = refused(&request);
    assert!(
        e.starts_with("<Configs>: ") && e.contains("unknown payout rule 'nope'"),
        "{e}"
    );
    request.configs = Configs::File(&file);
    request.benchmark = Some(ColumnRule::benchmark(Some("id".into())));
    assert!(refused(&request).contains("'id' is a key column"));
}
