"""gapmap.Study: loading, the cached baseline, and the entry points to scenarios."""

from __future__ import annotations

import pandas as pd
import pytest

import gapmap
from gapmap import Study
from gapmap.engine import analyse
from gapmap.errors import DataFileError, UnknownAreaError
from gapmap.settings import Settings
from gapmap.sources.embedded import embedded_path, load_embedded


def test_load_runs_the_same_analysis_as_the_engine(ne_inputs):
    study = Study.load("north-east")
    assert study.inputs.name == ne_inputs.name and len(study.inputs.lsoas) == len(ne_inputs.lsoas)
    result = study.run()
    assert result is study.run()  # computed once
    assert result.name == "baseline" and result.edits == ()
    pd.testing.assert_frame_equal(result.la_summary, analyse(load_embedded("north-east")).la_summary)


def test_load_reads_a_geopackage_and_takes_settings():
    study = Study.load(path=embedded_path("north-east"), settings=Settings(kinds=("ap",)))
    assert study.settings.kinds == ("ap",)
    assert list(study.run().headline().columns) == ["Local authority", "Children 0-15",
                                                    "> 3 mi from alternative provision"]


def test_unknown_area_and_missing_file_give_one_sentence(tmp_path):
    with pytest.raises(UnknownAreaError, match="No embedded study area called 'atlantis'"):
        Study.load("atlantis")
    with pytest.raises(DataFileError, match="is missing"):
        Study.load(path=tmp_path / "none.gpkg")


def test_live_passes_the_area_to_the_live_loader(monkeypatch, ne_inputs):
    calls = []

    def fake_load_live(ca, la, *, cache_dir, offline):
        calls.append((ca, la, cache_dir, offline))
        return ne_inputs

    monkeypatch.setattr("gapmap.sources.live.load_live", fake_load_live)
    study = Study.live(ca="E47000014", offline=True)
    assert calls == [("E47000014", None, None, True)] and study.inputs is ne_inputs


def test_study_is_exported_and_runs_like_analyse(ne_inputs):
    assert gapmap.Study is Study and "Study" in gapmap.__all__
    study = Study(inputs=ne_inputs, settings=Settings(kinds=("special",)))
    pd.testing.assert_frame_equal(study.run().lsoa, analyse(ne_inputs, study.settings).lsoa)
    with pytest.raises(AttributeError):
        gapmap.Castle  # noqa: B018
