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


# --------------------------------------------------------------------------- checkpoints, logs, several processes


def _task_run(tmp_path, *, steps=20, checkpoint=None, checkpoint_every=None, resume=False, crash_at=None, log_file=None):
    """A small sequence model on MQAR with AdamW, a one-cycle schedule and a seeded data generator."""
    from grouptools.nn import SequenceModel, make_optimizer
    from grouptools.nn.tasks import MultiQueryAssociativeRecall, task_loss

    task = MultiQueryAssociativeRecall(vocab_size=16, seq_len=16, n_pairs=2)
    torch.manual_seed(0)
    model = SequenceModel("AD", 16, 16, 16, n_heads=2, d_state=4)
    opt = make_optimizer(model, lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g["lr"] for g in opt.param_groups], total_steps=steps)
    gen = torch.Generator().manual_seed(5)

    def get_batch(step):
        if crash_at is not None and step == crash_at:
            raise KeyboardInterrupt("simulated interruption")
        return task.sample(8, gen)

    hist = train(model, get_batch, lambda m, b: task_loss(m(b.inputs), b.targets), opt, steps, scheduler=sched,
                 grad_clip=1.0, progress=False, log_every=1, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                 resume=resume, generators=[gen], log_file=log_file, run_info={"seed": 0, "git_commit": "abc"})
    return model, hist


def test_resuming_from_a_checkpoint_reproduces_the_uninterrupted_run(tmp_path) -> None:
    full, full_hist = _task_run(tmp_path)
    ck = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        _task_run(tmp_path, checkpoint=ck, checkpoint_every=5, crash_at=13)
    assert ck.exists() and torch.load(ck, weights_only=False)["step"] == 10
    resumed, hist = _task_run(tmp_path, checkpoint=ck, checkpoint_every=5, resume=True)
    for (name, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), f"{name} differs after resuming"
    assert hist.steps == full_hist.steps and hist.loss == full_hist.loss


def test_json_log_records_the_run(tmp_path) -> None:
    log = tmp_path / "log.jsonl"
    _task_run(tmp_path, steps=6, log_file=log)
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert events[0]["event"] == "start" and events[0]["git_commit"] == "abc" and events[0]["steps"] == 6
    assert [e["step"] for e in events if e["event"] == "loss"] == [1, 2, 3, 4, 5, 6]
    assert events[-1]["event"] == "end" and events[-1]["seconds"] > 0


def test_checkpoint_arguments_are_checked(tmp_path) -> None:
    model, get_batch, loss_fn = _regression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="checkpoint_every needs a checkpoint file path"):
        train(model, get_batch, loss_fn, opt, 3, checkpoint_every=2, progress=False)
    with pytest.raises(ValueError, match="resume=True needs"):
        train(model, get_batch, loss_fn, opt, 3, resume=True, progress=False)
    with pytest.raises(ValueError, match="checkpoint_every must be a positive integer"):
        train(model, get_batch, loss_fn, opt, 3, checkpoint=tmp_path / "c.pt", checkpoint_every=0, progress=False)
    with pytest.raises(TypeError, match="torch.Generator"):
        train(model, get_batch, loss_fn, opt, 3, generators=[0], progress=False)


def _ddp_worker(rank: int, world: int, port: int, out: str) -> None:
    import os

    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        model = _ddp_model()
        train(model, *_ddp_data(), torch.optim.SGD(model.parameters(), lr=0.1), 15, progress=False)
        if rank == 0:
            torch.save(model.state_dict(), out)
    finally:
        dist.destroy_process_group()


def _ddp_model() -> nn.Module:
    torch.manual_seed(3)
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))


def _ddp_data():
    g = torch.Generator().manual_seed(11)
    X, w = torch.randn(15, 8, 4, generator=g), torch.randn(4, 1, generator=g)

    def get_batch(step):  # the same global batch of 8 on every process
        return X[step], torch.sin(X[step] @ w)

    return get_batch, lambda m, b: ((m(b[0]) - b[1]) ** 2).mean()


def test_two_gloo_processes_match_one_process_on_the_global_batch(tmp_path) -> None:
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = str(tmp_path / "ddp.pt")
    mp.start_processes(_ddp_worker, args=(2, port, out), nprocs=2, join=True, start_method="spawn")
    ddp = torch.load(out)
    single = _ddp_model()
    train(single, *_ddp_data(), torch.optim.SGD(single.parameters(), lr=0.1), 15, progress=False)
    for name, p in single.state_dict().items():
        assert torch.allclose(p, ddp[name], atol=1e-6), name
    assert not torch.equal(single.state_dict()["0.weight"], _ddp_model().state_dict()["0.weight"])
