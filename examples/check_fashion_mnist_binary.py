#!/usr/bin/env python3
"""Runs fashion_mnist_binary and recomputes its test figures with NumPy.

    check_fashion_mnist_binary.py BINARY WORKDIR [example flags...]

The example prints the test set's precision, recall and AUC (Keras metric
objects compiled into Kiln's evaluation step) and writes its predictions and
labels as .npy files. This script computes the same figures from those
files with NumPy alone: precision and recall at Keras's threshold 0.5
(prediction > 0.5 is positive), the area under the ROC curve as Keras's
AUC() discretises it (200 thresholds, trapezoids) and the exact area (the
Mann-Whitney statistic). It fails unless precision and recall agree within
1e-4 and the AUC within 1e-4 of the discretised area; the exact area is
printed for comparison with the discretisation.
"""
import re
import subprocess
import sys

import numpy as np


def main():
    binary, workdir, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = subprocess.run([binary, '--predictions', workdir] + flags, check=True,
                         capture_output=True, text=True).stdout
    figures = dict((k, float(v)) for k, v in re.findall(r'test_(\w+): ([0-9.eE+-]+)', out))
    p = np.load(workdir + '/test_predictions.npy').astype(np.float64).ravel()
    y = np.load(workdir + '/test_labels.npy').astype(np.float64).ravel() != 0

    positive = p > 0.5
    tp = np.sum(positive & y)
    precision = tp / np.sum(positive)
    recall = tp / np.sum(y)

    # Keras's AUC(): thresholds [-eps, 1/199, ..., 198/199, 1 + eps].
    eps = 1e-7
    t = np.concatenate([[-eps], np.arange(1, 199) / 199.0, [1 + eps]]).astype(np.float32)
    p32 = p.astype(np.float32)
    above = p32[None, :] > t[:, None]
    tpr = np.sum(above & y, axis=1) / np.sum(y)
    fpr = np.sum(above & ~y, axis=1) / np.sum(~y)
    auc = np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2)

    order = np.argsort(p, kind='mergesort')
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    for v in np.unique(p):          # ties share their mean rank
        same = p == v
        if np.sum(same) > 1:
            ranks[same] = np.mean(ranks[same])
    n_pos, n_neg = np.sum(y), np.sum(~y)
    exact = (np.sum(ranks[y]) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)

    ok = True
    for name, mine, numpy_value, tol in [('precision', figures['precision'], precision, 1e-4),
                                         ('recall', figures['recall'], recall, 1e-4),
                                         ('auc', figures['auc'], auc, 1e-4)]:
        good = abs(mine - numpy_value) <= tol
        ok &= good
        print('%-9s kiln %.6f numpy %.6f diff %.2e %s' %
              (name, mine, numpy_value, abs(mine - numpy_value), 'ok' if good else 'MISMATCH'))
    print('auc exact (Mann-Whitney) %.6f; 200-threshold discretisation differs by %.2e' %
          (exact, abs(auc - exact)))
    print('figures match numpy' if ok else 'figures DIFFER from numpy')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
