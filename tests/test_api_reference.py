"""docs/api.md stays complete and true to the code.

Rules (what "documented" means here):
- A name is mentioned when it follows a backtick directly (optionally qualified as
  `tinyrnn.<module>.`) and is followed by "(", "`" or ".": "`RNN(", "`RNN`", "`RNN.h_n".
- Every name of a module's `__all__` (and each public function of tinyrnn.plot) is mentioned in
  that module's section, the `## ` section whose heading holds the module's name in backticks.
- A signature is an inline code span `Head(arg, arg=default, *, kw=default, **kwargs)` whose Head
  resolves to a public class or function (`RNN`, `tinyrnn.save`) or to a method of a public class
  (`RNN.reset_state`). Each documented argument must exist in `inspect.signature` (of `__init__`
  for a class, without `self`), in the same order and on the same side of `*`; a written default
  must equal the real one; every parameter without a default must be written. Spans whose
  arguments are expressions (`softmax(logits / temperature)`) are example calls, not checked.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest

import tinyrnn

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
TEXT = DOC.read_text(encoding="utf-8")
# Section order of the page, one per public module.
MODULES = [
    "tinyrnn", "tinyrnn.layers", "tinyrnn.losses", "tinyrnn.optim", "tinyrnn.optim.lr_scheduler",
    "tinyrnn.functional", "tinyrnn.serialization", "tinyrnn.data", "tinyrnn.training",
    "tinyrnn.sampling", "tinyrnn.plot", "tinyrnn.interop", "tinyrnn.cli",
]  # fmt: skip
IDENT = r"[A-Za-z_]\w*"


def public_names(module_name: str) -> list[str]:
    """`__all__`, plus (for tinyrnn.plot, which has none) the public functions defined there."""
    module = importlib.import_module(module_name)
    names = list(getattr(module, "__all__", []))
    if module_name == "tinyrnn.plot":
        names += [
            name
            for name, obj in vars(module).items()
            if inspect.isfunction(obj)
            and obj.__module__ == module_name
            and not name.startswith("_")
            and name not in names
        ]
    return names


PUBLIC: dict[str, object] = {}
for _module in MODULES:
    for _name in public_names(_module):
        _obj = getattr(importlib.import_module(_module), _name)
        assert PUBLIC.setdefault(_name, _obj) is _obj, f"{_name} names two different objects"
CALLABLES = {n: o for n, o in PUBLIC.items() if inspect.isclass(o) or inspect.isfunction(o)}


def sections() -> dict[str, str]:
    """{module name: its section's text}, in page order."""
    found = {}
    for block in re.split(r"^## ", TEXT, flags=re.M)[1:]:
        heading = block.splitlines()[0]
        for module in MODULES:
            if f"`{module}`" in heading:
                found[module] = block
    return found


def code_spans() -> list[str]:
    """Inline code spans outside fenced blocks, with line breaks and indents collapsed."""
    prose = re.sub(r"```.*?```", "", TEXT, flags=re.S)
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]


def split_arguments(text: str) -> list[str]:
    """Split on commas outside brackets and quotes."""
    parts, depth, quote, current = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    return [part for part in parts + [current.strip()] if part]


def parse_call(span: str) -> tuple[str, list[str]] | None:
    """`Head(args)` (optionally followed by `-> ...`) -> (Head, argument texts), else None."""
    match = re.match(rf"({IDENT}(?:\.{IDENT})*)\(", span)
    if not match:
        return None
    depth = 0
    for end in range(match.end() - 1, len(span)):
        depth += {"(": 1, ")": -1}.get(span[end], 0)
        if depth == 0:
            break
    rest = span[end + 1 :].strip()
    if depth or (rest and not rest.startswith("->")):
        return None
    return match.group(1), split_arguments(span[match.end() : end])


def resolve(head: str) -> tuple[object, inspect.Signature] | None:
    """(object, signature) a documented Head refers to; None if Head is not a public name."""
    first, *rest = head.split(".")
    if first == "tinyrnn":
        obj: object = tinyrnn
    elif first in PUBLIC:
        obj = PUBLIC[first]
    else:
        return None  # an instance (`rnn(x)`) or a helper the page only mentions
    owner, drop_self = None, False
    for attribute in rest:
        assert hasattr(obj, attribute), f"`{head}`: {obj!r} has no attribute {attribute!r}"
        owner, obj = obj, getattr(obj, attribute)
    if inspect.isclass(obj):
        return obj, signature_without_self(obj.__init__)
    assert callable(obj), f"`{head}` is documented as a call but is not callable"
    if inspect.isclass(owner):
        static = inspect.getattr_static(owner, rest[-1])
        drop_self = inspect.isfunction(static)  # not a staticmethod or classmethod
    return obj, signature_without_self(obj) if drop_self else inspect.signature(obj)


