"""Answering access (Art. 15) and portability (Art. 20) requests.

``answer`` runs the lookup for a request and writes the documents, ``letter``
builds what the person is told, ``copy`` the machine-readable copy of the data.
"""
