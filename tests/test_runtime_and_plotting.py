"""Seeding, device choice, run sizes, and the drawing helpers."""

from __future__ import annotations

import random

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import grouptools as gt  # noqa: E402
from grouptools.plotting import cayley_graph, plot_cayley_graph, plot_cayley_table  # noqa: E402


def draw_all() -> tuple:
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_seed_everything_makes_python_numpy_and_torch_repeat():
    gt.seed_everything(123)
    first = draw_all()
    gt.seed_everything(123)
    assert draw_all() == first
    gt.seed_everything(124)
    assert draw_all() != first


def test_seed_must_be_an_integer():
    with pytest.raises(TypeError, match="integer"):
        gt.seed_everything("0")


def test_device_choice(monkeypatch):
    monkeypatch.delenv("GROUPTOOLS_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert gt.get_device().type == expected
    assert gt.get_device("cpu").type == "cpu"
    with pytest.raises(ValueError, match="'cpu', 'cuda'"):
        gt.get_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA device"):
            gt.get_device("cuda")
    monkeypatch.setenv("GROUPTOOLS_DEVICE", "cpu")
    assert gt.get_device().type == "cpu"


def test_setup_prints_seed_and_device(capsys):
    device = gt.setup(seed=7, device="cpu")
    assert device.type == "cpu"
    assert capsys.readouterr().out.strip() == "seed 7 · device cpu (CPU)"


def test_choose_config(monkeypatch, capsys):
    monkeypatch.delenv("GROUPTOOLS_SIZE", raising=False)
    full, small = {"steps": 1000, "width": 256}, {"steps": 50, "width": 32}
    cfg = gt.choose_config(full, small, torch.device("cpu"))
    assert cfg.name == "small" and cfg.steps == 50 and cfg["width"] == 32
    assert "small configuration" in capsys.readouterr().out
    assert gt.choose_config(full, small, torch.device("cuda"), verbose=False).name == "full"
    monkeypatch.setenv("GROUPTOOLS_SIZE", "full")
    assert gt.choose_config(full, small, torch.device("cpu"), verbose=False).steps == 1000
    monkeypatch.setenv("GROUPTOOLS_SIZE", "huge")
    with pytest.raises(ValueError, match="GROUPTOOLS_SIZE"):
        gt.choose_config(full, small, torch.device("cpu"))
    with pytest.raises(ValueError, match="same keys"):
        gt.choose_config(full, {"steps": 1}, torch.device("cpu"))
    with pytest.raises(AttributeError):
        cfg.missing


@pytest.mark.parametrize("G", [gt.cyclic(6), gt.dihedral(4), gt.quaternion(), gt.symmetric(3)], ids=str)
def test_cayley_graph_has_one_edge_per_element_and_generator(G):
    graph = cayley_graph(G)
    assert graph.number_of_nodes() == G.order
    assert graph.number_of_edges() == G.order * len(G.generators)
    for u, v, data in graph.edges(data=True):
        assert v == G.product(u, data["generator"])


def test_cayley_graph_rejects_non_generators():
    with pytest.raises(ValueError, match="do not generate"):
        cayley_graph(gt.dihedral(4), ["r"])


def test_plots_draw_titles_and_labels():
    G = gt.dihedral(3)
    ax = plot_cayley_table(G)
    assert "D3" in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    # one text per cell, naming the product
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == G.order**2 and texts[G.order + 1] == G.element_name(G.product(1, 1))
    ax2 = plot_cayley_graph(G)
    assert "D3" in ax2.get_title()
    legend = [t.get_text() for t in ax2.get_legend().get_texts()]
    assert legend == ["g → g·r", "g — g·s (order 2)"]
    with pytest.raises(ValueError, match="layout"):
        plot_cayley_graph(G, layout="grid")
    with pytest.raises(ValueError, match="every element exactly once"):
        plot_cayley_table(G, order=[0, 1])
    with pytest.raises(ValueError, match="colour_of must give a class"):
        plot_cayley_table(G, colour_of=[0, 1])
    # colouring by a class of the product: one colour per class
    ax3 = plot_cayley_table(G, colour_of=[0, 0, 0, 1, 1, 1])
    assert set(np.unique(ax3.images[0].get_array())) == {0, 1}
    plt.close("all")
