import test from 'ava';
import { assignCpus } from '../../src/scheduler/cpus.js';
import { launcherFiles } from '../../src/scheduler/ranks.js';
import type { Allocation } from '../../src/jobs/model.js';

const a = (node: string, ncpus: number, cpu_ids?: number[]): Allocation => ({ node, ncpus, mem_bytes: 0, ngpus: 0, mpiprocs: ncpus, ...(cpu_ids ? { cpu_ids } : {}) });

test('a starting job gets the lowest cpu ids no running job holds on each node', (t) => {
  const cases: Array<{ name: string; running: Allocation[][]; starts: Allocation[][]; want: Array<Array<number[] | undefined>> }> = [
    { name: 'empty nodes', running: [], starts: [[a('x', 2), a('y', 1)]], want: [[[0, 1], [0]]] },
    { name: 'around a running job', running: [[a('x', 2, [0, 2])]], starts: [[a('x', 3)]], want: [[[1, 3, 4]]] },
    { name: 'two chunks of one job on one node', running: [], starts: [[a('x', 2), a('x', 2)]], want: [[[0, 1], [2, 3]]] },
    { name: 'jobs started in one cycle do not share', running: [], starts: [[a('x', 3)], [a('x', 3)]], want: [[[0, 1, 2]], [[3, 4, 5]]] },
    { name: 'not enough known-free ids: none given', running: [[a('x', 7, [0, 1, 2, 3, 4, 5, 6])]], starts: [[a('x', 2)]], want: [[undefined]] },
  ];
  for (const c of cases) {
    const starts = c.starts.map((alloc) => ({ alloc }));
    assignCpus(starts, c.running.map((alloc) => ({ alloc })), () => 8);
    t.deepEqual(starts.map((s) => s.alloc.map((x) => x.cpu_ids)), c.want, c.name);
  }
});

test('rank files bind each rank to the cpu ids the job holds', (t) => {
  const f = launcherFiles([{ node: 'n1', ncpus: 2, mem_bytes: 0, ngpus: 0, mpiprocs: 2, cpu_ids: [4, 5] }, { node: 'n2', ncpus: 2, mem_bytes: 0, ngpus: 0, mpiprocs: 1, cpu_ids: [0, 1] }]);
  t.is(f.rankfile, 'rank 0=n1 slot=4\nrank 1=n1 slot=5\nrank 2=n2 slot=0-1\n');
  t.is(f.nodefile, 'n1\nn1\nn2\n');
  t.is(f.hostfile, 'n1 slots=2\nn2 slots=1\n');
  t.is(f.machinefile, 'n1:2\nn2:1\n');
  t.is(launcherFiles([]).rankfile, '');
});
