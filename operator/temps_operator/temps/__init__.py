"""The Temps backend: an async API client, its wire models, and the sync of each kind to a Temps instance."""
