"""`python -m coursekit.sandbox -f CONNECTION_FILE ...`: start a graded kernel (see startup.py)."""

from .startup import main

main()
