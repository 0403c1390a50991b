// <data-import>: imports HH files (.jsonl or .jsonl.gz, Anthropic/hh-rlhf's format) chosen with the
// file picker or dropped on the zone. Each file is streamed through parseHHStream (progress shown,
// the page stays responsive) and split into comparisons; then the report: comparisons ready,
// malformed lines as file:line: reason, identical pairs dropped. A clean file is stored at once;
// with problems the user decides whether to import the valid rest. Nothing is stored half-way
// (src/store writes new records before the index).

import { LitElement, css, html, nothing } from 'lit';
import { subsetFromFileName, toComparisons, type Comparison } from '../data/comparisons.ts';
import { isGzipName, parseHHStream } from '../data/hh-stream.ts';
import type { HHProblem } from '../data/hh.ts';
import { saveDataset } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import { DatasetsChanged } from './events.ts';
import { formatBytes, formatCount, plural } from '../util/format.ts';
import { shared } from './styles.ts';

interface FileResult {
  file: string;
  subset: string;
  comparisons: Comparison[];
  problems: HHProblem[];
  identical: number;
}

type Phase =
  | { kind: 'idle' }
  | {
      kind: 'reading';
      file: string;
      index: number;
      files: number;
      bytesRead: number;
      totalBytes: number;
      lines: number;
    }
  | { kind: 'review'; results: FileResult[] }
  | { kind: 'saving' };

/** Problems listed before "… and N more". */
const SHOWN_PROBLEMS = 50;

export class DataImport extends LitElement {
  static override properties = {
    kv: { attribute: false },
    phase: { state: true },
    message: { state: true },
    error: { state: true },
    dragging: { state: true },
  };

  kv!: KV;
  phase: Phase = { kind: 'idle' };
  message: string | null = null;
  error: string | null = null;
  dragging = false;

  static override styles = [
    shared,
    css`
      .drop { display: block; border: 2px dashed #bbb; border-radius: 8px; padding: 16px; text-align: center; color: #555; cursor: pointer; }
      .drop.over { border-color: #1a73e8; background: #e8f0fe; }
      .drop:focus-within { outline: 2px solid #1a73e8; }
      input[type='file'] { position: absolute; width: 1px; height: 1px; opacity: 0; }
      progress { width: 100%; }
      ul.problems { max-height: 200px; overflow: auto; margin: 4px 0; padding-left: 20px; }
    `,
  ];

  override render() {
    const busy = this.phase.kind === 'reading' || this.phase.kind === 'saving';
    return html`
      <label class="drop ${this.dragging ? 'over' : ''}" id="drop-zone"
        @dragover=${this.onDragOver} @dragleave=${() => (this.dragging = false)} @drop=${this.onDrop}>
        <input id="file-input" type="file" multiple accept=".jsonl,.gz,.json" ?disabled=${busy} @change=${this.onPick} />
        <strong>Choose HH files</strong> or drop them here — <span class="mono">.jsonl</span> or <span class="mono">.jsonl.gz</span>,
        one <span class="mono">{"chosen": …, "rejected": …}</span> per line, as in Anthropic/hh-rlhf.
      </label>
      ${this.renderPhase()}
      ${this.message ? html`<p class="ok" id="import-message">${this.message}</p>` : nothing}
      ${this.error ? html`<div class="err" id="import-error">${this.error}</div>` : nothing}
    `;
  }

