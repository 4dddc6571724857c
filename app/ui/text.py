"""Outside data shown as text, never as markdown.

Names, display names, usernames, emails, group and room names, topics, attributes and remote
error messages come from Authentik, Matrix or the people being moderated. Streamlit renders
markdown in st.markdown, st.write of a string, captions, alerts, headings, expander and widget
labels: a display name like `![x](https://tracker.example/p.png)` would load an image from
another host (leaking the moderator's address) and `[click](https://...)` would be a live link.

`md()` escapes every ASCII punctuation character (CommonMark allows a backslash before any of
them), so no link, image, emphasis, HTML, colour directive, LaTeX or autolink can form from
the value; line breaks become spaces, so it cannot start a block either. Use it for every
piece of outside data placed in a markdown context; st.text, st.code, st.dataframe, st.json
and select options are plain text already and need nothing.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md(value: object) -> str:
    """`value` as markdown source that renders exactly as its text."""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))
