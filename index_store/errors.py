"""Domain errors of the ingest side; the CLI shows each as one line and exits non-zero."""


class NewsQAError(Exception):
    """Base of every error a user can cause and fix; its message is one line saying what to do."""


class StoreNotFound(NewsQAError):
    """The store directory holds no newsqa store yet."""


class StoreMismatch(NewsQAError):
    """The store was built with another embedding model or schema version."""


class StoreLocked(NewsQAError):
    """Another process is writing to the store."""


class StoreWriteError(NewsQAError):
    """The store could not be written (read-only or full disk); nothing was changed."""


class VectorServerError(NewsQAError):
    """The Chroma server given by `--chroma-url` / `chroma_url` cannot be reached."""


class RefusedAddress(NewsQAError):
    """A server was asked to fetch from an address that is not on the public internet."""
