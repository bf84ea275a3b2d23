"""Hostile inputs to the Python front end: each is refused with an ``erascore.exceptions``
class naming the keyword argument (and the column, row or key), never a raw conversion
error from pandas, pyarrow or the binding."""

import numpy as np
import pandas as pd
import pytest

import erascore
from erascore.exceptions import ArgumentError, ArgumentTypeError, DataError

from test_frames import EXAMPLE


def _scores() -> pd.DataFrame:
    return pd.DataFrame(
        {"model": ["a"] * 4, "round": [1, 2, 3, 4], "corr": [0.01, -0.02, 0.03, 0.0],
         "mmc": [0.0, 0.01, -0.01, 0.02]}
    )


def test_ids_of_mixed_types_name_the_argument_and_column():
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet")
    preds["id"] = preds["id"].astype(object)
    preds.loc[0, "id"] = 5
    with pytest.raises(DataError, match=r"^predictions: Conversion failed for column id"):
        erascore.score(EXAMPLE / "data.parquet", preds)


def test_payout_text_scores_name_the_column_and_row():
    scores = _scores().astype({"corr": object})
    scores.loc[2, "corr"] = "x"
    with pytest.raises(DataError, match=r"scores=: column 'corr' is not numeric: 'x' in row 2 "
                       r"\(model 'a', round '3'\)"):
        erascore.payout(scores, stake=100, rule="2024")


def test_payout_unknown_rule_names_the_argument():
    with pytest.raises(ArgumentError, match=r"^rule=: unknown payout rule 'weekly'"):
        erascore.payout(_scores(), stake=100, rule="weekly")


def test_compare_one_configuration_dict_not_in_a_list():
    with pytest.raises(ArgumentTypeError, match=r"configs=: .* keys 'name', 'rule'; a single"):
        erascore.compare(EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet",
                         EXAMPLE / "stakes.csv", {"name": "a", "rule": "2024"})


def test_payout_numeric_object_scores_still_pay():
    # The check costs nothing on a numeric column held as objects: same numbers.
    want = erascore.payout(_scores(), stake=100, rule="2024")
    got = erascore.payout(_scores().astype({"corr": object}), stake=100, rule="2024")
    pd.testing.assert_frame_equal(got.trajectory, want.trajectory, check_exact=True)


def test_neutralize_proportion_out_of_range_names_the_argument():
    with pytest.raises(ArgumentError, match=r"^proportion=: must be a number in \[0, 1\], got 2"):
        erascore.neutralize(EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", proportion=2)


def test_compare_unknown_configuration_key_names_the_argument_once():
    configs = [{"name": "a", "rule": "2024", "bogus": 1}, {"name": "b", "rule": "2024"}]
    with pytest.raises(ArgumentError, match=r"^configs=: configuration #1 \('a'\): unknown field `bogus`, expected one of `name`"):
        erascore.compare(EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet",
                         EXAMPLE / "stakes.csv", configs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(stake=-1.0), r"^stake=: must be a finite number >= 0, got -1.0"),
        (dict(stake=float("nan")), r"^stake=: must be a finite number >= 0, got nan"),
        (dict(stakes={"a": -1.0}), r"^stakes=: stake -1 of model 'a' must be a finite number"),
        (dict(stake=1.0, model_col="who"), r"^model_col=: scores= has no column 'who'"),
        (dict(stake=1.0, target="t"), r"^target=: given, but scores= has no 'target' column"),
        (dict(stakes=pd.DataFrame({"model": ["a", "a"], "stake": [1.0, 2.0]})),
         r"^stakes=: model 'a' appears more than once"),
    ],
)
def test_payout_stake_and_column_errors_name_the_argument(kwargs, match):
    with pytest.raises(ArgumentError, match=match):
        erascore.payout(_scores(), **kwargs)


def test_payout_data_errors_name_the_model_once_and_the_argument():
    scores = _scores()
    scores.loc[2, "corr"] = np.inf
    with pytest.raises(DataError) as e:
        erascore.payout(scores, stake=1.0)
    assert str(e.value).count("model 'a'") == 1, str(e.value)
    with pytest.raises(DataError, match=r"^scores=: no score rows"):
        erascore.payout(_scores().iloc[:0], stake=1.0)


def test_payout_rounds_written_as_floats_compound_in_number_order():
    # Regression: "1.0" .. "12.0" (an integer round column pandas made float) ordered as
    # text, 10.0 before 2.0, so the stake compounded in the wrong order.
    scores = pd.DataFrame({"model": "a", "round": np.arange(1, 13),
                           "corr": [0.01 * ((r * 7) % 5 - 2) for r in range(1, 13)], "mmc": 0.0})
    want = erascore.payout(scores, stake=100).trajectory
    got = erascore.payout(scores.astype({"round": float}), stake=100).trajectory
    assert got["round"].tolist() == [f"{r}.0" for r in range(1, 13)]
    np.testing.assert_array_equal(got["stake"].to_numpy(), want["stake"].to_numpy())


