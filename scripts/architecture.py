"""The architecture figures of landrelease, measured on the tree this script sits in.

Run: ``.venv/bin/python scripts/architecture.py [--scale small|district] [--skip-demo]
[--json PATH]``. It prints five plain tables and a summary; ``--json`` also writes
the figures to a file so that two trees (before and after a change) can be compared.

What each figure means, and why it matters:

a. **Whole-table reads of each layer during the demo.** The script runs the same job
   as ``make demo`` (``landrelease demo --no-serve``) in this process, with a
   SQLAlchemy listener on every statement sent to the database. A SELECT counts as a
   whole-table read of a table when it names the table after FROM or JOIN and does
   not pick rows by key: the layer's id column (``hazard_id IN (...)``,
   ``hazard_id = ?``), ``fid``, the import that wrote them (``import_id = ?``), or for the other tables their primary key or an
   indexed column such as ``run_id``; a membership check against a table's key
   (``… NOT IN (SELECT hazard_id FROM hazards)``, the import's check that references
   point at records) is a key lookup too. A read of **records** loads the rows and
   decodes them: a job that reads hazards eight times pays eight times for it, so
   the goal is at most 2 record reads per layer (one read model shared by the steps
   of a job). Aggregates (``count(*)``, ``max(date)``: the status summary and the
   change stamps a risk map keeps) scan without loading records; they are counted
   and shown apart, for information. Reads outside SQLAlchemy (GDAL, files) are not seen.

b. **SQL written or run outside ``landrelease/store/``.** Found in the source (AST),
   not at run time: string literals and f-strings whose text starts with a SQL
   keyword (SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, WITH, BEGIN, PRAGMA;
   an opening parenthesis may come first, as in a subquery; lower-case text must also
   read like SQL, so prose and docstrings do not count),
   and calls that run SQL (``.exec_driver_sql(``, ``.execute(`` on a connection,
   ``sa.text(``, ``ws.query(``). A literal passed straight to such a call counts once,
   with the call. Goal 0: one store owns the schema and both SQL dialects, so a
   change of table or backend is made in one place. Files that branch on the backend
   (``.dialect``) and modules that import sqlalchemy are listed beside it.

c. **Import cycles inside the package.** From grimp's import graph (imports inside
   functions and under ``TYPE_CHECKING`` included): groups of modules that import
   each other, directly or round a loop (strongly connected components). Goal 0: a
   cycle means neither side can be understood, tested or moved without the other.
   The cycles left once ``TYPE_CHECKING`` imports are ignored (the ones that matter
   at import time) are shown as well.
   Cycles between top-level subpackages (``landrelease.web`` ↔ ``landrelease.store``)
   are shown too, for information: they are what the layering contracts of
   ``.importlinter`` forbid.

d. **Long modules and functions.** Modules over 600 lines and functions (methods
   included) over 80 lines, measured from ``def`` to the last line. Goal: at most 15
   long functions. Long modules are listed for information. The declarative tables
   of ``landrelease/scenario/parameters.py`` are exempt: long on purpose, one
   documented constant after another.

e. **Summary**: one line per figure with its value and goal.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import inspect
import io
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "landrelease"
STORE = f"{PACKAGE}/store/"

READ_GOAL = 2
SQL_GOAL = 0
CYCLE_GOAL = 0
LONG_MODULE_LINES = 600
LONG_FUNCTION_LINES = 80
LONG_FUNCTION_GOAL = 15
EXEMPT_MODULES = {
    f"{PACKAGE}/scenario/parameters.py": "declarative parameter tables (documented constants)",
}

Table = list[list[str]]


# -- output ---------------------------------------------------------------------------
def render(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain text table: columns padded to their widest cell, numbers right-aligned."""
    body = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]
    numeric = [all(_is_number(r[i]) for r in body) and bool(body) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), rule, *(line(r) for r in body)])


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", text))


def heading(title: str) -> str:
    return f"\n{title}\n{'=' * len(title)}"


