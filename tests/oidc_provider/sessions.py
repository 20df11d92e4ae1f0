"""The `sid` the test provider's ID tokens carry: it keeps one session per person, named after
them. Apart from validator.py so the tests can name it without loading the provider's models."""


def session_id(sub: object) -> str:
    return f"provider-session-{sub}"
