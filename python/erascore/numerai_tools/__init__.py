"""A drop-in for numerai-tools 0.7.2: ``from erascore.numerai_tools import scoring``.

``scoring``, ``signals`` and ``submissions`` expose every public function of the same
modules of numerai-tools 0.7.2 with the same signatures, defaults, return types and
assertion messages; the numerical work runs in Rust (``erascore._erascore``). The
deliberate differences are listed in docs/python.md.
"""
