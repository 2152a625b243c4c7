"""House rules that keep the architecture honest."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_outside_ui_imports_no_streamlit_or_plotly():
    core = [p for p in (ROOT / "nmf_core").rglob("*.py") if "ui" not in p.relative_to(
        ROOT / "nmf_core").parts]
    assert core
    for path in core:
        assert not _imports(path) & {"streamlit", "plotly"}, path


LEGACY_RANDOM = {"seed", "rand", "randn", "randint", "random", "choice", "shuffle",
                 "permutation", "uniform", "normal", "random_sample"}


def _global_random_calls(path: Path) -> list[int]:
    """Lines calling np.random.<legacy function>(...) (strings and comments don't count)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        func = getattr(node, "func", None)
        if (isinstance(node, ast.Call) and isinstance(func, ast.Attribute)
                and func.attr in LEGACY_RANDOM and isinstance(func.value, ast.Attribute)
                and func.value.attr == "random"):
            lines.append(node.lineno)
    return lines


def test_no_global_random_state_outside_the_documents_module(tmp_path):
    files = [*(ROOT / "nmf_core").rglob("*.py"), *(ROOT / "app_pages").glob("*.py"),
             ROOT / "app.py"]
    for path in files:
        assert not _global_random_calls(path), path
    bad = tmp_path / "bad.py"  # the checker does catch a real call
    bad.write_text("import numpy as np\nnp.random.seed(1)\n")
    assert _global_random_calls(bad) == [2]


def test_page_scripts_do_not_live_in_a_pages_folder():
    """A folder named pages/ beside app.py switches Streamlit into its legacy
    multipage mode (PagesManager.uses_pages_directory): deep links such as
    /compare then run without navigation until / is opened once."""
    assert not (ROOT / "pages").exists()
    pages = sorted(p.name for p in (ROOT / "app_pages").glob("*.py"))
    assert "workbench.py" in pages and "factory.py" in pages
    app = (ROOT / "app.py").read_text()
    for name in pages:
        assert f"app_pages/{name}" in app, name


def test_pages_stay_thin():
    """Pages read widgets, call the core and draw: no numpy arithmetic of their own."""
    for path in (ROOT / "app_pages").glob("*.py"):
        assert "numpy" not in _imports(path), path


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("**Run every test**", 1)[1].split("```bash\n", 1)[1]
    command = block.split("\n```", 1)[0].strip()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert "pytest" in command and ci_lines[-1] == command
