"""Markdown written by people: rendered, and sanitised so that no raw HTML or script gets through."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from app.markdown import render_markdown
from tests.factories_bodies import BodyFactory, html

HOSTILE = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert('xss')>",
    "[click](javascript:alert('xss'))",
    "<a href=\"javascript:alert('xss')\">raw link</a>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">styled</p>',
    "<svg onload=alert('xss')></svg>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<form action="https://evil.example"><input name="password"></form>',
    "<!-- <script>alert('xss')</script> -->",
]


ALLOWED_TAGS = {"p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h2", "h3", "h4",
                "table", "thead", "tbody", "tr", "th", "td"}  # fmt: skip
SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


class _Tags(HTMLParser):
    """Every real tag in a piece of HTML with its attributes (escaped text is text, not a tag)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_safe(rendered: str) -> None:
    for tag, attributes in _Tags(rendered).tags:
        assert tag in ALLOWED_TAGS, (tag, rendered)
        for name, value in attributes.items():
            assert name in {"href", "title", "rel", "scope"}, (tag, name, rendered)
            if name == "href":
                assert SAFE_URL.match(value or ""), (value, rendered)


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_is_stripped_or_escaped(source):
    rendered = str(render_markdown(source))
    assert_safe(rendered)
    assert "<script" not in rendered.lower()


def test_the_text_of_stripped_tags_stays_readable():
    assert "raw link" in render_markdown('<a href="javascript:alert(1)">raw link</a>')
    assert "styled" in render_markdown('<p style="color:red">styled</p>')


def test_script_content_is_dropped_not_shown():
    assert "alert" not in render_markdown("Hallo <script>alert(1)</script> Welt")


def test_normal_markdown_renders():
    rendered = str(
        render_markdown(
            "Der Rat **steuert** die _Umsetzung_.\n\n"
            "- erstens\n- zweitens\n\n"
            "1. eins\n2. zwei\n\n"
            "Siehe [OZG](https://www.onlinezugangsgesetz.de) oder [Mail](mailto:rat@example.org).\n\n"
            "| A | B |\n|---|---|\n| 1 | 2 |\n"
        )
    )
    assert "<strong>steuert</strong>" in rendered
    assert "<em>Umsetzung</em>" in rendered
    assert "<ul>" in rendered and "<li>erstens</li>" in rendered
    assert "<ol>" in rendered and "<li>eins</li>" in rendered
    assert '<a href="https://www.onlinezugangsgesetz.de" rel="noopener noreferrer nofollow">OZG</a>' in rendered
    assert 'href="mailto:rat@example.org"' in rendered
    assert "<table>" in rendered and "<td>1</td>" in rendered


def test_result_is_markup_and_empty_input_gives_nothing():
    assert isinstance(render_markdown("x"), Markup)
    assert render_markdown("") == "" and render_markdown(None) == ""


def test_ampersands_and_angle_brackets_in_text_are_escaped():
    rendered = str(render_markdown("Land & Kommunen: 8 < 9 > 7"))
    assert "&amp;" in rendered and "&lt;" in rendered and "&gt;" in rendered


def test_the_body_page_shows_the_mandate_sanitised(client, app):
    BodyFactory(
        code="MAND",
        mandate="\n\n".join(
            ["Der Rat **steuert** die Umsetzung.", "- eins\n- zwei", "[OZG](https://ozg.example)", *HOSTILE]
        ),
    )
    page = html(client.get("/bodies/MAND"))
    mandate = re.search(r'<div class="koop-prose">(.*?)</div>', page, re.DOTALL).group(1)
    assert "<strong>steuert</strong>" in mandate
    assert "<li>eins</li>" in mandate
    assert 'href="https://ozg.example"' in mandate
    assert_safe(mandate)
    assert 'href="https://evil.example"' not in page and 'action="https://evil.example"' not in page
