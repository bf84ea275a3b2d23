#!/usr/bin/env python3
"""Hand-made submissions and numerai-tools 0.7.2's verdicts on them, for `erascore validate`.

Writes fixtures/validate/: one CSV per case (classic_*, signals_*, crypto_*), the live ids
of each tournament (live_classic.csv, live_signals.csv, live_crypto.csv), and verdicts.json:
per case whether `validate_submission_numerai` / `_signals` / `_crypto` accepted the file as
pandas reads it (`pd.read_csv`), the message when it did not, and for accepted files what
`clean_submission(..., rank_and_fill=True)` returns. Run from the repository root:

    /work/venv-ref/bin/python scripts/make_validate_fixtures.py

crates/cli/tests/cli/validate.rs runs the binary on every case and compares.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

import numpy as np
import pandas as pd

from numerai_tools import submissions as ns

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "validate")
rng = np.random.default_rng(20251103)


def write_csv(name: str, text: str) -> None:
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)


def table(header: List[str], rows: List[List[Any]]) -> str:
    lines = [",".join(header)]
    for r in rows:
        lines.append(",".join("" if v is None else str(v) for v in r))
    return "\n".join(lines) + "\n"


def values(n: int) -> List[float]:
    return [round(float(v), 6) for v in rng.uniform(0.01, 0.99, n)]


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    cases: Dict[str, List[str]] = {}

    # ---------------- classic: 10 live ids ----------------
    live_c = [f"n{i:03d}" for i in range(10)]
    write_csv("live_classic.csv", table(["id"], [[i] for i in live_c]))
    v = values(10)
    c = {
        "valid": table(["id", "prediction"], [[i, x] for i, x in zip(live_c, v)]),
        "probability": table(["id", "probability"], [[i, x] for i, x in zip(live_c, v)]),
        "bad_header": table(["id", "pred"], [[i, x] for i, x in zip(live_c, v)]),
        "extra_column": table(["id", "prediction", "era"], [[i, x, 1] for i, x in zip(live_c, v)]),
        "swapped_columns": table(["prediction", "id"], [[x, i] for i, x in zip(live_c, v)]),
        "nan_value": table(["id", "prediction"], [[i, None if k == 3 else x] for k, (i, x) in enumerate(zip(live_c, v))]),
        "out_of_range": table(["id", "prediction"], [[i, 1.2 if k == 5 else x] for k, (i, x) in enumerate(zip(live_c, v))]),
        "negative": table(["id", "prediction"], [[i, -1e-6 if k == 0 else x] for k, (i, x) in enumerate(zip(live_c, v))]),
        "tiny_negative": table(["id", "prediction"], [[i, -5e-9 if k == 0 else x] for k, (i, x) in enumerate(zip(live_c, v))]),
        "just_above_one": table(["id", "prediction"], [[i, 1.000005 if k == 0 else x] for k, (i, x) in enumerate(zip(live_c, v))]),
        "above_one_tol": table(["id", "prediction"], [[i, 1.00002 if k == 0 else x] for k, (i, x) in enumerate(zip(live_c, v))]),
        "duplicate_live": table(["id", "prediction"], [[i, x] for i, x in zip(live_c, v)] + [[live_c[2], 0.5]]),
        "duplicate_not_live": table(["id", "prediction"], [[i, x] for i, x in zip(live_c, v)] + [["zzz", 0.5], ["zzz", 0.4]]),
        "missing_live": table(["id", "prediction"], [[i, x] for i, x in zip(live_c[1:], v[1:])]),
        "extra_not_live": table(["id", "prediction"], [[i, x] for i, x in zip(live_c, v)] + [["other", 7.0]]),
        "missing_id": table(["id", "prediction"], [[i, x] for i, x in zip(live_c, v)] + [[None, 0.5]]),
        "constant": table(["id", "prediction"], [[i, 0.5] for i in live_c]),
        "not_a_number": table(["id", "prediction"], [[i, "abc" if k == 4 else x] for k, (i, x) in enumerate(zip(live_c, v))]),
        "ties": table(["id", "prediction"], [[i, [0.2, 0.5, 0.5, 0.8][k % 4]] for k, i in enumerate(live_c)]),
    }
    for k, text in c.items():
        write_csv(f"classic_{k}.csv", text)
        cases[f"classic_{k}"] = ["classic"]

    # ---------------- signals: 120 live tickers ----------------
    live_s = [f"T{i:03d} US" for i in range(120)]
    write_csv("live_signals.csv", table(["numerai_ticker", "weight"], [[t, 1.0] for t in live_s]))
    v = values(120)
    sub = [[t, x] for t, x in zip(live_s[:110], v[:110])]
    s = {
        "valid": table(["numerai_ticker", "signal"], sub),
        "with_date_and_data_type": table(
            ["numerai_ticker", "friday_date", "signal", "data_type"],
            [[t, "20250103", x, "live"] for t, x in sub],
        ),
        "date_first": table(["date", "numerai_ticker", "prediction"], [["2025-01-03", t, x] for t, x in sub]),
        "two_dates": table(["numerai_ticker", "date", "friday_date", "signal"], [[t, "d", "f", x] for t, x in sub]),
        "too_few": table(["numerai_ticker", "signal"], sub[:99]),
        "enough_with_extras": table(["numerai_ticker", "signal"], sub[:100] + [["XYZ", 5.0]]),
        "wrong_id": table(["symbol", "signal"], sub),
        "duplicate": table(["numerai_ticker", "signal"], sub + [[live_s[0], 0.3]]),
        "nan_signal": table(["numerai_ticker", "signal"], sub[:-1] + [[sub[-1][0], None]]),
    }
    for k, text in s.items():
        write_csv(f"signals_{k}.csv", text)
        cases[f"signals_{k}"] = ["signals"]

    # ---------------- crypto: 105 live symbols ----------------
    live_k = [f"C{i:03d}" for i in range(105)]
    write_csv("live_crypto.csv", table(["symbol"], [[t] for t in live_k]))
    v = values(105)
    k_sub = [[t, x] for t, x in zip(live_k, v)]
    k = {
        "valid": table(["symbol", "signal"], k_sub),
        "ticker_header": table(["ticker", "signal"], k_sub),
        "too_few": table(["symbol", "prediction"], k_sub[:99]),
        "out_of_range": table(["symbol", "signal"], k_sub[:-1] + [[k_sub[-1][0], -0.5]]),
    }
    for name, text in k.items():
        write_csv(f"crypto_{name}.csv", text)
        cases[f"crypto_{name}"] = ["crypto"]

    verdicts = {}
    for name, (tournament,) in sorted(cases.items()):
        sub_df = pd.read_csv(os.path.join(OUT, f"{name}.csv"))
        live = pd.read_csv(os.path.join(OUT, f"live_{tournament}.csv"))
        record: Dict[str, Any] = {"tournament": tournament}
        try:
            if tournament == "classic":
                id_col, sig_col, _, _ = ns.validate_submission_numerai(live["id"], sub_df.copy())
            elif tournament == "signals":
                id_col, sig_col, _, _, _ = ns.validate_submission_signals(live, sub_df.copy())
            else:
                id_col, sig_col, _, _ = ns.validate_submission_crypto(live, sub_df.copy())
            record["valid"] = True
            clean_input = sub_df.drop(columns=[c for c in sub_df.columns if c not in (id_col, sig_col)])
            cleaned = ns.clean_submission(live[[id_col]], clean_input, id_col, sig_col, rank_and_fill=True)
            record["clean_ids"] = [str(i) for i in cleaned.index]
            record["clean_values"] = [float(x) for x in cleaned.values]
        except Exception as e:  # assertion or pandas error: numerai-tools refuses the file
            record["valid"] = False
            record["error"] = f"{type(e).__name__}: {e}"
        verdicts[name] = record
    with open(os.path.join(OUT, "verdicts.json"), "w") as f:
        json.dump(verdicts, f, indent=1, sort_keys=True)
        f.write("\n")
    for name, r in sorted(verdicts.items()):
        print(f"{name:40s} {'valid' if r['valid'] else 'INVALID ' + r['error'][:70]}")


if __name__ == "__main__":
    main()
