"""MobileNet v3-Small and v3-Small minimalistic (see ``_v3.py`` for where Keras and TF-slim differ).

Keras builds v3-Small as the paper's architecture table gives it: 56.5 M MACs and 2.54 M
parameters at alpha 1.0, 224 (as independent reimplementations count it, e.g.
d-li14/mobilenetv3.pytorch: 56.52 M, 2.543 M); TF-slim's README lists 66 M and 2.9 M for its
Small checkpoints, an architecture this build does not reproduce (``published_v3.csv``).
"""

from __future__ import annotations

from edgepareto.models._registry import register_family
from edgepareto.models.families._v3 import v3_family

NOTE = "v3-Small as the paper's table: 56.5 M MACs, 2.54 M params at 1.0/224; TF-slim's README lists 66 M, 2.9 M"
NOTE_MIN = "v3-Small minimalistic: 52.3 M MACs, 2.04 M params at 1.0/224; TF-slim's README lists 65 M, 2.0 M"

register_family(v3_family("Small", minimalistic=False, note=NOTE))
register_family(v3_family("Small", minimalistic=True, note=NOTE_MIN))
