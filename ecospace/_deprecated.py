"""Old module paths (``ecospace.area``, ``ecospace.check`` …) kept one release.

Before the stage folders every module sat directly in ``ecospace/``.  Importing an old
path still works, with a DeprecationWarning naming the new one; no file stands in for
it, an import hook answers for the old names.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import types
import warnings
from collections.abc import Mapping
from importlib import import_module


class _CallableModule(types.ModuleType):
    """``ecospace.check`` the old module that is also the function it is named after."""

    def __call__(self, *args, **kwargs):
        return self.check(*args, **kwargs)


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, package: str, moved: Mapping[str, str | tuple[str, ...]]) -> None:
        self.package, self.moved = package, dict(moved)

    def find_spec(self, fullname, path=None, target=None):
        parent, _, name = fullname.rpartition(".")
        if parent == self.package and name in self.moved:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        name = spec.name.rpartition(".")[2]
        cls = _CallableModule if name == "check" else types.ModuleType
        return cls(spec.name, f"Deprecated alias of :mod:`{_names(self.moved[name])[0]}`.")

    def exec_module(self, module: types.ModuleType) -> None:
        new = _names(self.moved[module.__name__.rpartition(".")[2]])
        warnings.warn(
            f"{module.__name__} is deprecated: import from {' or '.join(new)} (or ecospace); "
            "the old path is removed in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        for name in new:  # an old module split in two answers with the names of both
            target = import_module(name)
            public = {k: v for k, v in vars(target).items() if not k.startswith("__")}
            module.__dict__.update(public)


def _names(moved: str | tuple[str, ...]) -> tuple[str, ...]:
    return (moved,) if isinstance(moved, str) else tuple(moved)


def install(package: str, moved: Mapping[str, str | tuple[str, ...]]) -> None:
    """Answer imports of ``package.OLD`` with the module(s) ``moved[OLD]``, warning once.

    Examples
    --------
    >>> import sys, warnings
    >>> _ = sys.modules.pop("ecospace.area", None)  # imported before? then import it anew
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     from ecospace.area import total_area
    >>> str(caught[0].message)
    'ecospace.area is deprecated: import from ecospace.geometry.area (or ecospace); ...'
    """
    if not any(isinstance(f, _MovedModules) and f.package == package for f in sys.meta_path):
        sys.meta_path.append(_MovedModules(package, moved))
