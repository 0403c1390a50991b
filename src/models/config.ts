// GPT-2 model configuration and presets. One typed object; presets are small overrides.

import { byteTokenizer } from '../data/tokenizer.ts';

export interface GPTConfig {
  /** Vocabulary size V: 256 bytes + special tokens for the byte tokenizer, 50257 for GPT-2's BPE. */
  vocabSize: number;
  /** Maximum sequence length (number of learned position embeddings). */
  maxSeqLen: number;
  /** Transformer blocks L. */
  numLayers: number;
  /** Attention heads NH per block; channels / heads is the head size hs (≤ 128). */
  numHeads: number;
  /** Residual stream width C. */
  channels: number;
}

export type PresetName = 'nano' | 'micro' | 'tiny' | 'small' | 'gpt2';

/** Byte-level vocabulary: 256 bytes plus end-of-text and end-of-context. */
export const BYTE_VOCAB = byteTokenizer.vocabSize;

export const PRESETS: Record<PresetName, GPTConfig> = {
  /** Test-sized: a few thousand parameters; gradients checked against PyTorch. */
  nano: { vocabSize: BYTE_VOCAB, maxSeqLen: 32, numLayers: 1, numHeads: 2, channels: 8 },
  /** The smallest model that reads a whole synthetic-world dialogue (≤ 128 bytes): tests and CPU-only machines. */
  micro: { vocabSize: BYTE_VOCAB, maxSeqLen: 128, numLayers: 2, numHeads: 2, channels: 32 },
  /** Learns the synthetic HH world in minutes on a laptop GPU. */
  tiny: { vocabSize: BYTE_VOCAB, maxSeqLen: 128, numLayers: 4, numHeads: 4, channels: 128 },
  /** A laptop-GPU model for real HH text. */
  small: { vocabSize: BYTE_VOCAB, maxSeqLen: 256, numLayers: 6, numHeads: 6, channels: 384 },
  /** GPT-2 124M, for users with a real GPU (loads Hugging Face weights). */
  gpt2: { vocabSize: 50257, maxSeqLen: 1024, numLayers: 12, numHeads: 12, channels: 768 },
};
