"""Every plan key has one type, refused in one line naming the key, the study and the type (issue 31, item 8)."""

from __future__ import annotations

import pytest

from tests.sweep.test_plan_validation import sweep_dry_run

MODELS = '[[study]]\nname = "mine"\nkind = "models"\nmodels = ["m/*.tflite"]\ndataset = "folder"\n'
BUILT = '[[study]]\nname = "built"\nkind = "{kind}"\nalphas = [0.25]\nresolutions = [32]\n'


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (MODELS + "data_dir = 5\n", "study 'mine': data_dir must be a string (a path), got 5"),
        (MODELS + 'data_dir = ["a"]\n', "study 'mine': data_dir must be a string (a path), got ['a']"),
        (MODELS + 'data_dir = "d"\nground_truth = 5\n', "study 'mine': ground_truth must be a string (a path)"),
        (MODELS + 'data_dir = "d"\nlabels = 7\n', "study 'mine': labels must be a string (a path), got 7"),
        (MODELS + 'data_dir = "d"\nsynset_order = 1\n', "study 'mine': synset_order must be a string (a path)"),
        (MODELS + 'data_dir = "d"\nlimit = true\n', "study 'mine': limit (images) must be an integer, got True"),
        (MODELS + 'data_dir = "d"\nlimit = 2.5\n', "study 'mine': limit (images) must be an integer, got 2.5"),
        (MODELS + 'data_dir = "d"\nlimit = 0\n', "study 'mine': limit (images) must be >= 1, got 0"),
        (MODELS + 'data_dir = "d"\nlimit = 9\nbalanced = "no"\n', "study 'mine': balanced must be true or false"),
        (MODELS.replace('["m/*.tflite"]', "[5]") + 'data_dir = "d"\n', "models must be a list of paths or globs"),
        (BUILT.format(kind="imagenet-published") + "hosted_dir = 5\n", "study 'built': hosted_dir must be a string"),
        (BUILT.format(kind="latency-only") + "weights = 5\n", "study 'built': weights must be a string (a path)"),
        (BUILT.format(kind="latency-only") + "engines = [1]\n", "study 'built': engines must be a list of strings"),
        (BUILT.format(kind="latency-only") + "clusters = [1]\n", "study 'built': clusters must be a list of strings"),
        (
            BUILT.format(kind="latency-only") + '[recommend]\nmax_latency_ms = "fast"\n',
            "[recommend] max_latency_ms must be a number, got 'fast'",
        ),
        (
            BUILT.format(kind="latency-only") + "[recommend]\nmax_size_mb = inf\n",
            "[recommend] max_size_mb must be a finite number, got inf",
        ),
        (BUILT.format(kind="latency-only") + "[recommend]\nmin_top1 = true\n", "[recommend] min_top1 must be a number"),
        ("executor = 5\n" + BUILT.format(kind="latency-only"), 'executor must be a string ("local" or "ray"), got 5'),
        ("x = " + "[" * 100_000, "nested too deeply to be a plan"),
    ],
)
def test_a_value_of_the_wrong_type_is_one_line(capsys, tmp_path, text, needle):
    plan = tmp_path / "plan.toml"
    plan.write_text(text)
    rc, err = sweep_dry_run(capsys, str(plan), str(tmp_path / "results.sqlite"))
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert needle in lines[0], lines[0]


def test_limit_and_balanced_of_the_right_type_still_load(tmp_path):
    from edgepareto.sweep import load_plan

    (tmp_path / "d").mkdir()
    plan = tmp_path / "plan.toml"
    plan.write_text(MODELS + 'data_dir = "d"\nlimit = 9\nbalanced = true\n[recommend]\nmax_size_mb = 5\n')
    loaded = load_plan(plan)
    (study,) = loaded.studies
    assert study.limit == 9 and study.balanced is True and loaded.recommend == {"max_size_mb": 5}
    assert study.data_dir == str(tmp_path / "d")


def test_an_inventory_nested_beyond_the_parser_is_one_line(tmp_path):
    from edgepareto.errors import ConfigError
    from edgepareto.remote.inventory import load_inventory

    inventory = tmp_path / "boards.toml"
    inventory.write_text("[boards.x]\nhost = " + "[" * 100_000)
    with pytest.raises(ConfigError, match=r"inventory .*: nested too deeply"):
        load_inventory(inventory)
