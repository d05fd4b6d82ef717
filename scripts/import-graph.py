#!/usr/bin/env python3
"""The crate's import graph, file by file: which `src/` files name which (through `use crate::…`,
`super::…` or a full `crate::…` path), and every circle of files that spans more than one
top-level module (domain). Exit status 1 when there is such a circle.

    python3 scripts/import-graph.py            # circles only
    python3 scripts/import-graph.py --edges    # and every edge
"""
import os, re, sys, collections

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

def module_of(rel):
    parts = rel[:-3].split("/")
    if parts[-1] == "mod":
        parts = parts[:-1]
    if parts in (["lib"], ["main"]):
        parts = []
    return tuple(parts)

files = {}
for dp, _, fs in os.walk(ROOT):
    for f in fs:
        if f.endswith(".rs"):
            p = os.path.join(dp, f)
            files[module_of(os.path.relpath(p, ROOT))] = p
mods = set(files)

def resolve(path):
    """The longest prefix of `path` that is a file's module."""
    for n in range(len(path), -1, -1):
        if tuple(path[:n]) in mods:
            return tuple(path[:n])
    return ()

def expand(prefix, body):
    """`a::{b, c::{d}}` → [[a, b], [a, c, d]]."""
    out, depth, cur = [], 0, ""
    for ch in body + ",":
        if ch == "{": depth += 1
        if ch == "}": depth -= 1
        if ch == "," and depth == 0:
            item = cur.strip(); cur = ""
            if not item: continue
            m = re.match(r"([\w:]*?)(?:::)?\{(.*)\}$", item, re.S)
            if m:
                out += expand(prefix + [x for x in m.group(1).split("::") if x], m.group(2))
            else:
                name = item.split(" as ")[0].strip()
                out.append(prefix + [x for x in name.split("::") if x and x != "self"])
        else:
            cur += ch
    return out

edges = collections.defaultdict(set)
for mod, path in files.items():
    text = re.sub(r"//[^\n]*", "", open(path).read())
    targets = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        clause = m.group(1).strip()
        m2 = re.match(r"(crate|super(?:::super)*)::(.*)$", clause, re.S)
        if not m2: continue
        head, rest = m2.group(1), m2.group(2).strip()
        if head == "crate":
            base = []
        else:
            ups = head.count("super")
            # A file `a/b.rs` is module a::b; super is a. A mod.rs's module is its folder.
            base = list(mod[:len(mod) - ups])
        if rest.startswith("{"):
            targets += expand(base, rest[1:-1])
        else:
            targets += expand(base, rest)
    for m in re.finditer(r"\bcrate::((?:\w+::)*\w+)", text):
        targets.append(m.group(1).split("::"))
    for t in targets:
        r = resolve(t)
        if r and r != mod and r[: len(mod)] != mod:
            edges[mod].add(r)

# Nested `mod x { … }` inside a file and child modules count as the file itself.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(comp)
for v in list(files):
    if v not in index: visit(v)

name = lambda m: "::".join(m) or "crate"
if "--edges" in sys.argv:
    for m in sorted(edges):
        print(name(m), "->", ", ".join(sorted(name(t) for t in edges[m])))
bad = 0
for comp in sccs:
    domains = sorted({c[0] for c in comp if c})
    kind = "spans " + ", ".join(domains) if len(domains) > 1 else "within " + domains[0]
    if len(domains) > 1: bad += 1
    print(f"circle of {len(comp)} files ({kind}): " + " ".join(sorted(name(c) for c in comp)))
print(f"{bad} circle(s) spanning modules")
sys.exit(1 if bad else 0)