  private renderPhase() {
    const p = this.phase;
    switch (p.kind) {
      case 'idle':
        return nothing;
      case 'saving':
        return html`<p>Storing…</p>`;
      case 'reading':
        return html`<div id="import-progress-box">
          <progress id="import-progress" max=${Math.max(1, p.totalBytes)} .value=${p.bytesRead}></progress>
          <div class="hint">Reading ${p.file} (${p.index + 1} of ${p.files}): ${formatBytes(p.bytesRead)} of ${formatBytes(p.totalBytes)}, ${plural(p.lines, 'line')}</div>
        </div>`;
      case 'review': {
        const valid = p.results.reduce((a, r) => a + r.comparisons.length, 0);
        return html`<div class="warn" id="import-report">
          ${p.results.map(
            (r) => html`<div>
            <strong>${r.file}</strong> (${r.subset}): ${plural(r.comparisons.length, 'valid comparison')},
            ${plural(r.problems.length, 'malformed line')}, ${plural(r.identical, 'identical pair')} dropped
            ${
              r.problems.length
                ? html`<ul class="problems mono">
                  ${r.problems.slice(0, SHOWN_PROBLEMS).map((q) => html`<li>${r.file}:${q.line}: ${q.reason}</li>`)}
                  ${r.problems.length > SHOWN_PROBLEMS ? html`<li>… and ${formatCount(r.problems.length - SHOWN_PROBLEMS)} more</li>` : nothing}
                </ul>`
                : nothing
            }
          </div>`,
          )}
          <div class="row">
            <button id="import-valid" class="primary" ?disabled=${valid === 0} @click=${() => this.store(p.results)}>
              Import the ${plural(valid, 'valid comparison')}
            </button>
            <button id="import-discard" @click=${() => (this.phase = { kind: 'idle' })}>Discard</button>
          </div>
        </div>`;
      }
    }
  }

  private onDragOver(e: DragEvent): void {
    e.preventDefault();
    this.dragging = true;
  }

  private onDrop(e: DragEvent): void {
    e.preventDefault();
    this.dragging = false;
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) void this.read(files);
  }

  private onPick(e: Event): void {
    const input = e.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = ''; // choosing the same file again fires change again
    if (files.length) void this.read(files);
  }

  /** Parses every file; clean ones are stored at once, otherwise the report waits for the user. */
  private async read(files: File[]): Promise<void> {
    this.message = this.error = null;
    const results: FileResult[] = [];
    try {
      for (const [index, file] of files.entries()) {
        this.phase = {
          kind: 'reading',
          file: file.name,
          index,
          files: files.length,
          bytesRead: 0,
          totalBytes: file.size,
          lines: 0,
        };
        const parsed = await parseHHStream(file.stream(), {
          gzip: isGzipName(file.name),
          totalBytes: file.size,
          onProgress: (q) => {
            this.phase = {
              kind: 'reading',
              file: file.name,
              index,
              files: files.length,
              bytesRead: q.bytesRead,
              totalBytes: q.totalBytes ?? file.size,
              lines: q.lines,
            };
          },
        });
        const subset = subsetFromFileName(file.name);
        const split = toComparisons(parsed.pairs, { file: file.name, subset });
        const problems = [...parsed.problems, ...split.problems].sort((a, b) => a.line - b.line);
        results.push({ file: file.name, subset, comparisons: split.comparisons, problems, identical: split.identical });
      }
    } catch (e) {
      const where = this.phase.kind === 'reading' ? this.phase.file : 'the file';
      this.phase = { kind: 'idle' };
      this.error = `Could not read ${where}: ${(e as Error).message}. Nothing was imported.`;
      return;
    }
    if (results.some((r) => r.problems.length > 0 || r.comparisons.length === 0))
      this.phase = { kind: 'review', results };
    else await this.store(results);
  }

  /** Stores each file's valid comparisons as a dataset (one per file). */
  private async store(results: FileResult[]): Promise<void> {
    this.phase = { kind: 'saving' };
    const stored: string[] = [];
    try {
      for (const r of results) {
        if (r.comparisons.length === 0) continue;
        const meta = await saveDataset(this.kv, {
          name: r.file,
          subset: r.subset,
          identical: r.identical,
          sources: [r.file],
          comparisons: r.comparisons,
        });
        stored.push(`${meta.name} (${plural(meta.count, 'comparison')})`);
        this.dispatchEvent(new DatasetsChanged());
      }
      this.message = stored.length ? `Imported ${stored.join(', ')}.` : 'Nothing to import.';
    } catch (e) {
      this.error = `${storageError(e, 'importing').message}${stored.length ? ` (Already stored: ${stored.join(', ')}.)` : ''}`;
    }
    this.phase = { kind: 'idle' };
  }
}

customElements.define('data-import', DataImport);
