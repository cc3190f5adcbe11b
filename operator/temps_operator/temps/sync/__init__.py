"""Sync of each kind to Temps: read the remote twin, adopt or create it, correct what differs, report status."""
