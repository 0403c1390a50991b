// The typed events the notebook's elements send up the tree (properties flow down, events flow up).

import type { Experiment } from './experiment.ts';

/** A stage changed a knob: the new whole experiment (the shell writes it into the URL). */
export class ExperimentChange extends Event {
  static readonly type = 'experiment-change';
  constructor(readonly experiment: Experiment) {
    super(ExperimentChange.type, { bubbles: true, composed: true });
  }
}

/** Datasets were added, replaced or deleted: the shell re-reads the list from the store. */
export class DatasetsChanged extends Event {
  static readonly type = 'datasets-changed';
  constructor() {
    super(DatasetsChanged.type, { bubbles: true, composed: true });
  }
}

/** A trainer control was used (play, pause, step, reset, save). */
export class TrainerActionEvent extends Event {
  static readonly type = 'trainer-action';
  constructor(readonly action: 'play' | 'pause' | 'step' | 'reset' | 'save') {
    super(TrainerActionEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'experiment-change': ExperimentChange;
    'datasets-changed': DatasetsChanged;
    'trainer-action': TrainerActionEvent;
  }
}

/** A knob (<knob-field>, or the dataset ids of <dataset-picker>) got a new, valid value. */
export class KnobChange extends Event {
  static readonly type = 'knob-change';
  constructor(
    readonly param: string,
    readonly value: number | string | boolean | readonly string[],
  ) {
    super(KnobChange.type, { bubbles: true, composed: true });
  }
}

/** A dataset's action in the list: browse it, export it as .jsonl, or delete it. */
export class DatasetAction extends Event {
  static readonly type = 'dataset-action';
  constructor(
    readonly action: 'browse' | 'export' | 'delete',
    readonly id: string,
  ) {
    super(DatasetAction.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'knob-change': KnobChange;
    'dataset-action': DatasetAction;
  }
}

/** An action on a stored checkpoint or run (<saved-list>). */
export class SavedAction extends Event {
  static readonly type = 'saved-action';
  constructor(
    readonly action: 'show-run' | 'delete-run' | 'download-checkpoint' | 'delete-checkpoint',
    readonly id: string,
  ) {
    super(SavedAction.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'saved-action': SavedAction;
  }
}

/** Resume a stored unfinished run (<resume-offer>). */
export class ResumeRun extends Event {
  static readonly type = 'resume-run';
  constructor(readonly run: string) {
    super(ResumeRun.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'resume-run': ResumeRun;
  }
}
