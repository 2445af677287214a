"""The WSGI entry point of the server processes: the app, configured from ``PUBLISHER_*`` variables.

``publisher serve`` puts its resolved configuration into the environment before it starts them;
any other WSGI server can use ``publisher.serve.web.wsgi:app`` the same way.
"""

from publisher.core.config import Config
from publisher.serve.web.app import create_app

app = create_app(Config.load())
