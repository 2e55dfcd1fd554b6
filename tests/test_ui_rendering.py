"""The base UI layer: nhsuk form rendering, the compiled stylesheet, and pages that obey the CSP."""

import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.base import Message
from django.template import Context, Origin, Template, engines
from django.template.loader import render_to_string
from django.test import RequestFactory

STATIC_DIR = Path(settings.BASE_DIR) / "static"


class DiaryForm(forms.Form):
    name = forms.CharField(label="Your name")
    email = forms.EmailField(label="Email address", help_text="We send reminders here.")
    pain = forms.ChoiceField(
        label="How bad is your pain today?",
        choices=[("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")],
        widget=forms.RadioSelect,
    )
    agree = forms.BooleanField(label="I have read the terms")
    note = forms.CharField(label="Anything else?", required=False, widget=forms.Textarea)


@pytest.fixture
def invalid_form_html():
    form = DiaryForm(data={"email": "not-an-email"})
    assert not form.is_valid()
    return str(form)


def test_it_lists_every_error_in_a_summary_with_links(invalid_form_html):
    html = invalid_form_html
    assert 'class="nhsuk-error-summary"' in html
    assert 'data-module="nhsuk-error-summary"' in html
    assert 'tabindex="-1"' in html
    assert 'role="alert"' in html
    assert "There is a problem" in html
    for name in ("name", "email", "pain", "agree"):
        assert f'href="#id_{name}"' in html
    assert 'href="#id_note"' not in html


def test_it_shows_each_error_next_to_its_field(invalid_form_html):
    html = invalid_form_html
    for name in ("name", "email", "pain", "agree"):
        assert re.search(
            rf'<span class="nhsuk-error-message" id="id_{name}_error">\s*'
            rf'<span class="nhsuk-u-visually-hidden">Error:</span>',
            html,
        ), name
    assert html.count("nhsuk-form-group--error") == 4


def test_it_points_screen_readers_at_the_hint_and_the_error(invalid_form_html):
    email = re.search(r"<input[^>]*name=\"email\"[^>]*>", invalid_form_html).group(0)
    assert 'aria-describedby="id_email_helptext id_email_error"' in email
    assert 'aria-invalid="true"' in email
    assert 'class="nhsuk-input nhsuk-input--error"' in email
    assert '<div class="nhsuk-hint" id="id_email_helptext">We send reminders here.</div>' in invalid_form_html
    name = re.search(r"<input[^>]*name=\"name\"[^>]*>", invalid_form_html).group(0)
    assert 'aria-describedby="id_name_error"' in name


def test_it_groups_radios_in_a_fieldset_and_links_the_first_one(invalid_form_html):
    html = invalid_form_html
    assert '<fieldset class="nhsuk-fieldset" aria-describedby="id_pain_error">' in html
    assert (
        '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">How bad is your pain today?</legend>' in html
    )
    assert 'class="nhsuk-radios" data-module="nhsuk-radios"' in html
    # The error summary links to #id_pain: the first radio carries that id.
    assert re.search(r'<input type="radio" name="pain" value="mild" class="nhsuk-radios__input" id="id_pain"', html)
    assert '<label class="nhsuk-label nhsuk-radios__label" for="id_pain">Mild</label>' in html
    assert '<label class="nhsuk-label nhsuk-radios__label" for="id_pain_1">Moderate</label>' in html


def test_it_puts_a_single_checkbox_label_beside_the_box(invalid_form_html):
    html = invalid_form_html
    checkbox = re.search(r"<input[^>]*name=\"agree\"[^>]*>", html).group(0)
    assert 'class="nhsuk-checkboxes__input"' in checkbox
    assert 'aria-describedby="id_agree_error"' in checkbox
    assert '<label class="nhsuk-label nhsuk-checkboxes__label" for="id_agree">I have read the terms</label>' in html
    assert "I have read the terms (optional)" not in html


def test_it_marks_optional_fields_and_styles_textareas(invalid_form_html):
    assert '<label class="nhsuk-label" for="id_note">Anything else? (optional)</label>' in invalid_form_html
    assert re.search(r'<textarea name="note" class="nhsuk-textarea"', invalid_form_html)


def test_a_valid_form_has_no_error_summary():
    form = DiaryForm(data={"name": "Margaret", "email": "m@example.com", "pain": "mild", "agree": "on"})
    assert form.is_valid()
    html = str(form)
    assert "nhsuk-error-summary" not in html
    assert "nhsuk-error-message" not in html
    assert "aria-invalid" not in html


def test_non_field_errors_are_listed_without_a_link():
    class SignInForm(forms.Form):
        email = forms.EmailField(label="Email address")

        def clean(self):
            raise forms.ValidationError("The email address or password is not right.")

    html = str(SignInForm(data={"email": "m@example.com"}))
    assert "<li>The email address or password is not right.</li>" in html


def test_the_stylesheet_is_built_without_a_cdn_or_the_nhs_font():
    css = (STATIC_DIR / "css" / "steady.css").read_text(encoding="utf-8")
    assert len(css) > 100_000
    assert "http://" not in css
    assert "https://" not in css
    assert "Frutiger" not in css
    assert "#00676b" in css  # Steady's brand colour, not the NHS blue header
    for url in set(re.findall(r'url\("(/static/[^"]+)"\)', css)):
        assert (STATIC_DIR / url.removeprefix("/static/")).is_file(), url


def test_the_javascript_is_a_module_that_starts_nhsuk_frontend():
    steady_js = (STATIC_DIR / "js" / "steady.js").read_text(encoding="utf-8")
    assert 'import { initAll } from "../nhsuk/nhsuk-frontend.min.js";' in steady_js
    nhsuk_js = (STATIC_DIR / "nhsuk" / "nhsuk-frontend.min.js").read_text(encoding="utf-8")
    assert "initAll" in nhsuk_js
    assert "sourceMappingURL" not in nhsuk_js  # the map is not shipped; collectstatic would fail on it


