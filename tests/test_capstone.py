"""The capstone experiment's machinery: tier configurations, bad configurations, job planning, floors, statistics, files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from grouptools.nn import capstone as cap
from grouptools.nn.tasks import GroupWordProblem, MultiQueryAssociativeRecall, make_task


@pytest.mark.parametrize("tier", sorted(cap.TIERS))
def test_every_tier_is_valid_and_the_verdict_tiers_have_three_seeds(tier):
    cfg = cap.tier_config(tier)
    for name, exp in cfg["experiments"].items():
        seeds = exp.get("seeds", 3)
        if tier != "quick":
            assert seeds >= 3, f"{tier}/{name} makes verdicts from fewer than 3 seeds"
        if tier == "recorded":  # the verdicts' tier sweeps; the gpu tier reuses the rates its first H200 run swept
            assert len(exp.get("lrs", [])) >= 2 or "lr_from" in exp, f"{tier}/{name} sweeps no learning rate"
    sweep = cap.plan_jobs(cfg, "sweep")
    assert sweep and all(j["seed"] == 0 and j["phase"] == "sweep" for j in sweep)


def test_the_quick_tier_shows_the_composition_order_and_parity():
    cfg = cap.tier_config("quick")
    assert {"s4_then_attention", "attention_then_s4"} <= set(cfg["experiments"]["mqar_order"]["models"])
    assert {"selective_signed", "mamba"} <= set(cfg["experiments"]["parity"]["models"])


def _good() -> dict:
    return {"experiments": {"e": dict(task=("mqar", dict(vocab_size=32, seq_len=16, n_pairs=2)), models=["transformer", "s4d"],
                                      cells=[{}], lrs=[1e-3, 3e-3], steps=5, seeds=3)}}


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c["experiments"]["e"].update(learning_rate=0.1), "unknown settings"),
        (lambda c: c["experiments"]["e"].update(models=["transformer", "mamba2"]), "unknown capstone model"),
        (lambda c: c["experiments"]["e"].update(lrs=[]), "lrs must be a non-empty list"),
        (lambda c: c["experiments"]["e"].update(lrs=[1e-3, -1]), "lrs must be a non-empty list"),
        (lambda c: c["experiments"]["e"].update(seeds=0), "seeds must be a positive integer"),
        (lambda c: c["experiments"]["e"].update(d_model=30, n_heads=4), "not divisible by n_heads"),
        (lambda c: c["experiments"]["e"].update(cells=[{"task": {"n_pairs": 9}}]), "needs length ≥ 36"),
        (lambda c: c["experiments"]["e"].update(cells=[{"width": 3}]), "unknown keys"),
        (lambda c: c["experiments"]["e"].update(lr_from="later"), "must name an earlier experiment"),
        (lambda c: c["experiments"]["e"].update(models=["s4_then_attention"], n_layers=1), "at least 2 layers"),
        (lambda c: c.update(experiments={}), "non-empty dict"),
    ],
)
def test_bad_configurations_fail_before_training(change, message):
    cfg = _good()
    cap.validate_config(cfg)
    change(cfg)
    with pytest.raises(ValueError, match=message):
        cap.validate_config(cfg)


def test_main_phase_runs_every_seed_once_and_reuses_the_sweep():
    cfg = _good()
    cfg["experiments"]["f"] = dict(cfg["experiments"]["e"], cells=[{"task": {"n_pairs": 3}}], lr_from="e")
    cfg["experiments"]["f"].pop("lrs")
    cap.validate_config(cfg)
    sweep = cap.plan_jobs(cfg, "sweep")
    assert len(sweep) == 2 * 2  # two models × two rates, first experiment only
    chosen = {("e", "transformer"): 1e-3, ("e", "s4d"): 3e-3}
    main = cap.plan_jobs(cfg, "main", chosen)
    e = [(j["model"], j["seed"]) for j in main if j["experiment"] == "e"]
    assert sorted(e) == sorted((m, s) for m in ("transformer", "s4d") for s in (1, 2))  # seed 0 came from the sweep
    f = [j for j in main if j["experiment"] == "f"]
    assert len(f) == 6 and {j["lr"] for j in f if j["model"] == "s4d"} == {3e-3}


def test_floors_are_computed_from_the_sequences():
    gen = torch.Generator().manual_seed(0)
    mqar = MultiQueryAssociativeRecall(vocab_size=64, seq_len=32, n_pairs=4)
    f = cap.heuristic_floors(mqar, [mqar.sample(50, gen)])
    assert f["value_in_context"] == pytest.approx(1 / 4) and f["chance"] == pytest.approx(1 / 32)
    recall = make_task("assoc_recall", vocab_size=20, seq_len=30, distinct_keys=False)
    b = recall.sample(400, gen)
    # brute force: a uniform guess among the distinct values shown before the query
    brute = np.mean([(int(t[-1]) in set(x[1:-2:2].tolist())) / len(set(x[1:-2:2].tolist())) for x, t in zip(b.inputs, b.targets)])
    assert cap.heuristic_floors(recall, [b])["value_in_context"] == pytest.approx(brute)
    for name, derived in [("Z60", 1), ("A5", 60), ("S3", 3), ("A4xZ5", 4)]:
        task = GroupWordProblem(cap.make_group(name), seq_len=10)
        fl = cap.heuristic_floors(task, [task.sample(8, gen)])
        assert fl["abelianisation"] == pytest.approx(0.1 + 0.9 / derived), name
        assert fl["first_token"] == pytest.approx(0.1 + 0.9 / task.group.order)
    parity = make_task("parity", seq_len=40)
    fl = cap.heuristic_floors(parity, [parity.sample(4, gen, length=256)], train_length=40)
    assert fl["train_length_then_chance"] == pytest.approx((40 + 216 * 0.5) / 256)


def test_t_distribution_against_tables():
    assert cap.t_quantile(0.975, 2) == pytest.approx(4.302653, abs=1e-5)
    assert cap.t_quantile(0.975, 10) == pytest.approx(2.228139, abs=1e-5)
    assert cap.t_quantile(0.95, 4) == pytest.approx(2.131847, abs=1e-5)
    assert cap.t_quantile(0.975, 1e6) == pytest.approx(1.959964, abs=1e-4)
    assert cap.t_cdf(0.0, 3) == pytest.approx(0.5)
    assert cap.t_cdf(-1.3, 7) == pytest.approx(1 - cap.t_cdf(1.3, 7))
    with pytest.raises(ValueError, match="p must lie"):
        cap.t_quantile(1.0, 3)


def test_intervals_and_verdicts():
    m = cap.mean_interval([0.9, 0.92, 0.94])
    assert m["mean"] == pytest.approx(0.92) and m["low"] < 0.92 < m["high"]
    assert m["half_width"] == pytest.approx(4.302653 * 0.02 / math.sqrt(3), rel=1e-5)
    assert math.isnan(cap.mean_interval([0.5])["half_width"])
    clear = cap.welch_test([0.27, 0.25, 0.26], [0.99, 1.0, 0.98])
    assert clear["verdict"] == "refuted" and clear["p_value"] < 1e-4
    noisy = cap.welch_test([0.5, 0.7, 0.6], [0.62, 0.58, 0.66])
    assert noisy["verdict"] == "not refuted" and noisy["detectable"] > 0.05
    exact = cap.welch_test([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert exact["verdict"] == "not refuted" and exact["difference"] == 0
    assert cap.welch_test([0.5, 0.5], [0.6, 0.6])["verdict"] == "refuted"
    with pytest.raises(ValueError, match="at least 2 seeds"):
        cap.welch_test([0.5], [0.6, 0.7])


def test_model_names_and_groups():
    assert cap.model_pattern("s4_then_attention", 2) == "SA"
    assert cap.model_pattern("attention_then_s4", 4) == "AASS"
    with pytest.raises(ValueError, match="unknown capstone model"):
        cap.model_pattern("mamba2", 2)
    assert cap.make_group("A4xZ5").order == 60
    with pytest.raises(ValueError, match="unknown group name"):
        cap.make_group("PSL(2,7)")


def test_a_tiny_tier_runs_end_to_end_and_records_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUPTOOLS_COMMIT", "0" * 40)
    lines = []
    res = cap.run_tier("quick", out_dir=tmp_path, only=["parity"], steps=3, threads=1, device="cpu", log=lines.append)
    path = cap.results_path("quick", res["provenance"]["device"], tmp_path)
    saved = json.loads(path.read_text())
    assert path.with_suffix(".png").exists() and path.with_suffix(".runs.jsonl").exists()
    for key in ("device", "torch", "git_commit", "python", "created"):
        assert key in saved["provenance"]
    assert saved["provenance"]["git_commit"] == "0" * 40
    assert saved["config"]["experiments"]["parity"]["steps"] == 3
    rows = saved["summary"]
    assert {r["model"] for r in rows} == {"selective_signed", "mamba"}
    assert all(len(r["per_position"]) == 256 and r["seeds"] == [0] for r in rows)
    assert "parity/0/test_length" in saved["floors"] and not saved["errors"]
    assert cap.load_results("quick", res["provenance"]["device"], tmp_path)["tier"] == "quick"
    assert cap.load_results("gpu", "nothing", tmp_path) is None


def test_a_failing_run_is_recorded_not_fatal():
    job = cap.plan_jobs(cap.tier_config("quick"), "sweep")[0]
    job["model"] = "no_such_model"
    out = cap._safe_run_job(job, "cpu")
    assert "unknown capstone model" in out["error"]


def test_command_line(capsys):
    assert cap.main(["--tier", "recorded", "--dry-run"]) == 0
    assert "sweep runs" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cap.main(["--tier", "huge"])


@pytest.mark.parametrize("name", sorted(cap.MODELS))
def test_every_model_trains_a_step_under_bf16_autocast(name):
    """The GPU tier trains under bf16 autocast; the float32 islands (FFT, scan, GRU) must hold on any device."""
    from grouptools.nn.tasks import task_loss

    task = MultiQueryAssociativeRecall(vocab_size=32, seq_len=16, n_pairs=2)
    torch.manual_seed(0)
    model = cap.build(name, 32, 32, d_model=16, n_layers=2, d_state=4, n_heads=2, l_max=16)
    b = task.sample(4, torch.Generator().manual_seed(0))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = task_loss(model(b.inputs), b.targets)
    loss.backward()
    assert math.isfinite(loss.item())
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in model.parameters())


def test_precision_settings_are_checked():
    assert all(e["precision"] == "bf16" for e in cap.tier_config("gpu")["experiments"].values())
    cfg = _good()
    cfg["experiments"]["e"]["precision"] = "fp8"
    with pytest.raises(ValueError, match="precision must be one of"):
        cap.validate_config(cfg)


def test_the_entry_point_runs_under_torchrun_with_two_gloo_processes(tmp_path):
    """`torchrun --nproc-per-node 2 -m grouptools.nn.capstone …`: each run trained by both processes, rank 0 writes."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:  # a free port for the rendezvous (torchrun cannot take 0)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, GROUPTOOLS_COMMIT="1" * 40, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(port),
           "-m", "grouptools.nn.capstone", "--tier", "quick", "--only", "parity", "--steps", "2", "--device", "cpu",
           "--out", str(tmp_path)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    files = list(tmp_path.glob("capstone_quick_*.json"))
    assert len(files) == 1
    res = json.loads(files[0].read_text())
    assert res["provenance"]["ddp_world_size"] == 2 and len(res["summary"]) == 2
    assert out.stdout.count("tier 'quick' done") == 1  # only rank 0 reports


