"""grouptools: the helper package of the course *Group theory for machine learning*.

Every public function says in its docstring which chapter explains it.

>>> from grouptools import dihedral
>>> D4 = dihedral(4)
>>> D4.order, D4.element_name(D4.product("r", "s"))
(8, 'r s')
"""

from .errors import GroupTooLargeError, NotAGroupError, NotAHomomorphismError, NotAnActionError, NotASubgroupError, NotNormalError
from .groups import FiniteGroup, check_group_table
from .named import (
    alternating,
    cyclic,
    dihedral,
    direct_product,
    from_matrices,
    from_permutations,
    klein_four,
    quaternion,
    symmetric,
)
from .runtime import choose_config, get_device, seed_everything, setup
from .characters import CharacterTable, character_table
from .formatting import array_str, check_each, fmt, fmt_error, fmt_list
from .irreps import irreps
from .representations import Representation

# Modules used as namespaces (``gt.models.compose``, ``gt.plotting.plot_cayley_graph``)
# are imported on first use, so ``import grouptools`` stays quick and does not load torch.
_SUBMODULES = {
    "actions",
    "characters",
    "conjugacy",
    "exercises",
    "formatting",
    "fourier",
    "homomorphisms",
    "irreps",
    "linalg",
    "models",
    "nn",
    "notebooks",
    "plotting",
    "plotting_structure",
    "plotting_actions",
    "invariants",
    "representations",
    "runtime",
    "semidirect",
    "subgroups",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'grouptools' has no attribute {name!r}")

__all__ = [
    "GroupTooLargeError",
    "NotAGroupError",
    "NotASubgroupError",
    "NotNormalError",
    "NotAHomomorphismError",
    "NotAnActionError",
    "FiniteGroup",
    "check_group_table",
    "cyclic",
    "dihedral",
    "symmetric",
    "alternating",
    "quaternion",
    "klein_four",
    "direct_product",
    "from_permutations",
    "from_matrices",
    "seed_everything",
    "get_device",
    "setup",
    "choose_config",
    "CharacterTable",
    "character_table",
    "irreps",
    "Representation",
    "fmt",
    "fmt_list",
    "fmt_error",
    "array_str",
]

__version__ = "0.1.0"
