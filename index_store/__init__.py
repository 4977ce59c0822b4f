"""Turns sources into stored chunks: load, clean, identify, chunk, embed, store."""
