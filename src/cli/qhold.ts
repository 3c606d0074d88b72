/** qhold: puts holds (-h u|o|s|p) on queued jobs. */
import { main } from './pbs/jobcmd.js';
import { holdTypes, checkHolds } from './pbs/holds.js';

main({
  name: 'qhold', optstring: 'h:',
  usage: 'usage: qhold [-h hold_list] job_identifier...\n       qhold --version\n',
  check: checkHolds,
  act: (c, id, opts) => c.holdJob({ id, hold_types: holdTypes(opts) }),
});
