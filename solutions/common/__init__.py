"""Code shared by several questions of the course (never by the engine, which knows no course).

* :mod:`.paths`: every repository path and data location (``results/``, ``checkpoints/``,
  ``.cache/``, the shared data folder beside the project);
* :mod:`.files`: the one file-hashing helper, atomic writes, and the one data locator
  (explicit path, environment variable, local copy, checked download);
* :mod:`.runs`: the one run recorder every trainer writes its results file with, and reading
  recorded runs back (or :class:`~solutions.engine.Pending` when there is none);
* :mod:`.glove`: GloVe word vectors (Assignment II Part I and HW2 Q6);
* :mod:`.plots`: SVG charts and HTML tables drawn from recorded runs.

Nothing here declares a claim: claims live in the ``*_claims.py`` modules of each question.
"""
