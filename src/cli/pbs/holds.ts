/** qhold/qrls `-h` lists: u, o, s, p (n = none, accepted and ignored). */
export function checkHolds(opts: Array<[string, string]>): string | undefined {
  return opts.some(([o, v]) => o === 'h' && !/^([uosp]+|n)$/.test(v)) ? 'illegal -h value' : undefined;
}

export function holdTypes(opts: Array<[string, string]>): string {
  const v = opts.filter(([o]) => o === 'h').map(([, x]) => x).join('').replace(/n/g, '');
  return v === '' ? 'u' : v;
}
