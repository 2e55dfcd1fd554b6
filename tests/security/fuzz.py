"""Helpers for the Hypothesis form fuzzing in tests/security/test_fuzz_*.py.

``page_form(client, page_url, action_url)`` reads the real form off the page a user sees (its field
names, hidden values, select and radio choices), so the fuzz posts what a browser could post plus
junk; ``posted(form)`` is a strategy of POST bodies for it: each field left out, given a valid
choice, or given arbitrary text (unicode, control characters), numbers or dates, plus unknown keys.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from hypothesis import strategies as st

SKIP = {"csrfmiddlewaretoken"}
JUNK_TEXT = st.text(max_size=80)
JUNK = st.one_of(
    JUNK_TEXT,
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["", " ", "0", "-1", "1e9", "NaN", "2026-02-30", "\x00", "<b>x</b>", "' OR 1=1 --"]),
)


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []  # [(action, method, {name: {"type": t, "values": [..]}})]
        self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a.get("action") or "", (a.get("method") or "get").lower(), {}))
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select", "button") and a.get("name") and a["name"] not in SKIP:
            kind = a.get("type", "text") if tag == "input" else tag
            field = self.forms[-1][2].setdefault(a["name"], {"type": kind, "values": []})
            if a.get("value") is not None:
                field["values"].append(a["value"])
            self.select = field if tag == "select" else None
        elif tag == "option" and self.select is not None:
            self.select["values"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def page_forms(html: str) -> list:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def page_form(client, page_url: str, action_url: str) -> dict:
    """The fields of the POST form on ``page_url`` whose action is ``action_url`` (merged if several)."""
    response = client.get(page_url)
    assert response.status_code == 200, f"{page_url}: {response.status_code}"
    fields = {}
    for action, method, form_fields in page_forms(response.content.decode()):
        if method == "post" and urlsplit(urljoin(page_url, action)).path == urlsplit(action_url).path:
            for name, field in form_fields.items():
                fields.setdefault(name, {"type": field["type"], "values": []})["values"] += field["values"]
    assert fields, f"no form posting to {action_url} on {page_url}"
    return fields


def value_for(field: dict) -> st.SearchStrategy:
    kind, values = field["type"], [v for v in field["values"] if v is not None]
    typed = {
        "number": st.integers(min_value=-100, max_value=10**6).map(str),
        "date": st.dates().map(lambda d: d.isoformat()),
        "email": st.emails(),
    }.get(kind)
    options = [st.sampled_from(values)] if values else []
    return st.one_of(*options, *([typed] if typed else []), JUNK)


def posted(fields: dict, *, extra: bool = True) -> st.SearchStrategy:
    """POST bodies for ``fields``: each field missing or a value; checkboxes may carry several."""
    parts = {}
    for name, field in fields.items():
        if field["type"] == "checkbox" and field["values"]:
            parts[name] = st.one_of(st.none(), st.lists(value_for(field), max_size=3))
        else:
            parts[name] = st.one_of(st.none(), value_for(field))
    body = st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})
    if not extra:
        return body
    keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(lambda k: k not in fields)
    junk_keys = st.dictionaries(keys, JUNK_TEXT, max_size=2)
    return st.tuples(body, junk_keys).map(lambda pair: {**pair[1], **pair[0]})


def shows_errors(response) -> bool:
    body = response.content.decode(errors="replace")
    return "nhsuk-error-summary" in body or "nhsuk-error-message" in body
