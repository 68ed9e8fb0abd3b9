"""edgepareto: which ConvNet variant should run on this edge CPU?

The public API is small; everything else lives in private modules of the domain folders.
"""

from __future__ import annotations

from edgepareto.errors import EdgeParetoError
from edgepareto.version import __version__

__all__ = ["EdgeParetoError", "__version__"]
