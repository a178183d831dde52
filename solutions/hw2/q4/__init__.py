"""HW2 Q4: the LSTM's gradients, for one step and through time (``docs/hw2/q4.md``).

Only :mod:`.q4_claims` lives here: the layers, the autograd cases and the layer checks are shared
with Q3 and Q5 (:mod:`solutions.hw2.common`).
"""