def verdict(value: int, goal: int) -> str:
    return "ok" if value <= goal else "over"


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# -- a. whole-table reads during the demo ------------------------------------------------
AGGREGATE = re.compile(r"\b(count|max|min|sum|avg|total|group_concat)\s*\(", re.I)
TABLE_AFTER = re.compile(r'\b(?:FROM|JOIN)\s+(?:"?\w+"?\.)?"?([A-Za-z_]\w*)"?', re.I)
SELECT_LIST = re.compile(r"^\s*SELECT\s+(.*?)\bFROM\b", re.I | re.S)
WHERE = re.compile(r"\bWHERE\b", re.I)


@dataclass
class TableReads:
    """How a table was read during the demo: whole-table reads split by kind, and key lookups."""

    rows: int = 0
    aggregates: int = 0
    keyed: int = 0

    @property
    def full(self) -> int:
        return self.rows + self.aggregates


@dataclass(frozen=True)
class Schema:
    """What the read counter needs to know of the workspace's tables."""

    layers: tuple[str, ...]
    tables: frozenset[str]
    keys: Mapping[str, frozenset[str]]


def load_schema() -> Schema:
    """Layer names and id columns from the domain; other tables and their keys from the store."""
    from landrelease.domain import LAYERS

    keys: dict[str, set[str]] = {
        layer.name: {"fid", layer.id_field, "import_id"} for layer in LAYERS
    }  # import_id: the rows of one import, checked as it is written
    try:
        from landrelease.store.schema import METADATA
    except ImportError:  # the store was reorganised: fall back to every name seen after FROM
        tables: frozenset[str] = frozenset()
    else:
        tables = frozenset(METADATA.tables)
        for name, table in METADATA.tables.items():
            cols = keys.setdefault(name, {"fid"})
            cols.update(c.name for c in table.primary_key.columns)
            cols.update(next(iter(ix.columns)).name for ix in table.indexes if ix.columns)
    return Schema(
        layers=tuple(layer.name for layer in LAYERS),
        tables=tables | {layer.name for layer in LAYERS},
        keys={name: frozenset(cols) for name, cols in keys.items()},
    )


