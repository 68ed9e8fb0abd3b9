from __future__ import annotations

import pytest

from edgepareto.models import Variant, get_family, list_families


def test_family_registered_and_listed():
    assert "mobilenet_v1" in list_families()
    assert list_families("mobilenet_v1*") == ["mobilenet_v1"]
    assert list_families("resnet*") == []
    fam = get_family("mobilenet_v1")
    assert [v.alpha for v in fam.named_variants] == [0.25, 0.5, 0.75, 1.0]
    assert all(v.resolution == 224 for v in fam.named_variants)


@pytest.mark.parametrize("name", list_families())
def test_every_registered_family_is_complete(name):
    """Each family file found by the registry registers a builder, a cost model and named variants that parse."""
    fam = get_family(name)
    assert fam.name == name and callable(fam.build) and fam.description
    for config in fam.named_variants:
        assert config.family == name
        report = fam.cost(config)
        assert report.macs > 0 and report.params > 0
        assert Variant.parse(config.name + ".fp32").config == config


def test_the_registry_finds_a_new_family_file_without_being_edited(tmp_path, monkeypatch):
    """A family is one file in models/families: ``edgepareto.models`` imports every module found there
    (``_plugins.import_package``), and the file registers itself."""
    import edgepareto.models.families as families
    from edgepareto._plugins import import_package
    from edgepareto.models import _registry

    (tmp_path / "toy_net.py").write_text(
        "from edgepareto.models._registry import ModelFamily, register_family\n"
        "from edgepareto.models.families.mobilenet_v1 import build, cost\n"
        "register_family(ModelFamily('toy_net', 'a test family', build, cost))\n"
    )
    monkeypatch.setattr(families, "__path__", [*families.__path__, str(tmp_path)])
    monkeypatch.setattr(_registry, "_FAMILIES", dict(_registry._FAMILIES))
    monkeypatch.delitem(__import__("sys").modules, "edgepareto.models.families.toy_net", raising=False)
    assert "edgepareto.models.families.toy_net" in import_package("edgepareto.models.families")
    assert "toy_net" in list_families() and "mobilenet_v1" in list_families()
    assert get_family("toy_net").description == "a test family"


def test_another_distributions_family_comes_through_its_entry_point(monkeypatch):
    """A family from another distribution: an ``edgepareto.model_families`` entry point, loaded on the first lookup."""
    from importlib import metadata

    from edgepareto import _plugins
    from edgepareto.models import _registry

    loaded = []
    point = metadata.EntryPoint("toy", "tests.models.toy_family:register", "edgepareto.model_families")
    monkeypatch.setattr(metadata.EntryPoint, "load", lambda self: loaded.append(self.name))
    monkeypatch.setattr(_plugins, "_all_entry_points", lambda: metadata.EntryPoints([point]))
    monkeypatch.setattr(_plugins, "_LOADED", set())
    monkeypatch.setattr(_registry, "_FAMILIES", dict(_registry._FAMILIES))
    assert "mobilenet_v1" in list_families()
    list_families()
    assert loaded == ["toy"]  # once per process


def test_a_broken_plugin_fails_in_one_line(monkeypatch):
    from importlib import metadata

    from edgepareto import _plugins
    from edgepareto.errors import ConfigError

    point = metadata.EntryPoint("bad", "no_such_module_xyz:thing", "edgepareto.engines")
    monkeypatch.setattr(_plugins, "_all_entry_points", lambda: metadata.EntryPoints([point]))
    monkeypatch.setattr(_plugins, "_LOADED", set())
    with pytest.raises(ConfigError, match=r"plug-in bad .* failed to load: ModuleNotFoundError.*fix or uninstall"):
        _plugins.load_entry_points("edgepareto.engines")
