"""MobileNet v3-Large and v3-Large minimalistic (see ``_v3.py`` for where Keras and TF-slim differ)."""

from __future__ import annotations

from edgepareto.models._registry import register_family
from edgepareto.models.families._v3 import v3_family

NOTE = "v3-Large: 216.6 M MACs, 5.48 M params at 1.0/224 (TF-slim's README: 217 M, 5.4 M)"
NOTE_MIN = "v3-Large minimalistic: 209.1 M MACs, 3.92 M params at 1.0/224 (TF-slim's README: 209 M, 3.9 M)"

register_family(v3_family("Large", minimalistic=False, note=NOTE))
register_family(v3_family("Large", minimalistic=True, note=NOTE_MIN))
