"""Message templates: defaults, edits, safe placeholders, rendering with mention pills."""

import pytest

from app.services import templates
from app.services.audit import AuditFilter, search
from app.utils.errors import InputError

ADA = {"name": "Ada <L>", "username": "ada", "matrix_id": "@ada:example.org"}


def test_default_renders_text_html_and_mentions(db):
    rendered = templates.render("graduation", ADA)
    assert rendered.text.startswith("Ada <L> is all set up")
    assert rendered.html.startswith(
        '<a href="https://matrix.to/#/@ada:example.org">Ada &lt;L&gt;</a>'
    )
    assert rendered.mentions == ("@ada:example.org",)


def test_saved_template_replaces_the_default_until_reset(db):
    templates.save(actor="admin", key="welcome_dm", body="Hello {name} ({username})")
    view = templates.get("welcome_dm")
    assert not view.is_default and view.updated_by == "admin"
    assert templates.render("welcome_dm", ADA).text == "Hello Ada <L> (ada)"
    assert templates.render("welcome_dm", ADA).mentions == ()
    templates.reset(actor="admin", key="welcome_dm")
    assert templates.get("welcome_dm").is_default
    assert [r.action for r in search(AuditFilter(actor="admin")).rows] == [
        "template.reset",
        "template.update",
    ]


@pytest.mark.parametrize(
    "body",
    [
        "Hi {nope}",
        "Hi {name.__class__}",
        "Hi {name[0]}",
        "Hi {name!r}",
        "Hi {name:>10}",
        "Hi {}",
        "Hi {reason}",
        "unbalanced {",
        "",
    ],
)
def test_unsafe_or_unknown_placeholders_are_refused_naming_the_field(db, body):
    with pytest.raises(InputError) as caught:
        templates.save(actor="admin", key="welcome_dm", body=body)
    assert caught.value.field == "Template"
    assert templates.get("welcome_dm").is_default


def test_literal_braces_and_removal_reason(db):
    rendered = templates.render_body(
        "removal_custom", "{{rules}} {mention}: {reason}", {**ADA, "reason": "spam links"}
    )
    assert rendered.text == "{rules} Ada <L>: spam links"
    assert templates.preview("removal_spam", templates.SPECS["removal_spam"].default).text
