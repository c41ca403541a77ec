"""The reference database: every loaded CMS PFS release and the tables around it, in one SQLite file.

- :func:`openrvu.reference.build.ingest` loads CMS files (all or nothing; re-loading changes nothing).
- :class:`openrvu.reference.db.ReferenceDB` looks codes, localities and releases up.
- :func:`openrvu.reference.lookup.code_info` gives everything about one code as a JSON-ready dict.
- :func:`openrvu.reference.categories.category_of` names the CPT section or HCPCS Level II group of a code.
"""
