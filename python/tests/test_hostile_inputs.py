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
    with pytest.raises(DataError, match=r"column 'numerai_meta_model' holds text, not numbers"):
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
