"""edgepareto: which ConvNet variant should run on this edge CPU?

The public API is small; everything else lives in private modules of the domain folders.
"""

from __future__ import annotations

__version__ = "0.1.0"

from edgepareto.errors import EdgeParetoError

__all__ = ["EdgeParetoError", "__version__"]
