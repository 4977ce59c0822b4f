"""Follow-up questions: a conversation keeps the thread, and each follow-up is searched as a
standalone question (`references` resolves what it points back at; `book` keeps threads)."""
