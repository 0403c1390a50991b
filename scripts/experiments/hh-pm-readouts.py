# A PyTorch sweep of small preference-model settings on real HH, to find out in minutes what lifts a
# `micro`-sized GPT-2 (2 layers, 32 channels, 2 heads, GPT-2 BPE) before spending SwiftShader hours on it.
# Not the project's PM: the same architecture, loss (−log σ(r_chosen − r_rejected)), left cut, AdamW
# (β 0.9/0.95, decay 0.1), warm-up + cosine schedule and clipping as `rlhf pm`, written in PyTorch.
#   npx tsx --import ./scripts/register-raw.mjs scripts/experiments/hh-pm-pairs.ts ../shared/data/hh /tmp/hh-pairs.json
#   /usr/bin/python3 scripts/experiments/hh-pm-readouts.py --pairs /tmp/hh-pairs.json --readout eoc --seed 1
# --readout: where the score is read: eoc (the end-of-context token, the paper's PM), sum or mean of a
# per-token score over the final response's tokens (sum can express "longer wins"). --held-out: the
# fraction of pairs scored at the end (0.5 gives a ±0.024 interval, against ±0.054 for 10%).
# --topk K: a compact vocabulary, the K − 3 commonest GPT-2 tokens of the files plus one unknown token (an
# embedding of K × C instead of 50,258 × C). --lm-steps N: first train the trunk as a language model (tied head)
# on random T-token windows of the training half's transcripts, both sides: the warm start the issue asks for.
import argparse, json, math, random
import torch, torch.nn as nn, torch.nn.functional as F
from micro_gpt import Block

ap = argparse.ArgumentParser()
ap.add_argument('--pairs', required=True)
ap.add_argument('--readout', default='eoc', choices=['eoc', 'sum', 'mean'])
ap.add_argument('--T', type=int, default=64); ap.add_argument('--steps', type=int, default=300)
ap.add_argument('--P', type=int, default=8); ap.add_argument('--lr', type=float, default=1e-3)
ap.add_argument('--C', type=int, default=32); ap.add_argument('--layers', type=int, default=2)
ap.add_argument('--heads', type=int, default=2); ap.add_argument('--wd', type=float, default=0.1)
ap.add_argument('--held-out', type=float, default=0.5); ap.add_argument('--freeze-wte', action='store_true')
ap.add_argument('--topk', type=int, default=0); ap.add_argument('--lm-steps', type=int, default=0)
ap.add_argument('--lm-lr', type=float, default=3e-3); ap.add_argument('--lm-batch', type=int, default=16)
ap.add_argument('--seed', type=int, default=1); ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--split-seed', type=int, help='the held-out split\'s seed (default: --seed); fix it to ensemble runs')
ap.add_argument('--margins-out', help='write each held-out pair\'s r_chosen − r_rejected (JSON) for hh-pm-ensemble.py')
a = ap.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
d = json.load(open(a.pairs)); pairs = d['pairs']; EOC, EOT, V, T = d['eoc'], d['eot'], d['vocab'], a.T
if a.topk:
    from collections import Counter
    counts = Counter(t for p in pairs for k in ('ctx', 'c', 'r') for t in p[k])
    compact = {t: i for i, (t, _) in enumerate(counts.most_common(a.topk - 3))}; UNK = len(compact)
    for p in pairs:
        for k in ('ctx', 'c', 'r'): p[k] = [compact.get(t, UNK) for t in p[k]]
    EOC, EOT, V = UNK + 1, UNK + 2, UNK + 3
    print(f'top-{a.topk} vocabulary covers {sum(counts[t] for t in compact) / sum(counts.values()):.3f} of tokens')
idx = list(range(len(pairs))); random.Random(a.seed if a.split_seed is None else a.split_seed).shuffle(idx)
held, train = idx[:int(len(idx) * a.held_out)], idx[int(len(idx) * a.held_out):]

def encode(p, side):
    """context + response cut from the left to T − 1 tokens, + end-of-context; the response's mask."""
    seq = (p['ctx'] + p[side])[-(T - 1):] + [EOC]
    n, nresp = len(seq), min(len(p[side]), T - 1)
    mask = [1.0 if n - 1 - nresp <= i < n else 0.0 for i in range(T)]
    return seq + [EOT] * (T - n), n - 1, mask

