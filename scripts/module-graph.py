#!/usr/bin/env python3
"""List the `crate::X` edges between the crate's top-level modules and fail
on a cycle (issue 21: the layers go one way). Counts every reference in
src/ except src/bin/ (the CLI is a separate crate target) and `#[cfg(test)]
mod tests` blocks (test code may build on any layer). `api` is the method
table (src/api/mod.rs); src/api/<section>.rs counts as `client`. Usage: scripts/module-graph.py"""
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
    sys.exit(1)
print("no circle")
