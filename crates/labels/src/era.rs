//! The one order of eras (and payout rounds) every command uses.
//!
//! Era labels come as zero-padded text ("0001"), bare integers (1, 2, ..., 12, read as
//! text "1", "12"), prefixed ("era12"), or as whole numbers written as floats ("12.0": a float
//! era column, or an integer column pandas wrote as floats because it held a NaN). Ordering
//! them as text puts "10" before "2", which scrambles every statistic that depends on order
//! (autocorrelation, drawdowns, smart Sharpe, compounding). So eras are ordered by the number
//! each label ends with when every label has one, and as text otherwise.

/// The number a label ends with, if any: "0575" → 575, "era12" → 12, " 7 " → 7, "12.0" → 12.
pub fn era_number(label: &str) -> Option<u64> {
    let t = label.trim();
    // "12.0" is era 12, not era 0: without this, eras 1.0 to 12.0 would all be 0 and fall
    // back to text order, 10.0 before 2.0.
    let t = match t.trim_end_matches('0').strip_suffix('.') {
        Some(whole)
            if t.len() > whole.len() + 1 && whole.ends_with(|c: char| c.is_ascii_digit()) =>
        {
            whole
        }
        _ => t,
    };
    let digits = t.len() - t.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    t[t.len() - digits..].parse().ok()
}

/// Indices that put `labels` in era order: by trailing number when every label has one (equal
/// numbers by text, so "0575" and "575" keep a fixed order), by text otherwise. Stable.
pub fn era_order<S: AsRef<str>>(labels: &[S]) -> Vec<usize> {
    let numbers: Option<Vec<u64>> = labels.iter().map(|l| era_number(l.as_ref())).collect();
    let mut idx: Vec<usize> = (0..labels.len()).collect();
    match numbers {
        Some(n) => idx.sort_by(|&a, &b| {
            n[a].cmp(&n[b])
                .then_with(|| labels[a].as_ref().cmp(labels[b].as_ref()))
        }),
        None => idx.sort_by(|&a, &b| labels[a].as_ref().cmp(labels[b].as_ref())),
    }
    idx
}

/// Why a set of round labels cannot be ordered as rounds, naming the label(s) at fault, or
/// `None` when it can. A round is a whole number (however written: "5", "0005", "era5",
/// "5.0"), so a label written as a negative or fractional number ("-3", "1.5") has no
/// place in [`era_order`], which would read its last digits (3, 5); and when the labels are
/// ordered by number, two labels of one number ("5" and "era5") would be counted as two
/// rounds of one.
pub fn round_labels_problem<S: AsRef<str>>(labels: &[S]) -> Option<String> {
    for l in labels {
        let t = l.as_ref().trim();
        if let Ok(x) = t.parse::<f64>() {
            if x < 0.0 || x.fract() != 0.0 {
                return Some(format!(
                    "round '{t}' is not a round number (rounds are whole numbers >= 0, or \
                     labels such as 'era5')"
                ));
            }
        }
    }
    let numbers: Option<Vec<u64>> = labels.iter().map(|l| era_number(l.as_ref())).collect();
    let numbers = numbers?;
    let mut first: std::collections::HashMap<u64, &str> =
        std::collections::HashMap::with_capacity(labels.len());
    for (l, n) in labels.iter().zip(numbers) {
        let t = l.as_ref().trim();
        match first.get(&n) {
            Some(&other) if other != t => {
                return Some(format!(
                    "rounds '{other}' and '{t}' are both round {n}: write every round one way"
                ))
            }
            Some(_) => {}
            None => {
                first.insert(n, t);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn era_numbers() {
        assert_eq!(era_number("0575"), Some(575));
        assert_eq!(era_number(" era12 "), Some(12));
        assert_eq!(era_number("era"), None);
        assert_eq!(era_number(""), None);
        assert_eq!(era_number("12.0"), Some(12));
        assert_eq!(era_number("era12.00"), Some(12));
        assert_eq!(era_number("10"), Some(10));
        assert_eq!(era_number("0.0"), Some(0));
        assert_eq!(era_number("12."), None);
        // Too long for u64: no number, so the labels order as text.
        assert_eq!(era_number("99999999999999999999999"), None);
    }

    #[test]
    fn integers_order_as_numbers_and_mixed_labels_as_text() {
        let ints: Vec<String> = (1..=12).map(|i| i.to_string()).collect();
        assert_eq!(era_order(&ints), (0..12).collect::<Vec<_>>());
        assert_eq!(era_order(&["era10", "era9", "era100"]), vec![1, 0, 2]);
        assert_eq!(era_order(&["b", "a10", "a9"]), vec![1, 2, 0]);
        assert_eq!(era_order(&["575", "0575", "574"]), vec![2, 1, 0]);
        assert!(era_order::<String>(&[]).is_empty());
        // Regression: whole numbers written as floats ordered as text (10.0 before 2.0).
        let floats: Vec<String> = (1..=12).map(|i| format!("{i}.0")).collect();
        assert_eq!(era_order(&floats), (0..12).collect::<Vec<_>>());
    }

    #[test]
    fn round_labels_of_one_round_or_not_whole_are_refused() {
        assert_eq!(round_labels_problem(&["1", "2", "12"]), None);
        assert_eq!(round_labels_problem(&["era1", "era2"]), None);
        assert_eq!(round_labels_problem(&["0001", "0002"]), None);
        assert_eq!(round_labels_problem(&["1.0", "12.0", "1.0"]), None);
        assert_eq!(round_labels_problem(&["a", "5", "era5"]), None);
        assert_eq!(
            round_labels_problem(&["4", "5", "era5"]).as_deref(),
            Some("rounds '5' and 'era5' are both round 5: write every round one way")
        );
        for bad in ["-3", "1.5"] {
            let msg = round_labels_problem(&["1", bad]).unwrap();
            assert!(
                msg.starts_with(&format!("round '{bad}' is not a round number")),
                "{msg}"
            );
        }
    }
}
