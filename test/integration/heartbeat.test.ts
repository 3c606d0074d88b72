/**
 * Missed heartbeats: a node whose agent falls silent with its connection still open (here: the
 * agent process stopped with SIGSTOP) goes down after agent.down_after, and comes back up when the
 * agent resumes and registers again — real processes and signals, one local node.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { startDaemon, run, eventually } from '../helpers/daemon.js';

test('a silent agent\'s node goes down after agent.down_after and comes back when it resumes', async (t) => {
  const d = await startDaemon({ env: { FLEETQ_AGENT_HEARTBEAT: '300ms', FLEETQ_AGENT_DOWN_AFTER: '1500ms', FLEETQ_AGENT_RECONNECT_GRACE: '60s' } });
  let pid = 0;
  try {
    const nodes = async (): Promise<string> => (await run('pbsnodes', ['-a'], { home: d.home })).stdout;
    await eventually(async () => /state = free/.test(await nodes()), 10000, 'the node up');
    pid = Number(execFileSync('pgrep', ['-f', `agent --node .* --server unix:${d.socket}`]).toString().trim().split('\n')[0]);
    t.true(pid > 0, 'the agent process');
    const stopped = Date.now();
    process.kill(pid, 'SIGSTOP');
    const down = await eventually(async () => { const o = await nodes(); return /state = down/.test(o) ? o : undefined; }, 10000, 'the node down');
    const after = Date.now() - stopped;
    // The clock starts at the agent's last heartbeat, which came up to one heartbeat period (300 ms) before the stop.
    const silent = Number(/"silent_ms":(\d+)[^\n]*agent silent: node down/.exec(d.log())?.[1] ?? 0);
    t.true(silent >= 1500, `down ${silent} ms after the last heartbeat, not before agent.down_after (1.5 s)`);
    t.true(after >= 1500 - 300, `down ${after} ms after the stop: at least agent.down_after less one heartbeat period`);
    t.regex(down, /comment = no heartbeat from its agent for \d+ s/);
    t.regex(d.log(), /agent silent: node down/);
    process.kill(pid, 'SIGCONT');
    pid = 0;
    await eventually(async () => /state = free/.test(await nodes()), 15000, 'the node up again once its agent resumed');
  } finally {
    if (pid) process.kill(pid, 'SIGCONT');
    await d.stop();
  }
});
