"""Where artifacts live: the store's content-addressed folder, and the home cache that outlives a checkout.

The folder names each file by its hash (``<sha256[:16]>/<name>``), so two recipes that build
the same bytes share one file and a file is never overwritten by different content. The home
cache (``$EDGEPARETO_HOME/artifacts/<recipe>``) keeps converted files by recipe, so a fresh
checkout with a new store skips the conversion.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from edgepareto.artifacts.artifact import Artifact
from edgepareto.artifacts.files import copy_atomic, home, sha256_file, write_atomic
from edgepareto.artifacts.verify import is_intact
from edgepareto.errors import EdgeParetoError
from edgepareto.faults import fault_point
from edgepareto.models import Variant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArtifactFolder:
    """The content-addressed folder beside a store."""

    root: Path

    def adopt(self, path: str | Path, variant: Variant, scheme: str, recipe_key: str | None = None) -> Artifact:
        """Copy a fresh file in under its hash (once) and describe the copy."""
        path = Path(path)
        sha = sha256_file(path)
        dest = self.root / sha[:16] / path.name
        if not is_intact(dest, sha):  # absent, or a damaged copy of the same content: written again
            copy_atomic(path, dest)
        fault_point("artifact-file")
        return Artifact.from_file(dest, variant, scheme, recipe_key, sha256=sha)


@dataclass(frozen=True)
class HomeCache:
    """Converted files by recipe under ``$EDGEPARETO_HOME/artifacts``; damaged entries read as misses."""

    root: Path | None = None

    def _folder(self, recipe: str) -> Path:
        return (self.root or home() / "artifacts") / recipe

    def get(self, recipe: str) -> tuple[Path, str] | None:
        """The cached file of ``recipe`` and its scheme, if present and intact."""
        meta_path = self._folder(recipe) / "artifact.json"
        try:
            meta = json.loads(meta_path.read_text())
            path = meta_path.parent / meta["file"]
            if is_intact(path, str(meta["sha256"])):
                return path, str(meta["scheme"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def put(self, recipe: str, path: Path, scheme: str) -> None:
        """Keep a converted file; a cache that cannot be written only costs time."""
        folder = self._folder(recipe)
        try:
            copy_atomic(path, folder / path.name)
            fault_point("home-cache")
            meta = {"file": path.name, "sha256": sha256_file(folder / path.name), "scheme": scheme}
            write_atomic(folder / "artifact.json", json.dumps(meta))
        except (OSError, EdgeParetoError) as exc:
            log.warning("cannot cache %s in %s: %s", path.name, folder, exc)
