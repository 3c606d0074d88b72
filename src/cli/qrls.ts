/** qrls: releases holds (-h u|o|s|p) so the job can run. */
import { main } from './pbs/jobcmd.js';
import { holdTypes, checkHolds } from './pbs/holds.js';

main({
  name: 'qrls', optstring: 'h:',
  usage: 'usage: qrls [-h hold_list] job_identifier...\n       qrls --version\n',
  check: checkHolds,
  act: (c, id, opts) => c.releaseJob({ id, hold_types: holdTypes(opts) }),
});
