"""The data dictionary (``tables/README.md``) defines every column of every table a build writes."""

from __future__ import annotations

import csv


def test_data_dictionary_defines_every_column_of_every_written_table(ne_build):
    folder = ne_build / "tables"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "not defined" not in readme
    written = sorted(folder.glob("*.csv"))
    assert {p.stem for p in written} >= {"lsoa", "provision", "la_summary", "ca_summary", "flows",
                                          "clusters", "opportunities", "excluded"}
    for path in written:
        assert f"## {path.name} " in readme or f"## {path.name}:" in readme, path.name
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        section = readme.split(f"## {path.name}", 1)[1].split("\n## ", 1)[0]
        missing = [column for column in header if f"| `{column}` |" not in section]
        assert not missing, (path.name, missing)


def test_the_need_table_is_parquet_with_every_column_defined(ne_build, ne_results):
    import pandas as pd

    path = ne_build / "tables" / "need_access.parquet"
    table = pd.read_parquet(path)
    pd.testing.assert_frame_equal(table, ne_results.need_access.reset_index(drop=True))
    readme = (ne_build / "tables" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## need_access.parquet", 1)[1].split("\n## ", 1)[0]
    assert not [column for column in table.columns if f"| `{column}` |" not in section]
    assert not (ne_build / "tables" / "need_access.csv").exists()