def batch(ids):
    rows = [encode(pairs[i], 'c') for i in ids] + [encode(pairs[i], 'r') for i in ids]
    return tuple(torch.tensor([r[k] for r in rows]) for k in range(3))


class PM(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, a.C), nn.Embedding(T, a.C)
        s.blocks = nn.ModuleList([Block(a.C, a.heads) for _ in range(a.layers)]); s.lnf = nn.LayerNorm(a.C); s.head = nn.Linear(a.C, 1)
        for p in s.parameters():
            if p.dim() > 1: nn.init.normal_(p, std=0.02)
    def trunk(s, tok):
        x = s.wte(tok) + s.wpe(torch.arange(tok.shape[1]))
        for b in s.blocks: x = b(x)
        return s.lnf(x)
    def forward(s, tok, eoc, mask):
        v = s.head(s.trunk(tok)).squeeze(-1)
        if a.readout == 'eoc': return v[torch.arange(len(eoc)), eoc]
        return (v * mask).sum(1) / (mask.sum(1) if a.readout == 'mean' else 1)

model = PM()

def lr_at(peak, step, steps, warmup):
    """linear warm-up over `warmup` steps, then cosine from the peak to 10% of it"""
    return peak * min(1, step / warmup) * (0.1 + 0.45 * (1 + math.cos(math.pi * step / steps)))

def descend(opt, loss, step_lr):
    for g in opt.param_groups: g['lr'] = step_lr
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()

def warm_up_as_language_model():
    docs = [pairs[i]['ctx'] + pairs[i][side] + [EOT] for i in train for side in ('c', 'r')]
    opt = torch.optim.AdamW(model.parameters(), lr=a.lm_lr, betas=(0.9, 0.95), weight_decay=a.wd); rng = random.Random(a.seed)
    for step in range(1, a.lm_steps + 1):
        rows = []
        for _ in range(a.lm_batch):
            d = docs[rng.randrange(len(docs))]; s = rng.randrange(max(1, len(d) - T + 1)); w = d[s:s + T]; rows.append(w + [EOT] * (T - len(w)))
        x = torch.tensor(rows)
        loss = F.cross_entropy((model.trunk(x[:, :-1]) @ model.wte.weight.T).reshape(-1, V), x[:, 1:].reshape(-1))
        descend(opt, loss, lr_at(a.lm_lr, step, a.lm_steps, 20))
        if step % max(1, a.lm_steps // 5) == 0: print(f'language-model step {step} loss {loss.item():.3f}', flush=True)

if a.lm_steps: warm_up_as_language_model()
if a.freeze_wte: model.wte.weight.requires_grad_(False)
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=a.lr, betas=(0.9, 0.95), weight_decay=a.wd)

def held_out_margins():
    """r_chosen − r_rejected for every held-out pair, in `held`'s order."""
    margins = []
    with torch.no_grad():
        for i in range(0, len(held), 64):
            ids = held[i:i + 64]; r = model(*batch(ids)); margins += (r[:len(ids)] - r[len(ids):]).tolist()
    return margins

def held_out_accuracy():
    right = {'helpful': [0, 0], 'harmless': [0, 0]}
    for k, m in zip(held, held_out_margins()): right[pairs[k]['s']][0] += int(m > 0); right[pairs[k]['s']][1] += 1
    n = sum(v[1] for v in right.values()); acc = sum(v[0] for v in right.values()) / n; h = 1.96 * math.sqrt(acc * (1 - acc) / n)
    per = ' '.join(f'{s} {v[0] / v[1]:.3f}' for s, v in right.items())
    return f'held-out accuracy {acc:.3f} [{acc - h:.3f}, {acc + h:.3f}] on {n} pairs; {per}'

order = []
for step in range(1, a.steps + 1):
    if len(order) < a.P: order = train[:]; random.Random(a.seed + step).shuffle(order)
    ids, order = order[:a.P], order[a.P:]
    r = model(*batch(ids)); loss = -F.logsigmoid(r[:a.P] - r[a.P:]).mean()
    descend(opt, loss, lr_at(a.lr, step, a.steps, 10))
    if step % max(1, a.steps // 4) == 0: print(f'step {step} train loss {loss.item():.3f}; {held_out_accuracy()}', flush=True)
print(vars(a)); print(held_out_accuracy())
if a.margins_out:
    json.dump({'held': held, 'subset': [pairs[k]['s'] for k in held], 'margin': held_out_margins(), 'args': vars(a)}, open(a.margins_out, 'w'))
