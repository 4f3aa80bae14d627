"""Every numerical tolerance and limit of the engine, in one place, so a report can quote them.

The column-generation stopping rule compares an upper bound (from the pricing integer programme's dual
bound) with the value the restricted LP achieves; the gap constants below bound how far from optimal a
published distribution may be.
"""

# HiGHS linear programmes (restricted master problems).
LP_PRIMAL_FEASIBILITY_TOLERANCE = 1e-9
LP_DUAL_FEASIBILITY_TOLERANCE = 1e-9
LP_ITERATION_LIMIT = 1_000_000

# HiGHS integer programmes (pricing: the best panel for given weights; feasibility checks).
MIP_RELATIVE_GAP = 1e-9
MIP_ABSOLUTE_GAP = 1e-12
MIP_FEASIBILITY_TOLERANCE = 1e-9
MIP_TIME_LIMIT_SECONDS = 120.0

# Maximin / each LEXIMIN stage: stop when upper bound - achieved minimum <= this (absolute probability).
MAXIMIN_GAP = 1e-7
MAX_ITERATIONS_PER_STAGE = 20_000
# Each column-generation round prices alpha * (best-bound duals) + (1 - alpha) * (current duals) for
# every alpha here (Wentges smoothing; alpha = 0 is the plain current duals, which keeps the stopping
# rule exact) and adds every improving panel found, so one restricted-LP solve gains several columns.
DUAL_SMOOTHING = (0.5, 0.0)
# Column generation starts from up to SEED_PANELS roundings of the fractional expected-count optimum,
# drawn with a generator seeded by SEED_PANEL_RANDOM_SEED (fixed, so runs are reproducible).
SEED_PANELS = 20
SEED_PANEL_RANDOM_SEED = 2
# The expected-count relaxation's optimum is an upper bound on each stage; this much is added to it
# to absorb its LP round-off (well below MAXIMIN_GAP).
RELAXATION_BOUND_SLACK = 1e-9

# Relaxation + decomposition (``certified``): coordinates of the residual point within SNAP of an
# integer count as integral, quota rows within ROW_TOLERANCE of a bound count as tight; the peeling
# gives up after STEP_FACTOR * (types + rows) steps (and stops, giving the rest to the last panel, once MASS_FLOOR is left); the rounding keys come from a generator seeded
# with RANDOM_SEED. A decomposition is accepted only if every type's achieved probability is at least
# its relaxation LEXIMIN level minus CERTIFICATE_TOLERANCE (same order as MAXIMIN_GAP).
DECOMPOSITION_SNAP = 1e-9
DECOMPOSITION_ROW_TOLERANCE = 1e-7
DECOMPOSITION_STEP_FACTOR = 3
# Once the undecomposed mass is below this, it goes to the last panel (moves no probability by more).
DECOMPOSITION_MASS_FLOOR = 1e-10
DECOMPOSITION_RANDOM_SEED = 20211
CERTIFICATE_TOLERANCE = 1e-7
# If the peeling gets stuck, column generation aimed at the relaxation's levels may finish it, for at
# most this many iterations (then the stage-by-stage LEXIMIN runs instead).
COMPLETION_MAX_ITERATIONS = 2_000

# LEXIMIN: a type whose dual weight exceeds this at a stage's optimum is fixed at that stage's value,
# minus FIX_SLACK so later stages stay feasible despite LP round-off.
LEXIMIN_DUAL_THRESHOLD = 1e-7
LEXIMIN_FIX_SLACK = 1e-9
MAX_LEXIMIN_STAGES = 100_000

# Nash welfare: stop when the best new panel's gradient exceeds the pool size by at most this factor,
# which bounds the welfare (sum of log-probabilities) gap by NASH_RELATIVE_GAP * pool size.
NASH_RELATIVE_GAP = 1e-6
NASH_MAX_ITERATIONS = 5_000
# The restricted Nash problem is solved by a log-barrier Newton method: barrier weight from START down
# to END (multiplied by SHRINK each round), at most NEWTON_STEPS per round, stopping a round when the
# Newton decrement falls below NEWTON_TOLERANCE. The final barrier bounds the welfare gap by
# (number of panels) * NASH_BARRIER_END.
NASH_BARRIER_START = 1.0
NASH_BARRIER_WARM_START = 1e-4
NASH_BARRIER_END = 1e-10
NASH_BARRIER_SHRINK = 0.01
NASH_NEWTON_STEPS = 50
NASH_NEWTON_TOLERANCE = 1e-12

# Panels with less probability than this are dropped from a portfolio (and the rest renormalised).
PROBABILITY_CUTOFF = 1e-12

# LEGACY (greedy random) probabilities are estimated from this many runs.
LEGACY_SAMPLES = 1_000
LEGACY_MAX_ATTEMPTS = 100

