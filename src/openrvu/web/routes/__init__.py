"""Route modules, one per concern: code reference, JSON API, accounts, log, dashboard, transfer, groups."""
