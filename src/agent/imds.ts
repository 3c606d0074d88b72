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
