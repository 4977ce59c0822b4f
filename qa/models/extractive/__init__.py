"""The extractive answer model: no LLM, it quotes and cites the sentence that best answers.

`model` ranks sentences and composes the answer; `sentences` holds what a candidate sentence
is; `abstain` decides when nothing answers; `qa.reading.answer_types` knows what kind of answer a question
asks for; `injection` keeps sentences that talk to a model out of answers.
"""

from qa.models.extractive.model import ExtractiveModel, ExtractiveProvider, provider

__all__ = ["ExtractiveModel", "ExtractiveProvider", "provider"]
