// The parameter tables of the scalar heads (heads.ts), apart from their GPU code so that checkpoint IO
// can use them anywhere: `${name}.weight` [1, C] and `${name}.bias` [1], packed like the model's table.

import { PARAM_ALIGN, type ParamSpec, type ParamTable } from './params.ts';

export type HeadName = 'reward_head' | 'value_head';

/** The parameter table of one head: `${name}.weight` [1, C] at 0, `${name}.bias` [1] at the next aligned offset. */
export function headTable(name: HeadName, C: number): ParamTable {
  const biasOffset = Math.ceil(C / PARAM_ALIGN) * PARAM_ALIGN;
  const specs: ParamSpec[] = [
    { name: `${name}.weight`, shape: [1, C], offset: 0, hfTranspose: false, decay: true, init: 'normal' },
    { name: `${name}.bias`, shape: [1], offset: biasOffset, hfTranspose: false, decay: false, init: 'zeros' },
  ];
  return {
    specs,
    byName: new Map(specs.map((s) => [s.name, s])),
    size: biasOffset + PARAM_ALIGN,
    count: C + 1,
    decayEnd: biasOffset,
  };
}

/**
 * Initial head parameters, packed per `table`: weight ~ N(0, 1/(C + 1)) (the scale OpenAI's
 * lm-human-preferences and TRL give a fresh reward head), bias 0. `normal(n)` returns n standard normals.
 */
export function initHeadParams(table: ParamTable, normal: (n: number) => ArrayLike<number>): Float32Array {
  const packed = new Float32Array(table.size);
  const w = table.specs[0];
  const C = w.shape[1];
  const z = normal(C);
  for (let c = 0; c < C; c++) packed[w.offset + c] = z[c] / Math.sqrt(C + 1);
  return packed;
}
