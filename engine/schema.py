"""The knowledge YAML format, defined once as pydantic models.

Everything about the format lives here: the loader validates with these models, ``nn-triage kb
schema`` publishes their JSON Schema (``knowledge/schema/knowledge.schema.json``) and the
docstrings under each field become the descriptions an editor shows while completing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError

from .text import describe, first_unsafe

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=80,
                          description="snake_case identifier, unique across all knowledge files")]
Ref = Annotated[str, Field(pattern=r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$", max_length=20,
                           description='The checklist number, e.g. "4.10", "F.3", "A.1"')]
FactAnswer = Literal["yes", "no", "unknown"]
CheckAnswer = Literal["found", "ok", "skip"]
Answer = Literal["yes", "no", "unknown", "found", "ok", "skip"]
LANGUAGES = ("en", "ja")


def _plain(value: str) -> str:
    """Refuse control and invisible formatting characters (ESC, BEL, CR, NUL, right-to-left
    overrides, zero-width spaces…): knowledge text is shown in terminals and documents, where
    they would act (clear the screen, write the clipboard, reorder a line) instead of showing.
    TAB and line feeds are fine. The error names the character and where it stands in the text."""
    found = first_unsafe(value)
    if found is not None:
        index, char = found
        raise PydanticCustomError(
            "unsafe_character",
            "character {index} is {char}, a control or invisible formatting character, which could "
            "drive the terminal or hide or reorder text; remove it",
            {"index": index + 1, "char": describe(char)})
    return value


Plain = AfterValidator(_plain)
"""A string free of control and invisible formatting characters (see :mod:`engine.text`)."""
FACT_KINDS = ("symptom", "context", "question")
CHECK_KINDS = ("reason", "strategy")
NODE_KINDS = (*FACT_KINDS, *CHECK_KINDS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True,
                              populate_by_name=True)


class Text(_Strict):
    """A text in English and Japanese."""

    en: Annotated[str, Plain] = Field(min_length=1, max_length=20_000)
    """English text."""
    ja: Annotated[str, Plain] | None = Field(default=None, max_length=20_000)
    """Japanese text. May be left out while a translation is pending: `kb validate` reports it and
    the program shows the English text instead."""

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to English."""
        return (self.ja if lang == "ja" else None) or self.en


class Reference(_Strict):
    """A source worth reading: a paper, a framework doc page."""

    title: Annotated[str, Plain] = Field(min_length=1, max_length=500)
    """What it is, e.g. "Keskar et al. 2017, On Large-Batch Training for Deep Learning"."""
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000), Plain] | None = None
    """Where to read it."""


class _NodeBase(_Strict):
    id: Id
    """Unique id; other files and sessions refer to the node by it. Overriding a shipped node means
    writing a node with the same id in a `--knowledge` folder."""
    title: Text
    """A short label."""
    tags: list[Annotated[str, Field(min_length=1, max_length=40), Plain]] = Field(default_factory=list, max_length=30)
    """Free keywords for search."""


class Phrases(_Strict):
    """Phrase templates per language (see docs/free-text.md for the template syntax)."""

    en: list[Annotated[str, Field(min_length=1, max_length=200), Plain]] = Field(default_factory=list, max_length=200)
    ja: list[Annotated[str, Field(min_length=1, max_length=200), Plain]] = Field(default_factory=list, max_length=200)


class _FactNode(_NodeBase):
    ask: Text | None = None
    """The question as put to the user (defaults to the title)."""
    help: Text | None = None
    """How to find the answer quickly."""
    cost: float = Field(default=0.5, gt=0, le=10_000)
    """Minutes it takes the user to answer."""
    base_rate: float = Field(default=0.1, gt=0, lt=1)
    """Probability of a "yes" when the cause is a reason this node has no `suggests` edge to."""
    phrases: Phrases | None = None
    """Words that say this is so, as phrase templates ("loss (goes to|becomes) nan"). Heard inside a
    negated clause ("no NaNs", 「nanにはならない」) they count as a "no"."""
    negative: Phrases | None = None
    """Words that say this is NOT so, beyond a plain negation of a phrase ("from scratch" for
    `finetuning_pretrained`)."""


class SymptomNode(_FactNode):
    """Something the user observes in training (e.g. `loss_nan`)."""

    kind: Literal["symptom"]


class ContextNode(_FactNode):
    """A fact about the setup that the user knows without checking (e.g. `custom_loss`)."""

    kind: Literal["context"]


class QuestionNode(_FactNode):
    """Any other yes / no question that helps to separate the suspects."""

    kind: Literal["question"]


class _CheckNode(_NodeBase):
    ref: Ref
    """Its number in the checklist ("1.1" … "4.11", "F.1" … "F.6", "A.1"), or one of your own."""
    why: Text
    """Why this cause produces the symptoms the user sees."""
    check: Text
    """Concrete steps to check it, with what to expect."""
    fix: Text
    """How to fix it when the check finds a problem."""
    snippets: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_+-]*$")],
                   Annotated[str, Field(min_length=1, max_length=20_000), Plain]] = Field(default_factory=dict)
    """Code for the check, per framework: `pytorch`, `keras`, `jax`, …"""
    cost: float = Field(default=10, gt=0, le=100_000)
    """Rough minutes the check takes."""
    prior: float = Field(default=0.02, gt=0, lt=1)
    """How often this is the cause of a failing training run, before any answer."""
    references: list[Reference] = Field(default_factory=list, max_length=50)
    """Papers and docs behind the advice."""


