"""Tongxin (同心): party-building-led grassroots governance for an urban district."""
