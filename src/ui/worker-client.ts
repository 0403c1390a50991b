// The UI's handle on the compute Worker: sends typed commands, delivers typed events to listeners.

import type { Command, WorkerEvent } from '../protocol.ts';

export class WorkerClient {
  private readonly worker = new Worker(new URL('../worker/worker.ts', import.meta.url), {
    type: 'module',
    name: 'rlhf-compute',
  });
  private readonly listeners = new Set<(event: WorkerEvent) => void>();

  constructor() {
    this.worker.onmessage = (m: MessageEvent<WorkerEvent>) => this.listeners.forEach((l) => l(m.data));
    this.worker.onerror = (e) =>
      this.listeners.forEach((l) =>
        l({ type: 'error', command: 'init', message: e.message || 'the compute worker failed to start' }),
      );
  }

  send(command: Command): void {
    this.worker.postMessage(command);
  }

  on(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
