"""Hypothesis strategies for the manifold samplers of :mod:`sktopo.datasets`.

``manifold_cases()`` draws ``(name, kwargs)`` pairs: the name of a sampler in
:mod:`sktopo.datasets` and valid keyword options for it (without ``n_samples``,
``noise`` and ``random_state``, which tests combine with :func:`sample_sizes`
and :func:`seeds`)::

    from hypothesis import given
    import sktopo.datasets
    from sktopo.testing.strategies import manifold_cases, sample_sizes, seeds

    @given(manifold_cases(), sample_sizes(), seeds())
    def test_shapes(case, n, seed):
        name, kwargs = case
        X, t = getattr(sktopo.datasets, name)(n, random_state=seed, **kwargs)
        assert len(X) == len(t) == n
"""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = [
    "MANIFOLD_SAMPLERS",
    "manifold_cases",
    "sample_sizes",
    "seeds",
    "sphere_dims",
]

#: Names of the manifold samplers in :mod:`sktopo.datasets`.
MANIFOLD_SAMPLERS = (
    "make_circle",
    "make_sphere",
    "make_paraboloid",
    "make_double_cone",
    "make_torus",
    "make_trefoil",
    "make_su2",
    "make_so3",
)


def seeds() -> st.SearchStrategy[int]:
    """Integer ``random_state`` values accepted by :func:`sklearn.utils.check_random_state`."""
    return st.integers(min_value=0, max_value=2**32 - 1)


def sample_sizes(min_value: int = 1, max_value: int = 200) -> st.SearchStrategy[int]:
    """Valid ``n_samples`` values in ``[min_value, max_value]``."""
    return st.integers(min_value=min_value, max_value=max_value)


def sphere_dims(min_value: int = 1, max_value: int = 6) -> st.SearchStrategy[int]:
    """Intrinsic sphere dimensions ``n_dim`` for :func:`sktopo.datasets.make_sphere`."""
    return st.integers(min_value=min_value, max_value=max_value)


def _angles() -> st.SearchStrategy[float]:
    return st.floats(min_value=-10.0, max_value=10.0, allow_nan=False)


def _fractions() -> st.SearchStrategy[float]:
    """Fractions in ``[0, 0.9]`` used to place excision widths inside their limits."""
    return st.floats(min_value=0.0, max_value=0.9, allow_nan=False)


@st.composite
def _circle_kwargs(draw):
    return {
        "sampling": draw(st.sampled_from(["uniform", "equidistant", "normal"])),
        "phase": draw(_angles()),
        "undersampled_angle": draw(_angles()),
        "scale": draw(st.floats(min_value=0.05, max_value=5.0)),
    }


@st.composite
def _sphere_kwargs(draw):
    return {
        "n_dim": draw(sphere_dims()),
        "excise_band": draw(st.none() | _fractions()),
    }


@st.composite
def _paraboloid_kwargs(draw):
    radius = draw(st.floats(min_value=0.5, max_value=3.0))
    frac = draw(st.none() | _fractions())
    return {"radius": radius, "excise_below": None if frac is None else frac * radius**2}


@st.composite
def _double_cone_kwargs(draw):
    height = draw(st.floats(min_value=0.5, max_value=4.0))
    frac = draw(st.none() | _fractions())
    return {
        "height": height,
        "radius": draw(st.floats(min_value=0.5, max_value=2.0)),
        "sampling": draw(st.sampled_from(["height", "area"])),
        "excise_equator": None if frac is None else frac * height / 2,
    }


@st.composite
def _torus_kwargs(draw):
    kind = draw(st.sampled_from(["donut", "clifford"]))
    if draw(st.booleans()):
        return {"kind": kind, "radii": None}
    r = draw(st.floats(min_value=0.2, max_value=2.0))
    other = draw(st.floats(min_value=0.2, max_value=2.0))
    radii = (r + other, r) if kind == "donut" else (r, other)
    return {"kind": kind, "radii": radii}


def _trefoil_kwargs():
    return st.fixed_dictionaries(
        {"sampling": st.sampled_from(["uniform", "arclength", "equidistant"])}
    )


_KWARGS = {
    "make_circle": _circle_kwargs,
    "make_sphere": _sphere_kwargs,
    "make_paraboloid": _paraboloid_kwargs,
    "make_double_cone": _double_cone_kwargs,
    "make_torus": _torus_kwargs,
    "make_trefoil": _trefoil_kwargs,
    "make_su2": lambda: st.just({}),
    "make_so3": lambda: st.just({}),
}


def manifold_cases(
    names: tuple[str, ...] = MANIFOLD_SAMPLERS,
) -> st.SearchStrategy[tuple[str, dict]]:
    """``(sampler name, keyword options)`` pairs with valid options for that sampler.

    Parameters
    ----------
    names : tuple of str, default=MANIFOLD_SAMPLERS
        Restrict the draw to these samplers.
    """
    unknown = set(names) - set(MANIFOLD_SAMPLERS)
    if unknown or not names:
        raise ValueError(f"names must be a non-empty subset of {MANIFOLD_SAMPLERS}, got {names!r}.")
    return st.one_of(
        [st.tuples(st.just(name), _KWARGS[name]()) for name in names]
    )
