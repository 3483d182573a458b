"""Rules a-f and the AVG checks, the session model, purposes, retention and the audit log."""
