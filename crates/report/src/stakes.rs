//! The stakes file (`model,stake`, CSV or parquet), read the same way by `score --stakes`,
//! `compare`, `metamodel` and `payout --stakes`: every model once, every stake finite and
//! >= 0 (the rule itself is [`erascore_payout::simulate::check_stake`]).

use std::path::Path;

use anyhow::{bail, Context};

use erascore_engine::inputs::Predictions;
use erascore_io::frame::read_frame;
use erascore_payout::simulate::check_stake;

/// The stakes file mapped onto prediction columns: (column index, stake), every staked
/// model a column of `predictions`, not all stakes zero.
pub fn read_column_stakes(
    path: &Path,
    predictions: &Predictions,
) -> anyhow::Result<Vec<(usize, f64)>> {
    let mut out = Vec::new();
    for (m, s) in read_stakes(path)? {
        let idx = predictions
            .models
            .iter()
            .position(|p| *p == m)
            .with_context(|| {
                format!(
                    "{}: model '{m}' has a stake but no column in {}",
                    path.display(),
                    predictions.path.display()
                )
            })?;
        out.push((idx, s));
    }
    if out.iter().map(|(_, s)| s).sum::<f64>() <= 0.0 {
        bail!("{}: stakes are all zero", path.display());
    }
    Ok(out)
}

/// (model, stake) in file order.
pub fn read_stakes(path: &Path) -> anyhow::Result<Vec<(String, f64)>> {
    let frame = read_frame(path)?;
    let models = frame.text("model")?;
    let (stakes, _) = frame.float("stake")?;
    let mut out: Vec<(String, f64)> = Vec::with_capacity(models.len());
    for (i, (m, &s)) in models.iter().zip(stakes.iter()).enumerate() {
        let at = || format!("{}: {}", path.display(), frame.location(i));
        if m.trim().is_empty() {
            bail!("{}: no model name", at());
        }
        check_stake(Some(m), s).with_context(at)?;
        if let Some(first) = out.iter().position(|(name, _)| name == m) {
            bail!(
                "{}: model '{m}' has a second stake (the first is at {}); give each model one",
                at(),
                frame.location(first)
            );
        }
        out.push((m.to_string(), s));
    }
    if out.is_empty() {
        bail!("{}: no stakes", path.display());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("stakes.csv");
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        match read_stakes(&p) {
            Ok(v) => panic!("accepted {v:?}"),
            Err(e) => format!("{e:#}"),
        }
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
}
