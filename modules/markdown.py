"""Markdown to safe HTML for program text. Operators write the Markdown; it is still sanitised,
so a slip (or a compromised admin account) cannot put script or styles into patients' pages."""

from functools import lru_cache

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "ul", "ol", "li", "blockquote", "a", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> SafeString:
    return mark_safe(_sanitised_html(text or ""))  # noqa: S308 - nh3 has removed everything not on the allow-list


# Program text changes only when a programme is loaded or edited, and a new text is a new key, so
# each page's HTML is made once per process instead of on every view (bench/README.md: Markdown and
# nh3 were the module page's largest Python cost).
@lru_cache(maxsize=512)
def _sanitised_html(text: str) -> str:
    html = md.markdown(text, extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
