"""Assignment II of COMP 5900 (Winter 2021), one package per part.

* :mod:`.part1`: sentiment classification of IMDB reviews with recurrent networks: parameter
  counts (closed forms against PyTorch) and the recorded training runs;
* :mod:`.part2`: the triplet loss: gradients, counting triplets, and the worked example.

Each part's ``partN_claims.py`` declares the claims of its page; what the two parts share
(paths, run records, charts, GloVe) is in :mod:`solutions.common`.
"""
