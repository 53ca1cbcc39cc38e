"""A synthetic class's answers file for `microgr810 grade --batch`: N students x the four questions, a mix of
right formulas (written several ways) and the classic slips, plus a few unusable rows.

    python benchmarks/synthetic_class.py 200 answers.csv [--seed 0] [--distinct]
"""

from __future__ import annotations

import argparse
import csv
import random

RIGHT = {
    "b2": ["y_hat - y", "z2 - y", "sigmoid(a2) - y"],
    "W2[h]": ["z1[h]*(y_hat - y)", "(z2 - y)*z1[h]"],
    "b1[h]": ["W2[h]*z1[h]*(1 - z1[h])*(y_hat - y)", "(y_hat - y)*W2[h]*sigmoid(a1[h])*(1 - sigmoid(a1[h]))"],
    "W1[h,m]": ["W2[h]*x[m]*z1[h]*(1 - z1[h])*(y_hat - y)", "x[m]*W2[h]*z1[h]*(1-z1[h])*(z2 - y)"],
}
SLIPS = {  # the classic mistakes, with how often a student makes each (relative weights)
    "b2": [
        ("y - y_hat", 3),
        ("(y_hat - y)*y_hat*(1 - y_hat)", 4),
        ("y_hat - 1", 2),
        ("(y_hat - y)/(y_hat*(1-y_hat))", 2),
    ],
    "W2[h]": [("y_hat - y", 4), ("a1[h]*(y_hat - y)", 2), ("W2[h]*(y_hat - y)", 2)],
    "b1[h]": [("W2[h]*(y_hat - y)", 6), ("z1[h]*(1 - z1[h])*(y_hat - y)", 3), ("W2[h]*z1[h]*(1 - z1[h])", 2)],
    "W1[h,m]": [
        ("W2[h]*x[m]*(y_hat - y)", 6),
        ("W2[h]*z1[h]*(1 - z1[h])*(y_hat - y)", 3),
        ("W2[h]*x[m]*(1 - z1[h]**2)*(y_hat - y)", 2),
        ("W2[h]*x[m]*z1[h]*(1 - z1[h])", 2),
    ],
}
MALFORMED = ["W2[h]x[m]z1[h](1-z1[h])(y_hat-y)", "σ'(a1[h])*W2[h]*x[m]*(y_hat-y)", "W2[h]*x[m]*(("]


def respace(formula: str, rng: random.Random) -> str:
    """The same formula typed another way: spaces around its operators added or left out at random."""
    return "".join(f" {c} " if c in "*+-/" and rng.random() < 0.5 else c for c in formula.replace(" ", ""))


def answers(n: int, seed: int = 0, p_right: float = 0.6, distinct: bool = False) -> list[tuple[str, str, str]]:
    """distinct: every student types their formula a little differently (so no two answers are the same text)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        student = f"s{i:04d}"
        for q in RIGHT:
            r = rng.random()
            if r < p_right:
                formula = rng.choice(RIGHT[q])
            elif r < 0.97:
                slips, weights = zip(*SLIPS[q])
                formula = rng.choices(slips, weights)[0]
            else:
                formula = rng.choice(MALFORMED)
            rows.append((student, q, respace(formula, rng) if distinct else formula))
    rows.append(("s9998", "W3[h]", "1"))  # no such question
    rows.append(("s9999", "b2", ""))  # no formula
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("students", type=int)
    p.add_argument("path")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--distinct", action="store_true", help="spaces at random: (almost) no two answers the same text")
    args = p.parse_args()
    with open(args.path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "parameter", "formula"])
        w.writerows(answers(args.students, args.seed, distinct=args.distinct))


if __name__ == "__main__":
    main()
