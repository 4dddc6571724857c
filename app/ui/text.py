"""Outside data shown as text, never as markdown.

Names, display names, usernames, emails, group and room names, topics, attributes and remote
error messages come from Authentik, Matrix or the people being moderated. Streamlit renders
markdown in st.markdown, st.write of a string, captions, alerts, headings, expander and widget
labels: a display name like `![x](https://tracker.example/p.png)` would load an image from
another host (leaking the moderator's address) and `[click](https://...)` would be a live link.

`md()` escapes every ASCII punctuation character (CommonMark allows a backslash before any of
them), so no link, image, emphasis, HTML, colour directive or LaTeX can form from the value;
line breaks become spaces, so it cannot start a block either. GitHub-style autolinks are the
exception: Streamlit's renderer finds bare `http://`, `www.` and `name@host` in the text AFTER
escapes are undone, so an invisible WORD JOINER (U+2060) goes where those patterns would
start (a scheme's colon, after `www`, before an e-mail's `@`), which they cannot cross (seen in
Chromium: escapes alone left live links). Inputs strip it again (app.utils.plain_text).

Use it for every piece of outside data placed in a markdown context; st.text, st.code,
st.dataframe, st.json and select options are plain text already and need nothing.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# Where GitHub's autolink patterns would start: a scheme's colon, "www.", an e-mail's "@".
# A Matrix ID ("@name:server") matches none of them and stays as typed (page search finds it).
_AUTOLINK_JOINTS = re.compile(
    r"(?i:(?<=http)|(?<=https)|(?<=ftp)|(?<=mailto)|(?<=xmpp))(?=:)"
    r"|(?i:(?<=www))(?=\.)"
    r"|(?<=[\w.+-])(?=@)"
)
WORD_JOINER = "\u2060"


def md(value: object) -> str:
    """`value` as markdown source that renders as its text, linking nowhere."""
    text = _AUTOLINK_JOINTS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(value)))
    return _PUNCTUATION.sub(r"\\\1", text)
