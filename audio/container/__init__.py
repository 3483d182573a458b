"""The sealed, encrypted container: layout, writer, reader and verifier, sealing after a crash."""
