/**
 * What an agent on EC2 learns about its instance from the instance metadata service, with an IMDSv2
 * session token (PUT /latest/api/token, then GETs with X-aws-ec2-metadata-token): instance id and
 * type, availability zone, placement group, lifecycle (spot or on-demand). The base URL is the
 * agent's `--imds` (http://169.254.169.254 on EC2; an emulator's in tests). A path the service does
 * not have (404: no placement group) is left empty; a service that does not answer is an error.
 */
export interface InstanceFacts {
  instance_id: string;
  instance_type: string;
  availability_zone: string;
  placement_group: string;
  spot: boolean;
}

const TOKEN_TTL_S = 21600;

async function token(base: string, timeoutMs: number): Promise<string> {
  const r = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_S) }, signal: AbortSignal.timeout(timeoutMs) });
  if (!r.ok) throw new Error(`${base}/latest/api/token: HTTP ${r.status}`);
  return (await r.text()).trim();
}

/** GET a metadata path with the token: its text, or '' when the service has no such path (404). */
async function get(base: string, path: string, tok: string, timeoutMs: number): Promise<string> {
  const r = await fetch(`${base}/latest/meta-data/${path}`, { headers: { 'X-aws-ec2-metadata-token': tok }, signal: AbortSignal.timeout(timeoutMs) });
  if (r.status === 404) return '';
  if (!r.ok) throw new Error(`${base}/latest/meta-data/${path}: HTTP ${r.status}`);
  return (await r.text()).trim();
}

export async function readInstanceFacts(base: string, timeoutMs = 2000): Promise<InstanceFacts> {
  const url = base.replace(/\/+$/, '');
  const tok = await token(url, timeoutMs);
  const [instance_id, instance_type, availability_zone, placement_group, lifecycle] = await Promise.all(
    ['instance-id', 'instance-type', 'placement/availability-zone', 'placement/group-name', 'instance-life-cycle'].map((p) => get(url, p, tok, timeoutMs)),
  );
  return { instance_id: instance_id!, instance_type: instance_type!, availability_zone: availability_zone!, placement_group: placement_group!, spot: lifecycle === 'spot' };
}

/** A notice read from the metadata service (see agent.proto Notice). */
export interface ImdsNotice { kind: 'spot-interruption' | 'rebalance'; action: string; time: string }

/**
 * Polls the metadata service for a spot interruption notice and a rebalance recommendation (AWS
 * asks for every 5 s), telling `onNotice` of each new one once. The token is renewed when refused.
 */
export class NoticePoller {
  #token = '';
  readonly #seen = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly base: string, private readonly onNotice: (n: ImdsNotice) => void, private readonly onError: (e: Error) => void) {}

  start(everyMs: number): void {
    const tick = (): void => { void this.poll().catch((e: Error) => this.onError(e)); };
    this.#timer = setInterval(tick, everyMs);
    this.#timer.unref();
    tick();
  }

  stop(): void { if (this.#timer) clearInterval(this.#timer); }

  async poll(): Promise<void> {
    const url = this.base.replace(/\/+$/, '');
    const read = async (path: string): Promise<string> => {
      if (this.#token === '') this.#token = await token(url, 2000);
      const r = await fetch(`${url}/latest/meta-data/${path}`, { headers: { 'X-aws-ec2-metadata-token': this.#token }, signal: AbortSignal.timeout(2000) });
      if (r.status === 401) { this.#token = ''; return read(path); }
      if (r.status === 404) return '';
      if (!r.ok) throw new Error(`${url}/latest/meta-data/${path}: HTTP ${r.status}`);
      return r.text();
    };
    const action = await read('spot/instance-action');
    if (action.trim() !== '') {
      const j = JSON.parse(action) as { action?: string; time?: string };
      this.#tell({ kind: 'spot-interruption', action: String(j.action ?? ''), time: String(j.time ?? '') });
    }
    const rebalance = await read('events/recommendations/rebalance');
    if (rebalance.trim() !== '') {
      const j = JSON.parse(rebalance) as { noticeTime?: string };
      this.#tell({ kind: 'rebalance', action: '', time: String(j.noticeTime ?? '') });
    }
  }

  #tell(n: ImdsNotice): void {
    const key = `${n.kind}|${n.action}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.onNotice(n);
  }
}
