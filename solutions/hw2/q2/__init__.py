"""HW2 Q2: neural style transfer (``docs/hw2/q2.md``).

* :mod:`.style`: the three losses, their hand-written gradients, the settings and the loop;
* :mod:`.train`: run the question's settings and record each run (``python -m solutions stylize``);
* :mod:`.q2_claims`: the page's claims.

SqueezeNet and the image transforms are shared with Q1: :mod:`solutions.hw2.common.vision`,
:mod:`solutions.hw2.common.images`.
"""