class ReasonNode(_CheckNode):
    """One of the reasons a network fails to train: a cause to check."""

    kind: Literal["reason"]


class StrategyNode(_CheckNode):
    """A first step that narrows the problem down (e.g. overfit a tiny subset first)."""

    kind: Literal["strategy"]


Node = Annotated[
    Union[SymptomNode, ContextNode, QuestionNode, ReasonNode, StrategyNode],
    Field(discriminator="kind"),
]
FactNode = SymptomNode | ContextNode | QuestionNode
CheckNode = ReasonNode | StrategyNode


class _EdgeBase(_Strict):
    source: Id
    """Id of the node the edge starts from."""
    target: Id
    """Id of the node the edge points to."""
    because: Text | None = None
    """One sentence that explanations show for this edge."""


class SuggestsEdge(_EdgeBase):
    """A symptom or fact points at a reason: `strength` = P(source is "yes" | target is the cause)."""

    kind: Literal["suggests"]
    strength: float = Field(gt=0, le=1)
    """Likelihood of seeing the source when the target is the cause; compare it with the source's
    `base_rate`: the edge raises the target only when the strength is above it."""


class RulesOutEdge(_EdgeBase):
    """An answer makes a reason impossible (e.g. not fine-tuning rules out pretrained preprocessing)."""

    kind: Literal["rules_out"]
    when: Answer = "no"
    """The answer to the source that rules the target out."""


class WeakensEdge(_EdgeBase):
    """An answer makes a reason less likely: its odds are multiplied by `factor`."""

    kind: Literal["weakens"]
    when: Answer = "no"
    """The answer to the source that weakens the target."""
    factor: float = Field(gt=0, lt=1)
    """Multiplier of the target's odds, between 0 and 1."""


class RefinesEdge(_EdgeBase):
    """The target is a more specific sub-check of the source."""

    kind: Literal["refines"]


class LeadsToEdge(_EdgeBase):
    """Ask the target question only after the source got the answer `when`."""

    kind: Literal["leads_to"]
    when: Answer = "yes"
    """The answer to the source that makes the target worth asking."""


Edge = Annotated[
    Union[SuggestsEdge, RulesOutEdge, WeakensEdge, RefinesEdge, LeadsToEdge],
    Field(discriminator="kind"),
]
EDGE_KINDS = ("suggests", "rules_out", "weakens", "refines", "leads_to")


class BoostAction(_Strict):
    """Multiply a reason's odds by `factor` (above 1 raises it, below 1 lowers it)."""

    boost: Id
    factor: float = Field(gt=0, le=1000)


class RuleOutAction(_Strict):
    """Remove a reason from the suspects."""

    rule_out: Id


class AssertAction(_Strict):
    """Derive a fact, as if the user had answered it."""

    assert_: Id = Field(alias="assert")
    answer: FactAnswer = "yes"


def _action_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("boost", "rule_out", "assert"):
            if key in value:
                return key
        return None
    for cls, tag in ((BoostAction, "boost"), (RuleOutAction, "rule_out"), (AssertAction, "assert")):
        if isinstance(value, cls):
            return tag
    return None


Action = Annotated[
    Union[Annotated[BoostAction, Tag("boost")], Annotated[RuleOutAction, Tag("rule_out")],
          Annotated[AssertAction, Tag("assert")]],
    Discriminator(_action_tag, custom_error_type="action",
                  custom_error_message="an action needs one of the keys boost, rule_out or assert"),
]


class Rule(_Strict):
    """When all the conditions hold together, the actions fire (forward chaining)."""

    id: Id
    """Unique rule id."""
    if_: dict[Id, Answer] = Field(alias="if", min_length=1, max_length=20)
    """Conditions: node id → the answer it must have, e.g. `{loss_nan: "yes", nan_early: "yes"}`."""
    then: list[Action] = Field(min_length=1, max_length=20)
    """What follows."""
    because: Text | None = None
    """Why the combination matters; explanations show it."""
    salience: int = Field(default=0, ge=-1000, le=1000)
    """Higher fires first when several rules are ready at once."""


class KnowledgeFile(_Strict):
    """One knowledge YAML file. A graph is any number of such files, layered folder over folder."""

    nodes: list[Node] = Field(default_factory=list)
    """Symptoms, setup facts, questions, reasons and strategies."""
    edges: list[Edge] = Field(default_factory=list)
    """Typed links between nodes."""
    rules: list[Rule] = Field(default_factory=list)
    """Conditions that need several facts together."""


TEXT_FIELDS = ("title", "ask", "help", "why", "check", "fix")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a knowledge file, for editors (yaml-language-server) and tools."""
    schema = KnowledgeFile.model_json_schema(by_alias=True)
    schema["title"] = "nn-triage knowledge file"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
