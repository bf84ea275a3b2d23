//! Numerai's `features.json`: `{"feature_sets": {NAME: [column, ...]}}`.

use std::path::Path;

use crate::IoError;

/// The columns of feature set `name` in the features.json at `path`.
pub fn read_feature_set(path: &Path, name: &str) -> Result<Vec<String>, IoError> {
    let text = std::fs::read_to_string(path).map_err(|e| IoError::file(path, e))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| IoError::invalid(path, format!("not valid JSON: {e}")))?;
    let sets = json
        .get("feature_sets")
        .and_then(|v| v.as_object())
        .ok_or_else(|| IoError::invalid(path, "no \"feature_sets\" object"))?;
    let set = sets.get(name).ok_or_else(|| {
        let names: Vec<&str> = sets.keys().map(|k| k.as_str()).collect();
        IoError::invalid(
            path,
            format!("no feature set '{name}' (available: {})", names.join(", ")),
        )
    })?;
    let list = set
        .as_array()
        .ok_or_else(|| IoError::invalid(path, format!("feature set '{name}' is not a list")))?;
    list.iter()
        .map(|v| {
            v.as_str().map(str::to_string).ok_or_else(|| {
                IoError::invalid(path, format!("feature set '{name}' holds a non-string {v}"))
            })
        })
        .collect()
}
