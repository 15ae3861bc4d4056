"""A decider: samples more answers and keeps the first that the task's check does not fail."""

from reasoner import Session, strategy


@strategy
def best_checked(n: int = 3, temperature: float = 0.7):
    """Sample n answers, keep the first the task's check does not fail; abstain if all fail."""
    if n < 1:
        raise ValueError("n must be at least 1")

    async def run(s: Session) -> None:
        generator = s.generator  # the pipeline's generator (a pipeline starts with one)
        assert generator is not None
        samples = await generator.propose(s, n=n, temperature=temperature)
        first_passed = None
        passed = 0
        for attempt in samples:
            index = s.add_attempt(attempt)  # recorded, not (yet) the candidate
            s.choose(index)  # verdicts judge the candidate: make it this sample
            value = s.task.parse(attempt.answer) if attempt.answer is not None else None
            if value is None:
                s.verdict("best_checked", "failed", "no answer in the required format")
                continue
            verdict = s.task.check(s.problem, value)
            s.verdict("best_checked", verdict.status, verdict.evidence)
            if verdict.status != "failed":
                passed += 1
                first_passed = index if first_passed is None else first_passed
        if first_passed is None:
            s.abstain(f"none of {n} samples passed the {s.task.name} check")
            return
        s.choose(first_passed)
        s.set_confidence(passed / n)  # abstain(t=...) after this stage reads it
        s.note("decision", f"kept sample {first_passed}: {passed} of {n} passed")

    return run
