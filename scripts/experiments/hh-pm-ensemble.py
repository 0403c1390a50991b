# An ensemble of PyTorch stand-in PMs on real HH: the mean of their held-out margins r_chosen − r_rejected
# (equivalently, the ensemble's score is the mean of the members' scores). Each member is an
# hh-pm-readouts.py run with the same --split-seed (so all score the same held-out pairs) and its own --seed:
#   for s in 1 2 3 4 5; do /usr/bin/python3 scripts/experiments/hh-pm-readouts.py --pairs /tmp/hh-pairs.json \
#     --T 48 --seed $s --split-seed 1 --margins-out m$s.json; done
#   /usr/bin/python3 scripts/experiments/hh-pm-ensemble.py m1.json m2.json m3.json m4.json m5.json
# Prints each member's accuracy and the ensemble's after the first k members, k = 1 … N, with 95% intervals.
import json, math, sys


def accuracy(margins, subsets):
    """Overall accuracy with its normal-approximation 95% interval, and per subset."""
    n = len(margins); acc = sum(m > 0 for m in margins) / n; h = 1.96 * math.sqrt(acc * (1 - acc) / n)
    per = {s: sum(m > 0 for m, t in zip(margins, subsets) if t == s) / subsets.count(s) for s in sorted(set(subsets))}
    return f'{acc:.3f} [{acc - h:.3f}, {acc + h:.3f}] (n {n}); ' + ' '.join(f'{s} {v:.3f}' for s, v in per.items())


runs = [json.load(open(f)) for f in sys.argv[1:]]
if not runs: sys.exit('usage: hh-pm-ensemble.py MARGINS.json …')
for f, r in zip(sys.argv[1:], runs):
    if r['held'] != runs[0]['held']: sys.exit(f'{f}: its held-out pairs differ from {sys.argv[1]}\'s (run every member with the same --split-seed)')
subsets = runs[0]['subset']
for f, r in zip(sys.argv[1:], runs): print(f'member {f}: {accuracy(r["margin"], subsets)}')
for k in range(2, len(runs) + 1):
    mean = [sum(r['margin'][i] for r in runs[:k]) / k for i in range(len(subsets))]
    print(f'ensemble of the first {k}: {accuracy(mean, subsets)}')
