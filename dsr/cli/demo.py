"""`dsr demo`: being written (helper); replaced before commit."""
