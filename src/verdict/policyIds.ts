/** How a set of policies is named in notes and explanations: said once for the set, ids compacted. Pure. */

/** `policy 7`, `policies 1-5`, `policies 1, 3, 7-9`: ids sorted, runs compacted. */
export function policiesText(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    runs.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return `${sorted.length === 1 ? 'policy' : 'policies'} ${runs.join(', ')}`;
}

