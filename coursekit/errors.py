"""The course's own exception: a learner-facing message that names the fix."""


class CourseError(Exception):
    """Base class of every error coursekit raises on purpose; its message says what to do."""
