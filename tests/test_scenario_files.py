"""Scenario files: YAML and TOML describe the same edits; bad files give line-numbered errors."""

from __future__ import annotations

import re
import textwrap

import pytest

from gapmap import Study
from gapmap.errors import InputError
from gapmap.scenario import read_scenario_file

YAML = """\
name: New ASD unit
area: north-east
description: A 40-place ASD unit at Hermitage Academy; the North Tyneside PRU closes.
edits:
  - add_provision: {urn: 147531, kind: special, places: 40, needs: [ASD], ages: [11, 16]}
  - close: {urn: 108565}
  - expand:
      urn: 108666
      places: +20
  - scale_population: {la: Northumberland, factor: 1.05}
  - set_threshold: {kind: ap, miles: 5}
"""

TOML = """\
name = "New ASD unit"
area = "north-east"
description = "A 40-place ASD unit at Hermitage Academy; the North Tyneside PRU closes."

[[edits]]
add_provision = { urn = 147531, kind = "special", places = 40, needs = ["ASD"], ages = [11, 16] }

[[edits]]
close = { urn = "108565" }

[[edits]]
[edits.expand]
urn = 108666
places = 20

[[edits]]
scale_population = { la = "Northumberland", factor = 1.05 }

[[edits]]
set_threshold = { kind = "ap", miles = 5 }
"""


@pytest.fixture(scope="module")
def study(ne_inputs):
    return Study(inputs=ne_inputs)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_yaml_and_toml_give_the_same_scenario_as_python(tmp_path, study):
    from_yaml = read_scenario_file(_write(tmp_path, "s.yaml", YAML)).scenario(study)
    from_toml = read_scenario_file(_write(tmp_path, "s.toml", TOML)).scenario(study)
    by_hand = (
        study.scenario("New ASD unit")
        .add_provision(urn=147531, kind="special", places=40, needs=["ASD"], ages=(11, 16))
        .close(urn=108565)
        .expand(urn=108666, places=20)
        .scale_population(la="Northumberland", factor=1.05)
        .set_threshold(kind="ap", miles=5)
    )
    assert from_yaml.edits == from_toml.edits == by_hand.edits
    assert from_yaml.name == from_toml.name == "New ASD unit"
    assert "Hermitage" in from_yaml.description
    assert study.scenario_from_file(tmp_path / "s.yaml").edits == by_hand.edits


@pytest.mark.parametrize(
    ("line", "edit", "message"),
    [
        (7, "  - close: {urn: 999999}", "s.yaml line 7: unknown URN 999999 in `close`"),
        (7, "  - add_provision: {point: [425000, 560000], kind: castle}", "s.yaml line 7: unknown kind 'castle'"),
        (7, "  - add_provision: {postcode: SW1A 1AA, kind: ap}", "s.yaml line 7: unknown postcode SW1A 1AA"),
        (7, "  - add_provision: {point: [425000, 560000], kind: ap, places: -4}",
         "s.yaml line 7: places in `add_provision` must be 0 or more, got -4"),
        (7, "  - demolish: {urn: 108565}", "s.yaml line 7: unknown edit `demolish`"),
        (7, "  - close: {urn: 108565, when: 2026}", "s.yaml line 7: unknown argument(s) when for `close`"),
        (7, "  - close: {}", "s.yaml line 7: `close` needs urn"),
    ],
)
def test_bad_yaml_edits_name_their_line(tmp_path, study, line, edit, message):
    text = "name: bad\narea: north-east\n# a comment\n\n# another\nedits:\n" + edit + "\n"
    with pytest.raises(InputError) as error:
        read_scenario_file(_write(tmp_path, "s.yaml", text)).scenario(study)
    assert str(error.value).startswith(message)
    assert f"line {line}:" in str(error.value)


def test_an_error_on_a_multi_line_edit_points_at_the_argument(tmp_path, study):
    text = "edits:\n  - expand:\n      urn: 108565\n      places: -1000\n"
    with pytest.raises(InputError, match=r"^s\.yaml line 4: `expand` would leave URN 108565"):
        read_scenario_file(_write(tmp_path, "s.yaml", text)).scenario(study)


