"""The capstone experiment: one code path, three tiers (``quick``, ``recorded``, ``gpu``).

Run from the repository root::

    python -m grouptools.nn.capstone --tier quick        # what Chapter 10 runs live (≤ 90 s of training, 2 CPU cores)
    python -m grouptools.nn.capstone --tier recorded     # the run behind the verdicts (≤ 30 min, 2 CPU cores)
    python -m grouptools.nn.capstone --tier gpu          # the larger scales, ≤ 8 min on one H100/H200

Each tier is a list of **experiments**; an experiment is a task, a list of model names and
a grid of **cells** (settings such as the number of MQAR pairs, the width, the group of a
word problem or the depth). For every (cell, model) the learning rate is chosen by a small
sweep on seed 0 at the experiment's first cell, then every seed is trained at that rate.
Every model of a cell is tested on the *same* held-out sequences, so seeds and models are
compared on equal terms, and the same sequences give the **heuristic floors** — what a
trivial rule scores (:func:`heuristic_floors`), the level a model must beat before it can
be said to do anything.

Results are one JSON file (plus a PNG) per tier and device in ``benchmarks/results/``,
recording the device, library versions, git commit, seeds, the whole configuration, every
run and the per-cell summary (mean and 95 % t-interval over seeds). Comparisons between
models use :func:`welch_test` and say "refuted" or "not refuted", never "holds".

Explained in Chapter 10, *The capstone experiment*.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

__all__ = [
    "MODELS",
    "TIERS",
    "model_pattern",
    "build",
    "make_group",
    "tier_config",
    "cell_task",
    "cell_label",
    "validate_config",
    "plan_jobs",
    "run_job",
    "run_tier",
    "heuristic_floors",
    "summarize",
    "t_quantile",
    "mean_interval",
    "welch_test",
    "provenance",
    "load_results",
    "merge_results",
    "results_path",
    "device_slug",
    "plot_results",
    "main",
]

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"

#: Model names → (how the layer pattern is spelled for n layers, extra model arguments).
MODELS: dict[str, tuple[Callable[[int], str], dict]] = {
    "transformer": (lambda n: "A" * n, {}),
    "s4": (lambda n: "S" * n, {}),
    "s4d": (lambda n: "D" * n, {}),
    "h3": (lambda n: "H" * n, {}),
    "mamba": (lambda n: "M" * n, {"transitions": "positive"}),
    "selective_signed": (lambda n: "M" * n, {"transitions": "signed"}),
    "selective_lti": (lambda n: "M" * n, {"transitions": "signed", "selective": False}),
    "selective_complex": (lambda n: "M" * n, {"transitions": "complex"}),
    "gru": (lambda n: "G" * n, {}),
    # the two composition orders of the same layers (Chapter 10, *Composition order*)
    "s4_then_attention": (lambda n: "S" * (n // 2) + "A" * (n - n // 2), {}),
    "attention_then_s4": (lambda n: "A" * (n - n // 2) + "S" * (n // 2), {}),
}


def model_pattern(name: str, n_layers: int) -> str:
    """The layer pattern of a capstone model name (:data:`MODELS`), e.g. ``("s4_then_attention", 2) → "SA"``.

    Explained in Chapter 10, *The capstone experiment*.
    """
    if name not in MODELS:
        raise ValueError(f"unknown capstone model {name!r}; choose from {sorted(MODELS)}")
    if isinstance(n_layers, bool) or not isinstance(n_layers, int) or n_layers < 1:
        raise ValueError(f"n_layers must be a positive integer, got {n_layers!r}")
    if name in ("s4_then_attention", "attention_then_s4") and n_layers < 2:
        raise ValueError(f"{name} needs at least 2 layers (one of each kind), got n_layers={n_layers}")
    return MODELS[name][0](n_layers)


def build(name: str, vocab_size: int, n_classes: int, *, d_model: int, n_layers: int, d_state: int, n_heads: int, l_max: int):
    """The :class:`~grouptools.nn.SequenceModel` of a capstone model name.

    Explained in Chapter 10, *The capstone experiment*.
    """
    from .sequence_models import SequenceModel

    extra = dict(MODELS[name][1]) if name in MODELS else {}
    return SequenceModel(
        model_pattern(name, n_layers), vocab_size, n_classes, d_model,
        n_heads=n_heads, d_state=d_state, l_max=l_max, **extra,
    )


def make_group(name: str):
    """A group of the word-problem experiments by name: ``"Z60"``, ``"A5"``, ``"A4xZ5"``, ``"S3"``, ``"Z6"``, ``"S4"``.

    Explained in Chapter 10, *Characters and state tracking*.
    """
    from .. import named

    m = re.fullmatch(r"([ZSA])(\d+)", name)
    if m:
        kind, n = m.group(1), int(m.group(2))
        return {"Z": named.cyclic, "S": named.symmetric, "A": named.alternating}[kind](n)
    parts = name.split("x")
    if len(parts) == 2 and all(re.fullmatch(r"[ZSA]\d+", p) for p in parts):
        return named.direct_product(make_group(parts[0]), make_group(parts[1]))
    raise ValueError(f"unknown group name {name!r}: use Z<n>, S<n>, A<n> or a product such as A4xZ5")


# --------------------------------------------------------------------------- configurations

_TRAIN = dict(steps=400, batch_size=64, d_model=64, n_layers=2, d_state=16, n_heads=2, lrs=[3e-3], seeds=3,
              eval_sequences=1000, weight_decay=0.0, ssm_lr=1e-3)

#: The three tiers. Each experiment: task name and arguments, the models, the grid of cells
#: (each cell overrides task arguments under ``task`` or training settings), and the training settings.
TIERS: dict[str, dict] = {
    "quick": {
        "description": "Chapter 10's live run: one seed, learning rates from the recorded sweep, ≤ 90 s of training on 2 CPU cores",
        "workers": 1,
        "experiments": {
            "mqar_order": dict(
                task=("mqar", dict(vocab_size=64, seq_len=32, n_pairs=4)),
                models=["transformer", "s4_then_attention", "attention_then_s4"],
                cells=[{}], **{**_TRAIN, "seeds": 1, "lrs": [3e-3], "eval_sequences": 1000},
            ),
            "parity": dict(
                task=("parity", dict(seq_len=40)), test_length=256,
                models=["selective_signed", "mamba"],
                cells=[{}], **{**_TRAIN, "d_model": 32, "n_layers": 1, "steps": 300, "seeds": 1, "lrs": [1e-2],
                               "eval_sequences": 500},
            ),
        },
    },
    "recorded": {
        "description": "the run behind Chapter 10's verdicts: ≥ 3 seeds, a learning-rate sweep per model, ≤ 30 min on 2 CPU cores",
        "workers": 2,
        "budget_s": 1800,
        "experiments": {
            "mqar_order": dict(
                task=("mqar", dict(vocab_size=64, seq_len=32, n_pairs=4)),
                models=["transformer", "s4_then_attention", "attention_then_s4", "s4", "s4d", "h3", "mamba"],
                cells=[{}], **{**_TRAIN, "lrs": [1e-3, 3e-3]},
            ),
            "mqar_pairs": dict(
                task=("mqar", dict(vocab_size=64, seq_len=32, n_pairs=2)),
                models=["transformer", "s4d", "h3", "mamba"],
                cells=[{"task": {"n_pairs": 2}}, {"task": {"n_pairs": 8}}],
                lr_from="mqar_order", **_TRAIN,
            ),
            "mqar_width": dict(
                task=("mqar", dict(vocab_size=64, seq_len=32, n_pairs=8)),
                models=["s4d", "h3"],
                cells=[{"d_model": 32}, {"d_model": 128}],
                lr_from="mqar_order", **_TRAIN,
            ),
            "recall": dict(
                task=("assoc_recall", dict(vocab_size=20, seq_len=30, distinct_keys=False)),
                models=["transformer", "s4_then_attention", "s4d", "h3", "mamba"],
                cells=[{}], **{**_TRAIN, "lrs": [1e-3, 3e-3]},
            ),
            "parity": dict(
                task=("parity", dict(seq_len=40)), test_length=256,
                models=["selective_signed", "mamba", "selective_lti", "transformer", "s4d"],
                cells=[{}], **{**_TRAIN, "d_model": 32, "n_layers": 1, "steps": 600, "lrs": [3e-3, 1e-2, 3e-2],
                               "eval_sequences": 1000},
            ),
            # Z6, S3 and A5 separate what commuting transitions can track; Z60 (addition mod 60, learnt from
            # scratch) is out of reach of every model at this budget, which the Z60 cell records. The gpu tier
            # trains Z60 against A5 longer.
            "word": dict(
                task=("word_problem", dict(group="Z6", seq_len=16)),
                models=["gru", "selective_complex", "transformer", "s4d"],
                cells=[{"task": {"group": g}} for g in ("Z6", "S3", "A5", "Z60")],
                **{**_TRAIN, "n_layers": 1, "steps": 800, "lrs": [3e-3, 1e-2], "eval_sequences": 1000},
            ),
        },
    },
    "gpu": {
        # Sized from measured H200 runs (8 workers share the card; a run takes 20–50 s there): 63 of these 78
        # runs fitted in 250 s, so 310 s fits all. One learning rate per experiment (the best in the first H200
        # run's sweeps), 3 seeds.
        "description": "larger scales for one H100/H200: vocabulary 256, width 128, two-layer parity, the word problems "
                       "of A4 and S4 against length and depth; ≤ 8 min wall",
        "workers": 8,
        "budget_s": 310,
        "precision": "bf16",
        "experiments": {
            "mqar_order": dict(
                task=("mqar", dict(vocab_size=256, seq_len=64, n_pairs=8)),
                models=["transformer", "s4_then_attention", "attention_then_s4", "s4d", "h3", "mamba"],
                cells=[{}], **{**_TRAIN, "d_model": 128, "steps": 1500, "batch_size": 128, "lrs": [1e-3]},
            ),
            "parity": dict(
                task=("parity", dict(seq_len=40)), test_length=256,
                models=["selective_signed", "mamba", "selective_lti", "transformer", "s4d"],
                cells=[{}], **{**_TRAIN, "d_model": 64, "n_layers": 2, "steps": 1000, "batch_size": 128,
                               "lrs": [3e-3]},
            ),
            # A4 (abelianisation Z3, |[G,G]| = 4) and S4 (abelianisation Z2, |[G,G]| = 12) are solvable and small
            # enough for the GRU to learn in this budget (A4 at length 16: 0.99 after 1500 CPU steps at width 64);
            # Z60 and A5 (tables of 3600 products) were not learnt by any model in 1500 steps, the GRU included.
            "word": dict(
                task=("word_problem", dict(group="A4", seq_len=16)),
                models=["gru", "selective_complex", "transformer"],
                cells=[{}, {"n_layers": 2}, {"task": {"seq_len": 32}}, {"task": {"group": "S4"}}],
                **{**_TRAIN, "d_model": 128, "n_layers": 1, "steps": 1500, "batch_size": 128, "lrs": [3e-3]},
            ),
            "mqar_pairs": dict(
                task=("mqar", dict(vocab_size=256, seq_len=64, n_pairs=16)),
                models=["transformer", "s4d", "h3"],
                cells=[{}], lr_from="mqar_order", **{**_TRAIN, "d_model": 128, "steps": 1500, "batch_size": 128},
            ),
        },
    },
}

_EXPERIMENT_KEYS = {"task", "models", "cells", "steps", "batch_size", "d_model", "n_layers", "d_state", "n_heads", "lrs",
                    "seeds", "eval_sequences", "weight_decay", "ssm_lr", "test_length", "lr_from", "precision", "compile"}
_PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}
_CELL_KEYS = {"task", "d_model", "n_layers", "steps", "batch_size"}


def tier_config(tier: str) -> dict:
    """A deep copy of one tier's configuration (:data:`TIERS`), validated; tier-wide ``precision``/``compile`` filled in.

    Explained in Chapter 10, *The capstone experiment*.
    """
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; choose from {sorted(TIERS)}")
    cfg = copy.deepcopy(TIERS[tier])
    for exp in cfg["experiments"].values():  # tier-wide settings, unless an experiment sets its own
        for key in ("precision", "compile"):
            if key in cfg:
                exp.setdefault(key, cfg[key])
    validate_config(cfg)
    return cfg


def validate_config(cfg: dict) -> None:
    """Check a tier configuration before anything trains; raise ``ValueError`` naming the first problem.

    Checks the experiment and cell keys, the model names and their patterns, positive
    sizes and learning rates, ≥ 1 seed (≥ 3 where the tier makes verdicts), that every
    task can be built with every cell's arguments, that attention widths divide by the
    number of heads, and that ``lr_from`` names an earlier experiment sharing the models.

    Explained in Chapter 10, *The capstone experiment*.
    """
    if not isinstance(cfg, dict) or not isinstance(cfg.get("experiments"), dict) or not cfg["experiments"]:
        raise ValueError("a tier configuration needs a non-empty dict 'experiments'")
    seen: list[str] = []
    for name, exp in cfg["experiments"].items():
        where = f"experiment {name!r}"
        unknown = set(exp) - _EXPERIMENT_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown settings {sorted(unknown)}; allowed: {sorted(_EXPERIMENT_KEYS)}")
        for key in ("task", "models", "cells"):
            if key not in exp:
                raise ValueError(f"{where}: missing {key!r}")
        if not exp["models"] or not exp["cells"]:
            raise ValueError(f"{where}: needs at least one model and one cell")
        for key in ("steps", "batch_size", "d_model", "n_layers", "d_state", "n_heads", "seeds", "eval_sequences"):
            v = exp.get(key, _TRAIN.get(key))
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{where}: {key} must be a positive integer, got {v!r}")
        if exp.get("precision", "fp32") not in _PRECISIONS:
            raise ValueError(f"{where}: precision must be one of {sorted(_PRECISIONS)}, got {exp['precision']!r}")
        if not isinstance(exp.get("compile", False), bool):
            raise ValueError(f"{where}: compile must be True or False, got {exp['compile']!r}")
        lrs = exp.get("lrs", _TRAIN["lrs"])
        if "lr_from" in exp:
            src = exp["lr_from"]
            if src not in seen:
                raise ValueError(f"{where}: lr_from={src!r} must name an earlier experiment, one of {seen}")
            missing = set(exp["models"]) - set(cfg["experiments"][src]["models"])
            if missing:
                raise ValueError(f"{where}: models {sorted(missing)} have no learning rate in {src!r}")
        elif not lrs or any(not isinstance(x, (int, float)) or isinstance(x, bool) or not x > 0 for x in lrs):
            raise ValueError(f"{where}: lrs must be a non-empty list of positive numbers, got {lrs!r}")
        for cell in exp["cells"]:
            bad = set(cell) - _CELL_KEYS
            if bad:
                raise ValueError(f"{where}: cell {cell} has unknown keys {sorted(bad)}; allowed: {sorted(_CELL_KEYS)}")
            s = _cell_settings(exp, cell)
            task = _make_task(s["task"])
            if "test_length" in exp:
                task.check_length(exp["test_length"])
            for m in exp["models"]:
                pattern = model_pattern(m, s["n_layers"])
                if set(pattern) & set("AP") and s["d_model"] % s["n_heads"]:
                    raise ValueError(f"{where}: d_model={s['d_model']} is not divisible by n_heads={s['n_heads']} for {m}")
                if set(pattern) & set("SDPH") and s["d_state"] % 2:
                    raise ValueError(f"{where}: d_state={s['d_state']} must be even for {m}")
        seen.append(name)


def _cell_settings(exp: dict, cell: dict) -> dict:
    s = {k: exp.get(k, _TRAIN.get(k)) for k in ("steps", "batch_size", "d_model", "n_layers", "d_state", "n_heads",
                                                 "seeds", "eval_sequences", "weight_decay", "ssm_lr")}
    s["precision"], s["compile"] = exp.get("precision", "fp32"), exp.get("compile", False)
    task_name, task_kw = exp["task"]
    s["task"] = (task_name, {**task_kw, **cell.get("task", {})})
    for k in ("d_model", "n_layers", "steps", "batch_size"):
        if k in cell:
            s[k] = cell[k]
    s["test_length"] = exp.get("test_length")
    return s


def _make_task(spec: tuple[str, dict]):
    from .tasks import make_task

    name, kw = spec
    kw = dict(kw)
    if name == "word_problem":
        kw["group"] = make_group(kw["group"])
    return make_task(name, **kw)


def cell_task(exp: dict, cell: int = 0):
    """The task of one cell of an experiment configuration (as the runs build it).

    Explained in Chapter 10, *The capstone experiment*.
    """
    return _make_task(_cell_settings(exp, exp["cells"][cell])["task"])


def cell_label(cell: dict) -> str:
    """A short name of a cell, e.g. ``"n_pairs=8"`` or ``"group=A5, n_layers=2"`` (``"base"`` for the empty cell).

    Explained in Chapter 10, *The capstone experiment*.
    """
    parts = [f"{k}={v}" for k, v in cell.get("task", {}).items()] + [f"{k}={v}" for k, v in cell.items() if k != "task"]
    return ", ".join(parts) or "base"


# --------------------------------------------------------------------------- jobs


def plan_jobs(cfg: dict, phase: str, chosen_lr: dict | None = None) -> list[dict]:
    """The training runs of one phase: ``"sweep"`` (seed 0, every learning rate, first cell) or ``"main"``.

    ``chosen_lr`` maps (experiment, model) → the learning rate the sweep picked. The
    ``main`` phase skips the runs the sweep already did (seed 0 at the chosen rate in the
    first cell).

    Explained in Chapter 10, *The capstone experiment*.
    """
    jobs = []
    for name, exp in cfg["experiments"].items():
        for ci, cell in enumerate(exp["cells"]):
            s = _cell_settings(exp, cell)
            for model in exp["models"]:
                if phase == "sweep":
                    if ci or "lr_from" in exp:
                        continue
                    lrs, seeds = exp.get("lrs", _TRAIN["lrs"]), [0]
                else:
                    src = exp.get("lr_from", name)
                    lr = chosen_lr[(src, model)]
                    lrs, seeds = [lr], list(range(s["seeds"]))
                for lr in lrs:
                    for seed in seeds:
                        if phase == "main" and ci == 0 and seed == 0 and "lr_from" not in exp:
                            continue  # done in the sweep
                        jobs.append(dict(experiment=name, cell=ci, cell_label=cell_label(cell), model=model, seed=seed,
                                         lr=float(lr), phase=phase, **s))
    return jobs


def _eval_batches(task, n: int, seed: int, length: int | None = None, batch: int = 250):
    gen = torch.Generator().manual_seed(seed)
    done = 0
    while done < n:
        b = min(batch, n - done)
        yield task.sample(b, gen, length=length)
        done += b


def heuristic_floors(task, batches: Sequence, *, train_length: int | None = None) -> dict[str, float]:
    """What trivial rules score on these batches: the floors a trained model must beat.

    * every task: ``chance`` (a uniform guess over the classes that can be answers);
    * recall and MQAR: ``value_in_context`` — a value token seen in the sequence (for
      MQAR, in the key–value block), uniformly (= 1/P for MQAR with distinct values);
    * word problems: ``first_token`` (position 0 copied, chance elsewhere) and
      ``abelianisation`` — the best any rule can do that knows only the image of the
      running product in G/[G, G] and the first token (Chapter 10, *Characters and state
      tracking*): 1 at position 0, 1/|[G, G]| elsewhere;
    * parity tested beyond ``train_length``: ``train_length_then_chance`` (perfect up to
      the training length, a coin flip after).

    Computed on the batches themselves (averaged over scored positions), not from formulas.

    Explained in Chapter 10, *Heuristic floors*.
    """
    from ..subgroups import commutator_subgroup
    from .tasks import IGNORE_INDEX, AssociativeRecall, GroupWordProblem, MultiQueryAssociativeRecall, Parity

    sums: dict[str, float] = {}
    count = 0
    for b in batches:
        x, y = b.inputs, b.targets
        mask = y != IGNORE_INDEX
        n = int(mask.sum())
        count += n
        credit: dict[str, Tensor] = {}
        if isinstance(task, (AssociativeRecall, MultiQueryAssociativeRecall)):
            if isinstance(task, MultiQueryAssociativeRecall):
                ctx = x[:, 1 : 2 * task.n_pairs : 2]
                n_answers = task.value_range[1] - task.value_range[0]
            else:
                ctx = x[:, 1 : x.shape[1] - 2 : 2]
                n_answers = task.n_values
            present = torch.zeros(x.shape[0], task.vocab_size, dtype=torch.bool)
            present.scatter_(1, ctx, True)
            n_present = present.sum(1, keepdim=True).float()
            hit = present.gather(1, y.clamp_min(0)).double()
            credit["value_in_context"] = hit / n_present.double()
            credit["chance"] = torch.full(hit.shape, 1.0 / n_answers, dtype=torch.float64)
        elif isinstance(task, GroupWordProblem):
            G = task.group
            pos = torch.arange(x.shape[1])[None, :].expand_as(x)
            first = (pos == 0).double()
            credit["first_token"] = first + (1 - first) / G.order
            k = len(commutator_subgroup(G))
            credit["abelianisation"] = first + (1 - first) / k
            credit["chance"] = torch.full(x.shape, 1.0 / G.order, dtype=torch.float64)
        elif isinstance(task, Parity):
            pos = torch.arange(x.shape[1])[None, :].expand_as(x)
            tl = train_length or task.seq_len
            credit["train_length_then_chance"] = torch.where(pos < tl, 1.0, 0.5).double()
            credit["chance"] = torch.full(x.shape, 0.5, dtype=torch.float64)
        else:  # pragma: no cover - every task of tasks.TASKS is handled above
            raise TypeError(f"no heuristic floors for {type(task).__name__}")
        for key, c in credit.items():
            sums[key] = sums.get(key, 0.0) + float((c.double() * mask).sum())
    if not count:
        raise ValueError("the batches hold no scored position")
    return {k: v / count for k, v in sums.items()}


Tensor = torch.Tensor


def _device(spec: str | None) -> torch.device:
    if spec:
        return torch.device(spec)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def run_job(job: dict, device: str | None = None) -> dict:
    """Train one model on one task with one seed and learning rate; return its metrics.

    Builds the task and the model (after ``torch.manual_seed(seed)``), trains with AdamW
    (SSM parameters in their own group), a one-cycle schedule and gradient clipping 1,
    reading the loss to the host only every 50 steps (on CUDA under bf16 autocast when
    the experiment says ``precision="bf16"``, compiled when ``compile=True``), then tests on the cell's held-out
    sequences (the same for every model and seed; a separate validation set drives the
    learning-rate sweep). Returns the job with ``accuracy``, ``val_accuracy``,
    ``per_position`` (parity and word problems), ``params``, ``seconds`` and ``final_loss``.

    Explained in Chapter 10, *The capstone experiment*.
    """
    from .s4 import make_optimizer
    from .sequence_models import count_parameters
    from .tasks import IGNORE_INDEX, argmax_credit, task_loss
    from .training import train

    dev = _device(device)
    task = _make_task(job["task"])
    length = job.get("test_length")
    l_max = max(task.seq_len, length or 0)
    torch.manual_seed(job["seed"])
    model = build(job["model"], task.vocab_size, task.n_classes, d_model=job["d_model"], n_layers=job["n_layers"],
                  d_state=job["d_state"], n_heads=job["n_heads"], l_max=l_max).to(dev)
    opt = make_optimizer(model, lr=job["lr"], weight_decay=job["weight_decay"], ssm_lr=min(job["ssm_lr"], job["lr"]))
    steps = job["steps"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g["lr"] for g in opt.param_groups], total_steps=steps,
                                                pct_start=0.1, anneal_strategy="cos")
    gen = torch.Generator().manual_seed(1_000_003 * (job["seed"] + 1))
    net = torch.compile(model) if job.get("compile") else model
    hist = train(net, lambda step: task.sample(job["batch_size"], gen), lambda m, b: task_loss(m(b.inputs), b.targets),
                 opt, steps, scheduler=sched, grad_clip=1.0, device=dev, progress=False, log_every=50,
                 autocast_dtype=_PRECISIONS[job.get("precision", "fp32")] if dev.type == "cuda" else None)

    def score(seed: int, n: int, length: int | None) -> tuple[float, list[float] | None]:
        per_pos_sum = per_pos_n = None
        total = scored = 0.0
        model.eval()
        with torch.no_grad():
            for b in _eval_batches(task, n, seed, length):
                b = b.to(dev)
                c = argmax_credit(model(b.inputs), b.targets)
                mask = (b.targets != IGNORE_INDEX).float()
                total += float((c * mask).sum())
                scored += float(mask.sum())
                ps, pn = (c * mask).sum(0).cpu(), mask.sum(0).cpu()
                per_pos_sum = ps if per_pos_sum is None else per_pos_sum + ps
                per_pos_n = pn if per_pos_n is None else per_pos_n + pn
        model.train()
        per_pos = None
        if job["task"][0] in ("parity", "word_problem"):
            per_pos = [round(float(v), 5) for v in (per_pos_sum / per_pos_n.clamp_min(1))]
        return total / max(scored, 1.0), per_pos

    cell_seed = 10_000 + 97 * job["cell"] + 7 * len(job["experiment"])
    val, _ = score(cell_seed + 1, min(500, job["eval_sequences"]), None)
    acc, per_pos = score(cell_seed, job["eval_sequences"], None)
    out = dict(job, accuracy=acc, val_accuracy=val, params=count_parameters(model), seconds=hist.seconds,
               final_loss=hist.loss[-1] if hist.loss else math.nan, device=str(dev))
    if length:
        out["test_length_accuracy"], out["per_position"] = score(cell_seed + 2, job["eval_sequences"], length)
    elif per_pos is not None:
        out["per_position"] = per_pos
    return out


def _world_size() -> int:
    import torch.distributed as dist

    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def _safe_run_job(job: dict, device: str | None = None) -> dict:
    """:func:`run_job`, but an exception becomes an ``error`` entry instead of ending the whole tier."""
    try:
        return run_job(job, device)
    except Exception as e:  # recorded and reported; the other runs go on
        import traceback

        return dict(job, error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc(limit=6))


def _init_worker(threads: int) -> None:
    torch.set_num_threads(threads)
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


def _run_many(jobs: list[dict], workers: int, threads: int, device: str | None, deadline: float | None,
              log: Callable[[str], None], on_run: Callable[[dict], None] = lambda r: None) -> tuple[list[dict], list[dict]]:
    """Run jobs (in parallel processes when workers > 1); jobs not started by the deadline are returned as skipped."""
    done: list[dict] = []
    skipped: list[dict] = []
    if workers <= 1:
        _init_worker(threads)
        for j in jobs:
            if deadline is not None and time.time() > deadline:
                skipped.append(j)
                continue
            r = _safe_run_job(j, device)
            log(_describe(r))
            on_run(r)
            done.append(r)
        return done, skipped
    import multiprocessing as mp

    pending = list(jobs)
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init_worker, initargs=(threads,)) as pool:
        running = set()
        while pending or running:
            while pending and len(running) < workers:
                if deadline is not None and time.time() > deadline:
                    skipped.extend(pending)
                    pending = []
                    break
                running.add(pool.submit(_safe_run_job, pending.pop(0), device))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for f in finished:
                r = f.result()
                log(_describe(r))
                on_run(r)
                done.append(r)
    return done, skipped


def _job_key(job: dict) -> str:
    """Everything that determines a run's result (not its outcome), as a string: the key for resuming."""
    keys = ("experiment", "cell", "model", "seed", "lr", "phase", "task", "steps", "batch_size", "d_model", "n_layers", "d_state",
            "n_heads", "eval_sequences", "weight_decay", "ssm_lr", "test_length", "precision", "compile")
    defaults = {"precision": "fp32", "compile": False}  # settings added later default to what older runs used
    return json.dumps([job.get(k, defaults.get(k)) for k in keys], default=str)


