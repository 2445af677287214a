"""Linked Open Data publisher for the Office for International Relations of the City of Dortmund.

The flow is data in → validate → build → serve; each step is a module of its own:
``sources`` (load with provenance), ``validation`` (SHACL and the human report), ``build`` (the atomic
release), ``store`` (query seam) and ``web`` (Linked Data, SPARQL, catalogue).
"""

__version__ = "0.1.0"
