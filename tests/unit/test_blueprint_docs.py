"""docs/blueprints/: a page and a seed walk-through per blueprint, with the sections the issue asks for, the
walk-through's statuses tied to the page's decision log, and the generated parts up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from configuration import list_blueprints
from publishing.blueprint_docs import environments_table, generated_pages, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "blueprints"
BLUEPRINTS = [b.name for b in list_blueprints()]
SECTIONS = ("## Architecture", "## Decision log", "## Environments", "## What it costs", "## Deploy",
            "## Tear down", "## Seed walk-through")
STATUSES = ("built better", "built", "done differently", "not built")


def _page(name: str) -> str:
    return (DOCS / f"{name}.md").read_text()


@pytest.mark.parametrize("name", BLUEPRINTS)
def test_a_blueprint_page_has_every_section_in_order_and_its_diagram(name):
    page = _page(name)
    positions = [page.find(f"\n{section}") for section in SECTIONS]
    assert all(p > 0 for p in positions), [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert f"]({name}.png)" in page and (DOCS / f"{name}.png").is_file()
    assert f"]({name}-seed.md)" in page


def _decisions(page: str) -> set[str]:
    return set(re.findall(r"^\| *(D\d+) *\|", page, re.MULTILINE))


@pytest.mark.parametrize("name", BLUEPRINTS)
def test_the_seed_walk_through_rows_have_a_status_and_every_difference_a_recorded_decision(name):
    walk = (DOCS / f"{name}-seed.md").read_text()
    rows = [line for line in walk.splitlines() if re.match(r"^\| *L\d+", line)]
    assert len(rows) >= 15, "the walk-through covers the seed line by line"
    decisions = _decisions(_page(name))
    assert decisions, "the page's decision log has D1, D2, ... rows"
    for row in rows:
        status = row.rstrip(" |").rsplit("|", 1)[-1].strip()
        assert status.lower().startswith(STATUSES), f"{row!r}: status must start with one of {STATUSES}"
        for reference in re.findall(r"\b(D\d+)\b", status):
            assert reference in decisions, f"{row!r} cites {reference}, which {name}.md's decision log lacks"
        if status.lower().startswith("done differently"):
            assert re.search(r"\bD\d+\b", status), f"{row!r}: a difference cites its decision (D<n>)"


def test_the_environment_table_lists_what_differs_and_nothing_shared():
    table = environments_table("notebookly")
    assert "| `network.nat_gateways` | `single` | `per_az` |" in table
    assert "`regions.primary`" not in table  # the same in dev and prod


def test_a_page_without_markers_is_refused_naming_the_file_and_the_fix(tmp_path):
    with pytest.raises(ValueError, match=r"page\.md has no <!-- BEGIN GENERATED: stacks -->.*fix: add both lines"):
        render("# no markers\n", {"stacks": lambda: "x"}, tmp_path / "page.md")


@pytest.mark.slow
def test_the_generated_parts_of_every_page_are_up_to_date():
    pages = generated_pages(DOCS, BLUEPRINTS)
    stale = [path.name for path, text in pages.items() if path.read_text() != text]
    assert not stale, f"{stale} are out of date; run `make docs` and commit"
