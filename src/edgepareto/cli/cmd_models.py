"""List the model families in the registry, their named variants and the options a plan's study may give each
(``[study.families.NAME]``: alphas and resolutions, defaulting to the published ones)."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "list model families and their named variants"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pattern", nargs="?", default="*", help="shell wildcard over family names (default: all)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.models import get_family, list_families

    return {"families": [get_family(n).to_json() for n in list_families(args.pattern)]}


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    for fam in doc["families"]:
        console.print(f"[bold]{fam['name']}[/bold]: {fam['description']}")
        opts = fam["options"]
        alphas, sides = ", ".join(f"{a:g}" for a in opts["alphas"]), ", ".join(map(str, opts["resolutions"]))
        console.print(
            f"  in a plan (\\[study.families.{fam['name']}]): alphas (published: {alphas}; at most "
            f"{opts['max_alpha']:g}), resolutions (published: {sides}; any multiple of 32)"
        )
        for note in fam["notes"]:
            console.print(f"  note: {note}")
        rows = [(v["name"], v["alpha"], v["resolution"], v["num_classes"]) for v in fam["variants"]]
        console.print(table("named variants", ["name", "alpha", "resolution", "classes"], rows, right=(1, 2, 3)))
