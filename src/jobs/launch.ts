/**
 * What a node's agent needs to run a job the PBS way: its environment (PBS_* variables), output
 * paths, and the rank layout's files (PBS_NODEFILE lines among them). Pure: the daemon calls it with
 * a started job and its layout (src/scheduler/ranks.ts).
 */
import type { Launch } from '../gen/fleetq/v1/Launch.js';
import type { JobRecord } from './model.js';

/** Exit statuses PBS records for jobs that did not end by themselves (OpenPBS job.h JOB_EXEC_*). */
export const JOB_EXEC = { FAIL1: -1, FAIL2: -2, RETRY: -3, INITABT: -4, KILL_WALLTIME: -29 } as const;

function stripHost(path: string): string { return path.replace(/^[\w.-]+:/, ''); }

export function jobEnvironment(job: JobRecord, tmpdir: string): Record<string, string> {
  const first = job.resources?.chunks[0];
  const threads = String(first?.ompthreads || first?.ncpus || 1);
  return {
    ...job.spec.variables,
    PBS_JOBID: job.id,
    PBS_JOBNAME: job.spec.name,
    PBS_QUEUE: job.queue,
    PBS_O_QUEUE: job.spec.variables.PBS_O_QUEUE ?? job.queue,
    PBS_O_WORKDIR: job.spec.workdir,
    PBS_O_HOST: job.spec.submit_host || job.server,
    PBS_ENVIRONMENT: 'PBS_BATCH',
    PBS_ACCOUNT: job.spec.account,
    PBS_JOBDIR: job.spec.workdir,
    PBS_NODENUM: '0',
    PBS_TASKNUM: '1',
    NCPUS: threads,
    OMP_NUM_THREADS: threads,
    TMPDIR: tmpdir,
    ENVIRONMENT: 'BATCH',
    // A subjob of a job array: its index, and its array's id (PBS_JOBID is the subjob's).
    ...(job.array_id ? { PBS_ARRAY_INDEX: String(job.array_index), PBS_ARRAY_ID: job.array_id } : {}),
  };
}

/** What MPI launchers read for the job, from its rank layout (src/scheduler/ranks.ts). */
export interface RankFiles { hostfile: string; rankfile: string; machinefile: string; nodefile: string }

/** The job's share of one of its nodes (its allocations there, summed). */
export function shareOn(job: JobRecord, node: string): { ncpus: number; mem_bytes: number; cpu_ids: number[] } {
  const here = job.alloc.filter((a) => a.node === node);
  return {
    ncpus: here.reduce((s, a) => s + a.ncpus, 0),
    mem_bytes: here.reduce((s, a) => s + a.mem_bytes, 0),
    cpu_ids: here.flatMap((a) => a.cpu_ids ?? []),
  };
}

/** The Launch message for a job that has just been given its nodes. */
export function launchMessage(job: JobRecord, opts: { tmpRoot: string; killDelaySeconds: number; uid: number; gid: number; files: RankFiles }): Launch {
  const tmpdir = `${opts.tmpRoot}/pbs.${job.id}`;
  const out = stripHost(job.output_path);
  const joined = job.spec.join_path === 'oe' ? out : job.spec.join_path === 'eo' ? stripHost(job.error_path) : '';
  return {
    job_id: job.id,
    job_name: job.spec.name,
    script: job.spec.script,
    workdir: job.spec.workdir,
    stdout_path: joined || out,
    stderr_path: joined || stripHost(job.error_path),
    env: jobEnvironment(job, tmpdir),
    walltime_seconds: job.resources?.walltime_seconds ?? 0,
    kill_delay_seconds: opts.killDelaySeconds,
    shell: job.spec.shell,
    nodefile: opts.files.nodefile.split('\n').filter((l) => l !== ''),
    uid: opts.uid,
    gid: opts.gid,
    hostfile: opts.files.hostfile,
    rankfile: opts.files.rankfile,
    machinefile: opts.files.machinefile,
    ...shareOn(job, job.alloc[0]?.node ?? ''),
    cput_limit_seconds: Number(job.resources?.other?.['cput'] ?? 0),
  };
}
