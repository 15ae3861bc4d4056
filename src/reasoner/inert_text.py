"""Text from a model or a program, made safe to store and to show.

Two rules, each applied where such text leaves our hands:

- `valid_utf8`: a Python `str` may hold lone UTF-16 surrogates (`chr(0xDC80)`, or a JSON
  `"\\udc80"` escape); UTF-8 cannot encode them, so writing one to results.jsonl or stdout
  raises. They become visible `\\udc80` escapes instead. The sandbox applies it to every
  string it returns; the result store applies it before giving up on a row.
- `inert`: what a terminal or a browser would act on instead of showing (ESC and every other
  C0/C1 control character, so CSI, OSC 52 clipboard writes, window titles, clear screen;
  DEL; the bidirectional overrides and isolates behind "Trojan Source" reordering; line and
  paragraph separators; lone surrogates) becomes a visible escape such as `\\x1b` or
  `\\u202e`. Tabs stay; newlines stay unless the text must fit on one line. The CLI, the
  progress lines, the terminal table and report.html print model and program text through it.

Escapes are for reading, not for reversing: a text that already held a backslash sequence
shows the same way.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, the Arabic letter mark, LRM/RLM, line and
# paragraph separators, bidi embeddings/overrides (LRE..RLO) and isolates (LRI..PDI), surrogates.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[{_CONTROLS}]")
_UNSAFE_ONE_LINE = re.compile(f"[{_CONTROLS}\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def valid_utf8(text: str) -> str:
    """`text` with each lone surrogate written as a visible escape, so it encodes as UTF-8.

    Args:
        text: any Python string.

    Returns:
        The same string when it already encodes (the usual case, checked in one pass);
        otherwise a copy where each lone surrogate is `\\udXXX`.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def inert(text: str, *, one_line: bool = False) -> str:
    """`text` with every character a terminal or browser would act on shown as an escape.

    Args:
        text: text written by a model or a program.
        one_line: also escape newlines (for a progress line or a table cell).

    Returns:
        A string holding no control character but tab (and newline unless `one_line`), no
        bidi override and no lone surrogate; printable text is unchanged.
    """
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_escape, text)
