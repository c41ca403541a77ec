"""openrvu: an open medical code reference and work-RVU tracker built on the CMS Physician Fee Schedule."""

__version__ = "0.1.0"
