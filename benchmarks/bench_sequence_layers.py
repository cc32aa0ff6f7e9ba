"""Benchmark: S4D, S4 (DPLR) and causal SDPA attention layers of matched width.

Usage (from the repository root)::

    python benchmarks/bench_sequence_layers.py            # device auto-detected
    python benchmarks/bench_sequence_layers.py --quick    # a short run
    python benchmarks/bench_sequence_layers.py --peak-gbps 3350   # a GPU missing from the table

What it measures, for L = 256 … 16384 at a constant number of tokens per batch
(batch = tokens / L), d_model = 64, state 64, 4 heads:

* forward time (no autograd) and forward+backward time of each layer, tokens per second;
* for the SSM layers, the kernel generation time separately from the FFT convolution;
* memory: on CUDA the peak allocated memory; on CPU (which has no allocator statistics)
  the bytes of the tensors autograd saves for the backward pass, which is what grows
  with L; a second sweep at a fixed batch of 1 shows how memory grows with L;
* the goals of issue 5: S4D forward+backward (batch 8, 64 channels, state 64, L = 1024)
  against a straightforward Vandermonde kernel that materialises (channels × state × L);
  S4D against causal attention at L = 4096; on CUDA, the achieved bandwidth of the FFT
  convolution as a fraction of the card's peak.

Every result carries the device's name. Results go to
``benchmarks/results/sequence_layers_<device>.json`` and a PNG next to it.

Explained in Chapter 9, *What it costs*.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grouptools.nn import MultiHeadSelfAttention, S4DLayer, S4Layer, fft_conv, s4d_kernel_naive  # noqa: E402
from grouptools.nn.timing import sync, timeit, timings  # noqa: E402,F401  (shared with the capstone)

# Peak DRAM bandwidth (GB/s) of common cards, from the vendors' data sheets; the
# first substring that occurs in torch.cuda.get_device_name() wins.
PEAK_GBPS = [
    ("H200", 4800.0),
    ("H100 NVL", 3900.0),
    ("H100 PCIe", 2000.0),
    ("H100", 3350.0),  # SXM5, "NVIDIA H100 80GB HBM3"
    ("A100 80GB PCIe", 1935.0),
    ("A100-SXM4-80GB", 2039.0),
    ("A100", 1555.0),  # 40 GB, SXM4 or PCIe
    ("L40S", 864.0),
    ("L40", 864.0),
    ("A10G", 600.0),
    ("A10", 600.0),
    ("L4", 300.0),
    ("T4", 320.0),
    ("V100", 900.0),
    ("P100", 732.0),
    ("RTX 4090", 1008.0),
    ("RTX 3090", 936.0),
]


class NaiveS4DLayer(S4DLayer):
    """S4D whose kernel materialises the whole (H, N/2, L) Vandermonde tensor (the baseline)."""

    def kernel(self, L: int) -> torch.Tensor:
        return s4d_kernel_naive(self.Lambda, self._complex("B"), self._complex("C"), self.dt, L, self.discretization)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"CPU ({cpu}, {torch.get_num_threads()} threads)"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60]


def peak_bandwidth(name: str, override: float | None) -> float | None:
    if override:
        return override
    for key, gbps in PEAK_GBPS:
        if key.lower() in name.lower():
            return gbps
    return None


def interleaved_ratio(fa, fb, device: torch.device, repeats: int) -> dict:
    """time(fb) / time(fa), measured in alternation so both see the same machine load.

    Returns the median of the per-pair ratios and the ratio of the best (minimum) times.
    """
    for f in (fa, fb):
        f()
    sync(device)
    ta, tb = [], []
    for _ in range(repeats):
        for f, ts in ((fa, ta), (fb, tb)):
            t0 = time.perf_counter()
            f()
            sync(device)
            ts.append(time.perf_counter() - t0)
    return {
        "median_of_pair_ratios": statistics.median(b / a for a, b in zip(ta, tb)),
        "ratio_of_min_times": min(tb) / min(ta),
        "a_median_ms": 1e3 * statistics.median(ta),
        "b_median_ms": 1e3 * statistics.median(tb),
        "a_min_ms": 1e3 * min(ta),
        "b_min_ms": 1e3 * min(tb),
        "pairs": repeats,
    }


def saved_bytes(fn) -> int:
    """Bytes of the distinct tensors autograd saves for backward while fn() runs, plus fn's output."""
    seen: dict[tuple, int] = {}

    def pack(t: torch.Tensor):
        try:
            key = (t.untyped_storage().data_ptr(), t.device.type)
            seen[key] = max(seen.get(key, 0), t.untyped_storage().nbytes())
        except (RuntimeError, NotImplementedError):  # pragma: no cover
            pass
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    return sum(seen.values()) + out.numel() * out.element_size()


