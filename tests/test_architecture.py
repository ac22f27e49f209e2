"""The shape of the code: no import cycles inside ``portal/``, and no Flask in the clients of
outside services, ``portal/xpm`` and ``portal/nzbn``.

Read from the source with ``ast``, so an import inside a function counts as much as one at
the top of a module: moving an import into a function hides a cycle from Python, not from
a reader. Importing ``portal.a.b`` runs ``portal/a/__init__.py`` first, so it depends on
``portal.a`` too (except from inside ``portal.a``, which is being imported already); a
module that takes a name from its own package's ``__init__`` depends on it like any other.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "portal"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def imported(path: Path, name: str, known=()) -> list[tuple[str, int]]:
    """(Dotted name, line) of everything the module imports, at any depth in its code: for
    ``from a import b``, ``a.b`` when it is a module of ``known``, else ``a``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*stem, base] if base else stem)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule if submodule in known else base, node.lineno))
    return found


def dependencies(known: dict[str, Path]) -> dict[str, dict[str, int]]:
    """For each module of ``portal``, the modules of ``portal`` it needs, with a line."""
    graph = {}
    for name, path in known.items():
        own = {name, *ancestors(name)}
        needs: dict[str, int] = {}
        for target, line in imported(path, name, known):
            if target in known and target != name:  # named, even if it is an own package
                needs.setdefault(target, line)
            for package in ancestors(target):  # run first, unless already being imported
                if package in known and package not in own:
                    needs.setdefault(package, line)
        graph[name] = needs
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each as one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in graph[node]:
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(path_through(graph, set(group)))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def path_through(graph: dict[str, dict[str, int]], group: set[str]) -> list[str]:
    """One cycle inside ``group``, from its first module back to it (breadth first)."""
    start = min(group)
    paths = {after: [start, after] for after in graph[start] if after in group}
    while start not in paths:
        paths = {
            after: path + [after]
            for node, path in paths.items()
            for after in graph[node]
            if after in group and after not in paths
        } | paths
    return paths[start]


def describe(graph: dict[str, dict], cycle: list[str]) -> str:
    steps = zip(cycle, cycle[1:], strict=False)
    return " -> ".join(f"{a} ({graph[a][b]})" for a, b in steps) + f" -> {cycle[-1]}"


def modules_graph() -> dict[str, dict[str, str]]:
    """Module to module, each edge saying where: ``line 7``."""
    graph = dependencies(modules())
    return {
        name: {after: f"line {line}" for after, line in needs.items()}
        for name, needs in graph.items()
    }


def packages_graph() -> dict[str, dict[str, str]]:
    """``portal.panel`` to ``portal.linking`` when any module of one needs one of the other,
    each edge naming the first such import: ``portal.panel.page line 18``."""

    def package(name: str) -> str:
        return ".".join(name.split(".")[:2])

    graph: dict[str, dict[str, str]] = {}
    for name, needs in dependencies(modules()).items():
        edges = graph.setdefault(package(name), {})
        for after, line in needs.items():
            if package(after) != package(name):
                edges.setdefault(package(after), f"{name} line {line} -> {after}")
    return graph


def test_the_reader_sees_imports_at_any_depth_and_the_packages_they_run():
    graph = dependencies(modules())
    assert "portal.xpm.api" in graph["portal.xpm"]
    assert "portal.xpm" in graph["portal.addons.api"]  # runs portal/xpm/__init__.py first
    assert "portal.sandbox.api" in graph["portal.sandbox"]  # inside a function
    assert "portal.clients" in graph["portal.clients.views"]  # its own package's ``bp``


def test_there_is_no_import_cycle_between_modules():
    graph = modules_graph()
    found = [describe(graph, cycle) for cycle in cycles(graph)]
    assert not found, "import cycles:\n" + "\n".join(found)


def test_there_is_no_import_cycle_between_packages():
    graph = packages_graph()
    found = [describe(graph, cycle) for cycle in cycles(graph)]
    assert not found, "packages that need each other:\n" + "\n".join(found)


def test_the_cycle_finder_names_a_cycle():
    graph = {"a": {"b": "line 1"}, "b": {"c": "line 2"}, "c": {"a": "line 3"}, "d": {"a": "x"}}
    assert [describe(graph, cycle) for cycle in cycles(graph)] == [
        "a (line 1) -> b (line 2) -> c (line 3) -> a"
    ]


@pytest.mark.parametrize("client", ["portal.xpm", "portal.nzbn"])
def test_nothing_in_an_outside_service_client_imports_flask(client):
    flasky = [
        f"{name} line {line}: {target}"
        for name, path in modules().items()
        if name == client or name.startswith(f"{client}.")
        for target, line in imported(path, name)
        if target.split(".")[0] in {"flask", "flask_login", "flask_wtf", "werkzeug"}
    ]
    assert any(name.startswith(f"{client}.") for name in modules()), f"no {client} package"
    assert not flasky, f"Flask inside {client}:\n" + "\n".join(flasky)


def where(pattern: str) -> list[str]:
    """The modules of ``portal`` whose source holds ``pattern`` (the sandbox aside: it is a
    server of its own)."""
    return sorted(
        name
        for name, path in modules().items()
        if not name.startswith("portal.sandbox") and pattern in path.read_text(encoding="utf-8")
    )


def test_one_of_each_mechanism():
    assert where('headers["HX-Redirect"]') == ["portal.web"]  # open_page
    assert where("def paginate(") == ["portal.pages"]
    assert where("threading.Thread(") == []  # background work goes to portal.jobs
    assert where("OrderedDict") == []  # expiring values: cachetools, or the shared store
    views = {name for name in modules() if name.endswith(".views")}
    assert not views & {*where(".commit()"), *where("writing(")}  # services own their writes
