"""Erasure (Art. 17): plan, execute, verify, confirm."""
