"""The production settings, with the URLconf that adds the benchmark's floor view.

bench/stack.py starts Django and gunicorn with DJANGO_SETTINGS_MODULE=bench.settings.
"""

from tongxin.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
