/** qalter: changes attributes of queued or held jobs, with qsub's options. */
import { main } from './pbs/jobcmd.js';
import { apply, mergeResources, QsubUsageError, type ApplyContext } from './pbs/qsub-args.js';
import type { JobSpec } from '../gen/fleetq/v1/JobSpec.js';

/** Which JobSpec field each qsub option changes. */
const FIELD: Readonly<Record<string, string>> = {
  N: 'name', q: 'queue', l: 'resource_list', p: 'priority', A: 'account', o: 'output_path', e: 'error_path', j: 'join_path',
  r: 'rerunnable', a: 'execution_time_unix', m: 'mail_points', M: 'mail_users', S: 'shell', W: 'depend', v: 'variables',
};

function patch(opts: Array<[string, string]>): { spec: JobSpec; mask: string[]; res: string[] } {
  const spec: JobSpec = { variables: {}, attributes: {} };
  const ctx: ApplyContext = { res: [], env: process.env, now: new Date(), flags: new Set() };
  for (const [o, v] of opts) apply(spec, o, v, ctx);
  return { spec, mask: [...new Set(opts.map(([o]) => FIELD[o]).filter((f): f is string => f !== undefined))], res: ctx.res };
}

main({
  name: 'qalter', optstring: 'a:A:c:e:h:j:k:l:m:M:N:o:p:P:q:r:R:S:u:v:W:',
  usage: 'usage: qalter [-a date_time] [-A account_string] [-c interval] [-e path] [-h hold_list]\n\t[-j oe|eo|n] [-k keep] [-l resource_list] [-m mail_options] [-M user_list]\n\t[-N jobname] [-o path] [-p priority] [-P project] [-r y|n] [-S path]\n\t[-u user_list] [-W dependency_list] job_identifier...\n       qalter --version\n',
  check: (opts) => {
    try { patch(opts); return undefined; } catch (e) { if (e instanceof QsubUsageError) return e.message; throw e; }
  },
  act: async (c, id, opts) => {
    const p = patch(opts);
    if (p.res.length > 0) {
      const job = await c.getJob({ id });
      p.spec.resource_list = mergeResources([job.spec?.resource_list ?? '', ...p.res]);
    }
    if (p.mask.length === 0) return undefined;
    return c.alterJob({ id, spec: p.spec, update_mask: p.mask });
  },
});
