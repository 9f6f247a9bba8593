"""The seed of the hidden grading cases these tests draw: fresh each run, printed in the header and in
failure messages, and replayed with COURSEKIT_GRADING_SEED=N."""

import os
import random

import pytest

SEED_VARIABLE = "COURSEKIT_GRADING_SEED"
SEED = int(os.environ.get(SEED_VARIABLE) or random.SystemRandom().randrange(2**32))


def pytest_report_header(config):
    return f"grading seed: {SEED} (replay with {SEED_VARIABLE}={SEED})"


@pytest.fixture(scope="session")
def grading_seed() -> int:
    """The seed to pass as `--seed` (or `seed=`) wherever a test grades."""
    return SEED


@pytest.fixture(scope="session")
def replay() -> str:
    """The end of a failure message: how to draw the same hidden cases again."""
    return f"(hidden cases from seed {SEED}: replay with {SEED_VARIABLE}={SEED})"