def measure_memory(layer, x: torch.Tensor, device: torch.device) -> dict:
    x = x.detach().requires_grad_(False)
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        layer(x).sum().backward()
        sync(device)
        peak = torch.cuda.max_memory_allocated(device) - base
        layer.zero_grad(set_to_none=True)
        return {"peak_bytes": int(peak), "memory_kind": "CUDA peak allocated (forward+backward)"}
    nbytes = saved_bytes(lambda: layer(x))
    return {"peak_bytes": int(nbytes), "memory_kind": "bytes saved for backward + output (CPU)"}


def fft_conv_bytes(batch: int, H: int, L: int) -> int:
    """Estimated minimum DRAM traffic of one FFT convolution (float32, complex64 spectra).

    Per (batch, channel): read u (4L) → rfft writes the spectrum (8(L+1)); the product reads
    it and writes another (16(L+1)); irfft reads that (8(L+1)) and writes 2L floats (8L).
    The kernel's spectrum (H only) is negligible. About 44 L bytes per row.
    """
    return batch * H * (4 * L + 8 * (L + 1) * 4 + 8 * L)


def make_layers(width: int, state: int, heads: int, L: int, device: torch.device) -> dict:
    torch.manual_seed(0)
    return {
        "S4D": S4DLayer(width, state, device=device),
        "S4D (naive kernel)": NaiveS4DLayer(width, state, device=device),
        "S4 (DPLR)": S4Layer(width, state, l_max=L, device=device),
        "attention (causal SDPA)": MultiHeadSelfAttention(width, heads, causal=True, device=device),
    }


def bench_layer(name: str, layer, batch: int, L: int, width: int, device: torch.device, repeats: int, dev_name: str) -> dict:
    x = torch.randn(batch, L, width, device=device)

    def fwd():
        with torch.no_grad():
            layer(x)

    def fwd_bwd():
        layer(x).sum().backward()

    tf = timings(fwd, device, repeats)
    tfb = timings(fwd_bwd, device, repeats)
    t_f, t_fb = statistics.median(tf), statistics.median(tfb)
    layer.zero_grad(set_to_none=True)
    row = {
        "device": dev_name,
        "layer": name,
        "L": L,
        "batch": batch,
        "tokens": batch * L,
        "width": width,
        "forward_ms": 1e3 * t_f,
        "forward_backward_ms": 1e3 * t_fb,
        "forward_min_ms": 1e3 * min(tf),
        "forward_backward_min_ms": 1e3 * min(tfb),
        "tokens_per_s_forward": batch * L / t_f,
        "tokens_per_s_forward_backward": batch * L / t_fb,
    }
    row.update(measure_memory(layer, x, device))
    if hasattr(layer, "kernel"):
        with torch.no_grad():
            t_k = timeit(lambda: layer.kernel(L), device, repeats)
            k = layer.kernel(L)
            u = x.transpose(1, 2).contiguous()
            t_c = timeit(lambda: fft_conv(u, k), device, repeats)
        row["kernel_ms"] = 1e3 * t_k
        row["fft_conv_ms"] = 1e3 * t_c
        row["fft_conv_gbps"] = fft_conv_bytes(batch, width, L) / t_c / 1e9
    return row


