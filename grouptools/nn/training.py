"""A small, shared training loop: ``train`` and the ``TrainHistory`` it returns.

The loop is deliberately plain — fetch a batch, compute a scalar loss, step the
optimiser (and scheduler), record the loss, evaluate now and then — so that every
chapter that trains a model reads the same way. It does not seed anything: callers
seed with :func:`grouptools.seed_everything` or pass generators to their batch
functions.

Explained in Chapter 10, *The capstone experiment*.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch import nn

__all__ = ["TrainHistory", "train", "init_distributed"]


@dataclass
class TrainHistory:
    """What one call of :func:`train` recorded.

    ``steps``/``loss``: the training loss every ``log_every`` steps and at the last step;
    ``eval_steps``/``evals``: the dictionaries returned by ``evaluate`` and when;
    ``seconds``: wall-clock time of the run; ``examples_seen``: the sum of batch sizes.

    Explained in Chapter 10, *The capstone experiment*.
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

        Explained in Chapter 10, *The capstone experiment*.
        """
        available = sorted({k for e in self.evals for k in e})
        if name not in available:
            raise KeyError(f"no evaluation metric {name!r}; available metrics: {available}")
        return [float(e[name]) if name in e else math.nan for e in self.evals]

    def to_dict(self) -> dict:
        """A JSON-serialisable dictionary of the whole history (plain floats and ints).

        Explained in Chapter 10, *The capstone experiment*.
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


def _shard(batch: Any, rank: int, world: int) -> Any:
    """This rank's equal share of a batch along dimension 0 (tensors, tuples/lists, or objects with .inputs/.targets)."""
    if torch.is_tensor(batch):
        n = batch.shape[0]
        if n % world:
            raise ValueError(f"the global batch of {n} does not split evenly over {world} processes")
        k = n // world
        return batch[rank * k : (rank + 1) * k]
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_shard(b, rank, world) for b in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_shard(b, rank, world) for b in batch)
    if hasattr(batch, "inputs") and hasattr(batch, "targets"):
        return type(batch)(_shard(batch.inputs, rank, world), _shard(batch.targets, rank, world))
    raise TypeError(f"cannot split a batch of type {type(batch).__name__} across processes")


