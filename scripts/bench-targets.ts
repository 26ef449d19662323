/**
 * A benchmark's figures against their targets (each an upper bound): what missed, said plainly.
 * A benchmark prints its last line, then exits with status 1 when this is not empty.
 */
export function overTargets<K extends string>(figures: Record<K, number>, targets: Partial<Record<K, number>>): string[] {
  return (Object.keys(targets) as K[])
    .filter((key) => !(figures[key] <= targets[key]!))
    .map((key) => `${key} ${figures[key]} > ${targets[key]}`);
}
