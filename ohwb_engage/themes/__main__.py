"""``python -m ohwb_engage.themes``: the theme engine's command line (see engine.cli)."""

import sys

from ohwb_engage.themes.engine.cli import main

if __name__ == "__main__":
    sys.exit(main())
