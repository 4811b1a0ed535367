"""Records, in the installed package, the ultrastream source tree it was
installed from, so that ``ultrastream`` finds ``target/release`` or
``target/debug`` of that tree without ``ULTRASTREAM_LIB``. Everything else
is in pyproject.toml."""

import os

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_source_root(build_py):
    def run(self):
        super().run()
        here = os.path.dirname(os.path.abspath(__file__))
        # bindings/python -> the repository root; ULTRASTREAM_SOURCE_ROOT
        # overrides it when installing from a copy of bindings/python.
        root = os.environ.get("ULTRASTREAM_SOURCE_ROOT") or os.path.dirname(os.path.dirname(here))
        root = os.path.abspath(root)
        if not os.path.isfile(os.path.join(root, "Cargo.toml")):
            return
        target = os.path.join(self.build_lib, "ultrastream", "_build_info.py")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write('"""Written at install time by setup.py."""\n\n')
            f.write(f"SOURCE_ROOT = {root!r}\n")


setup(cmdclass={"build_py": build_py_with_source_root})
