"""A fixed corpus of hostile text, posted into every free-text field by tests/security/test_hostile_inputs.py."""

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7*7 }}{% debug %}"
NUL = "before\x00after"
HUGE = "A" * 1_000_000
RTL = "abc\u202etxt.exe"
ZERO_WIDTH = "zero\u200b\u200d\ufeffwidth"
CRLF = "line1\r\nSet-Cookie: x=1"
SINGLE_QUOTE = "'; DROP TABLE clinics_clinic; --"
JAVASCRIPT_URL = '<a href="javascript:alert(1)">click</a>'
FORMAT_STRING = "%(password)s {0.__class__} %s%n"
EMOJI_AND_COMBINING = "pain \U0001f62d e\u0301\u0301\u0301"

# Everything except HUGE, which costs a megabyte per request and is posted once per field.
CORPUS = {
    "script": SCRIPT,
    "attribute": ATTRIBUTE,
    "template": TEMPLATE,
    "nul": NUL,
    "rtl": RTL,
    "zero_width": ZERO_WIDTH,
    "crlf": CRLF,
    "sql": SINGLE_QUOTE,
    "javascript_url": JAVASCRIPT_URL,
    "format_string": FORMAT_STRING,
    "emoji": EMOJI_AND_COMBINING,
}

# Raw markup that must never reach a page unescaped.
RAW_MARKUP = ("<script>alert(1)", "<img src=x onerror", '<a href="javascript:')

# Text that, found in a log message, means a payload reached the logs.
LOG_MARKERS = ("alert(1)", "Set-Cookie: x=1", "7*7", "DROP TABLE", "\u202e", "before\x00after", "AAAAAAAAAAAAAAAA")
