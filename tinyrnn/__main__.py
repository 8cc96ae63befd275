"""`python -m tinyrnn`: runs the seed demo (with arguments: the command line)."""

import sys

from .cli import main

sys.exit(main())
