"""Bundled demo corpus: original fictional news articles and their Q&A suite."""
