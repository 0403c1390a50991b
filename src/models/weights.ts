// A model's parameters on the GPU: the packed allocation of the parameter table and a view per
// parameter. Shared by every graph that runs the model (training batch, sampler) and by checkpoints.

import type { Gpu, Tensor } from '../kernels/gpu.ts';
import type { GPTConfig } from './config.ts';
import { paramTable, type ParamTable } from './params.ts';

export class Weights {
  readonly table: ParamTable;
  /** All parameters, packed ([table.size]). */
  readonly packed: Tensor;
  private readonly views = new Map<string, Tensor>();

  readonly gpu: Gpu;

  constructor(
    parent: Gpu,
    readonly cfg: GPTConfig,
    label = 'params',
  ) {
    const gpu = (this.gpu = parent.scope(label));
    this.table = paramTable(cfg);
    this.packed = gpu.tensor(label, [this.table.size]);
    for (const s of this.table.specs) this.views.set(s.name, gpu.view(this.packed, s.name, s.offset, s.shape));
  }

  /** The parameter `name` (a Hugging Face GPT-2 name) as a view into the packed buffer. */
  get(name: string): Tensor {
    const t = this.views.get(name);
    if (!t) throw new Error(`the model has no parameter ${name}`);
    return t;
  }

  /** Destroys the packed parameters (every graph and sampler built on them must be disposed first or with them). */
  dispose(): void {
    this.gpu.dispose();
  }
}
