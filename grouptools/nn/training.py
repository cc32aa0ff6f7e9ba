"""A small, shared training loop: ``train`` and the ``TrainHistory`` it returns.

The loop is deliberately plain — fetch a batch, compute a scalar loss, step the
optimiser (and scheduler), record the loss, evaluate now and then — so that every
chapter that trains a model reads the same way. It does not seed anything: callers
seed with :func:`grouptools.seed_everything` or pass generators to their batch
functions.

Explained in Chapter 9, *Training every model on every task*.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import torch
from torch import nn

__all__ = ["TrainHistory", "train"]


@dataclass
class TrainHistory:
    """What one call of :func:`train` recorded.

    ``steps``/``loss``: the training loss every ``log_every`` steps and at the last step;
    ``eval_steps``/``evals``: the dictionaries returned by ``evaluate`` and when;
    ``seconds``: wall-clock time of the run; ``examples_seen``: the sum of batch sizes.

    Explained in Chapter 9, *Training every model on every task*.
    """

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    evals: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    examples_seen: int = 0

    def metric(self, name: str) -> list[float]:
        """The series of one evaluation metric, one value per entry of ``eval_steps``.

        Raises ``KeyError`` naming the available metrics when ``name`` is unknown.

        Explained in Chapter 9, *Training every model on every task*.
        """
        available = sorted({k for e in self.evals for k in e})
        if name not in available:
            raise KeyError(f"no evaluation metric {name!r}; available metrics: {available}")
        return [float(e[name]) if name in e else math.nan for e in self.evals]

    def to_dict(self) -> dict:
        """A JSON-serialisable dictionary of the whole history (plain floats and ints).

        Explained in Chapter 9, *Training every model on every task*.
        """
        d = asdict(self)
        d["steps"] = [int(s) for s in self.steps]
        d["loss"] = [float(v) for v in self.loss]
        d["eval_steps"] = [int(s) for s in self.eval_steps]
        d["evals"] = [{str(k): float(v) for k, v in e.items()} for e in self.evals]
        d["seconds"] = float(self.seconds)
        d["examples_seen"] = int(self.examples_seen)
        return d


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _to_device(batch: Any, device: torch.device) -> Any:
    if torch.is_tensor(batch):
        return batch.to(device)
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # namedtuple
        return type(batch)(*(_to_device(b, device) for b in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(b, device) for b in batch)
    if hasattr(batch, "to") and callable(batch.to):
        return batch.to(device)
    return batch


def _batch_size(batch: Any) -> int:
    if torch.is_tensor(batch):
        return int(batch.shape[0]) if batch.ndim > 0 else 1
    if isinstance(batch, (tuple, list)) and batch:
        return _batch_size(batch[0])
    if isinstance(batch, dict) and batch:
        return _batch_size(next(iter(batch.values())))
    for attr in ("inputs", "x"):
        t = getattr(batch, attr, None)
        if torch.is_tensor(t):
            return _batch_size(t)
    return 0


def _model_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return torch.device("cpu")


def _evaluate(model: nn.Module, evaluate: Callable[[nn.Module], dict[str, float]]) -> dict[str, float]:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            result = evaluate(model)
    finally:
        model.train(was_training)
    if not isinstance(result, dict):
        raise TypeError(f"evaluate must return a dict of metric name -> number, got {type(result).__name__}")
    return {str(k): float(v) for k, v in result.items()}


def train(
    model: nn.Module,
    get_batch: Callable[[int], Any],
    loss_fn: Callable[[nn.Module, Any], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int,
    *,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    eval_every: int = 100,
    eval_at_start: bool = False,
    log_every: int = 1,
    scheduler: Any = None,
    grad_clip: float | None = None,
    device: Any = None,
    progress: bool = True,
    desc: str | None = None,
    stop_when: Callable[[dict[str, float]], bool] | None = None,
    autocast_dtype: torch.dtype | None = None,
) -> TrainHistory:
    """Train ``model`` for ``steps`` optimiser steps and return a :class:`TrainHistory`.

    Each step calls ``get_batch(step)`` (the batch is moved to ``device`` when it is a
    tensor, a tuple/list of tensors or has a ``.to`` method), ``loss_fn(model, batch)``
    (a scalar), backpropagates, optionally clips the gradient norm to ``grad_clip``,
    steps ``optimizer`` and then ``scheduler``. The loss is recorded every
    ``log_every`` steps and at the last step. ``evaluate(model)`` runs under
    ``torch.no_grad()`` in eval mode (the previous mode is restored) every
    ``eval_every`` steps, at step 0 when ``eval_at_start``, and after the last step;
    after each evaluation ``stop_when(metrics)`` may end the run early.
    ``progress=True`` shows a ``tqdm`` bar; ``progress=False`` prints nothing.

    The loss is read to the host (a GPU synchronisation) only at the logged steps, so a
    large ``log_every`` lets a GPU run ahead; the finiteness check happens there too.
    ``autocast_dtype`` (e.g. ``torch.bfloat16``) runs the forward pass under
    ``torch.autocast`` on the model's device type; layers that need float32 (the FFT
    convolution, the selective scan) switch autocast off inside.

    Raises ``ValueError`` for non-positive ``steps``, ``eval_every`` or ``log_every``
    and for a non-finite loss (naming the step).

    Explained in Chapter 9, *Training every model on every task*.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    steps = _check_positive_int(steps, "steps")
    eval_every = _check_positive_int(eval_every, "eval_every")
    log_every = _check_positive_int(log_every, "log_every")
    if grad_clip is not None and not (grad_clip > 0):
        raise ValueError(f"grad_clip must be positive or None, got {grad_clip!r}")
    if not callable(get_batch) or not callable(loss_fn):
        raise TypeError("get_batch and loss_fn must be callables")
    dev = torch.device(device) if device is not None else _model_device(model)

    hist = TrainHistory()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc=desc, leave=False)
    was_training = model.training
    model.train()
    start = time.perf_counter()

    def run_eval(step: int) -> bool:
        metrics = _evaluate(model, evaluate)  # type: ignore[arg-type]
        hist.eval_steps.append(step)
        hist.evals.append(metrics)
        return bool(stop_when(metrics)) if stop_when is not None else False

    try:
        if evaluate is not None and eval_at_start:
            if run_eval(0):
                return hist
        last_eval: dict[str, float] | None = None
        value = math.nan  # the last loss read to the host
        for step in range(1, steps + 1):
            batch = _to_device(get_batch(step - 1), dev)
            optimizer.zero_grad(set_to_none=True)
            if autocast_dtype is not None:
                with torch.autocast(device_type=dev.type, dtype=autocast_dtype):
                    loss = loss_fn(model, batch)
            else:
                loss = loss_fn(model, batch)
            if not torch.is_tensor(loss) or loss.numel() != 1:
                raise TypeError("loss_fn must return a scalar tensor")
            is_last = step == steps
            logged = step % log_every == 0 or is_last
            if logged:
                value = float(loss.detach())  # the only host synchronisation of a step
                if not math.isfinite(value):
                    raise ValueError(f"non-finite loss {value} at step {step}")
            loss.backward()
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            hist.examples_seen += _batch_size(batch)
            if logged:
                hist.steps.append(step)
                hist.loss.append(value)
            stop = False
            if evaluate is not None and (step % eval_every == 0 or is_last):
                stop = run_eval(step)
                last_eval = hist.evals[-1]
            if bar is not None:
                post = {"loss": f"{value:.4f}"}
                if last_eval:
                    post.update({k: f"{v:.3f}" for k, v in list(last_eval.items())[:3]})
                bar.set_postfix(post, refresh=False)
                bar.update(1)
            if stop:
                if hist.steps[-1:] != [step]:
                    hist.steps.append(step)
                    hist.loss.append(float(loss.detach()))
                break
    finally:
        hist.seconds = time.perf_counter() - start
        model.train(was_training)
        if bar is not None:
            bar.close()
    return hist
