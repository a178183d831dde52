"""Verified answers to COMP 5900 Assignment II (Winter 2021) and HW2 (2019).

Every answer that the site shows is a *claim*: a ``*_claims.py`` module computes the truth behind it
and the engine compares that truth with what the page says.  What is where:

* :mod:`solutions.engine`: the claim engine (course-independent; the course uses only what its
  ``__init__`` exports: ``claim``, ``mistake``, the kinds of claim, ``Shown`` and ``Pending``);
* :mod:`solutions.common`: what several questions share: repository paths and data locations,
  file hashing and the data locator, the run recorder and reader, GloVe vectors, charts;
* :mod:`solutions.a2`: Assignment II, one package per part (``part1``: IMDB sentiment RNNs,
  ``part2``: triplet loss);
* :mod:`solutions.hw2`: HW2, one package per question (``q1`` ... ``q6``) and ``hw2.common`` for
  what several of its questions share.

In a question's package the same names play the same roles: ``data.py`` finds and reads the data,
``model.py`` holds the model, ``train.py`` trains it and records the run, and ``qN_claims.py``
(``partN_claims.py``) declares the page's claims.  ``solutions/__main__.py`` is the command line.
"""
