from reasoner import Session, strategy


@strategy
def double_check(temperature: float = 0.0):
    """Re-derive the answer in a fresh context; pass only if both derivations agree."""

    async def run(s: Session) -> None:
        if s.candidate is None:
            s.verdict("double_check", "unknown", "nothing to double-check")
            return
        reply = await s.ask(
            f"Solve again, independently: {s.problem.prompt}\n{s.task.answer_instruction}",
            temperature=temperature,
        )
        again = s.task.canonical(reply.text)
        agree = again is not None and again == s.candidate.answer
        s.verdict("double_check", agree, f"second derivation gave {again}")

    return run
