"""Assignment II, Part II: the triplet loss (``docs/a2/part2.md`` and ``docs/a2/worked-example.md``).

* :mod:`.triplet`: the mathematics, symbolically (sympy), numerically (autograd) and by enumeration;
* :mod:`.part2_claims`: the pages' claims.

No training run: every answer here is computed on each build.
"""
