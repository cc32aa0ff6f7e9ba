"""Tests for grouptools.nn.training (the shared training loop)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from grouptools.nn.training import TrainHistory, train


def _regression(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    w_true = torch.randn(3, 1, generator=g)
    X = torch.randn(64, 3, generator=g)
    y = X @ w_true
    torch.manual_seed(seed)
    model = nn.Linear(3, 1)

    def get_batch(step: int):
        return X, y

    def loss_fn(m: nn.Module, batch) -> torch.Tensor:
        x, t = batch
        return ((m(x) - t) ** 2).mean()

    return model, get_batch, loss_fn


def test_loss_decreases_and_history_shape() -> None:
    model, get_batch, loss_fn = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    h = train(model, get_batch, loss_fn, opt, 50, log_every=5, progress=False)
    assert isinstance(h, TrainHistory)
    assert h.steps == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
    assert len(h.loss) == len(h.steps)
    assert h.loss[-1] < 0.05 * h.loss[0]
    assert h.examples_seen == 50 * 64
    assert h.seconds > 0
    assert h.eval_steps == [] and h.evals == []


def test_last_step_always_logged() -> None:
    model, get_batch, loss_fn = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    h = train(model, get_batch, loss_fn, opt, 7, log_every=3, progress=False)
    assert h.steps == [3, 6, 7]


def test_evaluate_called_at_right_steps_in_eval_mode_without_grad() -> None:
    model, get_batch, loss_fn = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    seen: list[tuple[bool, bool]] = []

    def evaluate(m: nn.Module) -> dict[str, float]:
        seen.append((m.training, torch.is_grad_enabled()))
        return {"w0": float(m.weight[0, 0]), "n": len(seen)}

    h = train(model, get_batch, loss_fn, opt, 25, evaluate=evaluate, eval_every=10, eval_at_start=True, progress=False)
    assert h.eval_steps == [0, 10, 20, 25]
    assert all(not training and not grad for training, grad in seen)
    assert h.metric("n") == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(KeyError, match="available metrics"):
        h.metric("accuracy")


def test_training_flag_restored() -> None:
    for initial in (True, False):
        model, get_batch, loss_fn = _regression()
        model.train(initial)
        modes = []
        opt = torch.optim.SGD(model.parameters(), lr=0.01)

        def loss_fn2(m, batch):
            modes.append(m.training)
            return loss_fn(m, batch)

        train(model, get_batch, loss_fn2, opt, 3, evaluate=lambda m: {"a": 1.0}, eval_every=1, progress=False)
        assert all(modes), "the loss must be computed in training mode"
        assert model.training is initial


def test_non_finite_loss_names_step() -> None:
    model, get_batch, _ = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def loss_fn(m, batch):
        x, t = batch
        loss = ((m(x) - t) ** 2).mean()
        return loss * float("nan") if loss_fn.calls == 3 else loss

    def counting(m, batch):
        loss_fn.calls += 1
        return loss_fn(m, batch)

    loss_fn.calls = 0
    with pytest.raises(ValueError, match="non-finite loss .* step 3"):
        train(model, get_batch, counting, opt, 10, progress=False)
    assert model.training  # restored even after the error


def test_bad_arguments() -> None:
    model, get_batch, loss_fn = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match="steps"):
        train(model, get_batch, loss_fn, opt, 0, progress=False)
    with pytest.raises(ValueError, match="eval_every"):
        train(model, get_batch, loss_fn, opt, 5, eval_every=0, progress=False)
    with pytest.raises(ValueError, match="log_every"):
        train(model, get_batch, loss_fn, opt, 5, log_every=-1, progress=False)


def test_early_stop() -> None:
    model, get_batch, loss_fn = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def evaluate(m):
        x, t = get_batch(0)
        return {"mse": float(((m(x) - t) ** 2).mean())}

    h = train(model, get_batch, loss_fn, opt, 1000, evaluate=evaluate, eval_every=5, stop_when=lambda e: e["mse"] < 1e-2, progress=False)
    assert h.eval_steps[-1] < 1000
    assert h.metric("mse")[-1] < 1e-2
    assert all(v >= 1e-2 for v in h.metric("mse")[:-1])
    assert h.steps[-1] == h.eval_steps[-1]
    assert h.examples_seen == h.eval_steps[-1] * 64


def test_scheduler_grad_clip_and_batch_objects() -> None:
    class B:
        def __init__(self, x, y):
            self.inputs, self.targets = x, y

        def to(self, device):
            return B(self.inputs.to(device), self.targets.to(device))

    model, get_batch, _ = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = train(
        model,
        lambda s: B(*get_batch(s)),
        lambda m, b: ((m(b.inputs) - b.targets) ** 2).mean(),
        opt,
        4,
        scheduler=sched,
        grad_clip=1.0,
        device="cpu",
        progress=False,
    )
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**4)
    assert h.examples_seen == 4 * 64


def test_progress_false_is_silent(capsys) -> None:
    model, get_batch, loss_fn = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    train(model, get_batch, loss_fn, opt, 5, evaluate=lambda m: {"a": 0.5}, eval_every=2, progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_history_json_serialisable() -> None:
    model, get_batch, loss_fn = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    h = train(model, get_batch, loss_fn, opt, 6, evaluate=lambda m: {"acc": torch.tensor(0.25)}, eval_every=3, progress=False)
    text = json.dumps(h.to_dict())
    back = json.loads(text)
    assert back["eval_steps"] == [3, 6]
    assert back["evals"][0] == {"acc": 0.25}
    assert set(back) == {"steps", "loss", "eval_steps", "evals", "seconds", "examples_seen"}
