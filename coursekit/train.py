"""`python -m coursekit.train` (and `coursekit-train`): the command-line trainer, kept at this short name
because torchrun and accelerate take a module path. The code is in coursekit.tooling.train."""

import sys

from .tooling.train import main

if __name__ == "__main__":
    sys.exit(main())
