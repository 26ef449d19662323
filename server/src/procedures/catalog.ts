/**
 * The procedure catalog: every `*.yaml` / `*.yml` / `*.json` file of a folder, validated at
 * start-up. A broken file is refused with its problems (file, line, path, what is wrong) and
 * the other procedures still load.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProcedure, type ProcedureProblem } from '../../../shared/procedures/parse';
import type { Procedure } from '../../../shared/procedures/schema';

export const shippedCatalogDir = fileURLToPath(new URL('../../catalog', import.meta.url));

export interface CatalogError {
  file: string;
  problems: ProcedureProblem[];
}

export interface Catalog {
  procedures: Procedure[];
  errors: CatalogError[];
}

export function loadCatalog(dir: string): Catalog {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort();
  const procedures: Procedure[] = [];
  const errors: CatalogError[] = [];
  const ids = new Map<string, string>();
  for (const file of files) {
    const parsed = parseProcedure(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (!parsed.ok) {
      errors.push({ file, problems: parsed.problems });
      continue;
    }
    const other = ids.get(parsed.procedure.id);
    if (other) {
      errors.push({
        file,
        problems: [{ path: 'id', line: null, message: `id "${parsed.procedure.id}" is already used by ${other}` }]
      });
      continue;
    }
    ids.set(parsed.procedure.id, file);
    procedures.push(parsed.procedure);
  }
  return { procedures, errors };
}