def _distributed() -> tuple[int, int]:
    """(rank, world size) when torch.distributed is initialised with more than one process, else (0, 1)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def init_distributed(backend: str | None = None) -> tuple[int, int]:
    """Initialise torch.distributed from torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, …).

    Returns (rank, world size); (0, 1) and nothing initialised when WORLD_SIZE is unset or 1.
    The backend defaults to NCCL when CUDA is present, else gloo. On CUDA each process
    takes the device LOCAL_RANK.

    Explained in Chapter 10, *The capstone experiment*.
    """
    import os

    import torch.distributed as dist

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    if not dist.is_initialized():
        backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size()


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


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
    checkpoint: str | Path | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    generators: Sequence[torch.Generator] = (),
    log_file: str | Path | None = None,
    run_info: dict | None = None,
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
    convolution, the selective scan, the GRU) switch autocast off inside.

    **Checkpoints.** With ``checkpoint`` (a file path) and ``checkpoint_every``, the
    model, optimiser, scheduler, history, torch's RNG state and the states of the
    ``generators`` (those ``get_batch`` draws from) are saved every ``checkpoint_every``
    steps; ``resume=True`` loads the file if it exists and continues from the step after
    it, so an interrupted run ends exactly where the uninterrupted one would.

    **Several processes.** When torch.distributed is initialised with more than one
    process (e.g. under ``torchrun``, :func:`init_distributed`), the model is wrapped in
    ``DistributedDataParallel`` and each process trains on its equal share of the global
    batch ``get_batch`` returns (every process must draw the same global batch): the
    gradients are averaged, as for one process on the whole batch when the loss is a
    mean over equally sized shares. Only rank 0 writes checkpoints and logs.

    ``log_file`` receives JSON lines: a ``start`` record with ``run_info`` (config, seed,
    git commit, device…), one per logged loss and evaluation, and an ``end`` record.

    Raises ``ValueError`` for non-positive ``steps``, ``eval_every``, ``log_every`` or
    ``checkpoint_every``, for ``checkpoint_every`` without a ``checkpoint`` path, and for a
    non-finite loss (naming the step).

    Explained in Chapter 10, *The capstone experiment*.
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
    if checkpoint_every is not None:
        _check_positive_int(checkpoint_every, "checkpoint_every")
        if checkpoint is None:
            raise ValueError("checkpoint_every needs a checkpoint file path")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs a checkpoint file path")
    for g in generators:
        if not isinstance(g, torch.Generator):
            raise TypeError(f"generators must be torch.Generator objects, got {type(g).__name__}")
    dev = torch.device(device) if device is not None else _model_device(model)
    rank, world = _distributed()
    net: nn.Module = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[dev.index] if dev.type == "cuda" else None)

    hist = TrainHistory()
    first = 1
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if resume and ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location=dev, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
        for g, gs in zip(generators, state["generators"]):
            g.set_state(gs)
        _set_rng_state(state["rng"])
        hist = TrainHistory(**state["history"])
        first = int(state["step"]) + 1

    def save_checkpoint(step: int) -> None:
        if ckpt is None or rank:
            return
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        tmp = ckpt.with_suffix(ckpt.suffix + ".tmp")
        torch.save({
            "step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler is not None else None,
            "generators": [g.get_state() for g in generators], "rng": _rng_state(), "history": hist.to_dict(),
        }, tmp)
        tmp.replace(ckpt)  # never a half-written checkpoint

    log = open(log_file, "a") if (log_file is not None and not rank) else None

    def emit(event: str, **fields: Any) -> None:
        if log is not None:
            log.write(json.dumps({"event": event, **fields}, default=str) + "\n")
            log.flush()

    emit("start", steps=steps, first_step=first, world_size=world, device=str(dev), **(run_info or {}))
    bar = None
    if progress and not rank:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, initial=first - 1, desc=desc, leave=False)
    was_training = model.training
    model.train()
    start = time.perf_counter() - hist.seconds

    def run_eval(step: int) -> bool:
        metrics = _evaluate(model, evaluate)  # type: ignore[arg-type]
        hist.eval_steps.append(step)
        hist.evals.append(metrics)
        emit("eval", step=step, **metrics)
        return bool(stop_when(metrics)) if stop_when is not None else False

    try:
        if evaluate is not None and eval_at_start and first == 1:
            if run_eval(0):
                return hist
        last_eval: dict[str, float] | None = None
        value = math.nan  # the last loss read to the host
        for step in range(first, steps + 1):
            batch = get_batch(step - 1)
            if world > 1:
                batch = _shard(batch, rank, world)
            batch = _to_device(batch, dev)
            optimizer.zero_grad(set_to_none=True)
            if autocast_dtype is not None:
                with torch.autocast(device_type=dev.type, dtype=autocast_dtype):
                    loss = loss_fn(net, batch)
            else:
                loss = loss_fn(net, batch)
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
            hist.examples_seen += _batch_size(batch) * world
            if logged:
                hist.steps.append(step)
                hist.loss.append(value)
                emit("loss", step=step, loss=value)
            stop = False
            if evaluate is not None and (step % eval_every == 0 or is_last):
                stop = run_eval(step)
                last_eval = hist.evals[-1]
            if bar is not None:
                if logged:
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
            if checkpoint_every is not None and (step % checkpoint_every == 0 or is_last):
                hist.seconds = time.perf_counter() - start
                save_checkpoint(step)
    finally:
        hist.seconds = time.perf_counter() - start
        model.train(was_training)
        if bar is not None:
            bar.close()
        emit("end", seconds=hist.seconds, steps_logged=len(hist.steps))
        if log is not None:
            log.close()
    return hist
