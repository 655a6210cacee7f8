"""``python -m truelift.cli``."""

from truelift.cli import main

main()
