"""The lessons' declaration (nmf_core/lessons.py): complete, pointing at real
pages, settings and figures, and the README's list written from it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from nmf_core import lessons
from nmf_core.lessons import BY_SLUG, FIGURE_NOTES, LESSONS, figure_note

ROOT = Path(__file__).resolve().parents[1]


def page_file(page: str) -> Path:
    return ROOT / "app_pages" / f"{page or 'workbench'}.py"


def test_the_readme_lists_exactly_the_declared_lessons():
    block = lessons.readme_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert block == lessons.readme_list(), (
        "README.md's lesson list is out of date: run python3 -m nmf_core.lessons")
    for lesson in LESSONS:
        assert f"<{lesson.url()}>" in block and lesson.title in block


def test_write_readme_refreshes_only_the_list(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{lessons.README_BEGIN}\nold list\n{lessons.README_END}\nend\n")
    assert lessons.write_readme(readme) is True
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{lessons.README_END}\nend\n")
    assert lessons.readme_block(text) == lessons.readme_list()
    assert lessons.write_readme(readme) is False


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_each_lesson_is_complete_and_points_at_what_exists(lesson):
    assert BY_SLUG[lesson.slug] is lesson
    assert lesson.title and lesson.goal and lesson.question.endswith("?")
    assert lesson.look_at and all(item.strip() for item in lesson.look_at)
    assert page_file(lesson.page).exists(), lesson.page
    assert set(lesson.notes) <= set(FIGURE_NOTES[lesson.page])  # notes name real figures
    assert all(isinstance(v, str) for v in lesson.settings.values())
    assert lessons.LESSON_PARAM not in lesson.settings
    parts = urlsplit(lesson.url())
    assert parts.path.strip("/") == lesson.page
    assert dict(parse_qsl(parts.query)) == {**lesson.settings, "lesson": lesson.slug}


def test_every_figure_line_is_one_short_line_and_lesson_notes_replace_them():
    for page, notes in FIGURE_NOTES.items():
        assert page_file(page).exists()
        for figure, text in notes.items():
            assert 10 < len(text) <= 120 and "\n" not in text, (page, figure)
    for lesson in LESSONS:
        for figure, text in lesson.notes.items():
            assert len(text) <= 120
            assert figure_note(lesson.page, figure, lesson) == text
            assert figure_note(lesson.page, figure) == FIGURE_NOTES[lesson.page][figure]
    restarts = BY_SLUG["restarts"]
    assert figure_note("", "X", restarts) == FIGURE_NOTES[""]["X"]  # no note: the figure's
    assert figure_note("compare", "by_time", restarts) == FIGURE_NOTES["compare"]["by_time"]


def test_the_figure_lines_say_what_the_issue_asks():
    assert "the closer, the lower the error" in FIGURE_NOTES[""]["AS"]
    assert "red where the model falls short, blue where it overshoots" in \
        FIGURE_NOTES[""]["residual"]


def test_slugs_are_unique():
    assert len(BY_SLUG) == len(LESSONS)
