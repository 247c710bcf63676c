"""Paper reproductions behind ``sktopo reproduce`` (each also has a gallery example)."""

from sktopo.experiments import (
    _bump_hunt,  # noqa: F401  (registers 'bump-hunt', ...)
    _circle,  # noqa: F401  (registers 'circle')
    _circle_variants,  # noqa: F401  ('circle-variants', 'sparse-circle', 'circle-square')
    _complexity_bias,  # noqa: F401  (registers 'complexity-bias')
    _density_ratio,  # noqa: F401  ('density-ratio-bump-hunt', '-calibration', '-spin')
    _higher,  # noqa: F401  (registers 'spheres-nd', 'latent-dim')
    _jet_autoencoders,  # noqa: F401  (registers 'jet-autoencoders')
    _jet_bump_hunt,  # noqa: F401  (registers 'jet-bump-hunt')
    _jet_density_ratio,  # noqa: F401  (registers 'jet-bump-hunt-density-ratio')
    _jet_generator,  # noqa: F401  (registers 'jet-generator')
    _jet_latent,  # noqa: F401  (registers 'jet-latent-dim', 'jet-contamination')
    _latent_space,  # noqa: F401  (topological-latent[-nd], bump-hunt-sphere-latent)
    _spheres,  # noqa: F401  (sphere, excised-sphere, paraboloid, double-cone, excised-double-cone)
    _transport_study,  # noqa: F401  ('transport-vs-vae', 'vae-latent-transport')
    _vae_study,  # noqa: F401  (registers 'vae-hyperparameters')
)
from sktopo.experiments._registry import (
    EXPERIMENTS,
    Experiment,
    log_step,
    logger,
    register,
    write_summary,
)

__all__ = ["EXPERIMENTS", "Experiment", "log_step", "logger", "register", "write_summary"]