def is_select(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    return head.startswith(("SELECT", "WITH"))


def tables_read(sql: str, schema: Schema) -> set[str]:
    """Tables named after FROM or JOIN (catalogue tables and unknown names left out)."""
    names = {m.group(1) for m in TABLE_AFTER.finditer(sql)}
    if schema.tables:
        return names & schema.tables
    return {n for n in names if not n.lower().startswith(("sqlite_", "gpkg_", "pg_"))}


def picks_by_key(sql: str, keys: Iterable[str]) -> bool:
    """True if the WHERE clause selects rows by one of ``keys`` (``= …`` or ``IN (…)``)."""
    where = WHERE.search(sql)
    if where is None:
        return False
    clause = sql[where.end() :]
    return any(
        re.search(rf'(?<![\w"]){re.escape(k)}"?\s*(?:=|\bIN\s*\()', clause, re.I)
        and not re.search(rf'(?<![\w"]){re.escape(k)}"?\s+NOT\s+IN\b', clause, re.I)
        for k in keys
    )


def is_aggregate(sql: str) -> bool:
    """True if the outer select list computes aggregates (count, max, …) rather than rows."""
    m = SELECT_LIST.match(sql)
    return bool(m and AGGREGATE.search(m.group(1)))


def checks_membership(sql: str, table: str, keys: Iterable[str]) -> bool:
    """True if ``table`` is read only by a ``[NOT] IN (SELECT key FROM table …)`` subquery."""
    sub = re.search(
        rf'\bIN\s*\(\s*SELECT\s+"?(\w+)"?\s+FROM\s+"?{re.escape(table)}"?[\s)]', sql, re.I
    )
    outer = re.sub(r"\(\s*SELECT\b.*?\)", "", sql, flags=re.I | re.S)
    named_outside = re.search(rf'\b(?:FROM|JOIN)\s+"?{re.escape(table)}"?\b', outer, re.I)
    return bool(sub and sub.group(1) in set(keys) and not named_outside)


def classify(sql: str, table: str, schema: Schema) -> str:
    """``keyed``, ``aggregates`` or ``rows``: how ``sql`` reads ``table``."""
    keys = schema.keys.get(table, frozenset({"fid"}))
    if picks_by_key(sql, keys) or checks_membership(sql, table, keys):
        return "keyed"
    return "aggregates" if is_aggregate(sql) else "rows"


@dataclass
class ReadCounter:
    """A SQLAlchemy ``before_cursor_execute`` hook counting reads per table, with callers."""

    schema: Schema
    reads: dict[str, TableReads] = field(default_factory=lambda: defaultdict(TableReads))
    callers: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not is_select(statement):
            return
        sql = " ".join(statement.split())
        for table in tables_read(sql, self.schema):
            kind = classify(sql, table, self.schema)
            counts = self.reads[table]
            setattr(counts, kind, getattr(counts, kind) + 1)
            if kind != "keyed":
                self.callers[table][caller(inspect.currentframe())] += 1


def caller(frame: FrameType | None) -> str:
    """The first frame in the package outside the store: who asked for the read."""
    package, store = ROOT / PACKAGE, ROOT / STORE
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(package) and not path.is_relative_to(store):
            return f"{rel(path)}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return "(store or outside the package)"


def run_demo(scale: str, out: Path) -> None:
    """``landrelease demo --no-serve`` in this process; its console output is kept quiet."""
    import landrelease.cli

    argv = sys.argv
    sys.argv = ["landrelease", "demo", "--no-serve", "--scale", scale, "--out", str(out)]
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            landrelease.cli.main()
    except SystemExit as stop:
        if stop.code not in (0, None):
            sys.stderr.write(captured.getvalue()[-4000:])
            raise RuntimeError(f"the demo stopped with exit code {stop.code}") from None
    finally:
        sys.argv = argv


def measure_reads(scale: str) -> ReadCounter:
    import sqlalchemy

    counter = ReadCounter(load_schema())
    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", counter)
    out = Path(tempfile.mkdtemp(prefix="landrelease-architecture-"))
    try:
        run_demo(scale, out / "demo")
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", counter)
        shutil.rmtree(out, ignore_errors=True)
    return counter


def read_rows(names: Iterable[str], reads: Mapping[str, TableReads], goal: bool) -> Table:
    rows = []
    for name in names:
        r = reads.get(name, TableReads())
        extra = [str(READ_GOAL), verdict(r.rows, READ_GOAL)] if goal else []
        rows.append([name, str(r.rows), str(r.aggregates), str(r.keyed), *extra])
    return rows


def report_reads(counter: ReadCounter, scale: str, seconds: float) -> str:
    layers = counter.schema.layers
    others = sorted(t for t, r in counter.reads.items() if t not in layers and r.full + r.keyed)
    cols = ["record reads", "aggregates", "key lookups"]
    parts = [
        heading(f"a. Whole-table reads of each layer during the demo (scale {scale})"),
        f"(demo ran in {seconds:.0f} s; the goal is on reads of records; aggregates and key "
        "lookups for information)",
        "",
        render(["layer", *cols, "goal ≤", "ok/over"], read_rows(layers, counter.reads, True)),
        "",
        "Other tables (information):",
        render(["table", *cols], read_rows(others, counter.reads, False)),
        "",
        "Where the whole-table reads of layers over the goal come from (first caller outside "
        "the store; aggregates included):",
    ]
    for name in layers:
        if counter.reads.get(name, TableReads()).rows > READ_GOAL:
            parts.append(f"  {name}:")
            parts += [f"    {n:3d}  {site}" for site, n in counter.callers[name].most_common()]
    return "\n".join(parts)


# -- b. SQL outside the store ----------------------------------------------------------------
SQL_START = re.compile(
    r"[\s(]*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH|BEGIN|PRAGMA)\b", re.I
)
SQL_SHAPE = re.compile(
    r"""[\s(]*(?:
        select\s.*\bfrom\b | select\s+(?:1|\*|count|max|min|sum) |
        insert\s+(?:or\s+\w+\s+)?into\b | update\s+\S+\s+set\b | delete\s+from\b |
        create\s+(?:unique\s+|temp\s+|temporary\s+|virtual\s+)?(?:table|index|view|trigger|extension|schema)\b |
        drop\s+(?:table|index|view|trigger|schema|extension)\b | alter\s+table\b |
        with\s+(?:recursive\s+)?\w+\s*(?:\([^)]*\))?\s+as\s*\( |
        begin(?:\s+(?:immediate|exclusive|deferred|transaction))?\s*;?\s*$ | pragma\s+\w+
    )""",
    re.I | re.S | re.X,
)
CONNECTION_NAME = re.compile(r"^(?:c|cx|con|conn|\w*_conn|connection|session|cur|cursor)$")
WORKSPACE_NAME = re.compile(r"^(?:ws|workspace|\w+_ws)$")


@dataclass(frozen=True)
class Site:
    """One place in the source: ``path:line``, what was found, and a short excerpt."""

    path: str
    line: int
    kind: str
    text: str = ""

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def looks_like_sql(text: str) -> bool:
    """SQL if it starts with a keyword in capitals, or, in lower case, reads like a statement."""
    m = SQL_START.match(text)
    if m is None:
        return False
    return m.group(1).isupper() or bool(SQL_SHAPE.match(text))


def literal_text(node: ast.AST) -> str | None:
    """The text of a string literal or f-string (placeholders as ``{…}``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{…}"
            for v in node.values
        )
    return None


def docstrings(tree: ast.Module) -> set[int]:
    """Ids of the docstring nodes, and of the attribute docstrings under assignments."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for stmt in body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                found.add(id(stmt.value))
    return found


def sqlalchemy_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to the sqlalchemy module, and names bound to ``sqlalchemy.text``."""
    modules, texts = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "sqlalchemy"}
        elif isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
            texts |= {a.asname or a.name for a in node.names if a.name == "text"}
    return modules, texts


def receiver_name(node: ast.expr) -> str:
    """``conn`` for ``conn.x``, ``ws`` for ``self.ws.x``: the last name before the method."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def call_kind(call: ast.Call, modules: set[str], texts: set[str]) -> str | None:
    """What kind of SQL-running call this is, if it is one."""
    func = call.func
    if isinstance(func, ast.Name):
        return "text()" if func.id in texts else None
    if not isinstance(func, ast.Attribute):
        return None
    owner = receiver_name(func.value)
    if func.attr == "exec_driver_sql":
        return ".exec_driver_sql()"
    if func.attr == "execute" and CONNECTION_NAME.match(owner):
        return ".execute()"
    if func.attr == "text" and isinstance(func.value, ast.Name) and func.value.id in modules:
        return "sa.text()"
    if func.attr == "query" and WORKSPACE_NAME.match(owner):
        return "ws.query()"
    return None


def excerpt(node: ast.AST, source: str) -> str:
    text = " ".join((ast.get_source_segment(source, node) or "").split())
    return text if len(text) <= 90 else text[:87] + "..."


def sql_sites(tree: ast.Module, source: str, path: str) -> list[Site]:
    """Calls that run SQL, and SQL literals not passed straight to one of them."""
    modules, texts = sqlalchemy_names(tree)
    skip = docstrings(tree)
    sites: list[Site] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (kind := call_kind(node, modules, texts)):
            sites.append(Site(path, node.lineno, kind, excerpt(node, source)))
            skip |= {id(n) for arg in [*node.args, *node.keywords] for n in ast.walk(arg)}
        elif isinstance(node, ast.JoinedStr):
            skip |= {id(v) for v in node.values}
    for node in ast.walk(tree):
        text = literal_text(node) if isinstance(node, ast.expr) else None
        if (
            isinstance(node, ast.expr)
            and text is not None
            and id(node) not in skip
            and looks_like_sql(text)
        ):
            sites.append(Site(path, node.lineno, "SQL literal", excerpt(node, source)))
    return sorted(sites, key=lambda s: s.line)


def dialect_sites(tree: ast.Module, path: str) -> list[Site]:
    return sorted(
        {
            Site(path, n.lineno, ".dialect")
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr == "dialect"
        },
        key=lambda s: s.line,
    )


def imports_sqlalchemy(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "sqlalchemy" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            return True
    return False


@dataclass
class SqlFindings:
    sites: list[Site] = field(default_factory=list)
    dialect: list[Site] = field(default_factory=list)
    sqlalchemy_modules: list[str] = field(default_factory=list)


def package_sources() -> list[tuple[str, str, ast.Module]]:
    """(path, source, tree) of every module in the package, in path order."""
    out = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        out.append((rel(path), source, ast.parse(source, filename=str(path))))
    return out


def find_sql(sources: Sequence[tuple[str, str, ast.Module]]) -> SqlFindings:
    found = SqlFindings()
    for path, source, tree in sources:
        if path.startswith(STORE):
            continue
        found.sites += sql_sites(tree, source, path)
        found.dialect += dialect_sites(tree, path)
        if imports_sqlalchemy(tree):
            found.sqlalchemy_modules.append(path)
    return found


def report_sql(found: SqlFindings) -> str:
    per_file = Counter(s.path for s in found.sites)
    per_kind = Counter(s.kind for s in found.sites)
    dialect_files = sorted({s.path for s in found.dialect})
    return "\n".join(
        [
            heading(f"b. SQL written or run outside {STORE} (goal {SQL_GOAL})"),
            f"{len(found.sites)} sites in {len(per_file)} files; by kind: "
            + ", ".join(f"{k} {n}" for k, n in sorted(per_kind.items())),
            "",
            render(["file", "sites"], sorted(per_file.items())),
            "",
            render(
                ["where", "kind", "excerpt"], [[s.where(), s.kind, s.text] for s in found.sites]
            ),
            "",
            f"Files that branch on the backend (.dialect), {len(dialect_files)}:",
            *(
                f"  {p}: lines {', '.join(str(s.line) for s in found.dialect if s.path == p)}"
                for p in dialect_files
            ),
            "",
            f"Modules outside the store importing sqlalchemy, {len(found.sqlalchemy_modules)}:",
            *(f"  {p}" for p in found.sqlalchemy_modules),
        ]
    )


# -- c. import cycles ------------------------------------------------------------------------
def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of nodes that reach each other (size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(groups, key=lambda g: (-len(g), g))


def top_package(module: str) -> str:
    """``landrelease.web`` for ``landrelease.web.routes.map``; top-level modules stand alone."""
    return ".".join(module.split(".")[:2])


def collapse(graph: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """The graph between top-level subpackages (imports within one subpackage dropped)."""
    out: dict[str, set[str]] = defaultdict(set)
    for src, dsts in graph.items():
        out[top_package(src)] |= {top_package(d) for d in dsts} - {top_package(src)}
    return out


@dataclass
class Cycles:
    modules: list[list[str]]
    packages: list[list[str]]
    edges: dict[str, list[str]]
    """``importer -> imported`` edges inside each module cycle, with their line numbers."""
    package_edges: dict[str, list[str]]
    """For each package cycle, the imports crossing between its members (one example each)."""
    runtime_modules: list[list[str]]
    """The module cycles left when imports under ``if TYPE_CHECKING:`` are ignored."""


def module_graph(type_checking: bool = True) -> tuple[Any, dict[str, set[str]]]:
    """grimp's graph of the package, and its edges (``importer -> {imported}``)."""
    import grimp

    graph = grimp.build_graph(
        PACKAGE, exclude_type_checking_imports=not type_checking, cache_dir=None
    )
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    return graph, edges


def import_lines(graph: Any, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    lines = ", ".join(str(d["line_number"]) for d in details)
    return f"{importer} -> {imported} (line {lines})"


def find_cycles() -> Cycles:
    graph, edges = module_graph()
    modules = strongly_connected(edges)
    packages = strongly_connected(collapse(edges))
    inner = {
        " / ".join(group): [
            import_lines(graph, a, b) for a in group for b in sorted(edges[a]) if b in group
        ]
        for group in modules
    }
    crossing: dict[str, list[str]] = {}
    for group in packages:
        examples: dict[tuple[str, str], str] = {}
        for a in sorted(edges):
            for b in sorted(edges[a]):
                pa, pb = top_package(a), top_package(b)
                if pa != pb and pa in group and pb in group:
                    examples.setdefault((pa, pb), import_lines(graph, a, b))
        crossing[" / ".join(group)] = [
            f"{pa} -> {pb}: e.g. {ex}" for (pa, pb), ex in sorted(examples.items())
        ]
    runtime = strongly_connected(module_graph(type_checking=False)[1])
    return Cycles(modules, packages, inner, crossing, runtime)


def report_cycles(cycles: Cycles) -> str:
    parts = [
        heading(f"c. Import cycles inside {PACKAGE} (goal {CYCLE_GOAL})"),
        f"{len(cycles.modules)} module cycles (groups of modules importing each other), "
        f"{sum(len(g) for g in cycles.modules)} modules in them.",
    ]
    for i, (group, edges) in enumerate(cycles.edges.items(), 1):
        parts += [f"\n  cycle {i}: {group}", *(f"    {e}" for e in edges)]
    parts += [
        "",
        f"Left when imports under 'if TYPE_CHECKING:' are ignored (information): "
        f"{len(cycles.runtime_modules)}",
        *(f"  {' / '.join(group)}" for group in cycles.runtime_modules),
        "",
        f"Cycles between top-level subpackages (information): {len(cycles.packages)}",
    ]
    for i, (group, edges) in enumerate(cycles.package_edges.items(), 1):
        parts += [f"\n  package cycle {i}: {group}", *(f"    {e}" for e in edges)]
    return "\n".join(parts)


# -- d. long modules and functions -----------------------------------------------------------
@dataclass(frozen=True)
class Length:
    path: str
    line: int
    name: str
    lines: int

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def functions(tree: ast.Module, path: str) -> list[Length]:
    """Every function and method with its length, qualified by its enclosing class/function."""
    out: list[Length] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (child.end_lineno or child.lineno) - child.lineno + 1
                out.append(Length(path, child.lineno, prefix + child.name, size))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


@dataclass
class Lengths:
    modules: list[Length]
    functions: list[Length]
    exempt: list[Length]


def find_long(sources: Sequence[tuple[str, str, ast.Module]]) -> Lengths:
    modules, funcs, exempt = [], [], []
    for path, source, tree in sources:
        size = len(source.splitlines())
        long_funcs = [f for f in functions(tree, path) if f.lines > LONG_FUNCTION_LINES]
        if path in EXEMPT_MODULES:
            if size > LONG_MODULE_LINES or long_funcs:
                exempt.append(Length(path, 1, "(module)", size))
            continue
        if size > LONG_MODULE_LINES:
            modules.append(Length(path, 1, "(module)", size))
        funcs += long_funcs
    return Lengths(sorted(modules, key=longest_first), sorted(funcs, key=longest_first), exempt)


def longest_first(length: Length) -> tuple[int, str, int]:
    return (-length.lines, length.path, length.line)


def report_long(lengths: Lengths) -> str:
    n = len(lengths.functions)
    return "\n".join(
        [
            heading(
                f"d. Modules over {LONG_MODULE_LINES} lines, functions over {LONG_FUNCTION_LINES}"
            ),
            f"{len(lengths.modules)} long modules (information):",
            render(["module", "lines"], [[m.path, m.lines] for m in lengths.modules]),
            "",
            f"{n} long functions (goal ≤ {LONG_FUNCTION_GOAL}: {verdict(n, LONG_FUNCTION_GOAL)}):",
            render(
                ["where", "function", "lines"],
                [[f.where(), f.name, f.lines] for f in lengths.functions],
            ),
            "",
            "Exempt: "
            + "; ".join(
                f"{e.path} ({e.lines} lines, {EXEMPT_MODULES[e.path]})" for e in lengths.exempt
            ),
        ]
    )


# -- e. summary -------------------------------------------------------------------------------
@dataclass
class Figures:
    """Everything measured, as written by ``--json``."""

    scale: str | None
    layer_reads: dict[str, dict[str, int]] | None
    other_reads: dict[str, dict[str, int]] | None
    sql_sites: list[dict[str, Any]]
    dialect_sites: list[dict[str, Any]]
    sqlalchemy_modules: list[str]
    module_cycles: list[list[str]]
    runtime_module_cycles: list[list[str]]
    package_cycles: list[list[str]]
    long_modules: list[dict[str, Any]]
    long_functions: list[dict[str, Any]]
    summary: dict[str, dict[str, Any]]


def reads_dict(reads: Mapping[str, TableReads], names: Iterable[str]) -> dict[str, dict[str, int]]:
    return {
        n: {"full": r.full, "rows": r.rows, "aggregates": r.aggregates, "keyed": r.keyed}
        for n in names
        for r in [reads.get(n, TableReads())]
    }


def summarise(
    counter: ReadCounter | None, sql: SqlFindings, cycles: Cycles, lengths: Lengths
) -> dict[str, dict[str, Any]]:
    """One entry per figure: its value and its goal (``None`` for information only)."""
    out: dict[str, dict[str, Any]] = {}
    if counter is not None:
        got = [counter.reads.get(n, TableReads()) for n in counter.schema.layers]
        rows = [r.rows for r in got]
        out["layers whose records are read more than twice"] = {
            "value": sum(v > READ_GOAL for v in rows),
            "goal": 0,
        }
        out["most record reads of one layer"] = {"value": max(rows), "goal": READ_GOAL}
        out["record reads of layers, total"] = {"value": sum(rows), "goal": None}
        out["aggregate scans of layers, total"] = {
            "value": sum(r.aggregates for r in got),
            "goal": None,
        }
    out["SQL sites outside the store"] = {"value": len(sql.sites), "goal": SQL_GOAL}
    out["files outside the store branching on .dialect"] = {
        "value": len({s.path for s in sql.dialect}),
        "goal": 0,
    }
    out["modules outside the store importing sqlalchemy"] = {
        "value": len(sql.sqlalchemy_modules),
        "goal": 0,
    }
    out["module import cycles"] = {"value": len(cycles.modules), "goal": CYCLE_GOAL}
    out["modules in import cycles"] = {
        "value": sum(len(g) for g in cycles.modules),
        "goal": 0,
    }
    out["module import cycles without TYPE_CHECKING imports"] = {
        "value": len(cycles.runtime_modules),
        "goal": None,
    }
    out["subpackage cycles"] = {"value": len(cycles.packages), "goal": None}
    out[f"modules over {LONG_MODULE_LINES} lines"] = {"value": len(lengths.modules), "goal": None}
    out[f"functions over {LONG_FUNCTION_LINES} lines"] = {
        "value": len(lengths.functions),
        "goal": LONG_FUNCTION_GOAL,
    }
    return out


def report_summary(summary: Mapping[str, Mapping[str, Any]]) -> str:
    rows = [
        [
            name,
            fig["value"],
            "—" if fig["goal"] is None else f"≤ {fig['goal']}",
            "info" if fig["goal"] is None else verdict(fig["value"], fig["goal"]),
        ]
        for name, fig in summary.items()
    ]
    return "\n".join([heading("e. Summary"), render(["figure", "value", "goal", "ok/over"], rows)])


def figures(
    scale: str | None,
    counter: ReadCounter | None,
    sql: SqlFindings,
    cycles: Cycles,
    lengths: Lengths,
) -> Figures:
    layers = counter.schema.layers if counter else ()
    return Figures(
        scale=scale,
        layer_reads=reads_dict(counter.reads, layers) if counter else None,
        other_reads=(
            reads_dict(counter.reads, sorted(set(counter.reads) - set(layers))) if counter else None
        ),
        sql_sites=[asdict(s) for s in sql.sites],
        dialect_sites=[asdict(s) for s in sql.dialect],
        sqlalchemy_modules=sql.sqlalchemy_modules,
        module_cycles=cycles.modules,
        runtime_module_cycles=cycles.runtime_modules,
        package_cycles=cycles.packages,
        long_modules=[asdict(m) for m in lengths.modules],
        long_functions=[asdict(f) for f in lengths.functions],
        summary=summarise(counter, sql, cycles, lengths),
    )


# -- main -------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--scale",
        choices=["small", "district"],
        default="district",
        help="scenario scale of the demo (district, as in `make demo`: 2-3 minutes)",
    )
    p.add_argument("--skip-demo", action="store_true", help="skip figure a (no demo run)")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    return p.parse_args(argv)


T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """``action()`` and the seconds it took."""
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # measure the tree this script is in, not an installed copy
    sources = package_sources()
    sql, lengths = find_sql(sources), find_long(sources)
    cycles = find_cycles()
    counter: ReadCounter | None = None
    if not args.skip_demo:
        print(f"Running the demo (scale {args.scale}) to count reads ...", file=sys.stderr)
        measured, seconds = timed(lambda: measure_reads(args.scale))
        print(report_reads(measured, args.scale, seconds))
        counter = measured
    print(report_sql(sql))
    print(report_cycles(cycles))
    print(report_long(lengths))
    result = figures(None if args.skip_demo else args.scale, counter, sql, cycles, lengths)
    print(report_summary(result.summary))
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
        print(f"\nFigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
