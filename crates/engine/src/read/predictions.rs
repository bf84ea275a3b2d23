//! The predictions file of `erascore compare`, in either shape a tournament archive comes
//! in: wide (`id`, `era`, one column per model) or long (`id`, `era`, `model`,
//! `prediction`: one row per model and row). The shape is told from the columns; a long
//! file is pivoted into the wide table the engine scores, so both shapes of the same
//! predictions give the same numbers.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};

use erascore_io::frame::{column_names, read_frame_columns};
use erascore_io::Strings;

use crate::inputs::{check_model_names, read_predictions, Predictions, NON_MODEL_COLUMNS};

/// The column of a long file naming the model.
pub const MODEL_COLUMN: &str = "model";
/// The column of a long file holding the value.
pub const PREDICTION_COLUMN: &str = "prediction";

/// How a predictions file lays out its models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `id` (and `era`) plus one column per model.
    Wide,
    /// `id` (and `era`), `model`, `prediction`: one row per (era, id, model).
    Long,
}

/// The file's shape, from its columns: long when it has a `model` and a `prediction`
/// column and nothing else besides the key columns; an error naming the file and the column
/// when it has one of the two without fitting either shape, or no `id`.
pub fn shape(path: &Path) -> anyhow::Result<Shape> {
    let names = column_names(path)?;
    let has = |c: &str| names.iter().any(|n| n == c);
    if !has("id") {
        bail!(
            "{}: no 'id' column (predictions are id, era and one column per model, or id, \
             era, model, prediction)",
            path.display()
        );
    }
    let (model, prediction) = (has(MODEL_COLUMN), has(PREDICTION_COLUMN));
    if !model && !prediction {
        return Ok(Shape::Wide);
    }
    let other = names.iter().find(|n| {
        !NON_MODEL_COLUMNS.contains(&n.as_str()) && *n != MODEL_COLUMN && *n != PREDICTION_COLUMN
    });
    match (model, prediction, other) {
        (true, true, None) => Ok(Shape::Long),
        (true, true, Some(o)) => bail!(
            "{}: column '{o}' beside 'model' and 'prediction': long predictions are id, era, \
             model, prediction only (wide ones have no 'model' column)",
            path.display()
        ),
        (true, false, _) => bail!(
            "{}: a 'model' column but no 'prediction' column: long predictions are id, era, \
             model, prediction (wide ones have one column per model and no 'model' column)",
            path.display()
        ),
        _ => bail!(
            "{}: a 'prediction' column but no 'model' column: long predictions are id, era, \
             model, prediction (a wide file with one model named 'prediction' is not told \
             apart from a long one; rename the column)",
            path.display()
        ),
    }
}

/// The models of a predictions file: its model columns (wide), or the distinct values of
/// its `model` column in order of first appearance (long).
pub fn models(path: &Path) -> anyhow::Result<Vec<String>> {
    let models: Vec<String> = match shape(path)? {
        Shape::Wide => column_names(path)?
            .into_iter()
            .filter(|n| !NON_MODEL_COLUMNS.contains(&n.as_str()))
            .collect(),
        Shape::Long => {
            let frame = read_frame_columns(path, Some(&[MODEL_COLUMN]))?;
            let column = frame.text(MODEL_COLUMN)?;
            let mut seen: HashMap<&str, ()> = HashMap::new();
            let mut out = Vec::new();
            for (i, m) in column.iter().enumerate() {
                if seen.insert(m, ()).is_none() {
                    if m.trim().is_empty() {
                        bail!(
                            "{}: {}: column 'model' is empty",
                            path.display(),
                            frame.location(i)
                        );
                    }
                    out.push(m.to_string());
                }
            }
            out
        }
    };
    check_model_names(&models).with_context(|| format!("{}", path.display()))?;
    Ok(models)
}

/// The predictions of `models` (every model when `None`) as the wide table the engine
/// scores, from a file of either shape.
pub fn read(path: &Path, models: Option<&[String]>) -> anyhow::Result<Predictions> {
    match shape(path)? {
        Shape::Wide => Ok(read_predictions(path, models)?),
        Shape::Long => read_long(path, models),
    }
}

