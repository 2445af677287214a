"""The store seam: the one place that knows how queries reach the data.

``base.QueryStore`` is the interface the web layer uses; ``embedded.EmbeddedStore`` answers from the
release's own pyoxigraph store (the default, no external service).
"""
