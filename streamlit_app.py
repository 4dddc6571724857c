"""Entry point for `streamlit run streamlit_app.py` (kept away from any `pages/` folder)."""

from app.main import main

main()