def _describe(r: dict) -> str:
    if "error" in r:
        return f"  {r['phase']:5s} {r['experiment']:11s} [{r['cell_label']}] {r['model']:18s} seed {r['seed']}: FAILED {r['error']}"
    extra = f", at length {r['test_length']}: {r['test_length_accuracy']:.3f}" if "test_length_accuracy" in r else ""
    return (f"  {r['phase']:5s} {r['experiment']:11s} [{r['cell_label']}] {r['model']:18s} seed {r['seed']} lr {r['lr']:.0e}: "
            f"accuracy {r['accuracy']:.3f}{extra} ({r['seconds']:.1f} s)")


# --------------------------------------------------------------------------- statistics

def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((a + m2 - 1) * (a + m2)), -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    """The distribution function of Student's t with ``df`` degrees of freedom.

    Explained in Chapter 10, *Verdicts from seeds*.
    """
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    tail = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom (bisection on :func:`t_cdf`).

    Explained in Chapter 10, *Verdicts from seeds*.
    """
    if not 0 < p < 1:
        raise ValueError(f"p must lie in (0, 1), got {p}")
    lo, hi = -1e4, 1e4
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2


def mean_interval(values: Sequence[float], level: float = 0.95) -> dict[str, float]:
    """Mean, sample standard deviation and the two-sided t-interval of the mean over seeds.

    With one value the interval is undefined (``nan`` half-width).

    Explained in Chapter 10, *Verdicts from seeds*.
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        raise ValueError("no values")
    m = float(v.mean())
    if v.size < 2:
        return {"mean": m, "sd": math.nan, "half_width": math.nan, "low": math.nan, "high": math.nan, "n": 1}
    sd = float(v.std(ddof=1))
    hw = t_quantile(0.5 + level / 2, v.size - 1) * sd / math.sqrt(v.size)
    return {"mean": m, "sd": sd, "half_width": hw, "low": m - hw, "high": m + hw, "n": int(v.size)}


