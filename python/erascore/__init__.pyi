# What `import erascore` exposes, for type checkers: `__init__.py` imports these lazily
# (through a module `__getattr__`, so that `import erascore` stays cheap), which a type
# checker cannot follow. The signatures are those of the typed modules themselves, never
# copied here (python/tests/test_stubs.py checks that this file only re-exports).
from erascore import exceptions as exceptions
from erascore import numerai_tools as numerai_tools
from erascore import ray as ray
from erascore._erascore import __version__ as __version__
from erascore._evaluator import EraMetric as EraMetric
from erascore._evaluator import EraScorer as EraScorer
from erascore._evaluator import Evaluator as Evaluator
from erascore._frames import Compare as Compare
from erascore._frames import Diagnostics as Diagnostics
from erascore._frames import Payout as Payout
from erascore._frames import compare as compare
from erascore._frames import diagnostics as diagnostics
from erascore._frames import payout as payout
from erascore._frames import score as score
from erascore._neutralize import neutralize as neutralize

__all__ = [
    "score", "diagnostics", "Diagnostics", "payout", "Payout", "compare", "Compare",
    "neutralize", "Evaluator", "EraMetric", "EraScorer", "numerai_tools", "ray", "exceptions",
    "__version__",
]
