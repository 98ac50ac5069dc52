"""The production settings, with the URLconf that adds the benchmark's floor view and a
middleware that counts each request's SQL statements (bench/middleware.py).

bench/stack.py starts Django and gunicorn with DJANGO_SETTINGS_MODULE=bench.settings.
"""

from tongxin.settings import *  # noqa: F403
from tongxin.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.count_queries", *MIDDLEWARE]