/// Pivots a long file: one row per distinct (era, id) in order of first appearance, one
/// column per model. Every model needs exactly one finite prediction for every row.
fn read_long(path: &Path, models: Option<&[String]>) -> anyhow::Result<Predictions> {
    let has_era = column_names(path)?.iter().any(|c| c == "era");
    let mut columns = vec!["id", MODEL_COLUMN, PREDICTION_COLUMN];
    if has_era {
        columns.push("era");
    }
    let frame = read_frame_columns(path, Some(&columns))?;
    let ids = frame.text("id")?;
    let eras = if has_era {
        Some(frame.text("era")?)
    } else {
        None
    };
    let model_of = frame.text(MODEL_COLUMN)?;
    crate::inputs::refuse_text(
        &frame,
        PREDICTION_COLUMN,
        (&ids, eras.as_deref()),
        "predictions",
    )?;
    let (values, _) = frame.float(PREDICTION_COLUMN)?;
    let wanted: Vec<String> = match models {
        Some(m) => m.to_vec(),
        None => self::models(path)?,
    };
    let column_of: HashMap<&str, usize> = wanted
        .iter()
        .enumerate()
        .map(|(k, m)| (m.as_str(), k))
        .collect();
    let row_name = |i: usize| match &eras {
        Some(e) => format!("id '{}' in era '{}'", &ids[i], &e[i]),
        None => format!("id '{}'", &ids[i]),
    };
    // Rows of the wide table, keyed by (era, id).
    let mut key_row: HashMap<(&str, &str), usize> = HashMap::new();
    let mut first: Vec<usize> = Vec::new();
    let mut cells: Vec<(usize, usize, usize)> = Vec::new();
    for i in 0..frame.rows() {
        let era = eras.as_ref().map_or("", |e| &e[i]);
        let next = first.len();
        let row = *key_row.entry((era, &ids[i])).or_insert(next);
        if row == next {
            first.push(i);
        }
        if let Some(&k) = column_of.get(&model_of[i]) {
            cells.push((k, row, i));
        }
    }
    let n_rows = first.len();
    let mut wide = vec![vec![f64::NAN; n_rows]; wanted.len()];
    let mut source = vec![vec![u32::MAX; n_rows]; wanted.len()];
    for (k, row, i) in cells {
        let at = || format!("{}: {}", path.display(), frame.location(i));
        let v = values[i];
        if !v.is_finite() {
            bail!(
                "{}: model '{}', {}: prediction {v} is not a finite number",
                at(),
                wanted[k],
                row_name(i)
            );
        }
        if source[k][row] != u32::MAX {
            bail!(
                "{}: model '{}' has a second prediction for {} (the first is at {}); give \
                 each (era, id, model) one",
                at(),
                wanted[k],
                row_name(i),
                frame.location(source[k][row] as usize)
            );
        }
        source[k][row] = i as u32;
        wide[k][row] = v;
    }
    for (k, column) in source.iter().enumerate() {
        if let Some(row) = column.iter().position(|&s| s == u32::MAX) {
            if !column.iter().any(|&s| s != u32::MAX) {
                bail!("{}: no prediction of model '{}'", path.display(), wanted[k]);
            }
            bail!(
                "{}: model '{}' has no prediction for {} (first at {}): in long predictions \
                 every model needs one for every (era, id) of the file",
                path.display(),
                wanted[k],
                row_name(first[row]),
                frame.location(first[row])
            );
        }
    }
    let pick = |s: &Strings| -> Strings { first.iter().map(|&i| &s[i]).collect() };
    Ok(Predictions {
        path: path.to_path_buf(),
        ids: pick(&ids),
        eras: eras.as_ref().map(|e| pick(e)),
        names: wanted,
        values: wide,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        p
    }

    fn error(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = write(dir.path(), "p.csv", text);
        match read(&p, None) {
            Ok(p) => panic!("accepted {p:?}"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn long_pivots_to_the_wide_table() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let long = write(
            dir.path(),
            "long.csv",
            "id,era,model,prediction\na,1,m2,0.5\na,1,m1,0.1\nb,1,m1,0.2\nb,1,m2,0.6\n\
             a,2,m1,0.3\na,2,m2,0.7\n",
        );
        assert_eq!(shape(&long).ok(), Some(Shape::Long));
        assert_eq!(models(&long).ok(), Some(vec!["m2".into(), "m1".into()]));
        let p = read(&long, None).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(p.names, vec!["m2", "m1"]);
        assert_eq!(p.ids.iter().collect::<Vec<_>>(), vec!["a", "b", "a"]);
        let eras = p.eras.as_ref().map(|e| e.iter().collect::<Vec<_>>());
        assert_eq!(eras, Some(vec!["1", "1", "2"]));
        assert_eq!(p.values, vec![vec![0.5, 0.6, 0.7], vec![0.1, 0.2, 0.3]]);
        let only = read(&long, Some(&["m1".to_string()])).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(only.values, vec![vec![0.1, 0.2, 0.3]]);
        let wide = write(dir.path(), "wide.csv", "id,era,m1,m2\na,1,0.1,0.5\n");
        assert_eq!(shape(&wide).ok(), Some(Shape::Wide));
    }

    #[test]
    fn bad_long_files_are_named() {
        let e = error("id,era,model,prediction\na,1,m,0.1\na,1,m,0.2\n");
        assert!(
            e.contains("line 3")
                && e.contains("model 'm'")
                && e.contains("id 'a' in era '1'")
                && e.contains("line 2"),
            "{e}"
        );
        let e = error("id,era,model,prediction\na,1,m,0.1\nb,1,n,0.2\n");
        assert!(
            e.contains("model 'm' has no prediction for id 'b' in era '1'"),
            "{e}"
        );
        let e = error("id,era,model,prediction\na,1,m,nan\n");
        assert!(e.contains("line 2") && e.contains("not a finite"), "{e}");
        let e = error("id,era,model\na,1,m\n");
        assert!(e.contains("no 'prediction' column"), "{e}");
        let e = error("id,era,prediction,x\na,1,0.1,0.2\n");
        assert!(e.contains("no 'model' column"), "{e}");
        let e = error("id,era,model,prediction,x\na,1,m,0.1,0.2\n");
        assert!(e.contains("column 'x'"), "{e}");
        let e = error("era,model,prediction\n1,m,0.1\n");
        assert!(e.contains("no 'id' column"), "{e}");
        let e = error("id,era,model,prediction\na,1,era,0.1\n");
        assert!(e.contains("'era' is a key column"), "{e}");
    }
}
