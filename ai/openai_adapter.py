"""OpenAI's Chat Completions (or a self-hosted server speaking the same protocol) behind the three AI
endpoints, on the openai SDK's async client.

The model gets the versioned prompt of ai/prompts/, the sanitised request and the facts the built-in
analyst computed, and is asked for JSON; the answer is validated against the answer models, and an
invalid or truncated one is asked for once more. The model writes the text only: anomalies,
confidence and evidence are the analyst's, and a statement citing a number that is not among the
facts is dropped. A failing provider is an AIError that carries neither the key nor its text.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ai import analyst
from ai.adapter import LLMAdapter, prompt
from ai.answers import AdvancedInsight, ChartInsight, GeneratedProgram, Recommendation, TrainingProgram
from core.config import Settings
from core.digits import DIGITS_FROM, DIGITS_TO
from core.errors import AIError
from core.logging import get_logger

log = get_logger("wrestle.ai")
M = TypeVar("M", bound=BaseModel)

# Persian and Arabic-Indic digits, and the Arabic decimal separator.
_DIGITS = str.maketrans("".join(DIGITS_FROM) + "\u066b", "".join(DIGITS_TO) + ".")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?؟])\s+")


class _AdvancedText(BaseModel):
    """What the model writes of an advanced insight; the rest is the analyst's."""

    model_config = ConfigDict(extra="ignore")
    summary: str = Field(max_length=2000)
    patterns: list[str] = Field(max_length=20)
    recommendations: list[Recommendation] = Field(max_length=20)


class Citations:
    """The numbers a model may cite: every fact, as written or rounded to 0–2 decimals."""

    def __init__(self, facts: dict[str, Any], request: dict[str, Any]) -> None:
        allowed: set[float] = set()
        for n in analyst.cited_numbers(facts) | analyst.cited_numbers(request):
            allowed |= {
                round(n, 2),
                round(n, 1),
                round(n, 0),
                round(abs(n), 2),
                round(abs(n), 1),
                round(abs(n)),
            }
        self.allowed = allowed
        self.dropped = 0

    def uncited(self, text: str) -> bool:
        plain = _DATE.sub(" ", text.translate(_DIGITS))
        return any(round(float(m), 2) not in self.allowed for m in _NUMBER.findall(plain))

    def keep(self, items: list[str]) -> list[str]:
        kept = [t for t in items if not self.uncited(t)]
        self.dropped += len(items) - len(kept)
        return kept

    def text(self, text: str | None, fallback: str | None) -> str | None:
        """The sentences of `text` that cite only facts; the fallback when none is left."""
        if text is None:
            return None
        sentences = _SENTENCE.split(text.strip())
        kept = self.keep(sentences)
        return " ".join(kept) if kept else fallback


class OpenAIAdapter(LLMAdapter):
    provider = "openai"

    def __init__(self, settings: Settings) -> None:
        assert settings.openai_api_key is not None
        self.model = settings.openai_model
        self.max_tokens = settings.openai_max_tokens
        self.client = openai.AsyncOpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_seconds,
            max_retries=settings.openai_max_retries,
        )
        self.prompts = {
            kind: prompt(kind) for kind in ("chart_insight", "advanced_insight", "training_program")
        }
        self.dropped_statements = 0  # read by the metrics

    def prompt_version(self, kind: str) -> str:
        return self.prompts[kind][0]

    async def aclose(self) -> None:
        await self.client.close()

    async def _ask(self, kind: str, model: type[M], payload: dict[str, Any]) -> M:
        """One JSON answer validated as `model`; an invalid or truncated one is asked for once more."""
        system = self.prompts[kind][1]
        user = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        for attempt in (1, 2):
            try:
                response = await self.client.chat.completions.create(
                    model=self.model,
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                    response_format={"type": "json_object"},
                    temperature=0.2,
                    max_tokens=self.max_tokens,
                )
            except openai.OpenAIError as exc:
                # The exception's text may quote the provider's answer or the request: only its class.
                log.warning("ai_provider_error", kind=kind, error=type(exc).__name__)
                raise AIError("The AI provider did not answer", {"provider": self.provider}) from None
            choice = response.choices[0] if response.choices else None
            content = choice.message.content if choice is not None else None
            if choice is not None and choice.finish_reason != "length" and content:
                try:
                    return model.model_validate_json(content)
                except ValidationError:
                    pass
            log.warning("ai_invalid_answer", kind=kind, attempt=attempt)
        raise AIError("The AI provider's answer was not valid", {"provider": self.provider})

    @staticmethod
    def _text(cite: Citations, got: ChartInsight | _AdvancedText, base: dict[str, Any]) -> dict[str, Any]:
        """The model's summary, patterns and recommendations, less what cites no fact."""
        return {
            "summary": cite.text(got.summary, base["summary"]) or base["summary"],
            "patterns": cite.keep(got.patterns),
            "recommendations": [r for r in got.recommendations if cite.keep([r.text])],
        }

    async def generate_chart_insight(
        self, inp: analyst.ChartIn, data: dict[str, Any], locale: str
    ) -> ChartInsight:
        base, facts = analyst.chart_insight(inp, locale)
        got = await self._ask(
            "chart_insight", ChartInsight, {"locale": locale, "chart": data, "facts": facts}
        )
        cite = Citations(facts, data)
        answer = ChartInsight(
            **self._text(cite, got, base), warnings=cite.keep(got.warnings), evidence=base["evidence"]
        )
        self.dropped_statements += cite.dropped
        return answer

    async def generate_advanced_insight(
        self, inp: analyst.AdvancedIn, data: dict[str, Any], locale: str
    ) -> AdvancedInsight:
        base, facts = analyst.advanced_insight(inp, locale)
        got = await self._ask(
            "advanced_insight", _AdvancedText, {"locale": locale, "chart": data, "facts": facts}
        )
        cite = Citations(facts, data)
        answer = AdvancedInsight(
            **self._text(cite, got, base),
            anomalies=base["anomalies"],
            confidence=base["confidence"],
            evidence=base["evidence"],
        )
        self.dropped_statements += cite.dropped
        return answer

    async def generate_training_program(
        self, inp: analyst.TrainingIn, data: dict[str, Any], locale: str
    ) -> TrainingProgram:
        base, facts = analyst.training_program(inp, locale)
        got = await self._ask(
            "training_program", TrainingProgram, {"locale": locale, "request": data, "facts": facts}
        )
        cite = Citations(facts, data)
        fallback = base["program"]
        program = GeneratedProgram(
            date=inp.date,
            title=got.program.title,
            focus=got.program.focus,
            blocks=got.program.blocks,
            nutrition=cite.text(got.program.nutrition, fallback.get("nutrition")),
            recovery=cite.text(got.program.recovery, fallback.get("recovery")),
            aiRecommendations=cite.keep(got.program.aiRecommendations),
        )
        self.dropped_statements += cite.dropped
        return TrainingProgram(program=program, evidence=base["evidence"])