def memory_sweep(lengths, width, state, heads, device, dev_name) -> list[dict]:
    rows = []
    for L in lengths:
        layers = make_layers(width, state, heads, L, device)
        for name in ("S4D", "S4 (DPLR)", "attention (causal SDPA)"):
            x = torch.randn(1, L, width, device=device)
            m = measure_memory(layers[name], x, device)
            rows.append({"device": dev_name, "layer": name, "L": L, "batch": 1, **m})
    return rows


def loglog_slope(xs, ys) -> float:
    if len(set(xs)) < 2:
        return float("nan")
    lx, ly = [math.log(v) for v in xs], [math.log(v) for v in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


HEADER = (
    f"{'layer':<26}{'L':>7}{'batch':>6}{'fwd ms':>10}{'fwd+bwd ms':>12}{'ktok/s f+b':>12}"
    f"{'mem MiB':>10}{'kernel ms':>11}{'conv ms':>9}"
)


def format_row(r: dict) -> str:
    k = f"{r['kernel_ms']:>11.2f}{r['fft_conv_ms']:>9.2f}" if "kernel_ms" in r else ""
    return (
        f"{r['layer']:<26}{r['L']:>7}{r['batch']:>6}{r['forward_ms']:>10.2f}{r['forward_backward_ms']:>12.2f}"
        f"{r['tokens_per_s_forward_backward'] / 1e3:>12.1f}{r['peak_bytes'] / 2**20:>10.1f}{k}"
    )


def print_table(rows: list[dict]) -> None:
    print(HEADER)
    print("-" * len(HEADER))
    for r in rows:
        print(format_row(r))


def plot(rows, mem_rows, goals, dev_name, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted({r["layer"] for r in rows}, key=lambda n: ["S4D", "S4D (naive kernel)", "S4 (DPLR)"].index(n) if n in ("S4D", "S4D (naive kernel)", "S4 (DPLR)") else 9)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    for n in names:
        rs = [r for r in rows if r["layer"] == n]
        axes[0].plot([r["L"] for r in rs], [r["forward_backward_ms"] for r in rs], "o-", label=n)
    axes[0].set(xscale="log", yscale="log", xlabel="sequence length L (tokens per batch constant)",
                ylabel="forward+backward time (ms)", title="Time per batch")
    for n in ("S4D", "S4 (DPLR)"):
        rs = [r for r in rows if r["layer"] == n and "kernel_ms" in r]
        axes[1].plot([r["L"] for r in rs], [r["kernel_ms"] for r in rs], "o-", label=f"{n}: kernel")
        axes[1].plot([r["L"] for r in rs], [r["fft_conv_ms"] for r in rs], "s--", label=f"{n}: FFT convolution")
    axes[1].set(xscale="log", yscale="log", xlabel="sequence length L", ylabel="forward time (ms)",
                title="Kernel generation vs convolution")
    for n in ("S4D", "S4 (DPLR)", "attention (causal SDPA)"):
        rs = [r for r in mem_rows if r["layer"] == n]
        axes[2].plot([r["L"] for r in rs], [r["peak_bytes"] / 2**20 for r in rs], "o-", label=n)
    axes[2].set(xscale="log", yscale="log", xlabel="sequence length L (batch 1)", ylabel="memory (MiB)",
                title="Memory vs length (slope 1 = linear)")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Sequence layers, d_model 64, state 64 — {dev_name}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--lengths", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192, 16384])
    p.add_argument("--tokens", type=int, default=16384, help="tokens per batch (batch = tokens / L)")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--state", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    p.add_argument("--peak-gbps", type=float, default=None, help="the GPU's peak memory bandwidth, GB/s")
    p.add_argument("--quick", action="store_true", help="lengths 256..4096, 3 repeats")
    p.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)

    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    if args.quick:
        args.lengths = [L for L in args.lengths if L <= 4096]
        args.repeats = 3
    dev_name = device_name(device)
    print(f"device: {dev_name} · torch {torch.__version__} · {args.tokens} tokens per batch")

    rows = []
    print(HEADER, flush=True)
    for L in args.lengths:
        batch = max(1, args.tokens // L)
        layers = make_layers(args.width, args.state, args.heads, L, device)
        for name, layer in layers.items():
            rows.append(bench_layer(name, layer, batch, L, args.width, device, args.repeats, dev_name))
            print(format_row(rows[-1]), flush=True)
    print()
    print_table(rows)

    # goal 1: S4D vs the materialising baseline at batch 8, 64 channels, state 64, L = 1024
    # goal 2: S4D vs causal attention at L = 4096 (same tokens per batch as the sweep)
    # Both measured in alternation (fwd+bwd), so that both sides see the same machine load.
    goals: dict = {}
    g = make_layers(64, 64, args.heads, 1024, device)
    x = torch.randn(8, 1024, 64, device=device)
    r = interleaved_ratio(
        lambda: g["S4D"](x).sum().backward(), lambda: g["S4D (naive kernel)"](x).sum().backward(), device, max(args.repeats, 9)
    )
    goals["s4d_vs_naive"] = {"setting": "fwd+bwd, batch 8, 64 channels, state 64, L=1024", "speedup": r, "goal": 1.25}
    g = make_layers(args.width, args.state, args.heads, 4096, device)
    x = torch.randn(max(1, args.tokens // 4096), 4096, args.width, device=device)
    r = interleaved_ratio(
        lambda: g["S4D"](x).sum().backward(),
        lambda: g["attention (causal SDPA)"](x).sum().backward(),
        device,
        max(args.repeats, 5),
    )
    goals["s4d_vs_attention"] = {
        "setting": f"fwd+bwd, batch {x.shape[0]}, d_model {args.width}, L=4096", "speedup": r, "goal": 2.0
    }

    mem_lengths = [L for L in args.lengths if L >= 512]
    if len(mem_lengths) < 2:
        mem_lengths = args.lengths
    mem_rows = memory_sweep(mem_lengths, args.width, args.state, args.heads, device, dev_name)
    for n in ("S4D", "S4 (DPLR)", "attention (causal SDPA)"):
        rs = [r for r in mem_rows if r["layer"] == n]
        goals[f"memory_loglog_slope[{n}]"] = loglog_slope([r["L"] for r in rs], [r["peak_bytes"] for r in rs])

    if device.type == "cuda":
        peak = peak_bandwidth(dev_name, args.peak_gbps)
        best = max((r for r in rows if r["layer"] == "S4D"), key=lambda r: r["fft_conv_gbps"])
        goals["fft_conv_gbps_best"] = best["fft_conv_gbps"]
        goals["peak_gbps"] = peak
        goals["fft_conv_fraction_of_peak"] = best["fft_conv_gbps"] / peak if peak else None
        goals["fft_conv_fraction_goal"] = 0.25

    print()
    for key, label in (("s4d_vs_naive", "S4D vs naive Vandermonde kernel"), ("s4d_vs_attention", "S4D vs causal attention")):
        gr = goals[key]
        sp = gr["speedup"]
        print(
            f"{label} ({gr['setting']}): {sp['median_of_pair_ratios']:.2f}× median of paired ratios, "
            f"{sp['ratio_of_min_times']:.2f}× best times (goal ≥ {gr['goal']}×)"
        )
    for n in ("S4D", "S4 (DPLR)", "attention (causal SDPA)"):
        print(f"memory growth, log-log slope in L at batch 1, {n}: {goals[f'memory_loglog_slope[{n}]']:.2f}")
    if device.type == "cuda":
        frac = goals["fft_conv_fraction_of_peak"]
        print(
            f"FFT convolution: {goals['fft_conv_gbps_best']:.0f} GB/s of peak {goals['peak_gbps']} GB/s"
            + (f" = {100 * frac:.0f} % (goal ≥ 25 %)" if frac else " (unknown card: pass --peak-gbps)")
        )

    result = {
        "device": dev_name,
        "device_type": device.type,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "results": rows,
        "memory_batch1": mem_rows,
        "goals": goals,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"sequence_layers_{slug(dev_name.split(' (')[0] if device.type == 'cpu' else dev_name)}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    plot(rows, mem_rows, goals, dev_name, stem.with_suffix(".png"))
    print(f"saved {stem.with_suffix('.json')} and {stem.with_suffix('.png')}")
    return result


if __name__ == "__main__":
    main()
