/** qdel: deletes queued jobs and kills running ones. */
import { main } from './pbs/jobcmd.js';

main({
  name: 'qdel', optstring: 'W:x',
  usage: 'usage:\n\tqdel [-W force|suppress_email=X] [-x] job_identifier...\n\tqdel --version\n',
  check: (opts) => (opts.some(([o, v]) => o === 'W' && v !== 'force' && !/^suppress_email=\d+$/.test(v)) ? 'illegal -W value' : undefined),
  act: (c, id, opts) => c.cancelJob({ id, force: opts.some(([o, v]) => o === 'W' && v === 'force') }),
});
