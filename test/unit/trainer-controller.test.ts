// What a training stage's controls do through its TrainerController (src/ui/trainer-controller.ts): play and step
// start a run first when none is live (the step goes to the new run), and do nothing while one plays, prepares or
// is done; pause and save go to the
// run; reset ends and forgets it and lets the stage clear what it showed.

import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/protocol.ts';
import { TrainerController } from '../../src/ui/trainer-controller.ts';
import type { WorkerClient } from '../../src/ui/worker-client.ts';

function setup() {
  const sent: Command[] = [];
  const host = {
    addController: () => {},
    removeController: () => {},
    requestUpdate: () => {},
    updateComplete: Promise.resolve(true),
  };
  const ctl = new TrainerController(host, 'lm');
  ctl.setClient({ send: (c: Command) => sent.push(c), on: () => () => {} } as unknown as WorkerClient);
  let creates = 0;
  const create = async (ok = true) => {
    creates++;
    if (ok) ctl.begin(`run-${creates}`, 3);
    return ok;
  };
  const actions = () => sent.map((c) => (c.type === 'trainer' ? `${c.run}:${c.action}` : c.type));
  return { ctl, sent, create, actions, creates: () => creates };
}

describe("a stage's trainer controls", () => {
  it('step with no run starts one, then steps it; a failed start sends nothing', async () => {
    const t = setup();
    await t.ctl.act(
      'step',
      () => t.create(false),
      () => {},
    );
    expect(t.actions()).toEqual([]);
    expect(t.ctl.status).toBe('none');
    await t.ctl.act(
      'step',
      () => t.create(),
      () => {},
    );
    expect(t.actions()).toEqual(['run-2:step']); // the new run takes the step once it is prepared (the Worker queues it)
    await t.ctl.act(
      'step',
      () => t.create(),
      () => {},
    );
    expect(t.actions()).toEqual(['run-2:step']); // no second step while it prepares
    t.ctl.status = 'paused';
    await t.ctl.act(
      'step',
      () => t.create(),
      () => {},
    );
    expect(t.actions()).toEqual(['run-2:step', 'run-2:step']);
    expect(t.creates()).toBe(2);
  });

  it('play, step and a new start are refused while the run plays or is done', async () => {
    const t = setup();
    await t.create();
    for (const status of ['playing', 'done'] as const) {
      t.ctl.status = status;
      await t.ctl.act(
        'play',
        () => t.create(),
        () => {},
      );
      await t.ctl.act(
        'step',
        () => t.create(),
        () => {},
      );
    }
    expect(t.actions()).toEqual([]);
    expect(t.creates()).toBe(1);
    // a failed run is replaced by a new one
    t.ctl.status = 'failed';
    await t.ctl.act(
      'play',
      () => t.create(),
      () => {},
    );
    expect(t.creates()).toBe(2);
  });

  it('pause and save go to the run; reset ends it, forgets it and calls the stage back', async () => {
    const t = setup();
    await t.create();
    t.ctl.status = 'playing';
    await t.ctl.act(
      'pause',
      () => t.create(),
      () => {},
    );
    await t.ctl.act(
      'save',
      () => t.create(),
      () => {},
    );
    let cleared = 0;
    await t.ctl.act(
      'reset',
      () => t.create(),
      () => cleared++,
    );
    expect(t.actions()).toEqual(['run-1:pause', 'run-1:save', 'run-1:reset']);
    expect(cleared).toBe(1);
    expect([t.ctl.run, t.ctl.status]).toEqual([null, 'none']);
  });
});
