"""Canonical numerics: results that are functions of the group, not of LAPACK's choices.

The course promises that every committed output is the same on every machine. For the
linear algebra that means: the irreps, character tables, intertwiner and equivariant
bases, null spaces and HiPPO's eigenbasis must not change when LAPACK returns another
(equally valid) factorisation — other signs, other phases, another basis inside a
repeated eigenvalue — as another BLAS build, kernel path or thread count may. The
*adversarial LAPACK* below returns exactly such alternatives at random, and the results
must agree with the ordinary ones to rounding. A subprocess with another OpenBLAS
kernel path and two threads must agree too.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import grouptools as gt
from grouptools.characters import character_table
from grouptools.irreps import irreps
from grouptools.linalg import AmbiguousRankError, canonical_basis, null_space, snap
from grouptools.nn.equivariant_layers import equivariant_basis
from grouptools.nn.s4 import hippo_legs_dplr, hippo_legs_nplr
from grouptools.representations import intertwiners, regular_representation
from strategies import relabelled

GROUPS = {
    "S3": lambda: gt.symmetric(3),
    "D4": lambda: gt.dihedral(4),
    "Q8": gt.quaternion,
    "A4": lambda: gt.alternating(4),
    "S4": lambda: gt.symmetric(4),
    "A5": lambda: gt.alternating(5),  # its 4-dim irrep takes the seeded commutant path
    "S3xS3": lambda: gt.direct_product(gt.symmetric(3), gt.symmetric(3)),  # so does its 4-dim irrep
    "Z6": lambda: gt.cyclic(6),
}


# ---------------------------------------------------------------------- an adversarial LAPACK
def _phases(rng: np.random.Generator, k: int, complex_: bool) -> np.ndarray:
    if complex_:
        return np.exp(2j * np.pi * rng.random(k))
    return rng.choice([-1.0, 1.0], size=k)


def _random_unitary(rng: np.random.Generator, k: int, complex_: bool) -> np.ndarray:
    X = rng.standard_normal((k, k)) + (1j * rng.standard_normal((k, k)) if complex_ else 0)
    Q, R = np.linalg.qr(X)
    return Q * (np.diagonal(R) / np.abs(np.diagonal(R)))


def _clusters(values: np.ndarray, scale: float) -> list[np.ndarray]:
    """Runs of sorted values closer than 1e-8·scale: the eigenspaces LAPACK may rotate."""
    order = np.argsort(values)
    groups, current = [], [order[0]]
    for a, b in zip(order[:-1], order[1:]):
        if abs(values[b] - values[a]) <= 1e-8 * scale:
            current.append(b)
        else:
            groups.append(np.array(current))
            current = [b]
    groups.append(np.array(current))
    return groups


class AdversarialLapack:
    """Replaces numpy's qr, eigh and svd by ones that return another valid factorisation."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.calls = 0
        self._qr, self._eigh, self._svd = np.linalg.qr, np.linalg.eigh, np.linalg.svd

    def qr(self, a, mode="reduced"):
        q, r = self._qr(a, mode=mode)
        self.calls += 1
        d = _phases(self.rng, q.shape[1], np.iscomplexobj(q))
        return q * d, (d.conj()[:, None] * r)

    def eigh(self, a, UPLO="L"):
        w, v = self._eigh(a, UPLO=UPLO)
        self.calls += 1
        cplx = np.iscomplexobj(v)
        v = v.copy()
        for idx in _clusters(w, max(1.0, float(np.max(np.abs(w))))):
            v[:, idx] = v[:, idx] @ _random_unitary(self.rng, len(idx), cplx)
        return w, v

    def svd(self, a, full_matrices=True, compute_uv=True, hermitian=False):
        if not compute_uv:
            return self._svd(a, full_matrices=full_matrices, compute_uv=False, hermitian=hermitian)
        u, s, vh = self._svd(a, full_matrices=full_matrices, hermitian=hermitian)
        self.calls += 1
        cplx = np.iscomplexobj(vh)
        d = _phases(self.rng, len(s), cplx)
        u = u.copy()
        vh = vh.copy()
        u[:, : len(s)] *= d
        vh[: len(s)] *= d.conj()[:, None]
        # the rows of vh beyond the nonzero singular values (the null space) are any orthonormal basis
        rank = int(np.sum(s > 1e-9 * max(1.0, float(s[0]) if len(s) else 1.0)))
        if vh.shape[0] - rank > 1:
            vh[rank:] = _random_unitary(self.rng, vh.shape[0] - rank, cplx).T @ vh[rank:]
        return u, s, vh

    def install(self, monkeypatch) -> "AdversarialLapack":
        monkeypatch.setattr(np.linalg, "qr", self.qr)
        monkeypatch.setattr(np.linalg, "eigh", self.eigh)
        monkeypatch.setattr(np.linalg, "svd", self.svd)
        return self


