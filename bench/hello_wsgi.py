"""The WSGI app the benchmarks serve with gunicorn: Koop's app (as wsgi.py makes it) plus a hello-world route.

The route exists only in this entry point, never in the product. It is the ceiling the pages are measured
against: the same app, extensions and request hooks (security headers, request log, session), but no
template and no query.
"""

from common import add_hello_route

from app import create_app

app = add_hello_route(create_app())
