#!/usr/bin/env python3
"""Fails when two source files of one crate use each other's items, directly or in a loop.

A file's module path comes from where it lies (`src/a.rs` or `src/a/mod.rs` is `a`,
`src/a/b.rs` is `a::b`); every `crate::a::...` (and `super::...`) path outside comments and
the trailing `#[cfg(test)]` module is an edge to the deepest module that is a file. Paths to the
crate root (lib.rs / main.rs: the crate's error type, its re-exports) are not edges. A loop of
edges is a circle: a reader cannot hold one file without the other, and a change to either
recompiles the pair as one. Usage: scripts/check_layout.py [CRATE_DIR ...] (default
crates/*).
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")


def module_of(src: Path, file: Path) -> tuple[str, ...]:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    if parts in (["lib"], ["main"]):
        return ()
    return tuple(parts)


def code(text: str) -> str:
    """The file without comments, string contents and its trailing test module."""
    m = re.search(r"^#\[cfg\(test\)\]\s*\n\s*mod \w+\s*\{", text, re.M)
    if m:
        text = text[: m.start()]
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def expand(text: str) -> list[list[str]]:
    """Every `crate::`/`super::` path, with `use crate::{a::X, b::{c, d}}` groups expanded."""
    out = []
    for m in PATH.finditer(text):
        head = m.group(1)
        if m.group(2) == "::{":
            depth, i = 1, m.end()
            while depth and i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            for item in split_top(text[m.end() : i - 1]):
                segs = [s.strip() for s in item.split("::") if s.strip()]
                out.append([head] + [re.sub(r"\W.*", "", s) for s in segs])
        else:
            out.append([head] + m.group(2).split("::")[1:])
    return out


def split_top(group: str) -> list[str]:
    items, depth, cur = [], 0, ""
    for ch in group:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    items.append(cur)
    return [i.split("{")[0] for i in items if i.strip()]


def circles(crate: Path) -> list[list[str]]:
    src = crate / "src"
    files = {module_of(src, f): f for f in src.rglob("*.rs")}
    edges: dict[tuple, set] = {m: set() for m in files}
    for mod, file in files.items():
        if not mod:
            continue
        for path in expand(code(file.read_text())):
            base = () if path[0] == "crate" else mod[:-1]
            segs = [s for s in path[1:] if s]
            while segs and segs[0] == "super":
                base, segs = base[:-1], segs[1:]
            target = base
            for s in segs:
                if base + (s,) in files or any(k[: len(base) + 1] == base + (s,) for k in files):
                    base = base + (s,)
                    target = base
                else:
                    break
            if target and target != mod and target in files:
                edges[mod].add(target)
    # Tarjan's strongly connected components.
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(str(files[c].relative_to(crate.parent.parent)) for c in comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    crates = [Path(a).resolve() for a in sys.argv[1:]] or sorted(
        p for p in (root / "crates").iterdir() if (p / "src").is_dir()
    )
    found = [(c.name, comp) for c in crates for comp in circles(c)]
    for name, comp in found:
        print(f"{name}: files that use each other: {' <-> '.join(comp)}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