def _fingerprint(G: gt.FiniteGroup) -> dict[str, np.ndarray]:
    """Everything canonical about G's representation theory, as arrays."""
    reps = irreps(G, cache=False)
    table = character_table(G, cache=False)
    out = {"table": table.values}
    for i, rho in enumerate(reps):
        out[f"irrep{i}"] = rho.matrices
    out["intertwiners"] = intertwiners(reps[-1], reps[-1].direct_sum(reps[0], reps[-1]))
    if G.order <= 12:
        R = regular_representation(G)
        out["equivariant"] = equivariant_basis(R, R.direct_sum(reps[-1]))
    return out


def _assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], what: str) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].shape == b[key].shape, f"{what}: {key} has shape {a[key].shape} vs {b[key].shape}"
        err = float(np.max(np.abs(a[key] - b[key]), initial=0.0))
        assert err < 1e-9, f"{what}: {key} differs by {err:.1e}"


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_representation_theory_does_not_depend_on_lapacks_choices(name, monkeypatch):
    reference = _fingerprint(GROUPS[name]())
    for seed in (1, 2):
        with monkeypatch.context() as m:
            lapack = AdversarialLapack(seed).install(m)
            other = _fingerprint(GROUPS[name]())
        assert lapack.calls > 0
        _assert_same(reference, other, f"{name} with adversarial LAPACK (seed {seed})")


def test_the_adversary_really_changes_what_lapack_returns(monkeypatch):
    """A basis taken straight from eigh (the old irreps did this) is not canonical: the test can fail."""
    A = np.diag([1.0, 1.0, 2.0])
    _, v = np.linalg.eigh(A)
    AdversarialLapack(0).install(monkeypatch)
    _, w = np.linalg.eigh(A)
    assert not np.allclose(v, w)
    assert np.allclose(v[:, :2] @ v[:, :2].T, w[:, :2] @ w[:, :2].T)  # same subspace


def test_hippo_eigenbasis_is_canonical():
    """eigh's phases are fixed by B̃ > 0: rotating every eigenvector's phase changes nothing."""
    d = hippo_legs_nplr(16)
    assert torch.all(d.B.imag == 0) and torch.all(d.B.real > 0)
    half = hippo_legs_dplr(16)
    assert torch.allclose(half.V.conj().T @ half.V, torch.eye(8, dtype=torch.complex128), atol=1e-12)
    phases = torch.exp(1j * torch.linspace(0.3, 5.0, 16, dtype=torch.float64))
    original = torch.linalg.eigh

    def rotated(a, UPLO="L"):
        w, v = original(a, UPLO=UPLO)
        return w, v * phases

    torch.linalg.eigh = rotated
    try:
        again = hippo_legs_nplr(16)
    finally:
        torch.linalg.eigh = original
    for field in ("Lambda", "P", "B", "V"):
        assert torch.allclose(getattr(d, field), getattr(again, field), atol=1e-12), field


# ---------------------------------------------------------------------- cache, call history, process
def test_irreps_do_not_depend_on_the_cache_or_the_call_history():
    S4 = gt.symmetric(4)
    first = [r.matrices for r in irreps(S4)]
    for other in (gt.alternating(5), gt.dihedral(6), gt.quaternion()):
        irreps(other, cache=False)
    gt.characters.clear_cache()
    again = [r.matrices for r in irreps(gt.symmetric(4))]
    uncached = [r.matrices for r in irreps(S4, cache=False)]
    for a, b, c in zip(first, again, uncached):
        assert np.max(np.abs(a - b)) < 1e-12 and np.max(np.abs(a - c)) < 1e-12


_CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import grouptools as gt
    from grouptools.irreps import irreps
    out = {}
    for name, G in (("S4", gt.symmetric(4)), ("A5", gt.alternating(5)), ("Q8", gt.quaternion())):
        for i, rho in enumerate(irreps(G)):
            out[f"{name}/{i}"] = [rho.matrices.real.tolist(), rho.matrices.imag.tolist()]
    json.dump(out, sys.stdout)
    """
)


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="OpenBLAS kernel names are x86-64 ones")
def test_irreps_agree_across_kernel_paths_and_thread_counts():
    """Another process with another OpenBLAS kernel path (Prescott: SSE3, on every x86-64 CPU) and 2 threads."""
    env = dict(os.environ, OPENBLAS_CORETYPE="Prescott", OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")
    child = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr
    theirs = json.loads(child.stdout)
    for name, G in (("S4", gt.symmetric(4)), ("A5", gt.alternating(5)), ("Q8", gt.quaternion())):
        for i, rho in enumerate(irreps(G)):
            re, im = (np.array(x) for x in theirs[f"{name}/{i}"])
            assert np.max(np.abs(rho.matrices - (re + 1j * im))) < 1e-10, f"{name} irrep {i}"


# ---------------------------------------------------------------------- what the canonical form looks like
def test_irreps_are_adapted_to_an_element():
    """The first basis vector is an eigenvector of ρ(h) for the first element h with a simple eigenvalue."""
    D4 = gt.dihedral(4)
    rho = irreps(D4)[-1]
    assert np.array_equal(rho("s"), np.diag([1.0, -1.0]).astype(complex))
    assert np.array_equal(rho("r"), np.array([[0, -1], [1, 0]], dtype=complex))
    Q8 = gt.quaternion()
    assert np.array_equal(irreps(Q8)[-1]("i"), np.diag([1j, -1j]))


@settings(max_examples=25, deadline=None)
@given(relabelled(st.sampled_from([gt.symmetric(3), gt.dihedral(5), gt.alternating(4), gt.quaternion()])))
def test_irreps_of_relabelled_groups_are_valid_and_real_when_they_can_be(G):
    table = character_table(G)
    for rho, nu in zip(irreps(G, cache=False), table.indicators):
        assert rho.is_real() == (nu == 1)
        U = rho.matrices
        assert np.allclose(U @ np.conj(np.swapaxes(U, 1, 2)), np.eye(rho.degree), atol=1e-12)
        assert not np.any(np.signbit(U.real) & (U.real == 0))  # no -0.0


# ---------------------------------------------------------------------- the primitives
def test_canonical_basis_depends_on_the_subspace_only():
    rng = np.random.default_rng(0)
    for complex_ in (False, True):
        V = rng.standard_normal((7, 3)) + (1j * rng.standard_normal((7, 3)) if complex_ else 0)
        Q, _ = np.linalg.qr(V)
        B1 = canonical_basis(Q @ Q.conj().T)
        Q2 = Q @ _random_unitary(rng, 3, complex_)
        B2 = canonical_basis(Q2 @ Q2.conj().T)
        assert B1.shape == (7, 3) and np.allclose(B1, B2, atol=1e-12)
        assert np.allclose(B1.conj().T @ B1, np.eye(3), atol=1e-12)
        assert np.isrealobj(B1) == (not complex_)
        # the pivot coordinates (here 0, 1, 2: Q is generic) are real and positive
        assert np.all(np.diagonal(B1[:3]).real > 0) and np.allclose(np.diagonal(B1[:3]).imag, 0)


def test_null_space():
    A = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])
    N = null_space(A)
    assert N.shape == (4, 2) and np.allclose(A @ N, 0)
    assert np.allclose(N, np.array([[1, 0], [-1, 0], [0, 1], [0, 1]]) / np.sqrt(2))  # the echelon-like basis
    assert null_space(np.eye(3)).shape == (3, 0)


def test_strict_gram_schmidt_refuses_an_ambiguous_candidate():
    def candidates():
        yield np.array([1.0, 0.0])
        yield np.array([1.0, 1e-7])  # residual 1e-7: neither clearly in nor clearly out

    with pytest.raises(AmbiguousRankError, match="between"):
        canonical_basis(lambda v: v, candidates(), rank=2, strict=True)


def test_snap():
    x = snap(np.array([1 - 1e-13, -1e-14, 0.5, -0.0]))
    assert x.tolist() == [1.0, 0.0, 0.5, 0.0] and not np.any(np.signbit(x))
    z = snap(np.array([1e-13 - 1j * 1e-15]))
    assert z[0] == 0 and not np.signbit(z.real[0]) and not np.signbit(z.imag[0])


def test_canonical_basis_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        canonical_basis(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="rank"):
        canonical_basis(lambda v: v, [np.ones(2)])
    with pytest.raises(ArithmeticError, match="independent"):
        canonical_basis(lambda v: v, [np.ones(2), 2 * np.ones(2)], rank=2)
