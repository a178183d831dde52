"""Code shared by several HW2 questions (what one question alone uses lives in its package).

* :mod:`.rnn_layers`: the from-scratch NumPy layers: vanilla RNN and LSTM (Q3, Q4) and the
  captioning helpers the Q5 model is built from;
* :mod:`.gradient_cases`: float64 autograd forward passes that the gradient formulas of Q3 and Q4
  are evaluated against;
* :mod:`.layer_checks`: the NumPy layers run on those same cases (Q3, Q4), and the tables of
  relative errors that Q3-Q5 show;
* :mod:`.gradcheck`: centred finite differences and the relative error (Q2-Q5, and the tests);
* :mod:`.vision`: ResNet-18 (Q1) and SqueezeNet 1.1 (Q2) in plain PyTorch, with their weights;
* :mod:`.images`: image transforms for Q1 and Q2.

Claims are declared in each question's ``qN_claims.py``; :func:`.gradient_cases.gradient_claims` only
declares them on behalf of the Q3 and Q4 claims modules that call it (listed at their lines).
"""
