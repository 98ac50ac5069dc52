"""The matter pages: residents' (resident.py: raise, my matters, the board, rating) and
staff's (staff.py: the inbox, the list, a matter's page and its actions, recording).
Both read through ``matters.selectors`` and act through ``matters.actions``."""
