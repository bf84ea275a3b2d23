"""The exceptions erascore raises.

Each class is also a subclass of the builtin exception a caller already catches, so
``except ValueError`` keeps working::

    ErascoreError
    ├── ArgumentError       (ValueError)         an argument's value cannot work
    ├── ArgumentTypeError   (TypeError)          an argument of the wrong type
    ├── DataError           (ValueError)         the data cannot be scored as given
    └── MissingFileError    (FileNotFoundError)  a path names no file

Messages name the argument as the caller wrote it (``meta_model=``, ``benchmark_col=``)
and say what was expected.
"""

from __future__ import annotations

__all__ = [
    "ErascoreError",
    "ArgumentError",
    "ArgumentTypeError",
    "DataError",
    "MissingFileError",
]


class ErascoreError(Exception):
    """Base class of every error erascore raises for a caller's input."""


class ArgumentError(ErascoreError, ValueError):
    """An argument's value cannot work (a metric without its input, a ratio out of range,
    a negative stake, an unknown column name...)."""


class ArgumentTypeError(ErascoreError, TypeError):
    """An argument of a type erascore does not take."""


class DataError(ErascoreError, ValueError):
    """The data cannot be scored as given (duplicated ids, too little overlap, a NaN
    prediction...)."""


class MissingFileError(ErascoreError, FileNotFoundError):
    """A path names no file."""
