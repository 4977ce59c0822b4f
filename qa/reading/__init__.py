"""Reading text: shared know-how about questions and sentences, below retrieval and answering.

Every answerer reads the same way (what a question asks for, which spans of a sentence could
answer it), so this lives here rather than inside one answer model that the others import.
"""
