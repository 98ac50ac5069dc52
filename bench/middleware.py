"""Counts the SQL statements of each request in the benchmark's workers (bench/settings.py).

The count goes back in the ``X-Bench-Queries`` header, which bench/loadgen.py reads, so
"queries per request" is measured in the real workers under load, not in a test client.
It counts every statement run on the default connection while the request is handled
(the after-commit work of the request included). One wrapper call per statement: the
same small cost for every scenario, the floor included.
"""

from django.db import connection


def count_queries(get_response):
    def middleware(request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response

    return middleware
