"""The web layer: one Flask app, one blueprint per family of routes.

``app`` builds the app and holds the current release; ``negotiation`` maps Accept headers and file
extensions to formats and sets the caching and discovery headers in one place.
"""