def test_rerunning_some_experiments_replaces_only_theirs():
    def res(names, tag):
        prov = {"git_commit": tag}
        return {"tier": "recorded", "provenance": prov, "config": {"experiments": {n: {"tag": tag} for n in names}},
                "summary": [{"experiment": n, "tag": tag} for n in names], "runs": [{"experiment": n, "seconds": 1.0} for n in names],
                "skipped": [], "errors": [], "floors": {f"{n}/0": {"chance": 0.5} for n in names},
                "chosen_lr": {f"{n}/m": 0.1 for n in names}, "provenance_by_experiment": {n: prov for n in names}}

    merged = cap.merge_results(res(["a", "b"], "old"), res(["b"], "new"))
    assert merged["config"]["experiments"] == {"a": {"tag": "old"}, "b": {"tag": "new"}}
    assert sorted((r["experiment"], r["tag"]) for r in merged["summary"]) == [("a", "old"), ("b", "new")]
    assert merged["provenance_by_experiment"]["a"]["git_commit"] == "old"
    assert merged["provenance_by_experiment"]["b"]["git_commit"] == "new"
    assert set(merged["floors"]) == {"a/0", "b/0"} and merged["training_seconds"] == 2.0
    with pytest.raises(ValueError, match="cannot merge"):
        cap.merge_results(res(["a"], "x"), dict(res(["a"], "y"), tier="gpu"))


