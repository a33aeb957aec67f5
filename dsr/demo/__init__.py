"""The demo company "Beispiel GmbH": every kind of source, with the hard cases real companies have."""