def assert_obeys_csp(response):
    """No inline style or script: every script has a src (or is inert JSON) and the CSP nonce."""
    html = response.content.decode()
    assert "style=" not in html
    assert "<style" not in html
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    for tag in scripts:
        if 'type="application/json"' in tag:
            continue
        assert " src=" in tag, tag
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.django_db
def test_the_sign_in_page_uses_nhsuk_and_the_csp(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Steady" in html
    assert " – Steady</title>" in html
    assert 'class="nhsuk-header' in html
    assert 'href="#maincontent"' in html
    assert '<main id="maincontent" class="nhsuk-main-wrapper" role="main">' in html
    assert 'class="nhsuk-input"' in html
    assert 'class="nhsuk-label" for="id_login"' in html
    assert 'class="nhsuk-button"' in html
    assert "placeholder=" not in html
    assert 'type="module"' in html
    assert '"historyCacheSize":0' in html
    assert "NHS" not in html.replace("nhsuk", "")
    assert_obeys_csp(response)


@pytest.mark.django_db
def test_a_failed_sign_in_shows_the_error_summary(client):
    response = client.post("/accounts/login/", {"login": "nobody@example.com", "password": "wrong password"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="nhsuk-error-summary"') == 1
    # nhsuk puts the summary at the top of the page, above the heading.
    assert html.index("There is a problem") < html.index("<h1")
    assert_obeys_csp(response)


@pytest.mark.django_db
def test_signed_in_pages_have_navigation_and_a_sign_out_button(patient, login):
    response = login(patient).get("/legal/terms/")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r'<form class="nhsuk-header__account-form" method="post" action="/accounts/logout/">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">'
        r'<button class="nhsuk-header__account-button" type="submit">Sign out</button></form>',
        html,
    )
    assert "nhsuk-header__navigation-link" in html
    assert 'hx-headers=\'{"x-csrftoken": "' in html
    assert_obeys_csp(response)


@pytest.mark.django_db
def test_the_active_navigation_item_is_marked_as_the_current_page(patient, login):
    html = login(patient).get("/profile/").content.decode()
    current = re.findall(r'<a class="nhsuk-header__navigation-link" href="([^"]+)" aria-current="page">', html)
    assert current == ["/profile/"]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (message_levels.SUCCESS, "nhsuk-notification-banner--success"),
        (message_levels.INFO, "nhsuk-inset-text"),
        (message_levels.WARNING, "nhsuk-card--warning"),
        (message_levels.ERROR, "nhsuk-error-summary"),
    ],
)
def test_messages_are_shown_as_nhsuk_components(level, expected):
    request = RequestFactory().get("/")
    html = render_to_string(
        "base.html", {"messages": [Message(level, "Your diary is saved.")], "csp_nonce": "n"}, request=request
    )
    assert expected in html
    assert "Your diary is saved." in html


def render_element(source, **context):
    """Render allauth {% element %} tags as a page template would (they need a template name)."""
    origin = Origin(name="test_elements.html", template_name="test_elements.html")
    template = Template("{% load allauth %}" + source, origin=origin, engine=engines["django"].engine)
    return template.render(Context(context))


def test_allauth_fields_built_by_hand_get_labels_hints_and_errors():
    html = render_element(
        '{% element field id="new_email" name="email" type="email" value="x" errors=errors %}'
        "{% slot label %}New email{% endslot %}{% slot help_text %}We will check it.{% endslot %}{% endelement %}",
        errors=forms.utils.ErrorList(["Enter a valid email address."]),
    )
    assert '<label class="nhsuk-label" for="new_email">New email</label>' in html
    assert '<div class="nhsuk-hint" id="new_email_helptext">We will check it.</div>' in html
    assert 'id="new_email_error"' in html
    assert 'aria-describedby="new_email_helptext new_email_error"' in html
    assert 'class="nhsuk-input nhsuk-input--error"' in html


def test_allauth_shown_only_values_can_be_copied_and_checkboxes_have_their_label_beside():
    secret = render_element(
        '{% element field id="authenticator_secret" type="text" value="ABC" disabled=True %}'
        "{% slot label %}Authenticator secret{% endslot %}{% endelement %}"
    )
    assert " readonly" in secret
    assert " disabled" not in secret
    checkbox = render_element(
        '{% element field type="checkbox" id="codes_saved" %}{% slot label %}I have saved my codes{% endslot %}'
        "{% endelement %}"
    )
    assert 'class="nhsuk-checkboxes__input" type="checkbox"' in checkbox
    assert (
        '<label class="nhsuk-label nhsuk-checkboxes__label" for="codes_saved">I have saved my codes</label>' in checkbox
    )


def test_allauth_buttons_have_one_primary_action():
    html = render_element(
        '{% element button type="submit" %}Sign in{% endelement %}'
        '{% element button href="/a/" %}Download{% endelement %}'
        '{% element button type="submit" tags="danger,delete" %}Remove{% endelement %}'
        '{% element button type="submit" form="x" tags="link,cancel" %}Cancel{% endelement %}'
    )
    assert '<button class="nhsuk-button" type="submit" data-module="nhsuk-button">Sign in</button>' in html
    assert '<a class="nhsuk-button nhsuk-button--secondary" href="/a/"' in html
    assert '<button class="nhsuk-button nhsuk-button--warning" type="submit"' in html
    assert '<button class="steady-button-link" type="submit" form="x">Cancel</button>' in html
