"""One-line YAML error descriptions, and the messages built on them."""

from __future__ import annotations

import pytest
import yaml

from kcore.scheduler.apis.config.strict import YAMLError, load_yaml
from kcore.util.yamlerr import describe_yaml_error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "x: [\n",
            "while parsing a flow node: expected the node content, but found '<stream end>' "
            "(line 2, column 1)",
        ),
        ("a: b\n  c: d\n", "mapping values are not allowed here (line 2, column 4)"),
        (
            "a: 'x\n",
            "while scanning a quoted scalar: found unexpected end of stream (line 2, column 1)",
        ),
    ],
)
def test_problem_context_and_place_on_one_line(text: str, expected: str) -> None:
    with pytest.raises(yaml.YAMLError) as exc:
        yaml.safe_load(text)
    assert describe_yaml_error(exc.value) == expected


def test_an_error_without_a_problem_is_folded_to_one_line() -> None:
    assert describe_yaml_error(yaml.YAMLError("bad\n  input\n")) == "bad input"


def test_config_loader_message_names_the_source() -> None:
    with pytest.raises(YAMLError) as exc:
        load_yaml("x: [\n", source="sched.yaml")
    msg = str(exc.value)
    assert msg.startswith("sched.yaml: invalid YAML: while parsing a flow node")
    assert "\n" not in msg
