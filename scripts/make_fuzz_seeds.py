#!/usr/bin/env python3
"""Seed corpora for the cargo-fuzz targets in fuzz/ (see docs/fuzzing.md).

Small slices of the committed fixtures, re-written with pyarrow in every compression,
encoding and dtype a user's pandas or polars might produce (dictionary columns, nulls,
several row groups, data page v2, float32, large_string and string_view), plus CSV, JSON and
flag-value seeds. The seeds are small on purpose: libFuzzer mutates whole inputs, and a
100 KB seed makes every execution slow.

    /work/venv-ref/bin/python scripts/make_fuzz_seeds.py            # writes fuzz/corpus/<target>/

Needs pyarrow (the reference environment has it). The output is not committed: it is
regenerated from the fixtures; only minimised, interesting inputs go to fixtures/fuzz/.
"""

from __future__ import annotations

import io
import pathlib
import struct

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
OUT = ROOT / "fuzz" / "corpus"

COMPRESSIONS = ["NONE", "SNAPPY", "ZSTD", "LZ4", "GZIP", "BROTLI"]


def parquet_bytes(table: pa.Table, **kw) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **kw)
    return sink.getvalue()


def write(target: str, name: str, data: bytes) -> None:
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def slice_table(path: pathlib.Path, rows: int, columns: int) -> pa.Table:
    t = pq.read_table(path)
    return t.select(t.column_names[:columns]).slice(0, rows)


def dataset_seeds() -> None:
    # id, era, data_type, 4 int8 features and the targets, 12 rows over 3 eras.
    t = pq.read_table(FIXTURES / "example" / "data.parquet")
    features = [c for c in t.column_names if c.startswith("feature_")][:4]
    targets = [c for c in t.column_names if c.startswith("target")][:2]
    t = t.select(["id", "era", "data_type"] + features + targets)
    eras = sorted(set(t.column("era").to_pylist()))[:3]
    keep = [i for i, e in enumerate(t.column("era").to_pylist()) if e in eras]
    rows = []
    for e in eras:
        rows += [i for i in keep if t.column("era")[i].as_py() == e][:4]
    t = t.take(rows)
    for c in COMPRESSIONS:
        write("dataset", f"data_{c.lower()}.parquet", parquet_bytes(t, compression=c))
    write("dataset", "data_dict_v2_groups.parquet",
          parquet_bytes(t, compression="SNAPPY", use_dictionary=True,
                        data_page_version="2.0", row_group_size=5))
    write("dataset", "data_plain.parquet",
          parquet_bytes(t, compression="NONE", use_dictionary=False))
    # float features (older releases: 0, .25, ...), float32 targets with nulls, large_string ids.
    f = t
    for name in features:
        i = f.column_names.index(name)
        f = f.set_column(i, name, pa.compute.divide(f.column(name).cast(pa.float64()), 4.0))
    for name in targets:
        i = f.column_names.index(name)
        vals = f.column(name).cast(pa.float32()).to_pylist()
        vals[1] = None
        f = f.set_column(i, name, pa.array(vals, pa.float32()))
    f = f.set_column(0, "id", f.column("id").cast(pa.large_string()))
    write("dataset", "data_float_features.parquet", parquet_bytes(f, compression="ZSTD"))
    # era as a dictionary column (pandas categoricals), id as string_view.
    d = t.set_column(1, "era", pa.compute.dictionary_encode(t.column("era")))
    write("dataset", "data_categorical_era.parquet", parquet_bytes(d))
    v = t.set_column(0, "id", t.column("id").cast(pa.string_view()))
    write("dataset", "data_string_view.parquet", parquet_bytes(v, compression="LZ4"))
    # Null ids and eras.
    n = t.set_column(0, "id", pa.array([None] + t.column("id").to_pylist()[1:], pa.string()))
    write("dataset", "data_null_id.parquet", parquet_bytes(n))
    write("dataset", "data_empty.parquet", parquet_bytes(t.slice(0, 0)))


