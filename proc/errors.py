"""The one error the parsers raise."""


class ParseError(ValueError):
    """A kernel or utmp file did not have the expected format; the message says what and where."""
