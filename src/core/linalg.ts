/**
 * The dense linear algebra that stitching alignment needs: PCA (with MATLAB's conventions), least
 * squares, and ridge regression with a K-fold cross-validated penalty.
 *
 * Why `ml-matrix`: the decompositions here (SVD, symmetric eigendecomposition) are numerically
 * delicate, and alignment is plain CPU work that must not depend on TensorFlow.js (the layering rule
 * keeps TF inside model/train/posterior). `ml-matrix` is a small, well-kept, dependency-light
 * library whose SVD/EVD are ports of JAMA/Mapack — the same algorithms LAPACK's textbook versions
 * use — so we use it for the factorisations and keep the surrounding bookkeeping (masks, NaN
 * handling, folds) in plain typed-array code. One step is our own: a Householder QR on flat typed
 * arrays that shrinks the very tall matrices of alignment (e.g. 65 conditions × 500 bins = 32,500
 * rows by ~100 neurons) to their small triangular factor before ml-matrix's SVD, which is slow on
 * tall inputs.
 *
 * One file per concept under linalg/: matrix.ts (the Mat type), decompositions.ts (QR, SVD/EVD
 * guards), pca.ts, lstsq.ts, ridge-cv.ts (with ridge-stats.ts, its per-fold sufficient statistics).
 */
export { type Mat, mat } from "./linalg/matrix.js";
export { matlabSignConvention, pca, type PcaResult } from "./linalg/pca.js";
export { lstsq, type LstsqResult } from "./linalg/lstsq.js";
export { logspace, ridgeCv, type RidgeCvOptions, type RidgeCvResult } from "./linalg/ridge-cv.js";
