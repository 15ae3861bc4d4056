"""`reasoner serve`: a pipeline around a model as an OpenAI-compatible chat endpoint.

A thin web layer (FastAPI on uvicorn, the `serve` extra) over `solve()`: the last user message
is the question, the reply's content is the answer as a person writes it, and the `reasoner`
field carries abstention, confidence, verdicts and cost (docs/serve.md). Importing this
package needs no web stack; `reasoner.serve.app` does.
"""

from reasoner.serve.server import is_loopback, run_server
from reasoner.serve.settings import ServeSettings

__all__ = ["ServeSettings", "is_loopback", "run_server"]
