"""Pages of smart triage: suggestions, the routing table and the reply check."""
