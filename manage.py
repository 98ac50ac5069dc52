#!/usr/bin/env python
"""Django's command-line utility; ``python -m tongxin`` does the same."""

from tongxin.__main__ import main

if __name__ == "__main__":
    main()
