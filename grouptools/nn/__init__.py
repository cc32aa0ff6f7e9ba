"""Neural-network building blocks of the course: attention, S4/S4D, actions on sequences.

* :mod:`grouptools.nn.attention` — multi-head self-attention on
  ``scaled_dot_product_attention``, positional encodings, a pre-norm Transformer block;
* :mod:`grouptools.nn.s4` — HiPPO, discretisation, S4 (DPLR) and S4D kernels as plain
  functions, the S4 and S4D layers (convolution and step modes), optimiser groups;
* :mod:`grouptools.nn.sequence_actions` — Z_L cyclic shifts and S_L permutations;
* :mod:`grouptools.nn.equivariance` — a generic equivariance check.
* :mod:`grouptools.nn.equivariant_layers` — Deep Sets, C₄ group convolutions, symmetrisation
  and the Reynolds projection (Chapter 5);
* :mod:`grouptools.nn.parameter_symmetries` — weight-space symmetries of MLPs, attention
  and state-space models (Chapter 5).
* :mod:`grouptools.nn.gauge` — symmetries along depth: the residual stream's orthogonal
  symmetry, per-layer gauges and skip connections, time reparametrisation of neural ODEs
  (Chapter 5).

Explained in Chapter 9, *Sequence models and their symmetries*.
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
    legs_response,
    make_optimizer,
    run_steps,
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
    "legs_response",
    "kernel_powers",
    "kernel_recurrence",
    "make_optimizer",
    "run_steps",
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

from .training import TrainHistory, train

__all__ += ["TrainHistory", "train"]

from .group_learning import (
    CharacterModel,
    GroupFit,
    GroupMLP,
    GroupTableData,
    GroupTransformer,
    evaluate_split,
    fit_group_table,
    group_table_dataset,
    plot_learning_curves,
    table_logits,
)
from .interpret import (
    RealIrrep,
    ablate,
    ablation_table,
    character_similarity,
    irrep_fractions,
    key_irreps,
    product_with_inverse,
    project_irreps,
    real_irreps,
)

__all__ += [
    "CharacterModel",
    "plot_learning_curves",
    "product_with_inverse",
    "GroupFit",
    "GroupMLP",
    "GroupTableData",
    "GroupTransformer",
    "evaluate_split",
    "fit_group_table",
    "group_table_dataset",
    "table_logits",
    "RealIrrep",
    "ablate",
    "ablation_table",
    "character_similarity",
    "irrep_fractions",
    "key_irreps",
    "project_irreps",
    "real_irreps",
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

from .equivariance import GroupEquivarianceReport, check_group_equivariance
from .equivariant_layers import (
    C4GroupConv,
    C4InvariantCNN,
    C4LiftingConv,
    DeepSets,
    DeepSetsLayer,
    PlainCNN,
    Symmetrized,
    c4_regular_action,
    equivariant_basis,
    project_equivariant,
    reynolds_operator,
    symmetrize,
)
from .parameter_symmetries import (
    action_defect,
    attention_qk_transform,
    attention_vo_transform,
    mlp_hidden_transform,
    monomial_matrix,
    ssm_similarity,
)

__all__ += [
    "GroupEquivarianceReport",
    "check_group_equivariance",
    "C4GroupConv",
    "C4InvariantCNN",
    "C4LiftingConv",
    "DeepSets",
    "DeepSetsLayer",
    "PlainCNN",
    "Symmetrized",
    "c4_regular_action",
    "equivariant_basis",
    "project_equivariant",
    "reynolds_operator",
    "symmetrize",
    "action_defect",
    "attention_qk_transform",
    "attention_vo_transform",
    "mlp_hidden_transform",
    "monomial_matrix",
    "ssm_similarity",
]

from .sequence_models import (
    ARCHITECTURES,
    Ensemble,
    MixerBlock,
    Parallel,
    Residual,
    SequenceModel,
    SSMConvolution,
    ZeroMap,
    build_model,
    commutator_gap,
    count_parameters,
    interleave,
    matched_models,
    parallel,
    stack,
)

__all__ += [
    "ARCHITECTURES",
    "Ensemble",
    "MixerBlock",
    "Parallel",
    "Residual",
    "SequenceModel",
    "SSMConvolution",
    "ZeroMap",
    "build_model",
    "commutator_gap",
    "count_parameters",
    "interleave",
    "matched_models",
    "parallel",
    "stack",
]

from .selective import (
    TRANSITIONS,
    CausalDepthwiseConv,
    GRUMixer,
    H3Block,
    SelectiveRecurrence,
    selective_scan,
    selective_scan_reference,
)

__all__ += [
    "TRANSITIONS",
    "CausalDepthwiseConv",
    "GRUMixer",
    "H3Block",
    "SelectiveRecurrence",
    "selective_scan",
    "selective_scan_reference",
]

from .gauge import (
    PreNormTransformer,
    ResidualMLP,
    TimeDependentField,
    flow_gap,
    fold_norm_gains,
    loglog_slope,
    mlp_gauge_transform,
    odeint_fixed,
    orthogonal_fixing_ones,
    random_orthogonal,
    relative_change,
    reparametrize_time,
    residual_gauge_transform,
    rotate_residual_stream,
    sine_reparametrization,
)

__all__ += [
    "PreNormTransformer",
    "ResidualMLP",
    "TimeDependentField",
    "flow_gap",
    "fold_norm_gains",
    "loglog_slope",
    "mlp_gauge_transform",
    "odeint_fixed",
    "orthogonal_fixing_ones",
    "random_orthogonal",
    "relative_change",
    "reparametrize_time",
    "residual_gauge_transform",
    "rotate_residual_stream",
    "sine_reparametrization",
]
