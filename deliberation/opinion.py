"""Opinion groups from a statement vote matrix (as in Polis), with NumPy only.

Rows are participants, columns statements, cells +1 agree, -1 disagree, 0 pass or not seen. The
participants are projected on the first two principal components of the centred matrix and
clustered by k-means (k from 2 to 4, chosen by silhouette), warm-started from the previous
centroids so that groups keep their numbers from one vote to the next. A bridging statement is
one that every group tends to agree with: its score is the lowest, over groups, of the group's
smoothed agreement rate ``(agree + 1) / (votes + 2)``.

Pure functions over plain data; no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

MIN_VOTES_PER_PARTICIPANT = 2
MAX_GROUPS = 4
KMEANS_ITERATIONS = 50
BRIDGING_MIN_SCORE = 0.5


@dataclass
class OpinionGroups:
    participants: list[int] = field(default_factory=list)
    coordinates: list[tuple[float, float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    centroids: list[tuple[float, float]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    bridging: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "coordinates": [[round(x, 4), round(y, 4)] for x, y in self.coordinates],
            "labels": self.labels,
            "centroids": [[round(x, 6), round(y, 6)] for x, y in self.centroids],
            "groups": self.groups,
            "bridging": self.bridging,
        }

    def summary(self) -> dict[str, Any]:
        """What the room shows (sizes, representative and bridging statements), small enough for every event."""
        return {"groups": self.groups, "bridging": self.bridging}


def _kmeans(points: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centroids = start.copy()
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(KMEANS_ITERATIONS):
        distances = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        new_labels = distances.argmin(axis=1)
        for k in range(len(centroids)):
            members = points[new_labels == k]
            if len(members):
                centroids[k] = members.mean(axis=0)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return labels, centroids


def _silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    k = labels.max() + 1
    if k < 2:
        return -1.0
    distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    scores = np.zeros(len(points))
    for i in range(len(points)):
        own = labels == labels[i]
        if own.sum() <= 1:
            continue
        a = distances[i, own].sum() / (own.sum() - 1)
        b = min(distances[i, labels == other].mean() for other in range(k) if other != labels[i] and (labels == other).any())
        scores[i] = (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return float(scores.mean())


def _initial_centroids(points: np.ndarray, k: int, previous: np.ndarray | None) -> np.ndarray:
    """Previous centroids first (stable group numbers), then farthest points from those chosen."""
    chosen: list[np.ndarray] = []
    if previous is not None and len(previous):
        chosen.extend(previous[:k])
    if not chosen:
        chosen.append(points[np.argmax(np.linalg.norm(points - points.mean(axis=0), axis=1))])
    while len(chosen) < k:
        current = np.array(chosen)
        gaps = ((points[:, None, :] - current[None, :, :]) ** 2).sum(axis=2).min(axis=1)
        chosen.append(points[int(np.argmax(gaps))])
    return np.array(chosen, dtype=float)


def opinion_groups(
    votes: list[tuple[int, int, int]],
    statements: list[int],
    previous_centroids: list[list[float]] | None = None,
) -> OpinionGroups:
    """Group participants by how they voted. ``votes`` are ``(participant, statement, value)`` triples."""
    counts: dict[int, int] = {}
    for participant, _, _ in votes:
        counts[participant] = counts.get(participant, 0) + 1
    participants = sorted(p for p, n in counts.items() if n >= MIN_VOTES_PER_PARTICIPANT)
    if len(participants) < 3 or len(statements) < 2:
        return OpinionGroups(participants=participants)
    row = {p: i for i, p in enumerate(participants)}
    col = {s: j for j, s in enumerate(statements)}
    matrix = np.zeros((len(participants), len(statements)))
    seen = np.zeros_like(matrix, dtype=bool)
    for participant, statement, value in votes:
        if participant in row and statement in col:
            matrix[row[participant], col[statement]] = value
            seen[row[participant], col[statement]] = True
    centred = matrix - matrix.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:2]
    points = centred @ components.T
    if points.shape[1] < 2:
        points = np.hstack([points, np.zeros((len(points), 1))])
    # The sign of a principal component is arbitrary; fix it so the picture does not flip.
    for axis in range(2):
        if points[:, axis].sum() < 0:
            points[:, axis] = -points[:, axis]

    previous = np.array(previous_centroids, dtype=float) if previous_centroids else None
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for k in range(2, min(MAX_GROUPS, len(participants) - 1) + 1):
        labels, centroids = _kmeans(points, _initial_centroids(points, k, previous))
        if len(np.unique(labels)) < k:
            continue
        score = _silhouette(points, labels)
        if best is None or score > best[0] + 1e-9:
            best = (score, labels, centroids)
    if best is None:
        labels, centroids = np.zeros(len(participants), dtype=np.int64), points.mean(axis=0, keepdims=True)
    else:
        _, labels, centroids = best

    agree = matrix > 0
    groups: list[dict[str, Any]] = []
    rates = []
    for k in range(len(centroids)):
        members = labels == k
        group_votes = seen[members].sum(axis=0)
        group_agree = (agree & seen)[members].sum(axis=0)
        rate = (group_agree + 1) / (group_votes + 2)
        rates.append(rate)
        others = ~members
        other_rate = ((agree & seen)[others].sum(axis=0) + 1) / (seen[others].sum(axis=0) + 2)
        distinct = rate - other_rate
        order = np.argsort(-distinct)
        representative = [statements[j] for j in order[:3] if distinct[j] > 0]
        groups.append({"group": k, "size": int(members.sum()), "representative": representative})
    bridging_scores = np.min(np.array(rates), axis=0)
    order = np.argsort(-bridging_scores, kind="stable")
    bridging = [
        {"statement": statements[j], "score": round(float(bridging_scores[j]), 3)}
        for j in order[:3]
        if bridging_scores[j] >= BRIDGING_MIN_SCORE and seen[:, j].sum() >= 2
    ]
    return OpinionGroups(
        participants=participants,
        coordinates=[(float(x), float(y)) for x, y in points],
        labels=[int(label) for label in labels],
        centroids=[(float(x), float(y)) for x, y in centroids],
        groups=groups,
        bridging=bridging,
    )
