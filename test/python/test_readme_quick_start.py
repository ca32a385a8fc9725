"""The README's Python quick start, run as written against the built wheel: it must synthesize."""

import json
import pathlib
import re
import runpy

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def quick_start_source():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    quick_starts = [block for block in blocks if "ImmutableAmiPipeline(stack" in block]
    assert len(quick_starts) == 1, "the README must have exactly one Python quick start"
    return quick_starts[0]


def test_the_python_quick_start_synthesizes_the_pipeline_and_its_environments(tmp_path):
    script = tmp_path / "quick_start.py"
    script.write_text(quick_start_source(), encoding="utf-8")

    # The script synthesizes its app; synthesizing it again returns that same assembly.
    assembly = runpy.run_path(str(script), run_name="__main__")["app"].synth()

    stacks = {stack.stack_name: stack for stack in assembly.stacks}
    assert {"Web", "Web-dev", "Web-prod"} <= set(stacks)
    assert '"AWS::CodePipeline::Pipeline"' in json.dumps(stacks["Web"].template)
