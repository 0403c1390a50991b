// Streaming import of HH files (.jsonl, or gzip'd .jsonl.gz) from a web ReadableStream: the same code runs in
// Node 20, a browser page and a Worker (DecompressionStream and TextDecoderStream exist in all three). The text is
// never held whole: lines are cut as the decoded chunks arrive and judged one at a time by parseHHLine, the same
// function parseHHJsonl uses, so both give identical pairs, problems and line numbers (CRLF, blank lines, a final
// line without "\n", a leading byte-order mark). Bad lines become problems; only an unreadable stream or data
// that is not valid gzip throws.

import { parseHHLine, type HHParse } from './hh.ts';

export interface StreamProgress {
  /** Bytes taken from the input stream so far (compressed bytes for .gz input). */
  bytesRead: number;
  /** The input's size when the caller knows it (a File's size), to show a fraction. */
  totalBytes?: number;
  /** Lines parsed so far. */
  lines: number;
}

export interface HHStreamOptions {
  /** The bytes are gzip-compressed (see isGzipName). */
  gzip: boolean;
  totalBytes?: number;
  /** Called at most every ~1 MB of input or 1000 lines, and once at the end. */
  onProgress?: (p: StreamProgress) => void;
}

const PROGRESS_BYTES = 1 << 20;
const PROGRESS_LINES = 1000;

/** A name ending in .gz (any case). */
export function isGzipName(name: string): boolean {
  return /\.gz$/i.test(name);
}

/** Parses an HH byte stream line by line; reports progress; a bad line goes to problems, never throws for one. */
export async function parseHHStream(stream: ReadableStream<Uint8Array>, opts: HHStreamOptions): Promise<HHParse> {
  // 1. count the input bytes, and remember whether a failure came from the source or from decompression
  const source = stream.getReader();
  let bytesRead = 0;
  let sourceError: { reason: unknown } | undefined;
  // (typed BufferSource, what DecompressionStream and TextDecoderStream take, so the lib typings agree)
  const counted = new ReadableStream<BufferSource>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await source.read();
      } catch (e) {
        sourceError = { reason: e };
        throw e;
      }
      if (r.done) controller.close();
      else {
        bytesRead += r.value.byteLength;
        controller.enqueue(r.value as BufferSource);
      }
    },
    cancel: (reason) => source.cancel(reason),
  });

  // 2. decompress and decode (TextDecoderStream drops a leading byte-order mark, as parseHHJsonl does)
  const bytes: ReadableStream<BufferSource> = opts.gzip
    ? counted.pipeThrough(new DecompressionStream('gzip'))
    : counted;
  const text = bytes.pipeThrough(new TextDecoderStream()).getReader();

  // 3. cut lines as chunks arrive and judge each one
  const out: HHParse = { pairs: [], problems: [] };
  let pending = '';
  let line = 1;
  let reported = { bytes: 0, lines: 0 };
  const report = () => {
    opts.onProgress?.({ bytesRead, totalBytes: opts.totalBytes, lines: line - 1 });
    reported = { bytes: bytesRead, lines: line - 1 };
  };
  for (;;) {
    let r: ReadableStreamReadResult<string>;
    try {
      r = await text.read();
    } catch (e) {
      if (sourceError) throw sourceError.reason;
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(opts.gzip ? `the data is not valid gzip (${why})` : `cannot read the data (${why})`);
    }
    if (r.done) break;
    let start = 0;
    let searchFrom = pending.length;
    pending += r.value;
    for (;;) {
      const end = pending.indexOf('\n', searchFrom);
      if (end < 0) break;
      parseHHLine(pending.slice(start, end), line++, out);
      start = searchFrom = end + 1;
    }
    pending = pending.slice(start);
    if (bytesRead - reported.bytes >= PROGRESS_BYTES || line - 1 - reported.lines >= PROGRESS_LINES) report();
  }
  // 4. the last line, with or without a trailing "\n" (a blank one is skipped, as in parseHHJsonl)
  parseHHLine(pending, line, out);
  if (pending !== '') line++;
  report();
  return out;
}