def welch_test(a: Sequence[float], b: Sequence[float], *, alpha: float = 0.05) -> dict[str, Any]:
    """One-sided Welch test of the claim mean(a) ≥ mean(b) over seeds: "refuted" or "not refuted".

    The claim is **refuted** when the one-sided p-value of mean(a) < mean(b) is below
    ``alpha``; otherwise it is **not refuted**, which is not evidence that it holds:
    ``detectable`` is the smallest shortfall this many seeds could have detected (the
    one-sided critical value times the standard error). With zero variance in both groups
    the difference is exact and the verdict follows its sign.

    Explained in Chapter 10, *Verdicts from seeds*.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        raise ValueError(f"a Welch test needs at least 2 seeds per model, got {a.size} and {b.size}")
    diff = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        p = 0.0 if diff < 0 else 1.0
        df, crit = math.inf, 0.0
    else:
        df = (va + vb) ** 2 / ((va**2 / (a.size - 1) if va else 0) + (vb**2 / (b.size - 1) if vb else 0))
        p = t_cdf(diff / se, df)
        crit = t_quantile(1 - alpha, df)
    return {"difference": diff, "se": se, "df": df, "p_value": p, "detectable": crit * se,
            "verdict": "refuted" if p < alpha else "not refuted"}


# --------------------------------------------------------------------------- whole tiers


def record_cpu_run(filename: str, run: Callable[[], dict], out_dir: str | Path | None = None) -> Path:
    """Run ``run()`` on one CPU thread (restored afterwards), add its :func:`provenance` and wall time, and write it as JSON.

    The file is ``out_dir/filename`` (``out_dir`` defaults to ``benchmarks/results``). This is
    what every chapter's recorded CPU run (``python -m grouptools.nn.<module>``) does at the end.

    Explained in Chapter 10, *Verdicts from seeds*.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t0 = time.perf_counter()
        prov = provenance("cpu")
        res = run()
    finally:
        torch.set_num_threads(threads)
    res["provenance"] = dict(prov, wall_seconds=time.perf_counter() - t0)
    out = Path(out_dir or RESULTS) / filename
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {out} ({res['provenance']['wall_seconds']:.0f} s)")
    return out


