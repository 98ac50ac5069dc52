"""Pages of hot issues (热点问题)."""
