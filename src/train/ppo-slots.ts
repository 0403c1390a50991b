// Where a PPO batch's rows sit in the training graphs (pure CPU packing, no GPU): the B rows live in M minibatch
// "slots" of B/M rows × T columns, each slot starting at an element offset S that is a multiple of the device's
// storage-view alignment, so a minibatch is a storage view of the batch buffers [M·S]. Row b is row b mod B/M of
// slot ⌊b / (B/M)⌋, right-padded with end-of-text: prompt (p tokens), then the actions, then padding. A
// per-token quantity of action i sits at the column that predicts it, t = p − 1 + i: the mask is 1 there, the
// action id is stored there, and the shaped score sits at the last action's column.

export interface SlotLayout {
  /** Minibatches M, rows per minibatch B/M, columns T. */
  M: number;
  rows: number;
  T: number;
  /** Elements per slot: rows·T rounded up to `align`. */
  S: number;
}

/** The layout of B rows in M slots of T columns, slots aligned to `align` elements. */
export function slotLayout(B: number, M: number, T: number, align: number): SlotLayout {
  if (!Number.isInteger(B / M)) throw new Error(`PPO: minibatches M = ${M} must divide the batch B = ${B}`);
  const rows = B / M;
  return { M, rows, T, S: Math.ceil((rows * T) / align) * align };
}

/** The element of row b's column 0 in the batch buffers. */
export function rowStart(layout: SlotLayout, b: number): number {
  return Math.floor(b / layout.rows) * layout.S + (b % layout.rows) * layout.T;
}

export interface PackedSlots {
  /** Per slot, the token ids of its rows [B/M·T] (the graphs' input). */
  tokens: Uint32Array[];
  /** [M·S]: action i of row b at its predicting column, 0 elsewhere. */
  actions: Uint32Array;
  /** [M·S]: 1 at every action column, 0 elsewhere (padding, prompt, the alignment gap). */
  mask: Float32Array;
  /** [M·S]: the row's shaped score at its last action column, 0 elsewhere. */
  score: Float32Array;
  /** Per row, the element of action 0's column: actions[b][i] sits at first[b] + i. */
  first: number[];
}

/** Packs B rows (prompt ids, actions, shaped scores) into the slots; throws where a row does not fit. */
export function packSlots(
  layout: SlotLayout,
  promptIds: readonly (readonly number[])[],
  actions: readonly (readonly number[])[],
  shaped: readonly number[],
  endOfText: number,
): PackedSlots {
  const { M, rows, T, S } = layout;
  const B = M * rows;
  if (promptIds.length !== B || actions.length !== B || shaped.length !== B) {
    throw new Error(
      `PPO: ${promptIds.length} prompts, ${actions.length} responses and ${shaped.length} scores for a batch of ${B}`,
    );
  }
  const tokens = Array.from({ length: M }, () => new Uint32Array(rows * T).fill(endOfText));
  const actionIds = new Uint32Array(M * S);
  const mask = new Float32Array(M * S);
  const score = new Float32Array(M * S);
  const first: number[] = [];
  for (let b = 0; b < B; b++) {
    const p = promptIds[b].length;
    const seq = [...promptIds[b], ...actions[b]];
    if (p === 0 || seq.length > T || actions[b].length === 0) {
      throw new Error(
        `PPO: rollout ${b} has ${p} prompt tokens, ${actions[b].length} actions and ${seq.length} tokens (1..${T - p} actions fit)`,
      );
    }
    tokens[Math.floor(b / rows)].set(seq, (b % rows) * T);
    const at = rowStart(layout, b) + p - 1;
    first.push(at);
    for (let i = 0; i < actions[b].length; i++) {
      actionIds[at + i] = seq[p + i];
      mask[at + i] = 1;
    }
    score[at + actions[b].length - 1] = shaped[b];
  }
  return { tokens, actions: actionIds, mask, score, first };
}
