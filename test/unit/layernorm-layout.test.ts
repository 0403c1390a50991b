import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { LAYERNORM_ROWS, layernormRowGrid } from '../../src/kernels/layernorm.ts';

const wgsl = (name: string) => readFileSync(new URL(`../../src/kernels/${name}`, import.meta.url), 'utf8');

describe('layernorm row layout', () => {
  it('the launcher and the per-row shaders agree on the rows per workgroup', () => {
    for (const name of ['layernorm.wgsl', 'layernorm_backward.wgsl']) {
      const src = wgsl(name);
      expect(src, name).toContain(`const ROWS: u32 = ${LAYERNORM_ROWS}u;`);
      expect(src, name).toContain(`@workgroup_size(32, ${LAYERNORM_ROWS})`);
      expect(src, name).toMatch(new RegExp(`array<(f32|vec3<f32>), ${32 * LAYERNORM_ROWS}>`));
    }
  });

  it('the grid covers every row, folding into y beyond 65535 workgroups', () => {
    const rows = ([x, y]: number[]) => x * y * LAYERNORM_ROWS;
    for (const N of [1, 7, 8, 9, 65, 65535 * LAYERNORM_ROWS, 65535 * LAYERNORM_ROWS + 1, 10_000_000]) {
      const g = layernormRowGrid(N);
      expect(g[0]).toBeLessThanOrEqual(65535);
      expect(rows(g), `N=${N}`).toBeGreaterThanOrEqual(N);
      // no workgroup row lies wholly past N in x (the shaders index rows as (x + y·65535)·ROWS + lid.y)
      if (g[1] === 1) expect((g[0] - 1) * LAYERNORM_ROWS).toBeLessThan(N);
      else expect(g[0]).toBe(65535);
    }
    expect(layernormRowGrid(9)).toEqual([2, 1, 1]);
    expect(layernormRowGrid(65535 * LAYERNORM_ROWS + 1)).toEqual([65535, 2, 1]);
  });
});
