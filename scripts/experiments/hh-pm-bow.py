# A ceiling for what 1,632 HH training pairs teach without a transformer: Bradley–Terry logistic regression on
# hand-made features of each side (not a PM of this project; a yardstick for the PM sweep in hh-pm-readouts.py).
# Same pairs and the same half held out (split seed 1) as hh-pm-readouts.py. Features of a response:
#   len       log(1 + tokens), one weight (can learn "longer wins" on the mix)
#   len*ctx   the length weight is a linear function of which of the top-K tokens the last 64 context tokens
#             contain (can learn the subset-aware length rule, if the context tells the subsets apart)
#   bow       which of the top-K tokens the response contains
#   bow+len*ctx  both
# each with an L2 penalty of 1e-3, 1e-2 or 1e-1, 300 Adam steps on the whole training half.
#   /usr/bin/python3 scripts/experiments/hh-pm-bow.py /tmp/hh-pairs.json 4000
import json, random, math, sys, torch
from collections import Counter
torch.manual_seed(0)
d = json.load(open(sys.argv[1])); P = d['pairs']
idx = list(range(len(P))); random.Random(1).shuffle(idx); held, train = idx[:len(idx)//2], idx[len(idx)//2:]
cnt = Counter(t for i in train for k in ('ctx','c','r') for t in P[i][k]); K = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
voc = {t: j for j, (t, _) in enumerate(cnt.most_common(K))}
def bow(toks):
    v = torch.zeros(K)
    for t in set(toks):
        if t in voc: v[voc[t]] = 1
    return v
def feats(ids, side):
    R = torch.stack([bow(P[i][side]) for i in ids]); L = torch.tensor([math.log(1 + len(P[i][side])) for i in ids])
    return R, L
Ctx = {s: torch.stack([bow(P[i]['ctx'][-64:]) for i in s]) for s in (tuple(train), tuple(held))}
data = {}
for name, s in (('train', train), ('held', held)):
    Rc, Lc = feats(s, 'c'); Rr, Lr = feats(s, 'r'); data[name] = (Rc - Rr, Lc - Lr, Ctx[tuple(s)])
subset = [P[i]['s'] for i in held]
for mode in ('len', 'len*ctx', 'bow', 'bow+len*ctx'):
  for wd in (1e-3, 1e-2, 1e-1):
    w = torch.zeros(K, requires_grad=True); u = torch.zeros(K, requires_grad=True); b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([w, u, b], lr=0.01)
    def score(D):
        dR, dL, C = D; s = torch.zeros(len(dL))
        if 'bow' in mode: s = s + dR @ w
        s = s + dL * (b + (C @ u if 'ctx' in mode else 0))
        return s
    for it in range(300):
        opt.zero_grad(); loss = -torch.nn.functional.logsigmoid(score(data['train'])).mean() + wd * (w.pow(2).sum() + u.pow(2).sum()); loss.backward(); opt.step()
    with torch.no_grad():
        m = score(data['held']); acc = (m > 0).float().mean().item()
        per = {s_: sum(1 for x, y in zip(m.tolist(), subset) if y == s_ and x > 0) / subset.count(s_) for s_ in ('helpful', 'harmless')}
        tr = (score(data['train']) > 0).float().mean().item()
    h = 1.96 * math.sqrt(acc * (1 - acc) / len(held))
    print(f'{mode:12s} wd {wd:g}: held {acc:.3f} [{acc-h:.3f},{acc+h:.3f}] helpful {per["helpful"]:.3f} harmless {per["harmless"]:.3f}; train {tr:.3f}', flush=True)
