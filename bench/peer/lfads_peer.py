#!/usr/bin/env python3
"""PyTorch peer of the TensorFlow LFADS model, for lfads-ts benchmarks and cost cross-checks.

Written from the TF-LFADS specification in shared/reference/lfads-model.md (sections 1-3): the same network,
cost and optimiser as the TF original, stepped in plain Python loops over time, as a straightforward PyTorch
implementation would be. Scope: one dataset, Poisson read-out, identity read-in (the encoders see the counts),
no external inputs, non-causal controller fed back the factors.

Modes:
  cost   load weights by their TF `model_params` names and a batch with fixed noise; print {recon, kl, l2, total}
  time   time S training steps (forward, backward, global-norm clip, TF1 Adam); print {median_ms, ...}
  infer  time posterior-style forward passes (no gradient, keep_prob 1); print {median_ms, trials_per_s, ...}

The BLAS thread count is fixed from --threads before torch is imported (OpenBLAS/OpenMP read it at load).
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

LOG_2PI = math.log(2.0 * math.pi)

DEFAULTS = {
    "B": 128, "T": 100, "N": 50,
    "ic_enc_dim": 128, "ic_dim": 64, "gen_dim": 200, "factors_dim": 50,
    "co_dim": 1, "ci_enc_dim": 128, "con_dim": 128,
    "num_steps_for_gen_ic": None,
    "keep_prob": 0.95, "cell_clip": 5.0,
    "keep_ratio": 1.0, "cd_grad_passthru_prob": 0.0,
    "cell_weight_scale": 1.0, "gen_cell_input_weight_scale": 1.0, "gen_cell_rec_weight_scale": 1.0,
    "ic_post_var_min": 1e-4,
    "ic_prior_var_min": 0.1, "ic_prior_var_scale": 0.1, "ic_prior_var_max": 0.1,
    "prior_ar_atau": 10.0, "prior_ar_nvar": 0.1,
    "do_train_prior_ar_atau": True, "do_train_prior_ar_nvar": True,
    "controller_input_lag": 1, "do_feed_factors_to_controller": True,
    "l2_gen_scale": 2000.0, "l2_con_scale": 0.0,
    "kl_ic_weight": 1.0, "kl_co_weight": 1.0,
    "kl_start_step": 0, "kl_increase_steps": 2000,
    "l2_start_step": 0, "l2_increase_steps": 2000,
    "step": 0,
    "learning_rate": 0.01, "max_grad_norm": 200.0,
    "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_epsilon": 0.1,
    "dataset_name": "data", "seed": 0, "name": None,
}
ALIASES = {"cell_clip_value": "cell_clip", "batch_size": "B", "num_steps": "T", "data_dim": "N"}


class PeerError(Exception):
    pass


def load_config(path):
    with open(path) as fh:
        raw = json.load(fh)
    if not isinstance(raw, dict):
        raise PeerError(f"config {path}: expected a JSON object, got {type(raw).__name__}")
    cfg = dict(DEFAULTS)
    unknown = []
    for key, val in raw.items():
        key = ALIASES.get(key, key)
        if key not in DEFAULTS:
            unknown.append(key)
        cfg[key] = val
    if unknown:
        raise PeerError(f"config {path}: unknown keys {sorted(unknown)} (known: {sorted(DEFAULTS)})")
    for key in ("B", "T", "N", "ic_enc_dim", "ic_dim", "gen_dim", "factors_dim", "co_dim", "ci_enc_dim", "con_dim"):
        if not isinstance(cfg[key], int) or cfg[key] < 0:
            raise PeerError(f"config {path}: '{key}' must be a non-negative integer, got {cfg[key]!r}")
    for key in ("B", "T", "N", "ic_enc_dim", "ic_dim", "gen_dim", "factors_dim"):
        if cfg[key] == 0:
            raise PeerError(f"config {path}: '{key}' must be > 0 (this peer needs an IC encoder and g0)")
    if cfg["co_dim"] > 0 and (cfg["ci_enc_dim"] == 0 or cfg["con_dim"] == 0):
        raise PeerError(f"config {path}: co_dim > 0 needs ci_enc_dim > 0 and con_dim > 0")
    k = cfg["num_steps_for_gen_ic"]
    cfg["K"] = cfg["T"] if k is None else max(1, min(int(k), cfg["T"]))
    if not 0.0 < cfg["keep_prob"] <= 1.0:
        raise PeerError(f"config {path}: keep_prob must be in (0, 1], got {cfg['keep_prob']}")
    if not 0.0 < cfg["keep_ratio"] <= 1.0:
        raise PeerError(f"config {path}: keep_ratio must be in (0, 1], got {cfg['keep_ratio']}")
    if not 0.0 <= cfg["cd_grad_passthru_prob"] <= 1.0:
        raise PeerError(f"config {path}: cd_grad_passthru_prob must be in [0, 1], got {cfg['cd_grad_passthru_prob']}")
    return cfg


def ramp(step, start, increase):
    """Linear ramp of lfads-model.md §2.6: 0 at `start`, 1 after `increase` more steps."""
    if increase <= 0:
        return 1.0 if step >= start else 0.0
    return min(max(step - start, 0) / increase, 1.0)


def v(name):
    """TF variable name under scope LFADS/, as written to model_params (`/` -> `_`, suffix `:0`)."""
    return "LFADS_" + name + ":0"


def param_specs(cfg):
    """(name, shape, init std or constant, trainable, l2 group) for every variable of §1.4, in a fixed order.

    init is ("normal", std) or ("const", value).
    """
    N, I, G, F, U = cfg["N"], cfg["ic_dim"], cfg["gen_dim"], cfg["factors_dim"], cfg["co_dim"]
    cws = cfg["cell_weight_scale"]
    specs = []

    def add(name, shape, init, trainable=True, group=None):
        specs.append((v(name), tuple(shape), init, trainable, group))

    def encoder(enc, H):
        for d in ("fwd", "rev"):
            sc = f"{enc}_{d}"
            add(f"{sc}_{enc}_t0_{d}", (1, H), ("const", 0.0))
            add(f"{sc}_GRU_Gates_xh_2_ru_W", (N + H, 2 * H), ("normal", cws / math.sqrt(N + H)))
            add(f"{sc}_GRU_Gates_xh_2_ru_b", (1, 2 * H), ("const", 0.0))
            add(f"{sc}_GRU_Candidate_xrh_2_c_W", (N + H, H), ("normal", 1.0 / math.sqrt(N + H)))
            add(f"{sc}_GRU_Candidate_xrh_2_c_b", (1, H), ("const", 0.0))

    def gengru(scope, d, H, iws, rws, group):
        if d > 0:
            add(f"{scope}_GenGRU_Gates_x_2_ru_W", (d, 2 * H), ("normal", iws / math.sqrt(d)))
        add(f"{scope}_GenGRU_Gates_h_2_ru_W", (H, 2 * H), ("normal", rws / math.sqrt(H)), group=group)
        add(f"{scope}_GenGRU_Gates_h_2_ru_b", (1, 2 * H), ("const", 0.0), group=group)
        if d > 0:
            add(f"{scope}_GenGRU_Candidate_x_2_c_W", (d, H), ("normal", iws / math.sqrt(d)))
        add(f"{scope}_GenGRU_Candidate_rh_2_c_W", (H, H), ("normal", rws / math.sqrt(H)), group=group)
        add(f"{scope}_GenGRU_Candidate_rh_2_c_b", (1, H), ("const", 0.0), group=group)

    H_ic = cfg["ic_enc_dim"]
    encoder("ic_enc", H_ic)
    if U > 0:
        encoder("ci_enc", cfg["ci_enc_dim"])
    add("z_prior_g0_mean", (1, I), ("const", 0.0))
    add("z_prior_g0_logvar", (1, I), ("const", math.log(cfg["ic_prior_var_scale"])),
        trainable=cfg["ic_prior_var_max"] > cfg["ic_prior_var_min"])
    for part in ("mean", "logvar"):
        add(f"z_ic_enc_2_post_g0_{part}_W", (2 * H_ic, I), ("normal", 1.0 / math.sqrt(2 * H_ic)))
        add(f"z_ic_enc_2_post_g0_{part}_b", (1, I), ("const", 0.0))
    if U > 0:
        C, H_ci = cfg["con_dim"], cfg["ci_enc_dim"]
        add("z_u_prior_ar1_logevars", (1, U), ("const", math.log(cfg["prior_ar_nvar"])),
            trainable=bool(cfg["do_train_prior_ar_nvar"]))
        add("z_u_prior_ar1_logatau", (1, U), ("const", math.log(cfg["prior_ar_atau"])),
            trainable=bool(cfg["do_train_prior_ar_atau"]))
        add("con_c0", (1, C), ("const", 0.0))
        con_in = 2 * H_ci + (F if cfg["do_feed_factors_to_controller"] else 0)
        gengru("con", con_in, C, cws, cws, "con")
        for part in ("mean", "logvar"):
            add(f"con_con_to_post_co_{part}_W", (C, U), ("normal", 1.0 / math.sqrt(C)))
            add(f"con_con_to_post_co_{part}_b", (1, U), ("const", 0.0))
    if I != G:
        add("gen_g0_2_gen_ic_W", (I, G), ("normal", 1.0 / math.sqrt(I)))
        add("gen_g0_2_gen_ic_b", (1, G), ("const", 0.0))
    gengru("gen", U, G, cfg["gen_cell_input_weight_scale"], cfg["gen_cell_rec_weight_scale"], "gen")
    add("gen_gen_2_fac_W", (G, F), ("normal", 1.0 / math.sqrt(G)))
    ds = cfg["dataset_name"]
    add(f"glm_fac_2_logrates_{ds}_W", (F, N), ("normal", 1.0 / math.sqrt(F)))
    add(f"glm_fac_2_logrates_{ds}_b", (1, N), ("const", 0.0))
    return specs


def init_params(torch, cfg, dtype, gen):
    params = {}
    for name, shape, init, trainable, _group in param_specs(cfg):
        if init[0] == "normal":
            t = torch.randn(shape, generator=gen, dtype=dtype) * init[1]
        else:
            t = torch.full(shape, float(init[1]), dtype=dtype)
        params[name] = t.requires_grad_(trainable)
    return params


def load_params(torch, cfg, path, dtype):
    import h5py
    import numpy as np

    params = {}
    missing = []
    with h5py.File(path, "r") as f:
        keys = set(f.keys())
        readouts = sorted(k for k in keys if k.startswith("LFADS_glm_fac_2_logrates_") and k.endswith("_W:0"))
        if len(readouts) == 1:
            cfg["dataset_name"] = readouts[0][len("LFADS_glm_fac_2_logrates_"):-len("_W:0")]
        elif len(readouts) > 1:
            raise PeerError(f"{path}: {len(readouts)} Poisson read-outs ({readouts}); this peer handles one dataset")
        for name, shape, init, trainable, _group in param_specs(cfg):
            if name not in keys:
                if not trainable and init[0] == "const":
                    params[name] = torch.full(shape, float(init[1]), dtype=dtype)
                    continue
                missing.append(name)
                continue
            arr = np.asarray(f[name][()], dtype=np.float64)
            if arr.size != math.prod(shape):
                raise PeerError(f"{path}: '{name}' has shape {list(arr.shape)}, expected {list(shape)}")
            params[name] = torch.tensor(arr.reshape(shape), dtype=dtype).requires_grad_(trainable)
    if missing:
        raise PeerError(f"{path}: missing weights {missing}")
    return params


def load_batch(torch, cfg, path, dtype):
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        def get(key, shape):
            if key not in f:
                raise PeerError(f"{path}: dataset '{key}' not found (keys: {sorted(f.keys())})")
            arr = np.asarray(f[key][()], dtype=np.float64)
            if tuple(arr.shape) != tuple(shape):
                raise PeerError(f"{path}: '{key}' has shape {list(arr.shape)}, expected {list(shape)}")
            return torch.tensor(arr, dtype=dtype)

        if "data" not in f or len(f["data"].shape) != 3:
            raise PeerError(f"{path}: needs a 3-D dataset 'data' [B,T,N] (keys: {sorted(f.keys())})")
        B, T, N = (int(s) for s in f["data"].shape)
        if N != cfg["N"] or T != cfg["T"]:
            raise PeerError(f"{path}: data is [{B},{T},{N}], config says T={cfg['T']}, N={cfg['N']}")
        cfg["B"] = B
        x = get("data", (B, T, N))
        eps_g0 = get("eps_g0", (B, cfg["ic_dim"]))
        eps_co = get("eps_co", (B, T, cfg["co_dim"])) if cfg["co_dim"] > 0 else None
    return x, eps_g0, eps_co


class LfadsPeer:
    """The TF LFADS forward pass and cost (lfads-model.md §1.3, §2) over a dict of tensors keyed by TF name."""

    def __init__(self, torch, cfg, params):
        self.torch = torch
        self.cfg = cfg
        self.p = params
        self.l2_groups = {"gen": [], "con": []}
        for name, _shape, _init, _trainable, group in param_specs(cfg):
            if group is not None:
                self.l2_groups[group].append(name)
        self.ds = cfg["dataset_name"]

    def dropout(self, x, keep_prob):
        if keep_prob >= 1.0:
            return x
        return self.torch.nn.functional.dropout(x, p=1.0 - keep_prob, training=True)

    def encode(self, scope, enc, x, reverse):
        """TF `GRU` over x [B,T,d] with the learned initial state; returns the states in time order (list).

        [x, h]·W is split into x·W[:d] + h·W[d:]; the x part is computed for all steps at once.
        """
        torch, p, clip = self.torch, self.p, self.cfg["cell_clip"]
        B, T, d = x.shape
        W_ru, b_ru = p[v(f"{scope}_GRU_Gates_xh_2_ru_W")], p[v(f"{scope}_GRU_Gates_xh_2_ru_b")]
        W_c, b_c = p[v(f"{scope}_GRU_Candidate_xrh_2_c_W")], p[v(f"{scope}_GRU_Candidate_xrh_2_c_b")]
        H = W_c.shape[1]
        # unbind, not xr[:, t]: the backward of T slices would build T full-size zero tensors (O(T²))
        xr = torch.unbind(torch.matmul(x, W_ru[:d]) + b_ru, dim=1)
        xc = torch.unbind(torch.matmul(x, W_c[:d]) + b_c, dim=1)
        Wh_ru, Wh_c = W_ru[d:], W_c[d:]
        h = p[v(f"{scope}_{enc}_t0_{scope[-3:]}")].expand(B, H)
        states = [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            r_pre, u_pre = torch.split(xr[t] + h.matmul(Wh_ru), H, dim=1)
            r = torch.sigmoid(r_pre)
            u = torch.sigmoid(u_pre + 1.0)
            c = torch.tanh(xc[t] + (r * h).matmul(Wh_c))
            h = torch.clamp(u * h + (1.0 - u) * c, -clip, clip)
            states[t] = h
        return states

    def gengru(self, scope, x, h):
        """TF `GenGRU` step: input and recurrent weights kept apart, +1 on the update gate, state clip."""
        torch, p, clip = self.torch, self.p, self.cfg["cell_clip"]
        H = h.shape[1]
        ru = h.matmul(p[v(f"{scope}_GenGRU_Gates_h_2_ru_W")]) + p[v(f"{scope}_GenGRU_Gates_h_2_ru_b")]
        if x is not None:
            ru = ru + x.matmul(p[v(f"{scope}_GenGRU_Gates_x_2_ru_W")])
        r_pre, u_pre = torch.split(ru, H, dim=1)
        r = torch.sigmoid(r_pre)
        u = torch.sigmoid(u_pre + 1.0)
        c = (r * h).matmul(p[v(f"{scope}_GenGRU_Candidate_rh_2_c_W")]) + p[v(f"{scope}_GenGRU_Candidate_rh_2_c_b")]
        if x is not None:
            c = c + x.matmul(p[v(f"{scope}_GenGRU_Candidate_x_2_c_W")])
        c = torch.tanh(c)
        return torch.clamp(u * h + (1.0 - u) * c, -clip, clip)

    def prior_g0_logvar(self):
        cfg, theta = self.cfg, self.p[v("z_prior_g0_logvar")]
        if cfg["ic_prior_var_max"] > cfg["ic_prior_var_min"]:
            lo, hi = cfg["ic_prior_var_min"], cfg["ic_prior_var_max"]
            return self.torch.log(self.torch.sigmoid(self.torch.exp(theta)) * (hi - lo) + lo)
        return theta

    def l2_cost(self):
        cfg, p = self.cfg, self.p
        if cfg["l2_gen_scale"] <= 0 and cfg["l2_con_scale"] <= 0:
            return self.torch.zeros((), dtype=p[v("gen_gen_2_fac_W")].dtype)
        num = 0.0
        numel = 0
        for group, scale in (("gen", cfg["l2_gen_scale"]), ("con", cfg["l2_con_scale"])):
            for name in self.l2_groups[group]:
                numel += p[name].numel()
                num = num + 0.5 * scale * (p[name] ** 2).sum()
        return num / numel

    def forward(self, x, eps_g0, eps_co, keep_prob, want_rates=False, cd=None):
        """x [B,T,N] counts; eps_g0 [B,I]; eps_co [B,T,U] or None; cd: coordinated dropout's
        {"input": m/keep_ratio, "grad": 1 where the element passes its gradient} or None.
        Returns a dict of per-trial terms."""
        torch, p, cfg = self.torch, self.p, self.cfg
        B, T, N = x.shape
        U, K, lag = cfg["co_dim"], cfg["K"], cfg["controller_input_lag"]

        x_do = self.dropout(x if cd is None else x * cd["input"], keep_prob)
        hf = self.encode("ic_enc_fwd", "ic_enc", x_do[:, :K], reverse=False)[K - 1]
        hb = self.encode("ic_enc_rev", "ic_enc", x_do[:, :K], reverse=True)[0]
        e_ic = self.dropout(torch.cat([hf, hb], dim=1), keep_prob)

        mu_g0 = e_ic.matmul(p[v("z_ic_enc_2_post_g0_mean_W")]) + p[v("z_ic_enc_2_post_g0_mean_b")]
        lv_g0 = e_ic.matmul(p[v("z_ic_enc_2_post_g0_logvar_W")]) + p[v("z_ic_enc_2_post_g0_logvar_b")]
        if cfg["ic_post_var_min"] > 0:
            lv_g0 = torch.log(torch.exp(lv_g0) + cfg["ic_post_var_min"])
        g0 = mu_g0 + torch.exp(0.5 * lv_g0) * eps_g0
        mu_p, lv_p = p[v("z_prior_g0_mean")], self.prior_g0_logvar()
        kl_g0 = 0.5 * (lv_p - lv_g0 + torch.exp(lv_g0 - lv_p) + (mu_g0 - mu_p) ** 2 / torch.exp(lv_p) - 1.0).sum(1)

        s = g0 if v("gen_g0_2_gen_ic_W") not in p else g0.matmul(p[v("gen_g0_2_gen_ic_W")]) + p[v("gen_g0_2_gen_ic_b")]
        W_fac = p[v("gen_gen_2_fac_W")]
        W_fac = W_fac * torch.rsqrt(torch.clamp((W_fac ** 2).sum(0, keepdim=True), min=1e-12))
        f = s.matmul(W_fac)  # f_{-1}: undropped, controller feedback only

        kl_co = torch.zeros(B, dtype=x.dtype)
        if U > 0:
            cf = self.encode("ci_enc_fwd", "ci_enc", x_do, reverse=False)
            cb = self.encode("ci_enc_rev", "ci_enc", x_do, reverse=True)
            zeros_ci = torch.zeros_like(cf[0])
            k = p[v("con_c0")].expand(B, cfg["con_dim"])
            logatau, logevar = p[v("z_u_prior_ar1_logatau")], p[v("z_u_prior_ar1_logevars")]
            phi = torch.exp(-torch.exp(-logatau))
            evar = torch.exp(logevar)
            log_pvar = logevar - torch.log(1.0 - phi ** 2)
            u_prev = None

        factors = []
        for t in range(T):
            gin = None
            if U > 0:
                a = cf[t - lag] if t - lag >= 0 else zeros_ci
                b = cb[t + lag] if t + lag < T else zeros_ci
                parts = [a, b, f] if cfg["do_feed_factors_to_controller"] else [a, b]
                con_in = self.dropout(torch.cat(parts, dim=1), keep_prob)
                k = self.gengru("con", con_in, k)
                mu_u = k.matmul(p[v("con_con_to_post_co_mean_W")]) + p[v("con_con_to_post_co_mean_b")]
                lv_u = k.matmul(p[v("con_con_to_post_co_logvar_W")]) + p[v("con_con_to_post_co_logvar_b")]
                eps = eps_co[:, t]
                u = mu_u + torch.exp(0.5 * lv_u) * eps
                log_q = -0.5 * (lv_u + LOG_2PI + eps ** 2)
                if u_prev is None:
                    log_p = -0.5 * (LOG_2PI + log_pvar + u ** 2 / torch.exp(log_pvar))
                else:
                    log_p = -0.5 * (LOG_2PI + logevar + (u - phi * u_prev) ** 2 / evar)
                kl_co = kl_co + (log_q - log_p).sum(1)
                u_prev = u
                gin = u
            s = self.gengru("gen", gin, s)
            f = self.dropout(s, keep_prob).matmul(W_fac)
            factors.append(f)

        fac = torch.stack(factors, dim=1)  # [B,T,F]
        logr = fac.matmul(p[v(f"glm_fac_2_logrates_{self.ds}_W")]) + p[v(f"glm_fac_2_logrates_{self.ds}_b")]
        terms = x * logr - torch.exp(logr) - torch.lgamma(x + 1.0)
        if cd is not None:  # the value over every element, the gradient only where the encoders did not look
            terms = terms * cd["grad"] + terms.detach() * (1.0 - cd["grad"])
        ll = terms.sum((1, 2))
        out = {"ll": ll, "kl_g0": kl_g0, "kl_co": kl_co}
        if want_rates:
            out["rates"] = torch.exp(torch.clamp(logr, -80.0, 80.0))
        return out

    def cost(self, terms, step):
        cfg = self.cfg
        recon = -terms["ll"].mean()
        kl = (cfg["kl_ic_weight"] * terms["kl_g0"] + cfg["kl_co_weight"] * terms["kl_co"]).mean()
        l2 = self.l2_cost()
        kl_w = ramp(step, cfg["kl_start_step"], cfg["kl_increase_steps"])
        l2_w = ramp(step, cfg["l2_start_step"], cfg["l2_increase_steps"])
        total = recon + kl_w * kl + l2_w * l2
        return {"recon": recon, "kl": kl, "l2": l2, "total": total, "kl_weight": kl_w, "l2_weight": l2_w}


class TF1Adam:
    """TF1 AdamOptimizer (lfads-model.md §3.1): lr_t = lr·sqrt(1-β2^t)/(1-β1^t); θ -= lr_t·m/(sqrt(v)+ε)."""

    def __init__(self, torch, params, lr, beta1, beta2, eps):
        self.torch, self.params = torch, params
        self.lr, self.b1, self.b2, self.eps = lr, beta1, beta2, eps
        self.m = [torch.zeros_like(q) for q in params]
        self.v = [torch.zeros_like(q) for q in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        lr_t = self.lr * math.sqrt(1.0 - self.b2 ** self.t) / (1.0 - self.b1 ** self.t)
        with self.torch.no_grad():
            for q, g, m, v2 in zip(self.params, grads, self.m, self.v):
                m.mul_(self.b1).add_(g, alpha=1.0 - self.b1)
                v2.mul_(self.b2).addcmul_(g, g, value=1.0 - self.b2)
                q.addcdiv_(m, v2.sqrt().add_(self.eps), value=-lr_t)


def clip_by_global_norm(torch, grads, clip):
    """tf.clip_by_global_norm: scale every gradient by clip / max(‖g‖, clip)."""
    norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads))
    scale = clip / max(float(norm), clip)
    if scale < 1.0:
        grads = [g * scale for g in grads]
    return grads, float(norm)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def blas_library():
    """The BLAS shared object torch resolved at load (Debian switches it through alternatives)."""
    try:
        with open("/proc/self/maps") as fh:
            libs = {line.split()[-1] for line in fh if "blas" in line.lower() and "/" in line}
        return sorted(os.path.realpath(x) for x in libs)
    except OSError:
        return []


def random_batch(torch, cfg, dtype, gen):
    B, T, N = cfg["B"], cfg["T"], cfg["N"]
    # Counts from a smooth-ish positive rate: enough structure to exercise every term of the cost.
    rates = torch.exp(torch.randn((B, 1, N), generator=gen, dtype=dtype) * 0.5 - 1.0).expand(B, T, N)
    return torch.poisson(rates.contiguous(), generator=gen)


def timed(fn, steps, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return times


def coordinated_dropout(torch, cfg, x, gen):
    """A fresh coordinated-dropout mask per step (None when keep_ratio is 1): keep ~ Bernoulli(keep_ratio)."""
    keep_ratio = cfg["keep_ratio"]
    if keep_ratio >= 1.0:
        return None
    kept = (torch.rand(x.shape, generator=gen, dtype=x.dtype) < keep_ratio).to(x.dtype)
    grad = 1.0 - kept
    if cfg["cd_grad_passthru_prob"] > 0:
        passed = (torch.rand(x.shape, generator=gen, dtype=x.dtype) < cfg["cd_grad_passthru_prob"]).to(x.dtype)
        grad = torch.clamp(grad + passed, max=1.0)
    return {"input": kept / keep_ratio, "grad": grad}


def run_time(torch, cfg, args, dtype):
    gen = torch.Generator().manual_seed(int(cfg["seed"]))
    params = init_params(torch, cfg, dtype, gen)
    model = LfadsPeer(torch, cfg, params)
    trainable = [q for q in params.values() if q.requires_grad]
    opt = TF1Adam(torch, trainable, cfg["learning_rate"], cfg["adam_beta1"], cfg["adam_beta2"], cfg["adam_epsilon"])
    x = random_batch(torch, cfg, dtype, gen)
    B, I, T, U = cfg["B"], cfg["ic_dim"], cfg["T"], cfg["co_dim"]
    state = {"step": int(cfg["step"]), "cost": float("nan"), "norm": float("nan")}

    def train_step():
        eps_g0 = torch.randn((B, I), generator=gen, dtype=dtype)
        eps_co = torch.randn((B, T, U), generator=gen, dtype=dtype) if U > 0 else None
        c = model.cost(model.forward(x, eps_g0, eps_co, cfg["keep_prob"], cd=coordinated_dropout(torch, cfg, x, gen)), state["step"])
        grads = torch.autograd.grad(c["total"], trainable)
        grads, norm = clip_by_global_norm(torch, grads, cfg["max_grad_norm"])
        opt.step(grads)
        state["step"] += 1
        state["cost"], state["norm"] = float(c["total"]), norm

    times = timed(train_step, args.steps, args.warmup)
    if not math.isfinite(state["cost"]):
        raise PeerError(f"training cost became {state['cost']} after {state['step']} steps")
    return {
        "median_ms": statistics.median(times), "mean_ms": statistics.fmean(times),
        "min_ms": min(times), "steps": args.steps, "warmup": args.warmup,
        "last_cost": state["cost"], "last_grad_norm": state["norm"],
    }


def run_infer(torch, cfg, args, dtype):
    gen = torch.Generator().manual_seed(int(cfg["seed"]))
    params = init_params(torch, cfg, dtype, gen)
    for q in params.values():
        q.requires_grad_(False)
    model = LfadsPeer(torch, cfg, params)
    x = random_batch(torch, cfg, dtype, gen)
    B, I, T, U = cfg["B"], cfg["ic_dim"], cfg["T"], cfg["co_dim"]

    def infer_step():
        with torch.no_grad():
            eps_g0 = torch.randn((B, I), generator=gen, dtype=dtype)
            eps_co = torch.randn((B, T, U), generator=gen, dtype=dtype) if U > 0 else None
            model.forward(x, eps_g0, eps_co, 1.0, want_rates=True)

    times = timed(infer_step, args.steps, args.warmup)
    med = statistics.median(times)
    return {
        "median_ms": med, "mean_ms": statistics.fmean(times), "min_ms": min(times),
        "steps": args.steps, "warmup": args.warmup, "trials_per_s": B / (med / 1000.0),
    }


def run_cost(torch, cfg, args, dtype):
    if not args.weights or not args.batch:
        raise PeerError("--mode cost needs --weights W.h5 and --batch B.h5")
    params = load_params(torch, cfg, args.weights, dtype)
    x, eps_g0, eps_co = load_batch(torch, cfg, args.batch, dtype)
    model = LfadsPeer(torch, cfg, params)
    with torch.no_grad():
        terms = model.forward(x, eps_g0, eps_co, 1.0)
        c = model.cost(terms, int(cfg["step"]))
    return {
        "recon": float(c["recon"]), "kl": float(c["kl"]), "l2": float(c["l2"]), "total": float(c["total"]),
        "kl_weight": c["kl_weight"], "l2_weight": c["l2_weight"],
        "kl_g0": float(terms["kl_g0"].mean()), "kl_co": float(terms["kl_co"].mean()),
        "step": int(cfg["step"]), "dtype": args.dtype or "float64",
    }


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="JSON config (dims, keep_prob, cell_clip, scales, ramps, step)")
    ap.add_argument("--mode", choices=("cost", "time", "infer"), required=True)
    ap.add_argument("--weights", help="cost mode: HDF5 with LFADS model_params names")
    ap.add_argument("--batch", help="cost mode: HDF5 with data [B,T,N], eps_g0 [B,I], eps_co [B,T,U]")
    ap.add_argument("--threads", type=int, default=1, help="intra-op and BLAS threads (default 1)")
    ap.add_argument("--steps", type=int, default=10, help="timed steps (time/infer)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first (time/infer)")
    ap.add_argument("--dtype", choices=("float32", "float64"),
                    help="default: float64 for cost, float32 for time/infer")
    args = ap.parse_args(argv)
    if args.threads < 1 or args.steps < 1 or args.warmup < 0:
        raise PeerError("--threads and --steps must be >= 1, --warmup >= 0")

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    cfg = load_config(args.config)
    dtype = getattr(torch, args.dtype or ("float64" if args.mode == "cost" else "float32"))
    torch.manual_seed(int(cfg["seed"]))
    run = {"cost": run_cost, "time": run_time, "infer": run_infer}[args.mode]
    out = run(torch, cfg, args, dtype)
    if args.mode != "cost":
        out.update({
            "threads": torch.get_num_threads(), "peak_rss_mb": peak_rss_mb(), "torch_version": torch.__version__,
            "dtype": str(dtype).replace("torch.", ""), "blas": blas_library(),
        })
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except PeerError as err:
        print(f"lfads_peer: {err}", file=sys.stderr)
        sys.exit(2)
