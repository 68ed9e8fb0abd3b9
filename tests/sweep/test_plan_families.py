"""A study across families: [study.families.NAME] tables, each family with its own alphas and resolutions,
validated where the plan is parsed (one line each) and expanded into one grid."""

from __future__ import annotations

import json
import tomllib

import pytest

from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, get_family
from edgepareto.predict import corners
from edgepareto.sweep.plan import parse_plan

HEAD = '[[study]]\nname = "f"\nkind = "latency-only"\nresolutions = [96]\n'


def study(body: str):
    return parse_plan(tomllib.loads(HEAD + body), "plan.toml").studies[0]


def test_each_family_has_its_alphas_and_resolutions_defaulting_to_published_widths_and_the_studys_sides():
    s = study("[study.families.mobilenet_v1]\nalphas = [0.25]\nresolutions = [128]\n[study.families.mobilenet_v2]\n")
    assert [c.name for c in s.configs()] == ["mobilenet_v1_025_128"] + [
        f"mobilenet_v2_{a}_96" for a in ("035", "050", "075", "100", "130", "140")
    ]
    listed = study('families = ["mobilenet_v3_small", "mobilenet_v3_large"]')  # names only: published widths
    assert [c.name for c in listed.configs()] == [
        "mobilenet_v3_small_075_96",
        "mobilenet_v3_small_100_96",
        "mobilenet_v3_large_075_96",
        "mobilenet_v3_large_100_96",
    ]


def test_a_families_study_writes_back_as_toml_that_loads_to_the_same_study():
    plan = parse_plan(tomllib.loads(HEAD + "[study.families.mobilenet_v2]\nalphas = [1.4]\n"), "p")
    again = parse_plan(tomllib.loads(plan.to_toml()), "p").studies[0]
    assert again == plan.studies[0] and again.configs() == [ModelConfig("mobilenet_v2", 1.4, 96)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[study.families.mobilenet_v1]\nalphas = [1.4]", r"families.mobilenet_v1: alpha must be in \(0, 1\] for mob"),
        ("[study.families.mobilenet_v9]", "unknown model family 'mobilenet_v9'; known families: mobilenet_v1"),
        ("[study.families.mobilenet_v2]\nalpha = [1.0]", "families.mobilenet_v2 takes alphas and resolutions"),
        ("[study.families.mobilenet_v2]\nalphas = []", "families.mobilenet_v2.alphas must be a non-empty list"),
        ("[study.families.mobilenet_v2]\nresolutions = [100]", "resolution must be a multiple of 32"),
        ("[study.families.mobilenet_v2]\nalphas = [0.5, 0.5]", "alphas lists 0.5 twice"),
        ('family = "mobilenet_v2"\n[study.families.mobilenet_v2]', "give either family and alphas or families"),
        ("alphas = [0.5]\n[study.families.mobilenet_v2]", "give either family and alphas or families"),
        ("families = 3", "families must be .study.families.NAME. tables"),
    ],
)
def test_a_wrong_families_table_is_one_line_naming_the_fix(body, message):
    with pytest.raises(ConfigError, match=message) as exc:
        study(body)
    assert "\n" not in str(exc.value) and str(exc.value).startswith("study 'f': ")


def test_families_do_not_apply_to_the_trained_and_given_kinds():
    doc = tomllib.loads('[[study]]\nname = "t"\nkind = "fashion-mnist"\nfamilies = ["mobilenet_v2"]')
    with pytest.raises(ConfigError, match="families apply to the built studies"):
        parse_plan(doc, "p")


def test_corners_are_taken_per_family():
    s = study(
        "[study.families.mobilenet_v1]\nalphas = [0.25, 0.5, 1.0]\nresolutions = [128, 160, 224]\n"
        "[study.families.mobilenet_v2]\nalphas = [0.35, 1.0, 1.4]\nresolutions = [96, 224]\n"
    )
    chosen = {c.name for c in corners(s.configs())}
    v1 = {f"mobilenet_v1_{a}_{r}" for a in ("025", "100") for r in (128, 224)}
    assert chosen == v1 | {f"mobilenet_v2_{a}_{r}" for a in ("035", "140") for r in (96, 224)}


def test_every_family_states_its_options_and_checks_its_widest_alpha():
    v1, v2 = get_family("mobilenet_v1"), get_family("mobilenet_v2")
    assert v1.options() == {"alphas": [0.25, 0.5, 0.75, 1.0], "resolutions": [128, 160, 192, 224], "max_alpha": 1.0}
    assert v2.options()["alphas"] == [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] and v2.to_json()["options"] == v2.options()
    assert v2.config(1.4, 96) == ModelConfig("mobilenet_v2", 1.4, 96)
    with pytest.raises(ConfigError, match=r"alpha must be in \(0, 1\] for mobilenet_v1"):
        v1.config(1.3, 224)


def test_models_lists_each_familys_plan_options(capsys):
    from tests.cli_support import cli

    rc, out, _ = cli(capsys, "models", "mobilenet_v2", "--json")
    assert rc == 0
    (fam,) = json.loads(out)["families"]
    assert fam["options"] == {
        "alphas": [0.35, 0.5, 0.75, 1.0, 1.3, 1.4],
        "resolutions": [96, 128, 160, 192, 224],
        "max_alpha": 1.4,
    }
    rc, out, _ = cli(capsys, "models", "mobilenet_v1")
    assert "[study.families.mobilenet_v1]" in out and "at most 1)" in out
