import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseHHJsonl } from '../../src/data/hh.ts';
import { isGzipName, parseHHStream, type StreamProgress } from '../../src/data/hh-stream.ts';

const HH_DIR = fileURLToPath(new URL('../../../shared/data/hh/', import.meta.url));

/** A web stream of `bytes` cut into chunks of `size` bytes (cuts fall inside lines and inside UTF-8 characters). */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const pair = (q: string, a: string, b: string) =>
  JSON.stringify({ chosen: `\n\nHuman: ${q}\n\nAssistant: ${a}`, rejected: `\n\nHuman: ${q}\n\nAssistant: ${b}` });

// Bad lines, blank lines, CRLF and LF mixed, whitespace-only lines, non-ASCII text, no final newline.
const MESSY = [
  pair('héllo — ☃ 😀', ' hi', ' go away'),
  '{not json',
  '',
  JSON.stringify({ chosen: 'x' }),
  '   \t',
  pair('crlf', ' a', ' b') + '\r',
  JSON.stringify({ chosen: 'a', rejected: 'b' }) + '\r',
  '\r',
  pair('last', ' y', ' n'),
].join('\n');

describe('parseHHStream', () => {
  it('agrees with parseHHJsonl line for line on messy text, whatever the chunking and compression', async () => {
    const want = parseHHJsonl(MESSY);
    expect(want.pairs.map((p) => p.line)).toEqual([1, 6, 9]);
    expect(want.problems.map((p) => p.line)).toEqual([2, 4, 7]);
    expect(want.pairs[1].rejected).toBe('\n\nHuman: crlf\n\nAssistant:  b'); // the "\r" is not part of the record
    const bytes = new TextEncoder().encode(MESSY);
    for (const size of [1, 2, 7, 64, 1 << 16]) {
      expect(await parseHHStream(chunked(bytes, size), { gzip: false })).toEqual(want);
      expect(await parseHHStream(chunked(gzipSync(bytes), size), { gzip: true })).toEqual(want);
    }
    // a trailing newline adds an empty last line and changes nothing
    expect(await parseHHStream(chunked(new TextEncoder().encode(MESSY + '\n'), 5), { gzip: false })).toEqual(want);
  });

  it('drops a UTF-8 byte-order mark as parseHHJsonl does', async () => {
    const text = '\uFEFF' + pair('q', ' a', ' b') + '\n';
    const want = parseHHJsonl(text);
    expect(want.pairs.length).toBe(1);
    expect(want.problems).toEqual([]);
    expect(await parseHHStream(chunked(new TextEncoder().encode(text), 2), { gzip: false })).toEqual(want);
  });

  it('reports progress about every 1000 lines and once at the end', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => pair(`q${i}`, ' a', ' b')).join('\n');
    const bytes = gzipSync(new TextEncoder().encode(lines));
    const reports: StreamProgress[] = [];
    const r = await parseHHStream(chunked(bytes, 256), {
      gzip: true,
      totalBytes: bytes.length,
      onProgress: (p) => reports.push(p),
    });
    expect(r.pairs.length).toBe(5000);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.length).toBeLessThanOrEqual(5000 / 1000 + 2);
    expect(reports.at(-1)).toEqual({ bytesRead: bytes.length, totalBytes: bytes.length, lines: 5000 });
    for (let i = 1; i < reports.length; i++) {
      expect(reports[i].lines).toBeGreaterThanOrEqual(reports[i - 1].lines);
      expect(reports[i].bytesRead).toBeGreaterThanOrEqual(reports[i - 1].bytesRead);
    }
  });

  it("says when the data is not valid gzip, and passes a failing source's own error on", async () => {
    const plain = new TextEncoder().encode(pair('q', ' a', ' b') + '\n');
    await expect(parseHHStream(chunked(plain, 8), { gzip: true })).rejects.toThrow(/not valid gzip/);
    const gz = gzipSync(new TextEncoder().encode(plain.join(',').repeat(100)));
    await expect(parseHHStream(chunked(gz.subarray(0, gz.length - 12), 8), { gzip: true })).rejects.toThrow(
      /not valid gzip/,
    );
    const failing = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error('disk on fire')) });
    await expect(parseHHStream(failing, { gzip: true })).rejects.toThrow('disk on fire');
  });

  it('names gzip files by their .gz ending', () => {
    expect(isGzipName('helpful-base.dev.jsonl.gz')).toBe(true);
    expect(isGzipName('X.JSONL.GZ')).toBe(true);
    expect(isGzipName('train.jsonl')).toBe(false);
    expect(isGzipName('gz.jsonl')).toBe(false);
  });

  for (const name of ['helpful-base.dev.jsonl.gz', 'harmless-base.dev.jsonl.gz']) {
    it(`reads the real ${name} from a Node file stream exactly as parseHHJsonl reads the gunzipped text`, async () => {
      const path = HH_DIR + name;
      const want = parseHHJsonl(gunzipSync(readFileSync(path)).toString('utf8'));
      const reports: StreamProgress[] = [];
      const stream = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
      const got = await parseHHStream(stream, { gzip: true, onProgress: (p) => reports.push(p) });
      expect(got.pairs.length).toBe(name.startsWith('helpful') ? 1647 : 1618);
      expect(got).toEqual(want);
      expect(reports.at(-1)).toEqual({
        bytesRead: readFileSync(path).length,
        totalBytes: undefined,
        lines: got.pairs.length,
      });
    });
  }
});
