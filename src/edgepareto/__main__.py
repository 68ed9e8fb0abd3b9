"""``python -m edgepareto`` is the ``edgepareto`` command."""

import sys

from edgepareto.cli import main

sys.exit(main())
