"""The ``sql`` connector: any database SQLAlchemy reaches (SQLite, PostgreSQL, MariaDB, ...).

``connector`` holds the class dsr.yaml's ``type: sql`` names, ``query`` the
parameterised lookups and erasure statements, ``schema`` the reflection of tables,
keys and indexes. The class and its options are re-exported here because
``dsr.connectors.sql:SqlConnector`` is the registry's public name for it.
"""

from dsr.connectors.sql.connector import SqlConnector, SqlOptions, engine_url

__all__ = ["SqlConnector", "SqlOptions", "engine_url"]
