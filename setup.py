"""`pip install .`: builds Kiln's Python package with CMake (scripts/build.sh,
in $KILN_BUILD_DIR or ./build, installing the Debian packages it needs) and
installs build/python/kiln. There is deliberately no pyproject.toml: pip
then builds with the environment's setuptools (Debian's
python3-setuptools) instead of downloading one, so the install works
offline. On Debian the system Python is externally managed, so install
into a virtual environment that sees Debian's NumPy:
    python3 -m venv --system-site-packages ~/kiln-env
    ~/kiln-env/bin/pip install .
"""
import os
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("KILN_BUILD_DIR", os.path.join(ROOT, "build"))
# setuptools' own files go under the CMake build, not into the clone.
DIST = os.path.join(BUILD, "python-dist")
os.makedirs(DIST, exist_ok=True)


class BuildWithCMake(build_ext):
    def run(self):
        subprocess.check_call(["bash", os.path.join(ROOT, "scripts", "build.sh"), "kiln-python"],
                              env={**os.environ, "KILN_BUILD_DIR": BUILD})
        shutil.copytree(os.path.join(BUILD, "python", "kiln"),
                        os.path.join(self.build_lib, "kiln"), dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))


class BinaryDistribution(Distribution):
    """The package carries the compiled _kiln module: a platform wheel."""

    def has_ext_modules(self):  # so that build_ext (the CMake build) runs
        return True


setup(
    name="kiln",
    version="0.1.0",
    description="A Keras-style model compiler on MLIR: `from kiln import keras`",
    python_requires=">=3.9",
    packages=[],
    cmdclass={"build_ext": BuildWithCMake},
    distclass=BinaryDistribution,
    options={"build": {"build_base": DIST}, "egg_info": {"egg_base": DIST}},
)
