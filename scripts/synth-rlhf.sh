#!/usr/bin/env bash
# The paper's Figure-1 story on the synthetic HH world, end to end with the `rlhf` command line:
#   base LM (`micro`, the synth word tokenizer, both sides of every pair: it writes helpful, evasive, compliant
#   and refusing answers)
#   → preference models: mixed (helpful + harmless), helpful-only, and a mixed test PM on another world sample
#   → PPO of the base against the mixed PM and against the helpful-only PM (test PM and gold scorer watching)
#   → Elo of the three policies under the gold scorer and the test PM on held-out prompts, gold behaviour
#     (helpfulness on benign requests, compliance with harmful ones), the alignment tax (held-out LM loss)
#   → a summary table (scripts/synth-rlhf-summary.ts), and gold behaviour on 512 fresh prompts
#     (scripts/experiments/gold-behaviour.ts: narrower intervals than the Elo tournament's prompts).
# Usage: scripts/synth-rlhf.sh OUT_DIR   (npm run repro:synth-rlhf -- OUT_DIR). Every step skips itself when its
# output exists, so an interrupted run resumes. Sizes are set for SwiftShader (hours on 2 cores); on a GPU raise
# ITERATIONS and STEPS. docs/ppo.md has the figures this produced.
set -euo pipefail
OUT=${1:?usage: scripts/synth-rlhf.sh OUT_DIR}
STEPS=${STEPS:-240}            # base-model pretraining steps
MORE_STEPS=${MORE_STEPS:-0}    # then more steps from that checkpoint (pretrain --init: a fresh warm-up and cosine at lr 3e-3); a list ("300 400") runs stages
PM_STEPS=${PM_STEPS:-60}       # preference-model steps
ITERATIONS=${ITERATIONS:-24}   # PPO iterations per policy
ITERATIONS_MIXED=${ITERATIONS_MIXED:-$ITERATIONS}     # … or for one of them: the mixed PM's surface is flatter, so its
ITERATIONS_HELPFUL=${ITERATIONS_HELPFUL:-$ITERATIONS} # score rises more slowly per iteration than the helpful-only PM's
PPO_SEED=${PPO_SEED:-1}        # the PPO runs' seed (rollout sampling, minibatch order); the base and PMs keep theirs
BATCH=${BATCH:-16}             # PPO rollouts per iteration
PPO_LR=${PPO_LR:-0.001}
KL_COEF=${KL_COEF:-0.05}
MAX_TOKENS=${MAX_TOKENS:-24}
ELO_PROMPTS=${ELO_PROMPTS:-128}
TOPICS=${TOPICS:-}             # a smaller world: the first TOPICS benign and harmful topics (rlhf synth --topics); empty = all
cd "$(dirname "$0")/.."
rlhf() { node bin/rlhf.js "$@"; }
step() { [ -e "$1" ] && echo "have $1" >&2; [ ! -e "$1" ]; }
mkdir -p "$OUT"
W=$OUT/world; W2=$OUT/world2; W3=$OUT/world3 # W trains, W2 trains the test PM, W3 evaluates (no model trains on its pairs; the world has a finite set of requests, so its prompts recur)
WORLD=(); [ -n "$TOPICS" ] && WORLD=(--topics "$TOPICS")
step "$W/synth-helpful.jsonl" && rlhf synth --out "$W" --pairs 1000 --seed 1 "${WORLD[@]}"
step "$W2/synth-helpful.jsonl" && rlhf synth --out "$W2" --pairs 1000 --seed 2 "${WORLD[@]}"
step "$W3/synth-helpful.jsonl" && rlhf synth --out "$W3" --pairs 150 --seed 3 "${WORLD[@]}"
step "$OUT/base.safetensors" && rlhf pretrain --data "$W/synth-helpful.jsonl" "$W/synth-harmless.jsonl" --preset micro --tokenizer synth \
  --sides both --steps "$STEPS" --batch 16 --seq 48 --lr 0.005 --eval-interval 20 --seed 1 --out "$OUT/base.safetensors" --report "$OUT/base.json"