def test_every_bad_edit_is_reported_at_once(tmp_path, study):
    text = """\
    edits:
      - close: {urn: 999999}
      - add_provision: {postcode: SW1A 1AA, kind: ap}
      - close: {urn: 108565}
      - scale_population: {la: Atlantis, factor: 1.1}
    """
    with pytest.raises(InputError) as error:
        read_scenario_file(_write(tmp_path, "s.yaml", text)).scenario(study)
    message = str(error.value)
    starts = re.findall(r"(?:^|; )(s\.yaml line \d+):", message)
    assert starts == ["s.yaml line 2", "s.yaml line 3", "s.yaml line 5"]
    assert message.endswith(".") and ".;" not in message


def test_toml_errors_name_their_line(tmp_path, study):
    bad = TOML.replace('urn = "108565"', 'urn = "999999"').replace("places = 20", "places = -999")
    with pytest.raises(InputError) as error:
        read_scenario_file(_write(tmp_path, "s.toml", bad)).scenario(study)
    assert str(error.value).startswith("s.toml line 9: unknown URN 999999 in `close`")
    assert "s.toml line 14: `expand` would leave URN 108666" in str(error.value)


def test_a_toml_sweep_error_names_the_line_of_its_argument(tmp_path):
    # The sweep table's lines were never recorded (a str was looked up among path tuples), so the
    # error pointed at the [sweep.each_site] header (line 4), not the bad argument (line 6).
    text = 'name = "x"\narea = "north-east"\n\n[sweep.each_site]\nkind = "special"\nbogus = 1\n'
    with pytest.raises(InputError, match=r"^s\.toml line 6: unknown argument\(s\) bogus for `each_site`"):
        read_scenario_file(_write(tmp_path, "s.toml", text))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("s.yaml", "name: x\nedits:\n  - close: {urn: 1\n", r"s\.yaml line \d: not valid YAML"),
        ("s.yaml", "!!python/object:os.system {}\n", r"s\.yaml line 1: not valid YAML"),
        ("s.yaml", "- just\n- a list\n", r"s\.yaml line 1: a scenario file is a mapping"),
        ("s.yaml", "name: x\ncolour: red\n", r"s\.yaml line 2: unknown key `colour`"),
        ("s.yaml", "kinds: [special, castle]\n", r"s\.yaml line 1: unknown provision kind"),
        ("s.toml", 'name = "x"\nedits = [\n', r"s\.toml line \d: not valid TOML"),
        ("s.json", "{}", r"s\.json: scenario files end in \.yaml, \.yml or \.toml"),
    ],
)
def test_malformed_files_are_refused_with_a_line(tmp_path, name, text, message):
    with pytest.raises(InputError, match=message):
        read_scenario_file(_write(tmp_path, name, text))


def test_data_paths_stay_inside_the_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    inside = read_scenario_file(_write(project, "s.yaml", "data: areas/mine.gpkg\n"))
    assert inside.data == (project / "areas" / "mine.gpkg").resolve()
    with pytest.raises(InputError, match=r"s\.yaml line 1: `data` path /etc/passwd is absolute"):
        read_scenario_file(_write(project, "s.yaml", "data: /etc/passwd\n"))
    outside = tmp_path.parent / "elsewhere.gpkg"
    with pytest.raises(InputError, match="leaves the project"):
        read_scenario_file(_write(project, "s.yaml", f"data: ../../{outside.name}\n"))


def test_kinds_in_a_file_set_the_study_settings(tmp_path):
    spec = read_scenario_file(_write(tmp_path, "s.yaml", "kinds: [special, sen_unit]\n"))
    assert spec.settings.kinds == ("special", "sen_unit")
    assert spec.name == "s" and spec.area == "north-east" and spec.edits == () and spec.sweep is None


def test_sweep_section_builds_one_scenario_per_candidate(tmp_path, study):
    text = """\
    name: sites
    edits:
      - close: {urn: 108565}
    sweep:
      each_site: {kind: special, places: 40, urns: [147531, 136971, 999999]}
    """
    spec = read_scenario_file(_write(tmp_path, "s.yaml", text))
    with pytest.raises(InputError, match=r"^s\.yaml line 5: unknown URN 999999 in `add_provision`"):
        spec.sweep_scenarios(study)
    good = read_scenario_file(_write(tmp_path, "s.yaml", text.replace(", 999999", "")))
    scenarios = good.sweep_scenarios(study)
    assert [s.name for s in scenarios] == ["special at URN 147531", "special at URN 136971"]
    assert all(len(s.edits) == 2 and s.edits[0].describe() == "Close URN 108565." for s in scenarios)
