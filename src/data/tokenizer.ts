// Tokenizers. The byte tokenizer maps UTF-8 bytes to ids 0–255 and adds two special tokens:
//   256 <|endoftext|>     ends a document / a sampled response (as in GPT-2)
//   257 <|endofcontext|>  marks where a preference model reads its score (Bai et al. 2022, §3: the
//                         PM's scalar head sits on an end-of-context token appended to the dialogue)

export interface Tokenizer {
  readonly name: 'byte' | 'gpt2' | 'synth';
  readonly vocabSize: number;
  readonly endOfText: number;
  readonly endOfContext: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

export const BYTE_EOT = 256;
export const BYTE_EOC = 257;

export const byteTokenizer: Tokenizer = {
  name: 'byte',
  vocabSize: 258,
  endOfText: BYTE_EOT,
  endOfContext: BYTE_EOC,
  encode(text) {
    return Array.from(new TextEncoder().encode(text));
  },
  decode(ids) {
    return decodeWithByteFallback(ids, (id) =>
      id === BYTE_EOT ? '<|endoftext|>' : id === BYTE_EOC ? '<|endofcontext|>' : `<|${id}|>`,
    );
  },
};

/** Ids below 256 are UTF-8 bytes (decoded run by run); every other id is the text `other(id)` gives. */
export function decodeWithByteFallback(ids: readonly number[], other: (id: number) => string): string {
  const parts: string[] = [];
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) parts.push(new TextDecoder().decode(Uint8Array.from(bytes)));
    bytes = [];
  };
  for (const id of ids) {
    if (id < 256) bytes.push(id);
    else {
      flush();
      parts.push(other(id));
    }
  }
  flush();
  return parts.join('');
}