BASE=$OUT/base.safetensors
stage=0
for more in $MORE_STEPS; do # each stage continues from the last checkpoint: base-more, base-more2, …
  [ "$more" -gt 0 ] || continue
  stage=$((stage + 1)); suffix=$([ $stage -gt 1 ] && echo $stage || true)
  NEXT=$OUT/base-more$suffix.safetensors
  step "$NEXT" && rlhf pretrain --data "$W/synth-helpful.jsonl" "$W/synth-harmless.jsonl" --preset micro --tokenizer synth --init "$BASE" \
    --sides both --steps "$more" --batch 16 --seq 48 --lr 0.003 --eval-interval 30 --seed 1 --out "$NEXT" --report "$OUT/base-more$suffix.json"
  BASE=$NEXT
done
PM="rlhf pm --preset micro --tokenizer gpt2 --seq 48 --batch 8 --lr 0.01 --steps $PM_STEPS --eval-interval 20"
step "$OUT/pm-mixed.safetensors" && $PM --train "$W/synth-helpful.jsonl" "$W/synth-harmless.jsonl" --seed 3 --out "$OUT/pm-mixed.safetensors" --report "$OUT/pm-mixed.json"
step "$OUT/pm-helpful.safetensors" && $PM --train "$W/synth-helpful.jsonl" --seed 1 --out "$OUT/pm-helpful.safetensors" --report "$OUT/pm-helpful.json"
step "$OUT/pm-mixed-test.safetensors" && $PM --train "$W2/synth-helpful.jsonl" "$W2/synth-harmless.jsonl" --seed 5 --out "$OUT/pm-mixed-test.safetensors" --report "$OUT/pm-mixed-test.json"
for pm in mixed helpful mixed-test; do # the cross-evaluation matrix, on the evaluation sample
  step "$OUT/pm-eval-$pm.json" && rlhf pm-eval --pm "$OUT/pm-$pm.safetensors" --data "$W3/synth-helpful.jsonl" "$W3/synth-harmless.jsonl" --report "$OUT/pm-eval-$pm.json"
done
for pm in mixed helpful; do
  iterations=$([ $pm = mixed ] && echo "$ITERATIONS_MIXED" || echo "$ITERATIONS_HELPFUL")
  step "$OUT/ppo-$pm.safetensors" && rlhf ppo --policy "$BASE" --pm "$OUT/pm-$pm.safetensors" --test-pm "$OUT/pm-mixed-test.safetensors" --gold \
    --prompts "$W/synth-helpful.jsonl" "$W/synth-harmless.jsonl" --iterations "$iterations" --batch "$BATCH" --minibatches 2 --epochs 2 \
    --max-tokens "$MAX_TOKENS" --lr "$PPO_LR" --kl-coef "$KL_COEF" --sample-every 4 --seed "$PPO_SEED" --out "$OUT/ppo-$pm.safetensors" --report "$OUT/ppo-$pm.json"
done
step "$OUT/elo.json" && rlhf elo --policies "$BASE" "$OUT/ppo-mixed.safetensors" "$OUT/ppo-helpful.safetensors" \
  --gold --pm "$OUT/pm-mixed-test.safetensors" --prompts "$W3/synth-helpful.jsonl" "$W3/synth-harmless.jsonl" \
  --n-prompts "$ELO_PROMPTS" --max-tokens "$MAX_TOKENS" --seed 9 --report "$OUT/elo.json"
step "$OUT/lm-eval.json" && rlhf lm-eval --models "$BASE" "$OUT/ppo-mixed.safetensors" "$OUT/ppo-helpful.safetensors" \
  --data "$W/synth-helpful.jsonl" "$W/synth-harmless.jsonl" --sides both --batch 16 --seq 48 --seed 1 --report "$OUT/lm-eval.json"
step "$OUT/gold-behaviour.md" && npx tsx --import ./scripts/register-raw.mjs scripts/experiments/gold-behaviour.ts --n 512 "${WORLD[@]}" \
  "$BASE" "$OUT/ppo-mixed.safetensors" "$OUT/ppo-helpful.safetensors" > "$OUT/gold-behaviour.md.tmp" && mv "$OUT/gold-behaviour.md.tmp" "$OUT/gold-behaviour.md"
npx tsx scripts/synth-rlhf-summary.ts "$OUT"
cat "$OUT/gold-behaviour.md"
