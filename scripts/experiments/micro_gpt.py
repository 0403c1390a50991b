# The GPT-2 block of the PyTorch stand-ins in this folder (hh-pm-readouts.py, synth-lm.py): pre-layer-norm causal
# self-attention and a tanh-GELU MLP, as the engine's model (src/models/gpt.ts) composes them.
import math
import torch, torch.nn as nn, torch.nn.functional as F

class Block(nn.Module):
    def __init__(s, C, H):
        super().__init__(); s.H = H
        s.ln1, s.attn, s.proj = nn.LayerNorm(C), nn.Linear(C, 3 * C), nn.Linear(C, C)
        s.ln2, s.fc, s.fc2 = nn.LayerNorm(C), nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
    def forward(s, x):
        B, T, C = x.shape; H = s.H
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in s.attn(s.ln1(x)).split(C, 2))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(C // H)
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float('-inf')).softmax(-1)
        x = x + s.proj((att @ v).transpose(1, 2).reshape(B, T, C))
        return x + s.fc2(F.gelu(s.fc(s.ln2(x)), approximate='tanh'))
