#!/usr/bin/python3
"""GPT-2 in plain PyTorch (float64, CPU), written from scratch: the gradient oracle for
test/gpu/torch-parity.test.ts.

    /usr/bin/python3 test/python/gpt2_torch.py WEIGHTS.safetensors BATCH.json GRADS.safetensors

WEIGHTS: a Hugging Face GPT-2 safetensors file (HF names, Conv1D weights [in, out]), as written by
src/models/checkpoint.ts; the config comes from its `rlhf_config` metadata. BATCH: JSON
{"tokens": [[int]*T]*B, "targets": [[int]*T]*B, "mask": [[float]*T]*B}. The loss is the model's:
tied lm head (logits = ln_f(x) · wteᵀ), tanh GELU, layer norm eps 1e-5, causal attention with scale
1/√hs, and the masked mean cross-entropy Σ mask·ce / max(Σ mask, 1). autograd backpropagates it and
GRADS receives every parameter's gradient under its HF name in the HF layout (F32), metadata `loss`
(repr of the float64 loss), `format` and `rlhf_config` (copied). Needs only torch (Debian's
python3-torch): no transformers, no safetensors package; the file format is read and written by hand.
"""

import json
import math
import re
import struct
import sys

import torch

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    """{name: float64 tensor}, metadata. Format: u64 LE header length N, N bytes JSON, raw LE data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        if e["dtype"] not in DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {e['dtype']}; supported: {', '.join(DTYPES)}")
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[e["dtype"]]) if end > begin else torch.zeros(0)
        tensors[name] = t.to(torch.float64).reshape(e["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """float32 tensors (in order) and string metadata, data aligned to 8 bytes."""
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    head = json.dumps(header).encode()
    head += b" " * ((8 - (len(head) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def layernorm(x, w, b, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)  # biased, as in GPT-2 / llm.c
    return (x - mean) / torch.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def attention(x, w, b, proj_w, proj_b, NH):
    B, T, C = x.shape
    hs = C // NH
    qkv = x @ w + b  # HF Conv1D: x · W[in, out] + b
    q, k, v = qkv.split(C, dim=2)
    q, k, v = (z.view(B, T, NH, hs).transpose(1, 2) for z in (q, k, v))  # [B, NH, T, hs]
    att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    att = att.masked_fill(~causal, float("-inf")).softmax(-1)
    y = (att @ v).transpose(1, 2).reshape(B, T, C)
    return y @ proj_w + proj_b


def loss_fn(p, cfg, tokens, targets, mask):
    B, T = tokens.shape
    x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][:T]
    for l in range(cfg["numLayers"]):
        h = lambda s: p[f"transformer.h.{l}.{s}"]
        a = layernorm(x, h("ln_1.weight"), h("ln_1.bias"))
        x = x + attention(a, h("attn.c_attn.weight"), h("attn.c_attn.bias"), h("attn.c_proj.weight"), h("attn.c_proj.bias"), cfg["numHeads"])
        m = layernorm(x, h("ln_2.weight"), h("ln_2.bias"))
        x = x + gelu(m @ h("mlp.c_fc.weight") + h("mlp.c_fc.bias")) @ h("mlp.c_proj.weight") + h("mlp.c_proj.bias")
    x = layernorm(x, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"])
    logits = x @ p["transformer.wte.weight"].T  # tied lm head
    ce = torch.logsumexp(logits, -1) - logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (mask * ce).sum() / torch.clamp(mask.sum(), min=1.0)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    weights_path, batch_path, out_path = sys.argv[1:]
    tensors, metadata = read_safetensors(weights_path)
    if "rlhf_config" not in metadata:
        raise SystemExit(f"{weights_path}: no rlhf_config metadata (the head count is not in the shapes)")
    cfg = json.loads(metadata["rlhf_config"])
    params = {}
    for name, t in tensors.items():
        if re.search(r"(^|\.)attn\.(bias|masked_bias)$", name) or name == "lm_head.weight":  # buffers, tied head
            continue
        params[name if name.startswith("transformer.") else "transformer." + name] = t.clone().requires_grad_(True)
    with open(batch_path) as f:
        batch = json.load(f)
    tokens = torch.tensor(batch["tokens"], dtype=torch.long)
    targets = torch.tensor(batch["targets"], dtype=torch.long)
    mask = torch.tensor(batch["mask"], dtype=torch.float64)
    loss = loss_fn(params, cfg, tokens, targets, mask)
    loss.backward()
    grads = {name: p.grad if p.grad is not None else torch.zeros_like(p) for name, p in params.items()}
    write_safetensors(out_path, grads, {"format": "pt", "rlhf_config": metadata["rlhf_config"], "loss": repr(loss.item())})


if __name__ == "__main__":
    main()
