"""The extractive answer model: no LLM, it quotes and cites the sentence that best answers.

`model` ranks sentences and composes the answer; `sentences` holds what a candidate sentence
is; `abstain` decides when nothing answers; `injection` keeps sentences that talk to a model out
of answers. What kind of answer a question asks for is `qa.reading.answer_types`.
"""

from qa.models.extractive.model import ExtractiveModel, ExtractiveProvider, provider

__all__ = ["ExtractiveModel", "ExtractiveProvider", "provider"]
