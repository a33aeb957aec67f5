"""Finding people: who is looked for, where they are, and what links to them.

``person`` parses a person's identifiers, ``engine`` finds them in every source in
one pass per source, ``links`` follows the links declared in dsr.yaml across
sources, ``infer`` the links a schema does not declare. `find`, `access` and
erasure all go through here, so a person is found the same way every time.
"""