def frame_parquet_seeds() -> None:
    for name, path in [
        ("predictions", FIXTURES / "example" / "predictions.parquet"),
        ("meta_model", FIXTURES / "example" / "meta_model.parquet"),
        ("benchmark", FIXTURES / "diagnostics" / "benchmark.parquet"),
    ]:
        t = slice_table(path, 8, 4)
        write("frame_parquet", f"{name}.parquet", parquet_bytes(t))
    t = slice_table(FIXTURES / "example" / "predictions.parquet", 8, 3)
    for c in COMPRESSIONS:
        write("frame_parquet", f"predictions_{c.lower()}.parquet",
              parquet_bytes(t, compression=c))
    vals = t.column("model_0").to_pylist()
    vals[2] = None
    f32 = pa.table({
        "id": pa.compute.dictionary_encode(t.column("id")),
        "model_0": pa.array(vals, pa.float32()),
        "model_i": pa.array(range(8), pa.int64()),
        "flag": pa.array([True, False] * 4),
    })
    write("frame_parquet", "predictions_dict_f32_nulls.parquet",
          parquet_bytes(f32, data_page_version="2.0", row_group_size=3))
    write("frame_parquet", "predictions_plain_groups.parquet",
          parquet_bytes(t, use_dictionary=False, row_group_size=2))


def head_lines(path: pathlib.Path, n: int) -> bytes:
    return b"".join(path.read_bytes().splitlines(keepends=True)[:n])


def csv_seeds() -> None:
    write("frame_csv", "predictions.csv", head_lines(FIXTURES / "score" / "predictions.csv", 8))
    write("frame_csv", "per_era.csv",
          head_lines(FIXTURES / "diagnostics" / "expected_per_era.csv", 5))
    write("frame_csv", "stakes.csv", (FIXTURES / "example" / "stakes.csv").read_bytes())
    # pandas to_csv() with its unnamed index, quoting, CRLF, a BOM, NaN spellings.
    write("frame_csv", "pandas_index.csv", b",id,prediction\n0,a,0.5\n1,b,0.25\n")
    write("frame_csv", "quoted_crlf.csv",
          b'\xef\xbb\xbfid,"pred, quoted"\r\n"a""x",1e-310\r\nb,NaN\r\nc,\r\nd,-inf\r\n')
    write("frame_csv", "utf8.csv", "id,prédiction\nñ,0.1\n漢,NA\n".encode())
    pred = pq.read_table(FIXTURES / "example" / "predictions.parquet").slice(0, 6)
    sink = io.BytesIO()
    pacsv.write_csv(pred, sink)
    write("frame_csv", "predictions_pyarrow.csv", sink.getvalue())


def json_seeds() -> None:
    for sub in ["example", "diagnostics"]:
        write("features_json", f"features_{sub}.json",
              (FIXTURES / sub / "features.json").read_bytes())
    write("features_json", "sets.json",
          b'{"feature_sets": {"small": ["feature_0000"], "medium": [], "all": ["a", 1]},'
          b' "targets": ["target"]}')
    write("features_json", "nested.json", b'{"feature_sets": {"all": [[["x"]]], "": {}}}')


def stakes_seeds() -> None:
    write("stakes", "stakes.csv", (FIXTURES / "example" / "stakes.csv").read_bytes())
    write("stakes", "zero_and_nan.csv", b"model,stake\na,0\nb,nan\nc,1e308\n")
    write("stakes", "reordered.csv", b"stake,model,extra\n10,m,x\n-1,n,y\n")


def payout_seeds() -> None:
    write("payout_scores", "scores.csv",
          b"round,model,corr,mmc\n575,a,0.01,0.002\n576,a,-0.02,0.001\n575,b,0.03,\n"
          b"576,b,0.0,-0.01\n577,a,nan,0.0\n")
    write("payout_scores", "per_era.csv",
          head_lines(FIXTURES / "diagnostics" / "expected_per_era.csv", 7))
    write("payout_scores", "eras_factor.csv",
          b"era,corr,payout_factor\nera1,0.1,0.5\nera2,-0.2,1\nera10,0.05,0.25\n")


def cli_seeds() -> None:
    for i, s in enumerate([b"corr,corr_tb200,mmc,mmc_tb50,bmc,fnc,spearman,pearson,fexp_max",
                           b" corr , ,corr_with_example"]):
        write("cli_values", f"metrics{i}", b"\x00" + s)
    for i, s in enumerate([b"weekly-2021", b"DAILY-2023 ", b"2024", b"custom"]):
        write("cli_values", f"rule{i}", b"\x01" + s)
    floats = [1.0, 0.5, 0.25, 4.0, 72000.0, 1000.0, 1.0, 0.01, -0.02, 0.03]
    write("cli_values", "payout_numbers",
          b"\x02" + b"".join(struct.pack("<d", x) for x in floats))
    write("cli_values", "rounds", b"\x030575,575,era12,era2,12 ,x")


def main() -> None:
    dataset_seeds()
    frame_parquet_seeds()
    csv_seeds()
    json_seeds()
    stakes_seeds()
    payout_seeds()
    cli_seeds()
    for d in sorted(OUT.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
