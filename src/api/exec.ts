/**
 * The Exec RPC: `fleetq rsh HOST COMMAND` from inside a running job runs COMMAND on HOST, one of
 * the job's own nodes, through that node's agent (PBS's pbs_tmrsh / TM interface). It is how a plain
 * `mpirun` in a job script starts ranks on every node of the job without ssh. The caller proves it
 * is the job by the job's token (FLEETQ_JOB_TOKEN, given to the job at launch: an HMAC of its id and
 * run count under the daemon's agent secret), and can only reach the job's nodes while it runs.
 * The command runs as the job's owner, with the caller's environment.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ExecRequest__Output } from '../gen/fleetq/v1/ExecRequest.js';
import type { ExecReply } from '../gen/fleetq/v1/ExecReply.js';
import type { JobService } from '../jobs/service.js';
import type { JobRecord } from '../jobs/model.js';
import { isActive } from '../jobs/model.js';
import { shareOn } from '../jobs/launch.js';
import type { AgentHub } from '../agent/hub.js';
import type { Logger } from '../util/log.js';

export interface ExecDeps {
  jobs: JobService;
  hub: AgentHub;
  /** The daemon's agent secret: job tokens are made from it. */
  secret: string;
  /** The job owner's uid and gid on the nodes. */
  ids: (user: string) => { uid: number; gid: number };
  log: Logger;
}

/** A running job's token: what its processes show to run commands on its nodes. */
export function jobToken(secret: string, job: Pick<JobRecord, 'id' | 'run_count'>): string {
  return createHmac('sha256', secret).update(`${job.id}:${job.run_count}`).digest('hex');
}

type Call = grpc.ServerDuplexStream<ExecRequest__Output, ExecReply>;

function refuse(call: Call, code: grpc.status, details: string): void {
  call.emit('error', { code, details });
}

/** Checks the opening request; the error names the field. */
function admit(d: ExecDeps, req: ExecRequest__Output): { job: JobRecord } | { code: grpc.status; details: string } {
  const s = req.start;
  if (req.msg !== 'start' || !s) return { code: grpc.status.INVALID_ARGUMENT, details: 'start: the first request must open the exec' };
  if (s.command.trim() === '') return { code: grpc.status.INVALID_ARGUMENT, details: 'start.command: a command is required' };
  let job: JobRecord;
  try { job = d.jobs.find(s.job_id); } catch { return { code: grpc.status.NOT_FOUND, details: `start.job_id: Unknown Job Id ${s.job_id}` }; }
  const want = Buffer.from(jobToken(d.secret, job));
  const got = Buffer.from(s.token);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { code: grpc.status.PERMISSION_DENIED, details: `start.token: not job ${job.id}'s token (only the job itself may run commands on its nodes)` };
  if (!isActive(job.state)) return { code: grpc.status.FAILED_PRECONDITION, details: `start.job_id: job ${job.id} is not running` };
  if (!job.nodes.includes(s.host)) return { code: grpc.status.PERMISSION_DENIED, details: `start.host: '${s.host}' is not a node of job ${job.id} (${job.nodes.join(', ')})` };
  return { job };
}

export function execHandler(d: ExecDeps): (call: Call) => void {
  return (call) => {
    let id: string | undefined;
    let ended = false;
    call.on('data', (req: ExecRequest__Output) => {
      if (id === undefined) {
        const a = admit(d, req);
        if ('code' in a) { refuse(call, a.code, a.details); return; }
        const s = req.start!;
        const ids = d.ids(a.job.spec.user);
        id = d.hub.exec(s.host, { job_id: a.job.id, command: s.command, env: s.env, cwd: s.cwd, uid: ids.uid, gid: ids.gid, ...shareOn(a.job, s.host) }, {
          output: (fd, data) => { if (!ended) call.write(fd === 2 ? { stderr: data } : { stdout: data }); },
          done: (code, signal, error) => {
            if (ended) return;
            ended = true;
            if (error !== '') d.log.warn({ job: a.job.id, host: s.host, err: error }, 'exec failed');
            call.write({ exit: { code, signal } });
            call.end();
          },
        });
        if (id === undefined) refuse(call, grpc.status.UNAVAILABLE, `start.host: node ${s.host} has no agent connected`);
        return;
      }
      if (req.msg === 'stdin') d.hub.execInput(id, { data: req.stdin ?? Buffer.alloc(0) });
      else if (req.msg === 'stdin_eof') d.hub.execInput(id, { eof: true });
      else if (req.msg === 'signal' && req.signal) d.hub.execInput(id, { signal: req.signal });
    });
    // The caller went away (its mpirun ended or was killed): so does what it started.
    call.on('cancelled', () => { if (id !== undefined && !ended) d.hub.execInput(id, { signal: 'SIGKILL' }); ended = true; });
    call.on('error', () => undefined);
  };
}
