/**
 * Which cpu ids of a node a job holds. A starting job gets, on each of its nodes, the lowest ids no
 * running job holds there (as PBS's cgroup hook hands out cpusets), so the rank files bind its MPI
 * ranks to cpus of its own and two jobs sharing a node never bind to the same cpus.
 */
import type { Allocation } from '../jobs/model.js';

/**
 * Sets `cpu_ids` on the allocations of `starts` (in order), avoiding the ids held by `running`.
 * An allocation that cannot get all its ids (a running job from before ids were kept holds cpus
 * not accounted for) keeps none, and its ranks are laid out on 0..n-1 as before.
 */
export function assignCpus(starts: ReadonlyArray<{ alloc: Allocation[] }>, running: Iterable<{ alloc: readonly Allocation[] }>, ncpus: (node: string) => number): void {
  const used = new Map<string, Set<number>>();
  const held = (node: string): Set<number> => { let s = used.get(node); if (!s) { s = new Set(); used.set(node, s); } return s; };
  for (const j of running) for (const a of j.alloc) for (const c of a.cpu_ids ?? []) held(a.node).add(c);
  for (const s of starts) {
    for (const a of s.alloc) {
      const u = held(a.node);
      const ids: number[] = [];
      for (let c = 0; ids.length < a.ncpus && c < ncpus(a.node); c++) if (!u.has(c)) ids.push(c);
      if (ids.length !== a.ncpus) continue;
      for (const c of ids) u.add(c);
      a.cpu_ids = ids;
    }
  }
}
