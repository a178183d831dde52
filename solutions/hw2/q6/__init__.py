"""HW2 Q6: sentence sentiment on Yelp (``docs/hw2/q6.md``).

* :mod:`.data`: read, check, index and batch the four sentence files;
* :mod:`.model`: the five classifiers;
* :mod:`.train`: train them and record each run (``python -m solutions train yelp``);
* :mod:`.predictions`: the prediction files for the unlabelled sentences (``predict``, ``validate-predictions``);
* :mod:`.q6_claims`: the page's claims.

The GloVe vectors are shared with Assignment II: :mod:`solutions.common.glove`.
"""
