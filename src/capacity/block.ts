/**
 * A capacity provider's block of a queue's configuration (`queues[i].ec2`, `queues[i].pcluster`): a
 * mapping of known keys, whose text values are read with errors that name the key.
 */
export function configBlock(key: string, raw: unknown, keys: readonly string[], shape: string): { q: Record<string, unknown>; str: (k: string) => string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${key}: must be a mapping ${shape}`);
  const q = raw as Record<string, unknown>;
  const extra = Object.keys(q).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw new Error(`${key}: unknown keys ${extra.join(', ')}`);
  const str = (k: string): string => {
    if (q[k] === undefined) return '';
    if (typeof q[k] !== 'string') throw new Error(`${key}.${k}: '${String(q[k])}' is not text`);
    return q[k] as string;
  };
  return { q, str };
}
