#!/usr/bin/env bash
# Figures of issue 17 ("a codebase a newcomer changes safely") for app/src and server/src:
# server functions and the size of their bodies, the hand-written error conversions, the
# clippy allowances and long files they are meant to remove.
#   scripts/codebase-figures.sh [ROOT]        # ROOT: a checkout (default: this one)
#   scripts/codebase-figures.sh --rev REV     # measured on a commit, without checking it out
# A server function's body is the lines strictly between its opening and closing brace.
# `finish(` counts the hand-written conversions (the definition itself is not counted).
set -euo pipefail

if [ "${1:-}" = "--rev" ]; then
    rev="${2:?usage: scripts/codebase-figures.sh --rev REV}"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    git archive "$rev" app/src server/src | tar -x -C "$tmp"
    root="$tmp"
    echo "commit $(git rev-parse --short "$rev")"
else
    root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
fi

python3 - "$root" <<'PY'
import pathlib, re, statistics, sys

root = pathlib.Path(sys.argv[1])
files = sorted(p for d in ("app/src", "server/src") for p in (root / d).rglob("*.rs"))
texts = {p: p.read_text(encoding="utf-8") for p in files}


def strip(text):
    """The text with comments, strings and char literals blanked (newlines kept), so braces
    in them do not count."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1])); i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4] + "    ") and not re.match(r"'\w+[^'\w]", text[i:i + 3] + " "):
            m = re.match(r"'(\\[^']*|[^\\'])'", text[i:])
            j = i + (len(m.group(0)) if m else 1)
            out.append(" " * (j - i)); i = j
        else:
            out.append(c); i += 1
    return "".join(out)


bodies, server_bodies = [], []
for p, text in texts.items():
    code = strip(text)
    # `#[server(...)]` on a function, not `#[server(flatten)]` and the like on an argument.
    for m in re.finditer(r"#\[server\b(?!\((flatten|default|skip|rename)\b)", code):
        f = code.find("fn ", m.end())
        depth, k = 0, code.find("(", f)
        while True:  # the parameter list
            depth += {"(": 1, ")": -1}.get(code[k], 0)
            if depth == 0:
                break
            k += 1
        open_ = code.find("{", k)
        depth, k = 0, open_
        while True:
            depth += {"{": 1, "}": -1}.get(code[k], 0)
            if depth == 0:
                break
            k += 1
        bodies.append(code.count("\n", open_, k) - 1)
        server_bodies.append(code[open_:k])

all_text = "\n".join(texts.values())
stmts = [strip(t) for t in texts.values()]
finish = sum(len(re.findall(r"(?<![\w.])(?<!fn )finish(::<[^>]*>)?\(", s)) for s in stmts)
app_state = sum(s.count("app_state()?") for s in stmts)
# Outside a handler whose ServerResult the boundary converts, `app_state()?` answers without
# the error's HTTP status: counted in server function bodies.
app_state_bare = sum(b.count("app_state()?") for b in server_bodies)
allows = sum(len(re.findall(r"allow\([^)]*too_many_arguments", s)) for s in stmts)
long_files = [(len(t.splitlines()), p.relative_to(root)) for p, t in texts.items() if len(t.splitlines()) > 450]
# A saturating conversion: `try_from(…)` whose failure becomes a default (same statement).
saturating = sum(len(re.findall(r"try_from\((?:[^;{}]|\{[^{}]*\})*?\.unwrap_or", s)) for s in stmts)

# A row read as a positional tuple of four or more columns: `query_as::<_, (…)>`, `type Row = (…)`
# or a `Vec<(…)>` / `Option<(…)>` binding, counted where the statement around it runs a query.
def top_level_items(inner):
    depth, count, seen = 0, 0, False
    for ch in inner:
        if ch in "(<[":
            depth += 1
        elif ch in ")>]":
            depth -= 1
        elif ch == "," and depth == 0:
            count += 1
            seen = False
            continue
        if not ch.isspace():
            seen = True
    return count + (1 if seen else 0)


tuples = 0
for s in stmts:
    for m in re.finditer(r"(query_as::<_,\s*\(|type \w+\s*=\s*\(|: (?:Vec<|Option<)?\()", s):
        i, depth, j = m.end(), 1, m.end()
        while depth and j < len(s):
            depth += {"(": 1, ")": -1}.get(s[j], 0)
            j += 1
        if top_level_items(s[i:j - 1]) >= 4 and "query" in s[max(0, m.start() - 400):j + 400]:
            tuples += 1
active_literals = sum(
    line.count("'pending', 'confirmed', 'checked_in', 'overstay'")
    for t in texts.values() for line in t.splitlines() if not line.lstrip().startswith("//")
)
page_sizes = sum(len(re.findall(r"\bconst PAGE_SIZE\b", s)) for s in stmts)
like_escapes = sum(len(re.findall(r'replace\(.%., "\\\\%"\)', t)) for t in texts.values())

print(f"server functions:                    {len(bodies)}")
print(f"server function body lines, median:  {statistics.median(bodies) if bodies else 0:g}")
print(f"server function body lines, max:     {max(bodies, default=0)}")
print(f"finish( calls:                       {finish}")
print(f"app_state()? calls:                  {app_state} ({app_state_bare} in server function bodies)")
print(f"too_many_arguments allows:           {allows}")
print(f"files over 450 lines:                {len(long_files)}")
for lines, path in sorted(long_files, reverse=True):
    print(f"    {lines:5} {path}")
print(f"try_from(..).unwrap_or occurrences:  {saturating}")
print(f"row tuples of 4+ columns:            {tuples}")
print(f"active-status SQL literals:          {active_literals} (outside the one macro: {max(active_literals - 1, 0)})")
print(f"PAGE_SIZE constants:                 {page_sizes}")
print(f"hand-written LIKE escapes:           {like_escapes}")
PY
