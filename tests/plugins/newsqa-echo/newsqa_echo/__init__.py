"""A provider as a third party would write one: it answers with the first sentence of the
first passage, citing it, plus a citation to a passage it was not given (which newsqa must
drop). Its spec is `echo` or `echo:ANYTHING`."""

from __future__ import annotations


class EchoModel:
    def __init__(self, spec: str) -> None:
        self.spec = spec

    def generate(self, question, passages) -> str:
        first = passages[0].text.split(". ")[0].rstrip(".")
        return f"{first} [1][{len(passages) + 7}]."


class EchoProvider:
    name = "echo"
    description = "test plugin: repeats the first sentence of the best passage"
    example = "newsqa ask -m echo 'anything'"

    def create(self, model_name, context):
        return EchoModel(f"echo:{model_name}" if model_name else "echo")

    def status(self, settings):
        from qa.models.base import ProviderStatus

        return ProviderStatus(True, "installed from tests/plugins/newsqa-echo")


provider = EchoProvider()
