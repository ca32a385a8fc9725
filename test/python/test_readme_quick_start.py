"""The README's Python quick start, run as written against the built wheel: it must synthesize."""

import os
import pathlib
import re
import runpy

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def quick_start_source():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    quick_starts = [block for block in blocks if "ImmutableAmiPipeline(stack" in block]
    assert len(quick_starts) == 1, "the README must have exactly one Python quick start"
    return quick_starts[0]


def test_the_python_quick_start_synthesizes_the_pipeline_and_its_environments(tmp_path, monkeypatch):
    script = tmp_path / "quick_start.py"
    script.write_text(quick_start_source(), encoding="utf-8")
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path / "cdk.out"))

    runpy.run_path(str(script), run_name="__main__")

    templates = sorted(path.name for path in (tmp_path / "cdk.out").glob("*.template.json"))
    assert {"Web.template.json", "Web-dev.template.json", "Web-prod.template.json"} <= set(templates)
    assert '"AWS::CodePipeline::Pipeline"' in (tmp_path / "cdk.out" / "Web.template.json").read_text(encoding="utf-8")
