"""New provision is only ever proposed inside the study area, though neighbouring supply counts as existing."""

from __future__ import annotations

import pytest

from gapmap import Study
from gapmap.engine.candidates import outside_study_area, school_candidates
from gapmap.scenario import each_site


@pytest.fixture(scope="module")
def default_inputs():
    """The default North East inputs: GIAS 2025 with the 10-mile neighbouring-supply buffer."""
    return Study.load("north-east").inputs


def test_the_default_has_neighbouring_supply_but_no_candidate_from_it(default_inputs):
    provision = default_inputs.provision
    outside = outside_study_area(provision)
    assert outside.any(), "the default build counts schools near the CA as existing supply"
    study_las = set(default_inputs.las["la_gss"].astype(str))
    assert not set(provision.loc[outside, "la_gss"].astype(str)) & study_las
    for kind in ("special", "ap"):
        hosts = school_candidates(provision, kind)
        assert len(hosts) and set(hosts["la_gss"]) <= study_las
        assert not set(hosts.index) & set(provision.loc[outside, "provision_id"].astype(str))


def test_each_site_hosts_only_schools_in_the_area(default_inputs):
    study = Study.load("north-east")
    provision = default_inputs.provision
    inside = provision[(provision["kind"] == "mainstream_secondary") & ~outside_study_area(provision)]
    runs = each_site(study.scenario("sites"), kind="special", places=40, at="mainstream_secondary")
    assert [s.name for s in runs] == [f"special at URN {u}" for u in inside["provision_id"]]
