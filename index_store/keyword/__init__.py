"""The keyword side of retrieval: BM25 over every stored chunk, kept beside the ledger and
updated in proportion to what each write changed (see `index` and `sync`)."""

from index_store.keyword.index import KeywordHit, KeywordIndex, Marks

__all__ = ["KeywordHit", "KeywordIndex", "Marks"]
