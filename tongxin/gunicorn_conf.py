"""gunicorn settings of the web workers (``scripts/serve.py``, ``bench/stack.py``):
``gunicorn -c python:tongxin.gunicorn_conf tongxin.wsgi:application``.

The app, and every district's active triage model with jieba's dictionary, are loaded
once in the master, before it forks the workers: their pages are shared copy-on-write
instead of each worker reading its own copy (about 100 MiB a worker with a model;
bench/README.md, memory). ``gc.freeze()`` keeps the collector of a worker from writing
to the shared objects. A model activated later by another process is still picked up:
each worker checks the active model's checksum on every suggestion and loads a changed
one by itself, and the master loads it before it forks the next worker (a restart, or
``kill -HUP`` of the master, shares it again).
"""

import gc

preload_app = True


def pre_fork(server, worker):
    from tongxin.triage.runtime import preload

    preload()
    # Objects that exist now are never collected in a worker: the collector neither walks
    # them nor writes their headers, so their pages stay shared.
    gc.freeze()
