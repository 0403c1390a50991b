// The Web Worker that owns the GPU: a thin switch from commands to the compute code. Commands run one
// at a time in arrival order (a create finishes before the step that follows it); `play` starts its
// loop and returns, so a later `pause` is handled while the loop runs.

import { createBrowserGpu, webgpuMissingReason } from '../kernels/device-browser.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { selfCheck } from '../kernels/selfcheck.ts';
import type { Command, LabelRequestPair, TrainerKind, WorkerEvent } from '../protocol.ts';
import { lmLosses, rankPolicies } from './eval-session.ts';
import { samplePair } from './label-session.ts';
import { createLMLoop } from './lm-session.ts';
import { detectOod } from './ood-session.ts';
import { createPMLoop, evaluatePM } from './pm-session.ts';
import { PPOLoop, createPPOLoop } from './ppo-session.ts';
import type { RunLoop } from './run-loop.ts';
import { answerLabels, runOnline } from './online-session.ts';
import { runTension } from '../train/tension-run.ts';

let gpu: Gpu | null = null;
/** The current run of each trainer, and the GPU scope that owns everything the run allocated. */
const loops = new Map<TrainerKind, RunLoop>();
const runScopes = new Map<TrainerKind, Gpu>();
/** Whether a tension-explorer job is running (one at a time). */
let tensionRunning = false;
/** Whether an online loop is running (one at a time). */
let onlineRunning = false;

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  self.postMessage(event, { transfer });
}

function requireGpu(what: string): Gpu {
  if (!gpu) throw new Error(`${what} before init (no GPU yet)`);
  return gpu;
}

async function dropRun(trainer: TrainerKind): Promise<void> {
  const loop = loops.get(trainer);
  loops.delete(trainer);
  // reset stops the loop and disposes the run; the run's scope then frees anything else it allocated: its GPU
  // buffers are destroyed now, not whenever the garbage collector gets to them
  await loop?.reset();
  runScopes.get(trainer)?.dispose();
  runScopes.delete(trainer);
}

/** A new run of `trainer`, built in a GPU scope of its own (freed by dropRun, or at once if the build fails). */
async function createRun(trainer: TrainerKind, what: string, build: (gpu: Gpu) => Promise<RunLoop>): Promise<void> {
  await dropRun(trainer);
  const scope = requireGpu(what).scope(`${trainer} run`);
  try {
    loops.set(trainer, await build(scope));
    runScopes.set(trainer, scope);
  } catch (e) {
    scope.dispose();
    throw e;
  }
}

/** `job` on a GPU scope of its own, freed when the job ends, however it ends. */
async function scoped<T>(what: string, job: (gpu: Gpu) => Promise<T>): Promise<T> {
  const scope = requireGpu(what).scope(what);
  try {
    return await job(scope);
  } finally {
    scope.dispose();
  }
}

