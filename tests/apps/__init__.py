"""Five real applications' schemas (../shared/data/apps), filled with invented people.

``world`` builds one application's database (SQLite from ``schema.sql``, MariaDB from
``schema.mysql.sql``), fills it through its module here (``opencart``, ``dolibarr``,
``matomo``, ``joomla``, ``prestashop``: ``populate(db, fake, rng) -> Planted``) and says which
rows the application itself would call the planted person's (from the app's NOTES.md).
The DDL is read at test time and never copied into this repository.
"""
