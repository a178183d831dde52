"""HW2 Q1: transfer learning, ants versus bees (``docs/hw2/q1.md``).

* :mod:`.data`: the hymenoptera images (find, list, read; a tiny generated set for dry runs);
* :mod:`.train`: fine-tune or freeze a ResNet-18 and record the run (``python -m solutions train transfer``);
* :mod:`.q1_claims`: the page's claims.

The network and the image transforms are shared with Q2: :mod:`solutions.hw2.common.vision`,
:mod:`solutions.hw2.common.images`.
"""
