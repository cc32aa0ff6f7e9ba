"""Neural-network building blocks of the course: attention, S4/S4D, actions on sequences.

* :mod:`grouptools.nn.attention` — multi-head self-attention on
  ``scaled_dot_product_attention``, positional encodings, a pre-norm Transformer block;
* :mod:`grouptools.nn.s4` — HiPPO, discretisation, S4 (DPLR) and S4D kernels as plain
  functions, the S4 and S4D layers (convolution and step modes), optimiser groups;
* :mod:`grouptools.nn.sequence_actions` — Z_L cyclic shifts and S_L permutations;
* :mod:`grouptools.nn.equivariance` — a generic equivariance check.

Explained in Chapter 8, *Sequence models and their symmetries*.
"""

from .attention import (
    MultiHeadSelfAttention,
    RotaryEmbedding,
    SinusoidalPositionalEncoding,
    TransformerBlock,
    sinusoidal_encoding,
)
from .equivariance import EquivarianceReport, check_equivariance
from .s4 import (
    NPLR,
    S4DLayer,
    S4Layer,
    cauchy_kernel,
    discretize,
    discretize_diagonal,
    dplr_kernel,
    fft_conv,
    hippo_legs,
    hippo_legs_dplr,
    hippo_legs_nplr,
    kernel_powers,
    kernel_recurrence,
    make_optimizer,
    s4d_init,
    s4d_kernel,
    s4d_kernel_naive,
    ssm_param_groups,
    ssm_scan,
)
from .sequence_actions import (
    CyclicShift,
    PositionPermutation,
    cyclic_shift,
    delay,
    permute_positions,
    random_permutation,
)

__all__ = [
    "MultiHeadSelfAttention",
    "RotaryEmbedding",
    "SinusoidalPositionalEncoding",
    "TransformerBlock",
    "sinusoidal_encoding",
    "EquivarianceReport",
    "check_equivariance",
    "NPLR",
    "S4DLayer",
    "S4Layer",
    "cauchy_kernel",
    "discretize",
    "discretize_diagonal",
    "dplr_kernel",
    "fft_conv",
    "hippo_legs",
    "hippo_legs_dplr",
    "hippo_legs_nplr",
    "kernel_powers",
    "kernel_recurrence",
    "make_optimizer",
    "s4d_init",
    "s4d_kernel",
    "s4d_kernel_naive",
    "ssm_param_groups",
    "ssm_scan",
    "CyclicShift",
    "PositionPermutation",
    "cyclic_shift",
    "delay",
    "permute_positions",
    "random_permutation",
]

from .tasks import (
    IGNORE_INDEX,
    TASKS,
    AssociativeRecall,
    Batch,
    GroupWordProblem,
    MultiQueryAssociativeRecall,
    Parity,
    SequenceTask,
    accuracy,
    make_task,
    per_position_accuracy,
    sequence_accuracy,
    task_loss,
)

__all__ += [
    "IGNORE_INDEX",
    "TASKS",
    "AssociativeRecall",
    "Batch",
    "GroupWordProblem",
    "MultiQueryAssociativeRecall",
    "Parity",
    "SequenceTask",
    "accuracy",
    "make_task",
    "per_position_accuracy",
    "sequence_accuracy",
    "task_loss",
]
