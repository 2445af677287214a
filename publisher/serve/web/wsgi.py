"""The WSGI entry point of the server processes: the app, configured from ``PUBLISHER_*`` variables.

``publisher serve`` puts its resolved configuration into the environment before it starts them;
any other WSGI server can use ``publisher.serve.web.wsgi:app`` the same way.
"""

import gc

from publisher.core.config import Config, keep_credentials_out_of_environment
from publisher.serve.web.app import create_app

app = create_app(Config.load())
keep_credentials_out_of_environment()  # before the server copies the environment into every request's environ
# The app's own objects (modules, templates, the release's tables: some 50,000) live as long as the process:
# out of the collector's sight, a full collection no longer walks them (it took 32 ms, once every hundred or
# so queries, measured with an external store at 1M triples).
gc.freeze()
