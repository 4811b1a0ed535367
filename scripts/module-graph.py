#!/usr/bin/env python3
"""List the `crate::X` edges between the crate's top-level modules and fail
on a cycle, or on an edge that goes up the layers of docs/architecture.md
(issue 21: the layers go one way). Counts every reference in src/ except
src/bin/ (the CLI is a separate crate target) and `#[cfg(test)] mod tests`
blocks (test code may build on any layer).

src/api/ holds two layers, and is counted as two: src/api/mod.rs is the
method table (node `api`: the document's 56 methods as data, on `model`
only, read by validate, client, sim and ffi); src/api/<section>.rs are the
typed one-liners, `impl Device` blocks, counted as `client`.
Usage: scripts/module-graph.py"""
import os, re, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
edges = {}
for dirpath, dirs, files in os.walk(root):
    rel = os.path.relpath(dirpath, root)
    if rel.split(os.sep)[0] == "bin":
        continue
    for f in files:
        if not f.endswith(".rs"):
            continue
        parts = os.path.normpath(os.path.join(rel, f)).split(os.sep)
        top = parts[0][:-3] if len(parts) == 1 else parts[0]
        # docs/architecture.md: src/api/mod.rs is the method table (below
        # validate); the typed one-liners in src/api/<section>.rs are
        # `impl Device` blocks, i.e. the client layer.
        if top == "api" and f != "mod.rs":
            top = "client"
        if top == "lib" or (len(parts) > 1 and f == "tests.rs"):
            continue
        text = open(os.path.join(dirpath, f), encoding="utf-8").read()
        # Drop the unit tests at the end of a file.
        m = re.search(r"^#\[cfg\(test\)\]\s*\nmod tests \{", text, re.M)
        if m:
            text = text[: m.start()]
        text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
        names = set(re.findall(r"\bcrate::([a-z_]+)", text))
        for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
            names |= set(re.findall(r"(?:^|,)\s*([a-z_]+)", group))
        for n in names:
            if n != top and os.path.exists(os.path.join(root, n + ".rs")) or os.path.isdir(os.path.join(root, n)):
                if n != top and n != "bin":
                    edges.setdefault(top, set()).add(n)

for a in sorted(edges):
    print(f"{a} -> {', '.join(sorted(edges[a]))}")

# The layers of docs/architecture.md, bottom first: a module may use its own
# layer and those below. The modules "beside them" sit where their edges
# allow: discovery and sim on model / http (the simulator never on the
# client, so a client bug cannot hide behind the same bug in it), the
# exporter on the engine, fuzzing (test support) on top.
LAYERS = [
    ("model", {"model", "error", "redact", "progress"}),
    ("method table", {"api"}),
    ("validate", {"validate"}),
    ("http", {"http"}),
    ("client", {"client", "discovery", "sim"}),
    ("ops / engine", {"ops", "engine", "watch", "exporter"}),
    ("ffi / cli", {"ffi", "fuzzing"}),
]
FORBIDDEN = {("sim", "client")}
rank = {m: i for i, (_, ms) in enumerate(LAYERS) for m in ms}
bad = []
for a in sorted(edges):
    for b in sorted(edges[a]):
        if a not in rank or b not in rank:
            bad.append(f"{a} -> {b}: a module no layer names (add it to LAYERS and docs/architecture.md)")
        elif rank[b] > rank[a]:
            bad.append(f"{a} ({LAYERS[rank[a]][0]}) -> {b} ({LAYERS[rank[b]][0]}) goes up the layers")
        elif (a, b) in FORBIDDEN:
            bad.append(f"{a} -> {b} is ruled out by docs/architecture.md")
for b_ in bad:
    print("LAYER: " + b_)

# Tarjan's strongly connected components: any with more than one module is a circle.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
    if v not in index:
        visit(v)
if sccs:
    for c in sccs:
        print("CIRCLE: " + " <-> ".join(c))
if sccs or bad:
    sys.exit(1)
print("no circle, no edge up the layers")
