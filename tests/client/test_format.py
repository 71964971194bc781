"""The query client's parts that need no server: reading a query argument and the text table."""
from __future__ import annotations

import pytest

from gonghui.client.query import format_table, read_query, width
from gonghui.errors import InputError

ID = "https://w3id.org/gonghui/id/"


def test_read_query_keeps_query_text(tmp_path):
    assert read_query("ASK { ?s ?p ?o }") == "ASK { ?s ?p ?o }"
    assert read_query(f"DESCRIBE <{ID}x>") == f"DESCRIBE <{ID}x>"
    bad = tmp_path / "latin1.rq"
    bad.write_bytes("SELECT * { ?s ?p \"é\" }".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_query(str(bad))


def test_format_table_shortens_long_cells_and_marks_empty_results():
    long = "工" * 100
    out = format_table({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": long}}]}})
    cell = out.splitlines()[2]
    assert cell.endswith("…") and width(cell) <= 60
    assert format_table({"head": {"vars": ["x"]}, "results": {"bindings": []}}).splitlines()[-1] == "(0 rows)"
