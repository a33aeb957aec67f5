"""Let ``python -m dsr`` run the same app as the ``dsr`` script."""

import sys

from dsr.cli.app import main

sys.exit(main())
