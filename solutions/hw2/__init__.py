"""HW2 (2019), all six questions, one package per question.

* :mod:`.q1`: transfer learning, ants versus bees with an ImageNet ResNet-18;
* :mod:`.q2`: neural style transfer with SqueezeNet's features;
* :mod:`.q3`: the vanilla RNN's gradients, one step and through time;
* :mod:`.q4`: the LSTM's gradients, one step and through time;
* :mod:`.q5`: image captioning with the NumPy RNN/LSTM (a synthetic data set and the COCO loader);
* :mod:`.q6`: sentence sentiment on Yelp, five classifiers, GloVe vectors;
* :mod:`.common`: what several of these questions share (the NumPy recurrent layers, gradient
  cases and checks, the vision networks, image transforms).

Each question's ``qN_claims.py`` declares the claims of ``docs/hw2/qN.md``.
"""
