"""The one family of errors whose message is meant for the user."""


class UserError(Exception):
    """Bad input from the user: the message says what is wrong and what to do."""


class VideoError(UserError, ValueError):
    """A video cannot be used: unreadable, empty, too short or not a video."""


class Cancelled(UserError):
    """The user stopped a running computation (saliency, a timeline pass)."""
