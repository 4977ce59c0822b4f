"""Domain errors of the answering side; the CLI turns each into a one-line message."""

from index_store.errors import NewsQAError


class BadSetting(NewsQAError):
    """A setting from a flag, the environment or config.toml has a value it cannot take."""


class UnknownModel(NewsQAError):
    """No registered provider serves this model spec."""


class MissingKey(NewsQAError):
    """A hosted model needs an API key that is not configured."""


class MissingExtra(NewsQAError):
    """A provider needs an optional dependency that is not installed."""


class ModelUnavailable(NewsQAError):
    """The model's server is unreachable, refused the key, or failed after retries."""


class BadQuestion(NewsQAError):
    """The question or its options cannot be used (empty, bad date...)."""


class ContextTooLong(ModelUnavailable):
    """The prompt does not fit the model's context window, even trimmed to one passage."""


class UnknownConversation(BadQuestion):
    """No kept conversation has this id (never made, deleted, or expired)."""