def signature_without_self(function: object) -> inspect.Signature:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return signature.replace(parameters=list(signature.parameters.values())[1:])


def check_signature(head: str, arguments: list[str], signature: inspect.Signature) -> list[str]:
    """Problems of one documented signature (empty when it matches the code)."""
    real = list(signature.parameters.values())
    names = [param.name for param in real]
    problems, seen, keyword_only, last_index = [], set(), False, -1
    for argument in arguments:
        if argument in ("...", "/"):
            continue
        if argument == "*":
            keyword_only = True
            continue
        stars, name, _, default = re.fullmatch(r"(\**)(\w+)(=(.*))?", argument).groups()
        where = f"`{head}(...)`: argument {name!r}"
        if name not in names:
            problems.append(f"{where} does not exist; the code has {names}")
            continue
        param, seen = real[names.index(name)], seen | {name}
        wanted = {"*": param.VAR_POSITIONAL, "**": param.VAR_KEYWORD}.get(stars)
        if wanted is not None and param.kind != wanted:
            problems.append(f"{where} is written {stars}{name} but is {param.kind.description}")
        code_keyword_only = param.kind == param.KEYWORD_ONLY
        if stars == "" and code_keyword_only != keyword_only:
            side = "after" if code_keyword_only else "before"
            problems.append(f"{where} belongs {side} `*` (keyword-only or not, as in the code)")
        if names.index(name) < last_index:
            problems.append(f"{where} is out of order; the code has {names}")
        last_index = max(last_index, names.index(name))
        keyword_only = keyword_only or stars == "*"
        if default is not None and default != "...":
            value = eval(default, {"np": np, "inf": math.inf, "print": print})
            same = value is param.default or (
                type(value) is type(param.default) and value == param.default
            )
            if not same:
                problems.append(f"{where}: default {default} but the code has {param.default!r}")
    required = [
        p.name
        for p in real
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    problems += [
        f"`{head}(...)`: required argument {n!r} is missing" for n in required if n not in seen
    ]
    return problems


def documented_signatures() -> list[tuple[str, list[str], object, inspect.Signature]]:
    found = []
    for span in code_spans():
        call = parse_call(span)
        if call is None or not all(
            re.fullmatch(rf"\.\.\.|/|\*|\**{IDENT}(=.*)?", argument) for argument in call[1]
        ):
            continue  # not a call, or an example call with expressions as arguments
        resolved = resolve(call[0])
        if resolved is not None:
            found.append((call[0], call[1], *resolved))
    return found


def test_sections_in_order():
    assert list(sections()) == MODULES


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_in_its_section(module_name):
    text = sections()[module_name]
    missing = [
        name
        for name in public_names(module_name)
        if not re.search(rf"`(?:tinyrnn(?:\.\w+)*\.)?{re.escape(name)}[(`.]", text)
    ]
    assert not missing, f"docs/api.md, section of {module_name}: not documented: {missing}"


def test_documented_signatures_match_the_code():
    signatures = documented_signatures()
    assert len(signatures) > len(CALLABLES)
    problems = [p for head, args, _, sig in signatures for p in check_signature(head, args, sig)]
    assert not problems, "docs/api.md disagrees with the code:\n" + "\n".join(problems)


def test_every_public_class_and_function_has_a_signature():
    documented = {id(obj) for _, _, obj, _ in documented_signatures()}
    exceptions = {
        n for n, o in CALLABLES.items() if inspect.isclass(o) and issubclass(o, Exception)
    }
    missing = [n for n, o in CALLABLES.items() if id(o) not in documented and n not in exceptions]
    assert not missing, f"docs/api.md gives no call signature for {missing}"


def test_check_signature_catches_mistakes():
    signature = inspect.signature(tinyrnn.clip_grad_norm)
    assert not check_signature("f", ["params", "max_norm", "*", "norm_type=2.0"], signature)
    assert check_signature("f", ["params", "max_norm", "norm_typ=2.0"], signature)
    assert check_signature("f", ["params", "max_norm", "norm_type=2.0"], signature)  # no `*`
    assert check_signature("f", ["params", "max_norm", "error_if_nonfinite=True"], signature)
    assert check_signature("f", ["max_norm", "params"], signature)
    assert check_signature("f", ["params"], signature)  # max_norm is required


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_name_has_a_docstring(name):
    obj = PUBLIC[name]
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj):
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_lines_fit_and_python_blocks_run(tmp_path, monkeypatch):
    long = [n for n, line in enumerate(TEXT.splitlines(), 1) if len(line) > 100]
    assert not long, f"docs/api.md: lines longer than 100 characters: {long}"
    monkeypatch.chdir(tmp_path)
    for number, block in enumerate(re.findall(r"```python\n(.*?)```", TEXT, re.S)):
        exec(compile(block, f"docs/api.md block {number}", "exec"), {})
