"""The dashboard's web server: Streamlit's `st.App` plus our own same-origin routes.

`serve` builds and runs it (`python -m app serve`); `cookie_routes` are the routes and the
browser-binding middleware that set and clear the HttpOnly session cookie.
"""

from app.server.serve import build, lifespan, run

__all__ = ["build", "lifespan", "run"]