def test_an_interrupted_tier_resumes_from_its_finished_runs(tmp_path):
    first = cap.run_tier("quick", out_dir=tmp_path, only=["parity"], steps=3, threads=1, device="cpu", log=lambda s: None)
    stream = cap.results_path("quick", first["provenance"]["device"], tmp_path).with_suffix(".runs.jsonl")
    lines = stream.read_text().splitlines()
    stream.write_text(lines[0] + "\n")  # as if the call had died after its first run
    log = []
    again = cap.run_tier("quick", out_dir=tmp_path, only=["parity"], steps=3, threads=1, device="cpu", log=log.append, resume=True)
    assert any("resuming: 1 finished run" in line for line in log)
    assert sum(" sweep " in line for line in log) == 1  # only the missing run trained again
    assert [r["values"] for r in again["summary"]] == [r["values"] for r in first["summary"]]


def test_a_resumed_call_keeps_the_provenance_of_the_first(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUPTOOLS_COMMIT", "a" * 40)
    cap.run_tier("quick", out_dir=tmp_path, only=["parity"], steps=2, threads=1, device="cpu", log=lambda s: None)
    monkeypatch.setenv("GROUPTOOLS_COMMIT", "b" * 40)
    res = cap.run_tier("quick", out_dir=tmp_path, only=["parity"], steps=2, threads=1, device="cpu", log=lambda s: None,
                       resume=True)
    assert res["provenance"]["git_commit"] == "b" * 40 and res["provenance"]["reused_runs"] == 2
    assert [c["git_commit"] for c in res["earlier_calls"]] == ["a" * 40]
    assert {r["git_commit"] for r in res["runs"]} == {"a" * 40}  # every run says where it was trained


def test_record_cpu_run_writes_the_result_with_its_provenance(tmp_path, capsys):
    import json

    from grouptools.nn.capstone import record_cpu_run

    import torch

    threads = torch.get_num_threads()
    out = record_cpu_run("demo_cpu.json", lambda: {"runs": [torch.get_num_threads(), 2]}, tmp_path)
    assert torch.get_num_threads() == threads
    saved = json.loads(out.read_text())
    assert out == tmp_path / "demo_cpu.json" and saved["runs"] == [1, 2]  # run on one thread
    assert saved["provenance"]["device_type"] == "cpu" and saved["provenance"]["wall_seconds"] >= 0
    assert "wrote" in capsys.readouterr().out
