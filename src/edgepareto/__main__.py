"""``python -m edgepareto`` is the ``edgepareto`` command."""

import sys

try:
    from edgepareto.cli import main
except KeyboardInterrupt:  # Ctrl-C before the command's own handler is in place: still one line
    sys.stderr.write("edgepareto: interrupted\n")
    sys.exit(130)

sys.exit(main())
