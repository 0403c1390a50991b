// A reactive controller that follows one trainer in the Worker: it keeps the run's status, info and
// metric history from the Worker's events, and asks its host to re-render at most once per animation
// frame however many events arrive (a fast GPU sends hundreds a second). Checkpoints are handed to
// `onCheckpoint` at once, not coalesced: they must be stored.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MetricPoint, TrainerAction, TrainerKind, TrainerStatus, WorkerEvent } from '../protocol.ts';
import type { TrainerActionEvent } from './events.ts';
import { StepClock } from './step-clock.ts';
import type { WorkerClient } from './worker-client.ts';

/** A control of a stage's trainer (the buttons of <trainer-controls> and the stage's keys). */
export type StageAction = TrainerActionEvent['action'];

/**
 * The action a key pressed in a training stage asks for: Space plays or pauses, S takes one step, and `extra`
 * maps more (lower-case) keys to the stage's own actions. Keys typed into a form field, held with a modifier, or
 * Space on a button (which presses it) are left to the browser; a key that is handled has its default prevented.
 */
export function stageKeyAction<A extends string = never>(
  e: KeyboardEvent,
  status: TrainerStatus,
  extra: Readonly<Record<string, A>> = {},
): StageAction | A | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const target = e.composedPath()[0];
  const tag = target instanceof HTMLElement ? target.tagName : '';
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return null;
  const key = e.key.toLowerCase();
  const space = tag === 'BUTTON' ? null : status === 'playing' ? 'pause' : 'play';
  const action = e.key === ' ' ? space : key === 's' ? 'step' : (extra[key] ?? null);
  if (action) e.preventDefault();
  return action;
}

export type CheckpointEvent = Extract<WorkerEvent, { type: 'trainer-checkpoint' }>;

export class TrainerController implements ReactiveController {
  /** The run this controller follows; events of other runs are ignored. */
  run: string | null = null;
  status: TrainerStatus = 'none';
  step = 0;
  steps = 0;
  message: string | null = null;
  info: Record<string, number | string> = {};
  history: MetricPoint[] = [];
  /** Bumped on every new metric point, so that charts redraw only when there is something new. */
  revision = 0;
  onCheckpoint: ((e: CheckpointEvent) => void) | null = null;
  /**
   * The run's other events (a PM step's batch, a PPO trace, samples): the stage keeps what it shows of them and
   * answers whether it did, and the host re-renders in the same coalesced frame as the trainer's own events.
   */
  onRunEvent: ((e: WorkerEvent) => boolean) | null = null;

  private readonly clock = new StepClock();
  private client: WorkerClient | null = null;
  private unsubscribe: (() => void) | null = null;
  private frame = 0;
  private connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    readonly trainer: TrainerKind,
  ) {
    host.addController(this);
  }

  /** Follows `client`'s events (call when the host receives its client). */
  setClient(client: WorkerClient | null): void {
    if (client === this.client) return;
    this.client = client;
    this.subscribe();
  }

  hostConnected(): void {
    this.connected = true;
    this.subscribe();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  /** Starts following a new run, forgetting the previous one's state. */
  begin(run: string, steps: number): void {
    Object.assign(this, { run, status: 'preparing', step: 0, steps, message: null, info: {}, history: [] });
    this.clock.observe(this.status, 0, performance.now());
    this.revision++;
    this.host.requestUpdate();
  }

  /** Forgets the run (after a reset). */
  clear(): void {
    Object.assign(this, { run: null, status: 'none', step: 0, steps: 0, message: null, info: {}, history: [] });
    this.clock.observe(this.status, 0, performance.now());
    this.revision++;
    this.host.requestUpdate();
  }

  /**
   * Whether the trainer may take steps now: not while it plays, prepares or is done; with no live run (none yet,
   * or a failed one) only once `create` has started one (it answers whether it did).
   */
  async readyToStep(create: () => Promise<boolean>): Promise<boolean> {
    const s = this.status;
    if (s === 'playing' || s === 'preparing' || s === 'done') return false;
    return s === 'none' || s === 'failed' ? create() : true;
  }

  /**
   * Carries out a stage's control: pause and save go to the run; reset ends it, forgets it and calls `onReset`
   * (the stage clears what it showed of it); play and step start a run first when none is live (readyToStep).
   */
  async act(action: StageAction, create: () => Promise<boolean>, onReset: () => void): Promise<void> {
    switch (action) {
      case 'pause':
      case 'save':
        return this.send(action);
      case 'reset':
        this.send('reset');
        this.clear();
        return onReset();
      default:
        if (await this.readyToStep(create)) this.send(action);
    }
  }

  /** The run's pace and time left while it plays ("2.1 s/step · 6m57s left"), else ''. */
  pace(): string {
    return this.clock.text(this.step, this.steps);
  }

  /** Sends a control to the Worker for the current run. */
  send(action: TrainerAction): void {
    if (!this.client || !this.run) return;
    this.client.send({ type: 'trainer', trainer: this.trainer, run: this.run, action });
  }

  private subscribe(): void {
    this.unsubscribe?.();
    this.unsubscribe = this.connected && this.client ? this.client.on((e) => this.onEvent(e)) : null;
  }

  private onEvent(e: WorkerEvent): void {
    if (!('trainer' in e)) {
      if ('run' in e && this.run !== null && e.run === this.run && this.onRunEvent?.(e)) this.scheduleUpdate();
      return;
    }
    if (e.trainer !== this.trainer || e.run !== this.run) return;
    switch (e.type) {
      case 'trainer-status':
        this.status = e.status;
        this.step = e.step;
        this.steps = e.steps;
        this.message = e.message ?? null;
        break;
      case 'trainer-info':
        this.info = e.info;
        break;
      case 'trainer-metrics':
        this.history.push(e.point);
        this.step = Math.max(this.step, e.point.step);
        this.revision++;
        break;
      case 'trainer-checkpoint':
        this.onCheckpoint?.(e);
        break;
    }
    this.clock.observe(this.status, this.step, performance.now());
    this.scheduleUpdate();
  }

  /** One host update per animation frame, however many events came in since the last. */
  private scheduleUpdate(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.host.requestUpdate();
    });
  }
}