@pytest.mark.parametrize("column, match", [
    ("round", r"model 'a' has a score row without a round \(empty or null\)"),
    ("model", r"round '3' has a score row without a model \(empty or null\)"),
])
def test_payout_row_without_a_round_or_model_is_refused(column, match):
    # Regression: the empty label was scored as a round (or a model) of its own.
    scores = _scores().astype({"round": str})
    scores.loc[2, column] = ""
    with pytest.raises(DataError, match=match):
        erascore.payout(scores, stake=100)


def _evaluator_inputs():
    data = pd.read_parquet(EXAMPLE / "data.parquet")
    data = data[data["era"] <= "0003"].reset_index(drop=True)
    preds = pd.Series(np.random.default_rng(0).random(len(data)), index=data["id"], name="m")
    return data, preds


def test_evaluator_refuses_nan_predictions_as_score_does():
    # Regression: a NaN was ranked among the era's values and gave a number.
    data, preds = _evaluator_inputs()
    values = preds.to_numpy().copy()
    values[3] = np.nan
    ev = erascore.Evaluator(data, metrics=["corr"])
    with pytest.raises(ArgumentError, match=r"^predictions=: model 'prediction' has NaN at row 3;"
                       r" predictions must be finite"):
        ev.score(values)


def test_evaluator_refuses_a_pandas_index_out_of_the_data_order():
    # Regression: a Series indexed by id was taken by position whatever its order, so
    # shuffled ids were scored against the wrong rows without a word.
    data, preds = _evaluator_inputs()
    ev = erascore.Evaluator(data, metrics=["corr"])
    want = ev.score(preds.to_numpy())["corr"].to_numpy()
    np.testing.assert_array_equal(ev.score(preds)["corr"].to_numpy(), want)
    shuffled = preds.sample(frac=1, random_state=1)
    with pytest.raises(ArgumentError, match=r"^predictions=: its index is neither 0..n-1 nor"):
        ev.score(shuffled)
    np.testing.assert_array_equal(
        ev.score(shuffled.reindex(data["id"]))["corr"].to_numpy(), want)
    with pytest.raises(DataError, match=r"^predictions=: model 'id' holds text, not numbers"):
        ev.score(preds.reset_index())


def test_payout_null_round_is_named_not_a_conversion_error():
    # Regression: TypeError "'float' object is not an instance of 'str'" from the binding.
    scores = _scores().astype({"round": float})
    scores.loc[2, "round"] = np.nan
    with pytest.raises(DataError, match=r"model 'a' has a score row without a round"):
        erascore.payout(scores, stake=100)


@pytest.mark.parametrize("kwargs, error, match", [
    # Regression: stakes= silently won over stake= (the CLI refuses --stake with --stakes).
    (dict(stake=1.0, stakes={"a": 2.0}), ArgumentError, r"^give stake= or stakes=, not both"),
    # Regression: KeyError 'stake'.
    (dict(stakes=pd.DataFrame({"model": ["a"], "amount": [1.0]})), ArgumentError,
     r"^stakes=: a DataFrame of stakes needs 'model' and 'stake' columns \(columns: model, amount\)"),
    # Regression: OverflowError from the binding's conversion.
    (dict(stake=1.0, resolve_lag=10**30), ArgumentError, r"^resolve_lag= must be at most 2\*\*64 - 1"),
    (dict(stake=1.0, bootstrap=10, block=2**64), ArgumentError, r"^block= must be at most 2\*\*64 - 1"),
])
def test_payout_argument_errors_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        erascore.payout(_scores(), **kwargs)


def test_repeated_column_names_name_the_argument_and_column():
    # Regression: pandas/pyarrow errors ("Duplicate column names found", "dimensionality
    # mismatch") that named no argument.
    data = pd.read_parquet(EXAMPLE / "data.parquet")
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet")
    twice = pd.concat([preds, preds[["model_0"]]], axis=1)
    with pytest.raises(DataError, match=r"^predictions: two columns are named 'model_0'$"):
        erascore.score(data, twice)
    scores = pd.concat([_scores(), _scores()[["corr"]]], axis=1)
    with pytest.raises(DataError, match=r"^scores=: two columns are named 'corr'$"):
        erascore.payout(scores, stake=1.0)
    # A column named in two roles is selected once, and the engine names the clash.
    with pytest.raises(DataError, match=r"column 'target' is asked for twice, as a feature and"
                       r" as a target"):
        erascore.score(data, preds, metrics=["fnc"], features=["target"])


def test_evaluator_of_no_rows_is_refused():
    # Regression: every call returned an empty table.
    data = pd.read_parquet(EXAMPLE / "data.parquet")
    with pytest.raises(DataError, match=r"^data: no rows to score$"):
        erascore.Evaluator(data.iloc[:0], metrics=["corr"])
    with pytest.raises(ArgumentError, match=r"^cache= must be at most 2\*\*64 - 1"):
        erascore.Evaluator(data, cache=2**64)


