//! The stakes file (`model,stake`) and the stakes that change by round
//! (`round,model,stake`), read from disk.

use erascore_engine::read::stakes::{read_stake_schedule, read_stakes, StakeSchedule};

use crate::common::{tmp, write};

fn err(text: &str) -> String {
    let dir = tmp();
    match read_stakes(&write(dir.path(), "stakes.csv", text)) {
        Ok(v) => panic!("accepted {v:?}"),
        Err(e) => format!("{e:#}"),
    }
}

fn schedule(text: &str) -> anyhow::Result<Option<StakeSchedule>> {
    let dir = tmp();
    let rounds: Vec<String> = ["0001", "0002", "0003"].map(String::from).to_vec();
    read_stake_schedule(&write(dir.path(), "stakes.csv", text), &rounds)
}

#[test]
fn stakes_by_round() {
    let s = schedule("round,model,stake\n0003,a,7\n0001,b,2\n0001,a,5\n0002,c,1\n")
        .unwrap_or_else(|e| panic!("{e:#}"))
        .unwrap_or_else(|| panic!("not a schedule"));
    let start = vec![("a".into(), 5.0), ("b".into(), 2.0), ("c".into(), 0.0)];
    assert_eq!(s.start, start);
    let changes = vec![
        ("a".into(), "0003".into(), 7.0),
        ("c".into(), "0002".into(), 1.0),
    ];
    assert_eq!(s.changes, changes);
    assert_eq!(schedule("model,stake\na,1\n").ok(), Some(None));
    let e = format!(
        "{:#}",
        schedule("round,model,stake\n0001,a,1\n0001,a,2\n").unwrap_err()
    );
    assert!(
        e.contains("line 3") && e.contains("'a'") && e.contains("'0001'") && e.contains("line 2"),
        "{e}"
    );
    let e = format!(
        "{:#}",
        schedule("round,model,stake\n0009,a,1\n").unwrap_err()
    );
    assert!(
        e.contains("line 2") && e.contains("round '0009'") && e.contains("'a'"),
        "{e}"
    );
    let e = format!(
        "{:#}",
        schedule("round,model,stake\n0002,a,-1\n").unwrap_err()
    );
    assert!(e.contains("line 2") && e.contains("round '0002'"), "{e}");
    let e = err("round,model,stake\n0001,a,1\n");
    assert!(e.contains("compare"), "{e}");
}

#[test]
fn every_model_once_and_every_stake_valid() {
    let e = err("model,stake\na,1\nb,2\na,3\n");
    assert!(
        e.contains("line 4") && e.contains("'a'") && e.contains("line 2"),
        "{e}"
    );
    let e = err("model,stake\na,1\nb,inf\n");
    assert!(e.contains("line 3") && e.contains("'b'"), "{e}");
    let e = err("model,stake\n,1\n");
    assert!(e.contains("line 2") && e.contains("no model"), "{e}");
    let e = err("model,stake\n");
    assert!(e.contains("no stakes"), "{e}");
}
