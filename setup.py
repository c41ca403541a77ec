"""The one compiled part of openrvu: the CSV writer of bulk repricing (``openrvu.pricing._csvout``).

Everything else is declared in pyproject.toml. The extension is optional: where no C compiler is at
hand the install goes on and bulk repricing writes its CSV through pyarrow instead (same text, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "openrvu.pricing._csvout",
            ["src/openrvu/pricing/_csvout.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
