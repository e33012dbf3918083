"""The benchmarks still run (quick mode), and ``import vmlab`` stays light.

No timing is asserted here: only that every benchmark runs and writes well-formed results.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_vmlab_imports_neither_matplotlib_nor_ipywidgets() -> None:
    code = (
        "import sys, vmlab; "
        "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import vmlab pulled in {out.stdout.strip()}"


def test_quick_benchmarks_run_and_write_well_formed_results(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(output.read_text())
    assert results["mode"] == "quick"
    assert results["failed"] == []
    assert len(results["machine"]["loadavg_start"]) == 3
    figures = results["figures"]
    benches = {f["bench"].split()[0] for f in figures}
    # 8 (the browser) is skipped in quick mode, and says so; 9 (a class) runs one kernel
    assert benches == {"1", "2", "3", "4", "5", "6", "7", "9"}, benches
    assert "8 browser: skipped in quick mode" in proc.stdout
    for f in figures:
        assert f["unit"] in {"s", "MiB", ""} and math.isfinite(f["value"]), f
        if "exponent" not in f["name"]:  # a fitted growth exponent may come out < 0 on
            assert f["value"] >= 0, f  # quick mode's tiny, noisy sizes; times and sizes not
        assert f["baseline"] is not None and f["baseline"] > 0, f
        assert f["ratio"] is not None, f
        assert f["met"] in (True, False, None), f
    assert "figure" in proc.stdout and "ratio" in proc.stdout  # the table was printed
    assert not (REPO / "benchmarks" / "results.json").exists() or (
        json.loads((REPO / "benchmarks" / "results.json").read_text())["mode"] == "full"
    ), "quick mode must not overwrite the committed full results"
