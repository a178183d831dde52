"""HW2 Q3: the vanilla RNN's gradients, for one step and through time (``docs/hw2/q3.md``).

Only :mod:`.q3_claims` lives here: the layers and the layer checks are shared with Q4 and Q5, the
autograd cases with Q4 (:mod:`solutions.hw2.common`).
"""
