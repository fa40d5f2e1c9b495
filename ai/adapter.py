"""The AI provider behind the three AI endpoints, chosen once at start-up: OpenAI (or any server that
speaks its Chat Completions protocol: Ollama, vLLM, llama.cpp) when OPENAI_API_KEY is set, else the
built-in analyst, which answers from the numbers alone and needs no network."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from ai import analyst
from ai.answers import AdvancedInsight, ChartInsight, TrainingProgram
from core.config import Settings

PROMPTS = Path(__file__).parent / "prompts"


def prompt(kind: str) -> tuple[str, str]:
    """(version, text) of the newest prompt file of a kind: `<kind>.v<N>.txt`."""
    files = sorted(PROMPTS.glob(f"{kind}.v*.txt"), key=lambda p: int(p.stem.rsplit(".v", 1)[1]))
    newest = files[-1]
    return "v" + newest.stem.rsplit(".v", 1)[1], newest.read_text(encoding="utf-8")


class LLMAdapter(ABC):
    """Each method gets the analyst's input (sanitised) and the sanitised request as sent, and
    answers the validated model; a provider that fails raises core.errors.AIError."""

    provider: str
    model: str

    @abstractmethod
    def prompt_version(self, kind: str) -> str: ...

    @abstractmethod
    async def generate_chart_insight(
        self, inp: analyst.ChartIn, data: dict[str, Any], locale: str
    ) -> ChartInsight: ...

    @abstractmethod
    async def generate_advanced_insight(
        self, inp: analyst.AdvancedIn, data: dict[str, Any], locale: str
    ) -> AdvancedInsight: ...

    @abstractmethod
    async def generate_training_program(
        self, inp: analyst.TrainingIn, data: dict[str, Any], locale: str
    ) -> TrainingProgram: ...

    async def aclose(self) -> None:
        return None


class AnalystAdapter(LLMAdapter):
    """The built-in analyst (ai.analyst): deterministic, every statement with its evidence."""

    provider = "analyst"
    model = "analyst"
    VERSION = "analyst-1"

    def prompt_version(self, kind: str) -> str:
        return self.VERSION

    async def generate_chart_insight(
        self, inp: analyst.ChartIn, data: dict[str, Any], locale: str
    ) -> ChartInsight:
        return ChartInsight.model_validate(analyst.chart_insight(inp, locale)[0])

    async def generate_advanced_insight(
        self, inp: analyst.AdvancedIn, data: dict[str, Any], locale: str
    ) -> AdvancedInsight:
        return AdvancedInsight.model_validate(analyst.advanced_insight(inp, locale)[0])

    async def generate_training_program(
        self, inp: analyst.TrainingIn, data: dict[str, Any], locale: str
    ) -> TrainingProgram:
        return TrainingProgram.model_validate(analyst.training_program(inp, locale)[0])


def create_adapter(settings: Settings) -> LLMAdapter:
    if settings.openai_api_key is not None and settings.openai_api_key.get_secret_value():
        from ai.openai_adapter import OpenAIAdapter

        return OpenAIAdapter(settings)
    return AnalystAdapter()
