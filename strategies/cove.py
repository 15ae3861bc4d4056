"""`cove`: Chain-of-Verification (Dhuliawala et al. 2023, "Chain-of-Verification Reduces
Hallucination in Large Language Models"), factored variant: draft an answer, plan
verification questions, answer each in a fresh context that does not see the draft, then
revise the draft in light of those answers. Every question and answer lands in the trace.

The fresh context holds the problem (not the draft): the paper's verification questions are
self-contained facts ("Where was X born?"), while a word problem's are about the problem
("How many miles are left?"). Asked without it, the 1.5B model invented the numbers
("Marissa still needs to walk 10 miles" for a 12-mile trail with 6 walked).

The draft is the model's ordinary answer, reasoning included (`cot`'s prompt), as the
paper's baseline response is: drafted with `direct`'s prompt (worked examples with bare
answers) the 1.5B model wrote a bare number, right on 5 of 60 GSM8K items (as `direct`),
and the verification had no reasoning to check. `cove(draft="direct")` keeps that form.
"""

from __future__ import annotations

import asyncio
import re

from reasoner import Attempt, Generator, Session, strategy
from reasoner.errors import ReasonerError
from reasoner.prompting import answer_of, attempt_from
from reasoner_strategies.cot import ChainOfThought
from reasoner_strategies.direct import Direct

#: How the draft is written: with `cot`'s prompt (reasoning, then the answer) or `direct`'s.
DRAFTS: dict[str, type[Direct]] = {"cot": ChainOfThought, "direct": Direct}

# A numbered, bulleted or bare line (markdown bold removed first), maybe labelled
# "Question 1:"; the question runs to its first '?'. A capable model often answers on the
# same line ("1. How many hours does it burn? ? 4"): that answer is cut off, since the
# questions must be answered in a fresh context.
_QUESTION_LINE = re.compile(
    r"^\s*(?:\d+[.)]|[-*•]|Q\d*[:.)])?\s*(?:Question\s*\d*\s*[:.)])?\s*([^?]{3,}?\?)",
    re.IGNORECASE,
)


def parse_questions(text: str, limit: int) -> list[str]:
    """Verification questions, one per line: the text of each line up to its first '?'."""
    questions: list[str] = []
    for line in text.splitlines():
        match = _QUESTION_LINE.match(line.replace("**", ""))
        question = match.group(1).strip() if match else ""
        if question and question not in questions:
            questions.append(question)
    return questions[:limit]


class ChainOfVerification(Generator):
    name = "cove"

    def __init__(self, questions: int, max_tokens: int, draft: str = "cot") -> None:
        if draft not in DRAFTS:
            raise ReasonerError(f"cove: draft must be one of {', '.join(DRAFTS)}, not {draft!r}")
        self.questions = questions
        self.max_tokens = max_tokens
        self.drafter = DRAFTS[draft](max_tokens)

    async def propose(
        self, s: Session, *, feedback: str | None = None, n: int = 1, temperature: float = 0.0
    ) -> list[Attempt]:
        return [await self._one(s, feedback, temperature) for _ in range(n)]

    async def _one(self, s: Session, feedback: str | None, temperature: float) -> Attempt:
        instruction = s.task.answer_instruction
        draft = await s.ask(
            self.drafter.prompt(s, feedback),
            purpose="draft",
            max_tokens=self.max_tokens,
            temperature=temperature,
        )
        plan = await s.ask(
            f"Question: {s.problem.prompt}\nDraft answer: {draft.text}\n"
            f"Write {self.questions} short questions, one per line, each ending with '?', "
            "whose answers would show whether the draft answer is correct.",
            purpose="plan",
            max_tokens=160,
            temperature=temperature,
        )
        questions = parse_questions(plan.text, self.questions)
        for q in questions:
            s.note("question", q)
        # Factored: each question in a fresh context that sees the problem but not the draft.
        replies = await asyncio.gather(
            *(
                s.ask(
                    f"Problem: {s.problem.prompt}\nQuestion about it: {q}\n"
                    "Answer it in one or two sentences.",
                    purpose="verify",
                    max_tokens=120,
                    temperature=temperature,
                )
                for q in questions
            )
        )
        checks = []
        for q, reply in zip(questions, replies, strict=True):
            s.note("verification_answer", reply.text, question=q)
            checks.append(f"Q: {q}\nA: {reply.text.strip()}")
        evidence = "\n".join(checks) or "(no verification questions could be read)"
        final = await s.ask(
            f"Question: {s.problem.prompt}\nDraft answer: {draft.text}\n"
            f"Verification questions and independent answers:\n{evidence}\n"
            f"Using the verification answers, correct any mistake in the draft. {instruction}",
            purpose="revise",
            max_tokens=self.max_tokens,
            temperature=temperature,
        )
        attempt = attempt_from(self.name, s.task, final, final.completions[0])
        attempt.draft_answer = answer_of(s.task, draft.text)
        if attempt.answer is None:  # a revision that lost the format keeps the draft's answer
            attempt.answer = attempt.draft_answer
        return attempt


@strategy
def cove(questions: int = 3, max_tokens: int = 384, draft: str = "cot") -> ChainOfVerification:
    """Chain-of-Verification: draft, plan checks, answer them independently, revise (Dhuliawala et al. 2023).

    Args:
        questions: how many verification questions to plan.
        max_tokens: the most tokens for the draft and the revision.
        draft: "cot" (the draft reasons step by step, then answers) or "direct" (the
            task's worked examples and a bare answer).
    """
    return ChainOfVerification(questions, max_tokens, draft)
