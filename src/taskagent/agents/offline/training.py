"""Trains the offline engine's understanding model from the labelled corpus: `make train`.

Reads corpus/utterances.jsonl (chat messages labelled with the action they ask for), corpus/clinc150 (its
`train` split only: `val` is held out for tests/eval/test_heldout.py) and corpus/help-requests.jsonl plus
each built-in specialist's description (from agents/specialists.toml; for triage), fits one multinomial
logistic regression per decision over `understanding.features`, and writes the weights to
understanding.json. Deterministic: the same corpus gives the same file. Needs the dev dependencies
(scikit-learn); the engine itself never imports this.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from taskagent.agents.catalog import load_catalog

from .understanding import MODEL_FILE, Speller, features, words_of

ROOT = Path(__file__).resolve().parents[4]
CORPUS = ROOT / "corpus"
# A weight smaller than this changes no decision; leaving it out keeps the file small.
PRUNE_BELOW = 0.05
# Weights are stored as integers in hundredths: the file stays small and two decimals change no decision.
SCALE = 100


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def chat_examples() -> list[tuple[str, str]]:
    examples = [(row["text"], row["label"]) for row in read_jsonl(CORPUS / "utterances.jsonl")]
    examples += [
        (row["text"], row["action"])
        for row in read_jsonl(CORPUS / "clinc150" / "clinc150-task-intents.jsonl")
        if row["split"] == "train"
    ]
    # A help request said in chat goes to that specialist.
    examples += [(text, f"help:{kind}") for text, kind in help_requests()]
    return examples


def help_requests() -> list[tuple[str, str]]:
    """The help requests of corpus/help-requests.jsonl and the built-in specialists' descriptions, from the
    built-in specialists file (its examples are in the corpus already)."""
    examples = [(row["text"], row["specialist"]) for row in read_jsonl(CORPUS / "help-requests.jsonl")]
    for spec in load_catalog().specialists:
        examples += [(part, spec.id) for part in re.split(r"[:;,.]\s*", spec.description) if part.strip()]
    return examples


def triage_examples() -> list[tuple[str, str]]:
    # The help requests said in chat (labelled `help:<kind>` in utterances.jsonl) are help requests too.
    return help_requests() + [
        (row["text"], row["label"].removeprefix("help:"))
        for row in read_jsonl(CORPUS / "utterances.jsonl")
        if row["label"].startswith("help:")
    ]


def fit(examples: Sequence[tuple[str, str]], strength: float) -> dict[str, Any]:
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([features(text) for text, _ in examples])
    labels = [label for _, label in examples]
    model = LogisticRegression(C=strength, max_iter=5000, class_weight="balanced")
    model.fit(matrix, labels)
    classes = [str(label) for label in model.classes_]
    coefficients = model.coef_
    if len(classes) == 2:  # sklearn keeps one row for two classes: the second class's score
        coefficients = [[-value / 2 for value in coefficients[0]], [value / 2 for value in coefficients[0]]]
        bias = [-float(model.intercept_[0]) / 2, float(model.intercept_[0]) / 2]
    else:
        bias = [float(value) for value in model.intercept_]
    weights: dict[str, list[int]] = {}
    for column, name in enumerate(vectorizer.get_feature_names_out()):
        row = [round(float(coefficients[index][column]) * SCALE) for index in range(len(classes))]
        if max(abs(value) for value in row) >= PRUNE_BELOW * SCALE:
            weights[str(name)] = row
    accuracy = model.score(matrix, labels)
    print(
        f"  {len(examples)} examples, {len(classes)} labels, {len(weights)} features,",
        f"train accuracy {accuracy:.3f}",
    )
    return {
        "labels": classes,
        "bias": [round(value, 4) for value in bias],
        "scale": SCALE,
        "weights": weights,
    }


def meaning_words(examples: Sequence[tuple[str, str]]) -> dict[str, int]:
    """corpus/meaning-words.txt with each word's count in the corpus (the more common, the likelier)."""
    counts = Counter(word for text, _ in examples for word in words_of(text))
    listed = [
        line.strip()
        for line in (CORPUS / "meaning-words.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {word: counts[word] + 1 for word in listed}


def english_words() -> set[str]:
    """corpus/english/words.txt: the 30,000 commonest English words, so that a title's own words ("stats",
    "mower") are never taken for typing mistakes of the words that carry meaning."""
    return set((CORPUS / "english" / "words.txt").read_text(encoding="utf-8").split())


def known_words(examples: Sequence[tuple[str, str]], targets: dict[str, int]) -> set[str]:
    """The words never taken for typing mistakes: common English, and the corpus's words seen in two
    messages or more, except those that are one mistake away from a word that carries meaning: the corpus
    holds typos on purpose ("taks", "delte"), and they must stay mendable."""
    english = english_words()
    speller = Speller(targets, english)
    counts = Counter(word for text in {text for text, _ in examples} for word in set(words_of(text)))
    return english | {
        word
        for word, count in counts.items()
        if word.isalpha() and count >= 2 and (word in english or speller.mend(word) == word)
    }


def main(argv: Sequence[str] = ()) -> None:
    chat_data = chat_examples()
    triage_data = triage_examples()
    print("chat model:")
    chat = fit(chat_data, strength=20.0)
    print("triage model:")
    triage = fit(triage_data, strength=20.0)
    targets = meaning_words(chat_data)
    model = {
        "version": 1,
        "chat": chat,
        "triage": triage,
        "meaning_words": targets,
        "known_words": sorted(known_words(chat_data + triage_data, targets)),
    }
    MODEL_FILE.write_text(json.dumps(model, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE.relative_to(ROOT)} ({MODEL_FILE.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main(sys.argv[1:])
