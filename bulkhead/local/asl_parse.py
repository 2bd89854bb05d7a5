"""moto's Step Functions engine reads each definition once per process, not once per execution.

moto parses a definition with ANTLR when the machine is created (to validate it) and again every
time an execution starts; the ANTLR pass is most of the cost of both (about 85 % of a parse of
`response.asl.json`). The parse tree depends only on the definition's text, so it is kept, keyed by
that text; the evaluation components are still built fresh from it for every execution, as moto
builds them, so no execution shares state with another. A definition that does not parse is not
kept: it fails the same way each time.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.stepfunctions.parser.asl.parse import asl_parser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

_TREES: dict[str, Any] = {}
_LOCK = threading.Lock()


@contextmanager
def parse_once_per_definition() -> Iterator[None]:
    """While installed, `AmazonStateLanguageParser.parse` parses each distinct text once."""
    parser = asl_parser.AmazonStateLanguageParser
    original = parser.__dict__["parse"]
    parse_text = original.__func__

    def parse(definition: str) -> tuple[Any, Any]:
        with _LOCK:
            tree = _TREES.get(definition)
        if tree is None:
            program, tree = parse_text(definition)  # raises ASLParserException as moto does
            with _LOCK:
                _TREES[definition] = tree
            return program, tree
        return Preprocessor().visit(tree), tree

    parser.parse = staticmethod(parse)  # type: ignore[method-assign]
    try:
        yield
    finally:
        parser.parse = original  # type: ignore[method-assign]
