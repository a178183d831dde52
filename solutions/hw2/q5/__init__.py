"""HW2 Q5: image captioning with the NumPy RNN and LSTM (``docs/hw2/q5.md``).

* :mod:`.data`: the synthetic shapes captions the model is trained on, and decoding captions;
* :mod:`.coco`: the loader for the real CS231n COCO captioning files;
* :mod:`.model`: the captioning model, Adam and the training loop, in NumPy;
* :mod:`.train`: overfit 50 captions and record the run (``python -m solutions train captions``);
* :mod:`.captioning_checks`: the captioning layers and model against autograd and finite differences;
* :mod:`.q5_claims`: the page's claims.

The recurrent layers are shared with Q3 and Q4: :mod:`solutions.hw2.common.rnn_layers`.
"""
