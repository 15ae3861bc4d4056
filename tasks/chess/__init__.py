"""Chess puzzles: Lichess CSV, BIG-bench checkmate_in_one, or generated mates in one.

Modules here import python-chess as `import chess as pychess`: inside this package the bare
name `chess` is the task factory, and absolute imports always reach python-chess.
"""

from reasoner_tasks.chess.task import ChessTask, chess

__all__ = ["ChessTask", "chess"]