def provenance(device: str | None = None, **extra: Any) -> dict:
    """Where a result came from: device, library versions, git commit (and which tracked files differed from it), time.

    ``GROUPTOOLS_COMMIT`` overrides the commit (for copies of the tree without ``.git``).

    Explained in Chapter 10, *The capstone experiment*.
    """
    from ..runtime import device_name

    dev = _device(device)
    commit = os.environ.get("GROUPTOOLS_COMMIT")
    dirty, dirty_paths = None, None
    if not commit:
        try:
            commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
            status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True,
                                    text=True, check=True).stdout
            dirty_paths = [line[3:] for line in status.splitlines() if line.strip()]
            dirty = bool(dirty_paths)
        except (OSError, subprocess.CalledProcessError):
            commit = "unknown"
    return {
        "device": device_name(dev),
        "device_type": dev.type,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "git_commit": commit,
        "git_dirty": dirty,
        "git_dirty_paths": dirty_paths,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **extra,
    }


def summarize(runs: Sequence[dict], cfg: dict) -> list[dict]:
    """Per (experiment, cell, model): accuracy mean and 95 % interval over seeds, the learning rate and seeds used.

    Explained in Chapter 10, *Verdicts from seeds*.
    """
    rows = []
    for name, exp in cfg["experiments"].items():
        for ci, cell in enumerate(exp["cells"]):
            for model in exp["models"]:
                main = [r for r in runs if r["experiment"] == name and r["cell"] == ci and r["model"] == model and r["phase"] == "main"]
                if not main:
                    continue
                row = {"experiment": name, "cell": ci, "cell_label": cell_label(cell), "model": model, "lr": main[0]["lr"],
                       "seeds": sorted(r["seed"] for r in main), "params": main[0]["params"],
                       "accuracy": mean_interval([r["accuracy"] for r in main]),
                       "values": [r["accuracy"] for r in sorted(main, key=lambda r: r["seed"])],
                       "seconds": float(np.mean([r["seconds"] for r in main]))}
                if "test_length_accuracy" in main[0]:
                    row["test_length_accuracy"] = mean_interval([r["test_length_accuracy"] for r in main])
                    row["test_length_values"] = [r["test_length_accuracy"] for r in sorted(main, key=lambda r: r["seed"])]
                if "per_position" in main[0]:
                    row["per_position"] = [float(v) for v in np.mean([r["per_position"] for r in main], axis=0)]
                rows.append(row)
    return rows


