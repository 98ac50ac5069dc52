"""The benchmarks (bench/README.md); a package only so that gunicorn can import
bench.settings and bench.urls, which route the floor view no deployment has."""