@pytest.mark.parametrize("where", ["predictions", "neutralizers"])
def test_dropin_neutralize_of_huge_finite_values_matches_numerai_tools(where):
    # Regression: values near 1e308 overflowed the kernel's products and every column came
    # back NaN (predictions) or wrong by 0.5 (neutralizers), where lstsq solves them.
    from numerai_tools import scoring as reference

    from erascore.numerai_tools import scoring

    rng = np.random.default_rng(0)
    ids = [f"id{i}" for i in range(40)]
    df = pd.DataFrame({"p": rng.random(40)}, index=ids)
    neutralizers = pd.DataFrame(rng.random((40, 3)), index=ids)
    (df if where == "predictions" else neutralizers).iloc[::3, 0] = 1e308
    want = reference.neutralize(df, neutralizers)
    got = scoring.neutralize(df, neutralizers)
    assert np.isfinite(got.to_numpy()).all()
    pd.testing.assert_frame_equal(got, want, rtol=1e-9)


def _text(frame: pd.DataFrame, column: str, dtype) -> pd.DataFrame:
    """``frame`` with ``column``'s numbers written as strings ("0.5"), of ``dtype``."""
    return frame.assign(**{column: frame[column].astype(str).astype(dtype)})


@pytest.mark.parametrize("dtype", [object, "string"])
def test_text_value_columns_are_refused_on_every_entry_point(tmp_path, dtype):
    # numerai-tools refuses a text prediction column; erascore does not guess numbers from
    # one: a pandas object or string column, or a parquet text column, is a DataError
    # naming the table, the column and its first id, for predictions and meta model alike.
    data = EXAMPLE / "data.parquet"
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet")
    meta = pd.read_parquet(EXAMPLE / "meta_model.parquet")
    first, value = preds["id"].iloc[0], str(preds["model_0"].iloc[0])
    text_preds = _text(preds, "model_0", dtype)
    message = rf"column 'model_0' holds text, not numbers \('{value}' for id '{first}'\)"
    with pytest.raises(DataError, match=message):
        erascore.score(data, text_preds, metrics=["corr"])
    with pytest.raises(DataError, match=message):
        erascore.diagnostics(data, text_preds)
    # The role is named: "the meta model's values", not "values".
    with pytest.raises(DataError, match=r"column 'numerai_meta_model' holds text, not numbers .*; "
                       r"the meta model's values must be stored as numbers"):
        erascore.score(data, preds, meta_model=_text(meta, "numerai_meta_model", dtype),
                       metrics=["corr", "mmc"])
    path = tmp_path / "text_preds.parquet"
    text_preds.to_parquet(path)
    with pytest.raises(DataError, match=r"text_preds.parquet: " + message):
        erascore.score(data, path, metrics=["corr"])
    with pytest.raises(DataError, match=message):
        erascore.compare(data, path, EXAMPLE / "stakes.csv", [{"name": "a", "rule": "2024"}])


def test_numbers_in_a_csv_file_are_numbers(tmp_path):
    # A CSV file's cells are text by nature: its numbers score as the parquet file's do.
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet")
    path = tmp_path / "preds.csv"
    preds.to_csv(path, index=False)
    want = erascore.score(EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", metrics=["corr"])
    pd.testing.assert_frame_equal(erascore.score(EXAMPLE / "data.parquet", path, metrics=["corr"]), want)


def test_neutralize_model_the_predictions_lack_is_a_data_error():
    # Regression: a missing column was an ArgumentError (CLI exit 2); score's missing
    # `models=` column is a DataError, as docs/errors.md says.
    with pytest.raises(DataError, match="^model=: 'zz' is not a prediction column"):
        erascore.neutralize(
            EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", submission=True, model="zz"
        )


def test_an_in_memory_frame_names_rows_not_lines():
    # Regression: an empty id in a DataFrame was placed at "line 3", as if it were a CSV file.
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet")
    preds.loc[1, "id"] = ""
    with pytest.raises(DataError, match=r"^predictions: row 1 has no id \(empty or null\)"):
        erascore.score(EXAMPLE / "data.parquet", preds, metrics=["corr"])


@pytest.mark.parametrize(
    "rounds, match",
    [
        (["4", "5", "era5"], r"^scores=: rounds '5' and 'era5' are both round 5"),
        ([1, -3, 2], r"^scores=: round '-3' is not a round number"),
        ([1, 1.5, 2], r"^scores=: round '1.5' is not a round number"),
    ],
)
def test_payout_round_labels_of_one_round_negative_or_fractional_are_refused(rounds, match):
    # Regression: "5" and "era5" were two rounds, -3 sorted as 3 and 1.5 as 5.
    scores = pd.DataFrame({"model": "a", "round": rounds, "corr": 0.01, "mmc": 0.0})
    with pytest.raises(DataError, match=match):
        erascore.payout(scores, stake=100, rule="2024")