def _floors(cfg: dict) -> dict:
    out: dict[str, dict] = {}
    for name, exp in cfg["experiments"].items():
        for ci, cell in enumerate(exp["cells"]):
            s = _cell_settings(exp, cell)
            task = _make_task(s["task"])
            cell_seed = 10_000 + 97 * ci + 7 * len(name)
            key = f"{name}/{ci}"
            out[key] = heuristic_floors(task, list(_eval_batches(task, s["eval_sequences"], cell_seed)))
            if s["test_length"]:
                out[key + "/test_length"] = heuristic_floors(
                    task, list(_eval_batches(task, s["eval_sequences"], cell_seed + 2, s["test_length"])), train_length=task.seq_len)
    return out


def run_tier(
    tier: str,
    *,
    out_dir: Path | str | None = None,
    workers: int | None = None,
    threads: int | None = None,
    device: str | None = None,
    budget_s: float | None = None,
    only: Sequence[str] | None = None,
    steps: int | None = None,
    seeds: int | None = None,
    log: Callable[[str], None] = print,
    save: bool = True,
    resume: bool = False,
) -> dict:
    """Run one tier: the learning-rate sweep, then every seed; summarise, add floors and provenance, save JSON and PNG.

    ``only`` restricts to some experiments (with the experiments they take learning rates
    from); when the tier's results file exists, the rerun experiments replace their old
    entries in it (:func:`merge_results`). ``steps`` and ``seeds`` override the tier's
    (for smoke tests); ``budget_s`` stops starting new runs after that many seconds (runs
    not started are listed under ``skipped``). Every finished run is appended at once to
    ``<results>.runs.jsonl``; ``resume=True`` reuses the runs found there whose settings
    match exactly and trains only the rest (the provenance of the earlier call is kept under
    ``earlier_calls``, and every run records the commit it was trained at). Returns the
    results dictionary.

    Explained in Chapter 10, *The capstone experiment*.
    """
    cfg = tier_config(tier)
    if only:
        unknown = set(only) - set(cfg["experiments"])
        if unknown:
            raise ValueError(f"unknown experiments {sorted(unknown)}; tier {tier!r} has {sorted(cfg['experiments'])}")
        keep = set(only) | {cfg["experiments"][n]["lr_from"] for n in only if "lr_from" in cfg["experiments"][n]}
        cfg["experiments"] = {k: v for k, v in cfg["experiments"].items() if k in keep}
    for exp in cfg["experiments"].values():
        if steps is not None:
            exp["steps"] = steps
            for cell in exp["cells"]:
                cell.pop("steps", None)
        if seeds is not None:
            exp["seeds"] = seeds
    validate_config(cfg)
    dev = str(_device(device))
    workers = workers or cfg.get("workers", 1)
    threads = threads or max(1, (os.cpu_count() or 1) // workers) if dev == "cpu" else 1
    budget = budget_s if budget_s is not None else cfg.get("budget_s")
    start = time.time()
    deadline = start + budget if budget else None
    log(f"tier {tier!r} on {dev}: {workers} worker(s), {threads} thread(s) each" + (f", budget {budget:.0f} s" if budget else ""))
    prov = provenance(device, workers=workers, threads_per_worker=threads, ddp_world_size=_world_size())  # the code as it starts
    stream = None
    stream_path = results_path(tier, prov["device"], out_dir).with_suffix(".runs.jsonl")
    finished: dict[str, dict] = {}
    earlier: list[dict] = []
    old_results = stream_path.with_name(stream_path.name.replace(".runs.jsonl", ".json"))
    if resume and old_results.exists():  # keep the provenance of the calls whose runs are reused
        old = json.loads(old_results.read_text())
        earlier = old.get("earlier_calls", []) + [old["provenance"]]
    if resume and stream_path.exists():
        for line in stream_path.read_text().splitlines():
            r = json.loads(line)
            if "error" not in r:
                finished[_job_key(r)] = r
        log(f"resuming: {len(finished)} finished run(s) in {stream_path}")
    if save:
        stream_path.parent.mkdir(parents=True, exist_ok=True)
        stream = open(stream_path, "a" if resume else "w")

    def on_run(r: dict) -> None:
        r["git_commit"] = prov["git_commit"]
        if stream is not None:
            stream.write(json.dumps(r, default=float) + "\n")
            stream.flush()

    n_reused = 0

    def run(jobs: list[dict]) -> tuple[list[dict], list[dict]]:
        nonlocal n_reused
        reused = [finished[_job_key(j)] for j in jobs if _job_key(j) in finished]
        n_reused += len(reused)
        todo = [j for j in jobs if _job_key(j) not in finished]
        done, skipped = _run_many(todo, workers, threads, device, deadline, log, on_run)
        return reused + done, skipped

    sweep, skipped = run(plan_jobs(cfg, "sweep"))
    errors = [r for r in sweep if "error" in r]
    sweep = [r for r in sweep if "error" not in r]
    chosen: dict[tuple[str, str], float] = {}
    for name, exp in cfg["experiments"].items():
        if "lr_from" in exp:
            continue
        for model in exp["models"]:
            cands = [r for r in sweep if r["experiment"] == name and r["model"] == model]
            if cands:
                chosen[(name, model)] = max(cands, key=lambda r: (r["val_accuracy"], -r["final_loss"]))["lr"]
    # seed by seed, so that a run cut short by the time budget has as many seeds in every cell as possible
    main_jobs = sorted(plan_jobs_safe(cfg, chosen), key=lambda j: j["seed"])
    fresh, skipped2 = run(main_jobs)
    if stream is not None:
        stream.close()
    errors += [r for r in fresh if "error" in r]
    fresh = [r for r in fresh if "error" not in r]
    # the sweep's seed-0 runs at the chosen rate count as seed 0 of the main phase
    main = fresh + [dict(r, phase="main") for r in sweep if chosen.get((r["experiment"], r["model"])) == r["lr"]]
    wall = time.time() - start
    results = {
        "tier": tier,
        "description": cfg.get("description", ""),
        "provenance": dict(prov, wall_seconds=round(wall, 1), reused_runs=n_reused),
        "earlier_calls": earlier,
        "config": _jsonable(cfg),
        "chosen_lr": {f"{e}/{m}": lr for (e, m), lr in chosen.items()},
        "floors": _floors(cfg),
        "summary": summarize(main, cfg),
        "runs": sweep + fresh,
        "skipped": [{k: j[k] for k in ("experiment", "cell_label", "model", "seed", "phase")} for j in skipped + skipped2],
        "errors": errors,
        "training_seconds": round(sum(r["seconds"] for r in sweep + fresh), 1),
    }
    log(f"tier {tier!r} done in {wall:.0f} s wall ({results['training_seconds']:.0f} s of training; "
        f"{len(results['skipped'])} run(s) skipped for time, {len(errors)} failed)")
    results["provenance_by_experiment"] = {name: results["provenance"] for name in cfg["experiments"]}
    if save:
        path = results_path(tier, results["provenance"]["device"], out_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        if only and path.exists():
            results = merge_results(json.loads(path.read_text()), results)
            log(f"merged into the earlier results of experiments {sorted(set(results['config']['experiments']) - set(cfg['experiments']))}")
        path.write_text(json.dumps(results, indent=1, default=float) + "\n")
        log(f"wrote {path}")
        try:
            plot_results(results, path.with_suffix(".png"))
            log(f"wrote {path.with_suffix('.png')}")
        except Exception as e:  # a figure must never lose a finished run
            log(f"figure failed: {e!r}")
    return results


def merge_results(old: dict, new: dict) -> dict:
    """``old`` with the experiments that ``new`` ran replaced by ``new``'s (a rerun of some experiments of a tier).

    Each experiment keeps the provenance of the run that produced it
    (``provenance_by_experiment``); the top-level provenance is the newest run's.

    Explained in Chapter 10, *The capstone experiment*.
    """
    if old.get("tier") != new.get("tier"):
        raise ValueError(f"cannot merge results of tier {old.get('tier')!r} into tier {new.get('tier')!r}")
    rerun = set(new["config"]["experiments"])

    def keep(rows: list, key: str = "experiment") -> list:
        return [r for r in rows if r[key] not in rerun]

    out = dict(new)
    exps = {k: v for k, v in old["config"]["experiments"].items() if k not in rerun}
    exps.update(new["config"]["experiments"])
    out["config"] = dict(new["config"], experiments=exps)
    out["summary"] = keep(old["summary"]) + new["summary"]
    out["runs"] = keep(old["runs"]) + new["runs"]
    out["skipped"] = keep(old.get("skipped", [])) + new["skipped"]
    out["errors"] = keep(old.get("errors", [])) + new["errors"]
    out["floors"] = {k: v for k, v in old["floors"].items() if k.split("/")[0] not in rerun} | new["floors"]
    out["chosen_lr"] = {k: v for k, v in old["chosen_lr"].items() if k.split("/")[0] not in rerun} | new["chosen_lr"]
    old_prov = old.get("provenance_by_experiment") or {k: old["provenance"] for k in old["config"]["experiments"]}
    out["provenance_by_experiment"] = {k: v for k, v in old_prov.items() if k not in rerun} | new["provenance_by_experiment"]
    out["training_seconds"] = round(sum(r["seconds"] for r in out["runs"]), 1)
    return out


def plan_jobs_safe(cfg: dict, chosen: dict) -> list[dict]:
    """:func:`plan_jobs` for the main phase, leaving out models whose sweep did not run (time budget)."""
    kept = {k: {**e, "models": [m for m in e["models"] if (e.get("lr_from", k), m) in chosen]} for k, e in cfg["experiments"].items()}
    return plan_jobs({"experiments": kept}, "main", chosen)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def device_slug(name: str) -> str:
    """A file-name-safe form of a device name: ``"NVIDIA H200" → "nvidia_h200"``.

    Explained in Chapter 10, *The capstone experiment*.
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60]


def results_path(tier: str, device: str, out_dir: Path | str | None = None) -> Path:
    """``<out_dir>/capstone_<tier>_<device slug>.json`` (``out_dir`` defaults to ``benchmarks/results``).

    Explained in Chapter 10, *The capstone experiment*.
    """
    return Path(out_dir or RESULTS) / f"capstone_{tier}_{device_slug(device)}.json"


def load_results(tier: str, device: str | None = None, directory: Path | str | None = None) -> dict | None:
    """The saved results of a tier (for ``device``, or the first file of that tier), or ``None`` if none exists.

    Explained in Chapter 10, *The capstone experiment*.
    """
    d = Path(directory or RESULTS)
    if device is not None:
        p = results_path(tier, device, d)
        return json.loads(p.read_text()) if p.exists() else None
    files = sorted(d.glob(f"capstone_{tier}_*.json"))
    return json.loads(files[0].read_text()) if files else None


# --------------------------------------------------------------------------- figure


def plot_results(results: dict, path: Path | str | None = None):
    """One figure per tier: a panel per experiment, mean ± 95 % interval over seeds, heuristic floors as lines.

    Bars are grouped by cell (the number of pairs, the width, the group) and coloured by
    model, with the same colour for a model in every panel; each cell's floors are drawn
    across its group. Parity is drawn per position at the test length.

    Explained in Chapter 10, *The capstone experiment*.
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    summary, floors = results["summary"], results["floors"]
    exps = list(results["config"]["experiments"])
    models = list(dict.fromkeys(r["model"] for r in summary))
    palette = [f"C{i}" for i in range(10)] + ["black", "gold", "teal", "navy"]  # a colour per model, distinct up to 14
    colour = {m: palette[i % len(palette)] for i, m in enumerate(models)}
    floor_style = {"value_in_context": "--", "first_token": "--", "abelianisation": "-.", "train_length_then_chance": "--",
                   "chance": ":"}
    ncols = min(3, len(exps))
    nrows = math.ceil(len(exps) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.9 * nrows), squeeze=False)
    for ax in axes.flat[len(exps):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, exps):
        exp = results["config"]["experiments"][name]
        rows = [r for r in summary if r["experiment"] == name]
        if rows and "per_position" in rows[0] and "test_length_accuracy" in rows[0]:
            for r in rows:
                pp = r["per_position"]
                ax.plot(range(1, len(pp) + 1), pp, color=colour[r["model"]], label=r["model"], lw=1.2)
            ax.axvline(exp["task"][1]["seq_len"], color="k", ls=":", lw=1)
            ax.axhline(0.5, color="grey", ls=":", lw=0.8, label="chance")
            ax.set(xlabel="position (training length dotted)", ylabel="accuracy, mean over seeds", ylim=(0.4, 1.02))
        else:
            cells = sorted({r["cell"] for r in rows})
            in_exp = [m for m in models if any(r["model"] == m for r in rows)]
            width = 0.8 / max(len(in_exp), 1)
            seen_floor: set[str] = set()
            for ci in cells:
                for mi, m in enumerate(in_exp):
                    r = next((r for r in rows if r["cell"] == ci and r["model"] == m), None)
                    if r is None:
                        continue
                    hw = r["accuracy"]["half_width"]
                    ax.bar(ci + (mi - (len(in_exp) - 1) / 2) * width, r["accuracy"]["mean"], width * 0.95,
                           yerr=None if math.isnan(hw) else hw, capsize=2, color=colour[m],
                           label=m if ci == cells[0] else None)
                for fname, fv in floors.get(f"{name}/{ci}", {}).items():
                    ax.hlines(fv, ci - 0.45, ci + 0.45, colors="k", linestyles=floor_style.get(fname, "--"), lw=1,
                              label=f"floor: {fname}" if fname not in seen_floor else None)
                    seen_floor.add(fname)
            labels = [cell_label(exp["cells"][ci]) for ci in cells]
            ax.set_xticks(cells, [lab.replace("n_pairs=", "P=").replace("d_model=", "d=").replace("group=", "")
                                  for lab in labels], fontsize=8)
            ax.set(ylim=(0, 1.05), ylabel="test accuracy, mean ± 95 % CI")
        task_name, task_kw = exp["task"]
        short = {"vocab_size": "V", "seq_len": "L", "n_pairs": "P", "distinct_keys": "distinct"}
        varied = {k for c in exp["cells"] for k in (*c.get("task", {}), *c)}  # named on the x axis instead
        fixed = [f"{short.get(k, k)}={v}" for k, v in task_kw.items() if k not in varied]
        fixed += [f"d={exp['d_model']}"] if "d_model" not in varied else []
        ax.set_title(f"{name}: {task_name} " + ", ".join(fixed), fontsize=9)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6, loc="best")
    prov = results["provenance"]
    n_seeds = sorted({len(r["seeds"]) for r in summary}) or [0]
    seeds_text = str(n_seeds[0]) if len(n_seeds) == 1 else f"{n_seeds[0]}–{n_seeds[-1]}"
    fig.suptitle(f"capstone, tier {results['tier']} — {prov['device']}, seeds per cell: {seeds_text}", fontsize=10)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grouptools.nn.capstone --tier quick|recorded|gpu [--out DIR] [--workers N] …``.

    Explained in Chapter 10, *The capstone experiment*.
    """
    p = argparse.ArgumentParser(prog="python -m grouptools.nn.capstone", description=__doc__.split("\n\n")[0])
    p.add_argument("--tier", choices=sorted(TIERS), required=True)
    p.add_argument("--out", default=None, help="directory for the JSON and PNG (default benchmarks/results)")
    p.add_argument("--workers", type=int, default=None, help="parallel training processes (default: the tier's)")
    p.add_argument("--threads", type=int, default=None, help="torch threads per process on the CPU")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    p.add_argument("--budget", type=float, default=None, help="seconds after which no new run starts")
    p.add_argument("--only", nargs="*", default=None, help="run only these experiments")
    p.add_argument("--steps", type=int, default=None, help="override the steps of every experiment (smoke tests)")
    p.add_argument("--seeds", type=int, default=None, help="override the number of seeds (smoke tests)")
    p.add_argument("--dry-run", action="store_true", help="validate the configuration and list the runs, train nothing")
    p.add_argument("--resume", action="store_true", help="reuse the finished runs of an interrupted call (the .runs.jsonl file)")
    a = p.parse_args(argv)
    from .training import init_distributed

    rank, world = init_distributed()  # under torchrun: every run is trained by all processes (DDP)
    if world > 1:
        if a.workers not in (None, 1):
            p.error("under torchrun each run uses every process; leave --workers unset")
        a.workers = 1
        if torch.cuda.is_available() and a.device is None:
            a.device = f"cuda:{torch.cuda.current_device()}"
    if a.dry_run:
        cfg = tier_config(a.tier)
        jobs = plan_jobs(cfg, "sweep")
        print(f"tier {a.tier!r}: {len(jobs)} sweep runs, then the seeds of {sum(len(e['cells']) * len(e['models']) for e in cfg['experiments'].values())} (cell, model) pairs")
        return 0
    run_tier(a.tier, out_dir=a.out, workers=a.workers, threads=a.threads, device=a.device, budget_s=a.budget, only=a.only,
             steps=a.steps, seeds=a.seeds, log=(lambda s: print(s, flush=True)) if rank == 0 else (lambda s: None),
             save=rank == 0, resume=a.resume)
    if world > 1:
        import torch.distributed as dist

        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
