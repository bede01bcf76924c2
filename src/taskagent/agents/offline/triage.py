"""Which configured specialist a help request goes to, offline: learned from the specialists' examples.

Two ways, chosen once per catalog (`triage_for`):

- The built-in specialists as the built-in file defines them (some may be turned off): the triage model
  of understanding.py, trained by `make train` on corpus/help-requests.jsonl (which holds the file's
  examples) and the descriptions. Its probabilities are kept among the enabled specialists.
- Any other set (a specialist of your own, or a built-in with other examples): an example matcher built
  when the catalog is first used, from the file's examples and descriptions over the same features as
  the trained model (word uni- and bigrams, character 3- and 4-grams). Features are weighted by how rare
  they are among the examples (IDF); a request scores, per specialist, half its cosine with the nearest
  example and half its cosine with the specialist's mean. Pure Python, deterministic, no training loop:
  building it for a file of 6 specialists and 70 examples takes a few milliseconds (README).

In a thread that a specialist answered before, a request goes back to that specialist (a follow-up: "set
it", "what about Thursday?", "and step 2?") unless it is surely another's (its score over the way's `SURE`
threshold). Otherwise a request whose best score is under the way's `CONFIDENT` threshold fits none and
goes to the file's `default`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from taskagent.agents.catalog import SpecialistCatalog, load_catalog

from .understanding import features, mend_typos, understanding

# Under CONFIDENT a request fits no specialist; over SURE it leaves a thread's earlier specialist. The trained
# model's lowest score on the dev and held-out help cases is 0.52. The matcher's CONFIDENT is the 5th
# percentile of the sample file's examples' scores, each scored with itself left out (README).
TRAINED_CONFIDENT, TRAINED_SURE = 0.45, 0.9
EXAMPLES_CONFIDENT, EXAMPLES_SURE = 0.1, 0.3


@dataclass(frozen=True)
class Choice:
    specialist: str | None  # None: the request fits none
    scores: dict[str, float]
    sure: bool = False  # clear enough to leave the specialist that answered the thread before


class TrainedTriage:
    """The shipped model's probabilities, among the enabled built-in specialists."""

    def __init__(self, catalog: SpecialistCatalog) -> None:
        self.ids = catalog.ids

    def choose(self, text: str) -> Choice:
        probabilities = understanding().triage.probabilities(mend_typos(text))
        total = sum(probabilities.get(key, 0.0) for key in self.ids) or 1.0
        scores = {key: probabilities.get(key, 0.0) / total for key in self.ids}
        best = max(self.ids, key=scores.__getitem__)
        return Choice(
            best if scores[best] >= TRAINED_CONFIDENT else None, scores, scores[best] >= TRAINED_SURE
        )


def _parts(description: str) -> list[str]:
    """A description's phrases, as training.py reads them (they are examples too)."""
    return [part for part in re.split(r"[:;,.]\s*", description) if part.strip()]


class ExampleTriage:
    """Nearest example and nearest mean over IDF-weighted features (see the module)."""

    def __init__(self, catalog: SpecialistCatalog) -> None:
        rows = [
            (spec.id, text)
            for spec in catalog.specialists
            for text in (*spec.examples, *_parts(spec.description))
        ]
        found = [features(text) for _, text in rows]
        counts = Counter(name for vector in found for name in vector)
        self.unseen = math.log(1 + len(rows)) + 1  # a feature no example has: as rare as can be
        self.idf = {name: math.log((1 + len(rows)) / (1 + count)) + 1 for name, count in counts.items()}
        self.examples: dict[str, list[dict[str, float]]] = {spec.id: [] for spec in catalog.specialists}
        for (spec_id, _), vector in zip(rows, found, strict=True):
            self.examples[spec_id].append(self._weigh(vector))
        self.means: dict[str, dict[str, float]] = {}
        for spec_id, vectors in self.examples.items():
            mean: Counter[str] = Counter()
            for vector in vectors:
                mean.update(vector)
            self.means[spec_id] = _normalised(dict(mean))

    def _weigh(self, vector: dict[str, float]) -> dict[str, float]:
        return _normalised({name: self.idf.get(name, self.unseen) for name in vector})

    def choose(self, text: str) -> Choice:
        request = self._weigh(features(text))
        scores = {
            spec_id: 0.5 * max(_dot(request, example) for example in examples)
            + 0.5 * _dot(request, self.means[spec_id])
            for spec_id, examples in self.examples.items()
        }
        best = max(scores, key=scores.__getitem__)
        return Choice(
            best if scores[best] >= EXAMPLES_CONFIDENT else None, scores, scores[best] >= EXAMPLES_SURE
        )


def _normalised(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
    return {name: value / norm for name, value in vector.items()}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(name, 0.0) for name, value in a.items())


def uses_trained_model(catalog: SpecialistCatalog) -> bool:
    """Whether every enabled specialist is a built-in one as the built-in file defines it: what the
    shipped model learned (its examples, description and answer)."""
    builtin = load_catalog()
    for spec in catalog.specialists:
        known = builtin.get(spec.id)
        if known is None or (spec.examples, spec.description, spec.answer) != (
            known.examples,
            known.description,
            known.answer,
        ):
            return False
    return True


@cache
def triage_for(catalog: SpecialistCatalog) -> TrainedTriage | ExampleTriage:
    """The triage of a catalog, made once (catalogs are immutable)."""
    return TrainedTriage(catalog) if uses_trained_model(catalog) else ExampleTriage(catalog)
