"""The data dictionary (``tables/README.md``) defines every column of every table a build writes."""

from __future__ import annotations

import csv


def test_data_dictionary_defines_every_column_of_every_written_table(ne_build):
    folder = ne_build / "tables"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "not defined" not in readme
    written = sorted(folder.glob("*.csv"))
    assert {p.stem for p in written} >= {"lsoa", "provision", "la_summary", "ca_summary", "need_access", "flows",
                                          "clusters", "opportunities", "excluded"}
    for path in written:
        assert f"## {path.name} " in readme or f"## {path.name}:" in readme, path.name
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        section = readme.split(f"## {path.name}", 1)[1].split("\n## ", 1)[0]
        missing = [column for column in header if f"| `{column}` |" not in section]
        assert not missing, (path.name, missing)
