"""Assignment II, Part I: IMDB sentiment with recurrent networks (``docs/a2/part1.md``).

* :mod:`.data`: find, read, tokenise, split, index and batch the IMDB reviews;
* :mod:`.params`: the recurrent layers' parameter counts in closed form, and the architectures;
* :mod:`.model`: the sentiment model (embedding, recurrent module, linear head);
* :mod:`.train`: training with checkpoints, recording each run (``python -m solutions train imdb``);
* :mod:`.bench`: training throughput against two plainer batchings (``python -m solutions bench imdb``);
* :mod:`.part1_claims`: the page's claims.
"""
