"""Streamlit-side helpers of the app: texts, shared state, cached data, layout.

The library (``optil_geo``) stays free of Streamlit; everything that touches
``st`` lives here or in ``pages/``.
"""
