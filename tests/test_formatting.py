"""grouptools.formatting: printed numbers that are the same on every machine."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import grouptools as gt
from grouptools.formatting import array_str, fmt, fmt_error, fmt_list, noise_floor, rounded


def test_fmt_never_prints_a_negative_zero():
    for x in (-0.0, -1e-17, -0.0004, np.float32(-1e-9), torch.tensor(-1e-20, dtype=torch.float64)):
        assert not fmt(x).startswith("-"), x
        assert not fmt(x, 0).startswith("-"), x
    assert fmt(-0.0005, 3) == "-0.001" or fmt(-0.0005, 3) == "0.000"  # ties follow round(), never "-0.000"
    assert fmt(-0.0006, 3) == "-0.001"


def test_fmt_numbers():
    assert fmt(2 / 3) == "0.667" and fmt(2 / 3, 1) == "0.7" and fmt(3) == "3" and fmt(np.int64(-4)) == "-4"
    assert fmt(1.5, 3, trim=True) == "1.5" and fmt(2.0, 3, trim=True) == "2" and fmt(True) == "True"
    assert fmt(0.5 + 1j, 2, trim=True) == "0.5+i" and fmt(-1j, trim=True) == "-i"
    assert fmt(0.25 - 0.5j, 2) == "0.25-0.50i" and fmt(1 + 1e-12j) == "1.000"
    assert fmt(float("nan")) == "nan"
    with pytest.raises(ValueError, match="digits"):
        fmt(1.0, -1)
    with pytest.raises(ValueError, match="digits"):
        fmt(1.0, 2.5)
    with pytest.raises(TypeError, match="number"):
        fmt("1.0")


def test_arrays():
    a = np.array([[-0.0, 1.0], [1 - 1e-13, -1e-17]])
    assert array_str(a) == "[[0. 1.]\n [1. 0.]]"
    assert "-0" not in array_str(-np.eye(2) * 0)
    assert array_str(np.array([1 + 1e-15j, 0.5])) == "[1.  0.5]"  # imaginary noise dropped
    assert fmt_list(np.array([[-0.0, 1.0], [0.8660254, -0.5]])) == "[[0, 1], [0.866, -0.5]]"
    assert fmt_list(torch.tensor([1.5, -2.0])) == "[1.5, -2]"
    assert fmt_list([[1j, 0], [0, -1j]]) == "[[i, 0], [0, -i]]"
    r = rounded(np.array([-1e-9, 0.12345]), 3)
    assert r.tolist() == [0.0, 0.123] and not np.signbit(r[0])
    assert np.isrealobj(rounded(np.array([1 + 1e-9j]), 3))
    with pytest.raises(TypeError, match="numbers"):
        rounded(np.array(["a"]))


def test_fmt_error_hides_rounding_noise_and_keeps_real_errors():
    assert fmt_error(8.9e-16) == fmt_error(4.4e-16) == fmt_error(0.0) == "< 1e-12"
    assert fmt_error(0.035) == "3.5e-02" and fmt_error(-0.035) == "3.5e-02"
    assert fmt_error(np.array([1e-3, -2e-2])) == "2.0e-02"
    assert fmt_error(2e-7, noise_floor(torch.float32)) == "< 1e-05"
    assert fmt_error(0.5, relation=True) == "= 5.0e-01" and fmt_error(0.0, relation=True) == "< 1e-12"
    with pytest.raises(ValueError, match="floor"):
        fmt_error(1.0, 0.0)


def test_noise_floor_per_dtype():
    assert noise_floor(torch.float64) == noise_floor(np.float64) == noise_floor(torch.complex128) == 1e-12
    assert noise_floor(torch.float32) == noise_floor(np.complex64) == 1e-5
    assert noise_floor(torch.bfloat16) == noise_floor(np.float16) == 1e-2


def test_top_level_names():
    assert gt.fmt is fmt and gt.array_str is array_str and gt.fmt_error is fmt_error and gt.fmt_list is fmt_list


def test_check_each_prints_aligned_lines_and_names_the_failing_group(capsys):
    import grouptools as gt

    groups = [gt.cyclic(6), gt.dihedral(4), gt.klein_four()]
    out = gt.check_each(groups, lambda G: f"order {G.order}")
    assert out == ["order 6", "order 8", "order 4"]
    assert capsys.readouterr().out.splitlines() == ["Z6: order 6", "D4: order 8", "V4: order 4"]
    assert gt.check_each(groups, lambda G: None) == [None] * 3 and capsys.readouterr().out == ""

    def abelian(G):
        assert G.is_abelian(), "not abelian"
        return "abelian"

    with pytest.raises(AssertionError, match=r"check failed on D4 \(order 8\): not abelian"):
        gt.check_each(groups, abelian)
    with pytest.raises(TypeError, match="check must be a function"):
        gt.check_each(groups, "abelian")
    with pytest.raises(TypeError, match="needs groups"):
        gt.check_each([6], abelian)