async function handle(command: Command): Promise<void> {
  switch (command.type) {
    case 'init': {
      const missing = webgpuMissingReason();
      if (missing) return post({ type: 'no-webgpu', reason: missing });
      try {
        gpu ??= await createBrowserGpu();
      } catch (e) {
        return post({ type: 'no-webgpu', reason: (e as Error).message });
      }
      const limits: Record<string, number> = {};
      for (const key of [
        'maxStorageBufferBindingSize',
        'maxBufferSize',
        'maxComputeWorkgroupStorageSize',
        'maxComputeInvocationsPerWorkgroup',
      ] as const) {
        limits[key] = gpu.limits[key];
      }
      return post({ type: 'ready', adapter: gpu.adapter, limits });
    }
    case 'self-check':
      return post({ type: 'self-check', results: await scoped('self-check', (g) => selfCheck(g)) });
    case 'lm-create': {
      try {
        await createRun('lm', 'lm-create', (g) => createLMLoop(g, command, post));
      } catch (e) {
        post({
          type: 'trainer-status',
          trainer: 'lm',
          run: command.run,
          status: 'failed',
          step: 0,
          steps: command.settings.steps,
          message: (e as Error).message,
        });
      }
      return;
    }
    case 'rlhf-create': {
      try {
        await createRun('rlhf', 'rlhf-create', (g) => createPPOLoop(g, command, post));
      } catch (e) {
        post({
          type: 'trainer-status',
          trainer: 'rlhf',
          run: command.run,
          status: 'failed',
          step: 0,
          steps: command.settings.iterations,
          message: (e as Error).message,
        });
      }
      return;
    }
    case 'rlhf-inspect': {
      const loop = loops.get('rlhf');
      if (!(loop instanceof PPOLoop) || loop.run !== command.run)
        throw new Error(`no rlhf run ${command.run} (it was reset, or never created)`);
      return loop.inspectOnce();
    }
    case 'pm-create': {
      try {
        await createRun('pm', 'pm-create', (g) => createPMLoop(g, command, post));
      } catch (e) {
        post({
          type: 'trainer-status',
          trainer: 'pm',
          run: command.run,
          status: 'failed',
          step: 0,
          steps: command.settings.steps,
          message: (e as Error).message,
        });
      }
      return;
    }
    case 'ood-detect': {
      try {
        return post({
          type: 'ood-result',
          request: command.request,
          report: await scoped('ood-detect', (g) => detectOod(g, command)),
        });
      } catch (e) {
        return post({ type: 'ood-result', request: command.request, report: null, error: (e as Error).message });
      }
    }
    case 'tension-run': {
      // detached like a playing loop: minutes of work must not hold up the other stages' commands
      const { request } = command;
      if (tensionRunning)
        return post({ type: 'tension-result', request, result: null, error: 'a tension run is already in progress' });
      requireGpu('tension-run');
      tensionRunning = true;
      const progress = (phase: string, done: number, total: number) =>
        post({ type: 'tension-progress', request, phase, done, total });
      void scoped('tension-run', (g) =>
        runTension(g, command.base, command.helpful, command.harmless, command.settings, progress),
      )
        .then((result) => post({ type: 'tension-result', request, result }))
        .catch((e: unknown) =>
          post({ type: 'tension-result', request, result: null, error: e instanceof Error ? e.message : String(e) }),
        )
        .finally(() => (tensionRunning = false));
      return;
    }
    case 'online-run': {
      // detached like the tension explorer: rounds take minutes
      const { request } = command;
      if (onlineRunning) return post({ type: 'online-done', request, error: 'an online loop is already running' });
      const device = requireGpu('online-run');
      onlineRunning = true;
      const ask = (round: number, pairs: LabelRequestPair[]) =>
        post({ type: 'online-label-request', request, round, pairs });
      void runOnline(
        device,
        command,
        (result) => post({ type: 'online-round', request, result }),
        (done, total, message) => post({ type: 'online-progress', request, done, total, message }),
        ask,
      )
        .then(() => post({ type: 'online-done', request }))
        .catch((e: unknown) =>
          post({ type: 'online-done', request, error: e instanceof Error ? e.message : String(e) }),
        )
        .finally(() => (onlineRunning = false));
      return;
    }
    case 'online-labels':
      return answerLabels(command);
    case 'pm-evaluate': {
      try {
        return post({
          type: 'pm-evaluation',
          request: command.request,
          results: await scoped('pm-evaluate', (g) => evaluatePM(g, command.checkpoint, command.sets, command.request)),
        });
      } catch (e) {
        return post({ type: 'pm-evaluation', request: command.request, results: [], error: (e as Error).message });
      }
    }
    case 'elo-rank': {
      const progress = (done: number, total: number, message: string) =>
        post({ type: 'eval-progress', request: command.request, done, total, message });
      try {
        return post({
          type: 'elo-ranking',
          request: command.request,
          ranking: await scoped('elo-rank', (g) => rankPolicies(g, command, progress)),
        });
      } catch (e) {
        return post({ type: 'elo-ranking', request: command.request, ranking: null, error: (e as Error).message });
      }
    }
    case 'lm-evaluate': {
      const progress = (done: number, total: number, message: string) =>
        post({ type: 'eval-progress', request: command.request, done, total, message });
      try {
        return post({
          type: 'lm-evaluation',
          request: command.request,
          evaluation: await scoped('lm-evaluate', (g) => lmLosses(g, command, progress)),
        });
      } catch (e) {
        return post({ type: 'lm-evaluation', request: command.request, evaluation: null, error: (e as Error).message });
      }
    }
    case 'label-sample': {
      try {
        return post({
          type: 'label-pair',
          request: command.request,
          responses: await scoped('label-sample', (g) => samplePair(g, command)),
        });
      } catch (e) {
        return post({ type: 'label-pair', request: command.request, responses: ['', ''], error: (e as Error).message });
      }
    }
    case 'trainer': {
      const loop = loops.get(command.trainer);
      if (!loop || loop.run !== command.run) {
        if (command.action === 'reset') return; // nothing to drop
        throw new Error(`no ${command.trainer} run ${command.run} (it was reset, or never created)`);
      }
      switch (command.action) {
        case 'play':
          return loop.play();
        case 'pause':
          return loop.pause();
        case 'step':
          return loop.stepOnce();
        case 'reset':
          return dropRun(command.trainer);
        case 'save':
          return loop.save();
      }
    }
  }
}

// One command at a time; a failing command reports an error event and the queue goes on.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (message: MessageEvent<Command>) => {
  const command = message.data;
  // pause must not wait behind a step: it only flips a flag that the running loop reads
  if (command.type === 'trainer' && command.action === 'pause') {
    loops.get(command.trainer)?.pause();
    return;
  }
  queue = queue.then(() =>
    handle(command).catch((e: unknown) =>
      post({ type: 'error', command: command.type, message: e instanceof Error ? e.message : String(e) }),
    ),
  );
};
