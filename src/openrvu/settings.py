"""One settings object, read from the environment.

- ``OPENRVU_HOME``: the data directory holding every piece of state (reference database, application
  database, benchmark tables). Default: the platform's user data directory.
- ``OPENRVU_CMS_DIR``: where the user's copy of the CMS files lives. Default: ``../shared/data`` beside
  the checkout.
- ``DATABASE_URL``: the application database. Default: an SQLite file in ``OPENRVU_HOME``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

_CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    home: Path
    cms_dir: Path
    database_url: str

    @property
    def reference_db(self) -> Path:
        return self.home / "reference.sqlite"

    @property
    def benchmarks_dir(self) -> Path:
        return self.home / "benchmarks"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home = Path(env.get("OPENRVU_HOME") or platformdirs.user_data_dir("openrvu")).expanduser()
    cms_dir = Path(env.get("OPENRVU_CMS_DIR") or (_CHECKOUT.parent / "shared" / "data")).expanduser()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{home / 'openrvu.sqlite'}"
    return Settings(home=home, cms_dir=cms_dir, database_url=database_url)
