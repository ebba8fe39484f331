"""Planning every corpus file, for every builder: no crash, and the plan's invariants."""

from __future__ import annotations

import pytest

from dfkit.plan.planner import plan
from dfkit.syntax import parse
from tests.conftest import corpus_files, require_shared


@pytest.mark.parametrize("builder", ["buildkit", "classic", "buildah"])
def test_corpus_plans_hold_their_invariants(builder: str) -> None:
    require_shared()
    planned = 0
    for file in corpus_files():
        dockerfile = parse(file.data, path=file.name)
        if not dockerfile.ok:
            continue
        result = plan(dockerfile, builder=builder)
        planned += 1
        needed = [stage.index for stage in result.stages if stage.needed]
        assert sorted(i for level in result.graph.levels for i in level) == needed, file.name
        for stage in result.stages:
            if not stage.needed:
                assert stage.steps == [] and stage.image is None, file.name
                continue
            assert stage.image is not None
            image = stage.image
            # every layer a step commits has exactly one non-empty history entry
            if image.base_known:
                assert image.layers == sum(1 for h in image.history if not h.empty_layer), file.name
            keys = [step.cache_key for step in stage.steps]
            assert len(set(keys)) == len(keys), file.name  # a chain never repeats itself
            for step in stage.steps:
                assert (step.run is not None) == (step.instruction == "RUN"), file.name
                assert (step.copy_spec is not None) == (step.instruction in ("COPY", "ADD")), file.name
    assert planned > 1400
