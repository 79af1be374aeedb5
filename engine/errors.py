"""The one family of errors whose message is meant for the user."""


class UserError(Exception):
    """Bad input from the user: the message says what is wrong and what to do."""
