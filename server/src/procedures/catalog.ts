/**
 * The procedure catalog: every `*.yaml` / `*.yml` / `*.json` file of a folder, validated at
 * start-up. A broken file is refused with its problems (file, line, path, what is wrong) and
 * the other procedures still load. The catalog is the seed of each site's own procedures (see
 * `procedures.service.ts`), so each file's text is kept as written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProcedure, type ProcedureProblem } from '../../../shared/procedures/parse';
import type { Procedure } from '../../../shared/procedures/schema';

export const shippedCatalogDir = fileURLToPath(new URL('../../catalog', import.meta.url));

interface CatalogError {
  file: string;
  problems: ProcedureProblem[];
}

export interface CatalogEntry {
  file: string;
  /** The file exactly as written. */
  source: string;
  procedure: Procedure;
}

export interface Catalog {
  entries: CatalogEntry[];
  procedures: Procedure[];
  errors: CatalogError[];
}

export function loadCatalog(dir: string): Catalog {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort();
  const entries: CatalogEntry[] = [];
  const errors: CatalogError[] = [];
  const ids = new Map<string, string>();
  for (const file of files) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    const parsed = parseProcedure(source);
    if (!parsed.ok) {
      errors.push({ file, problems: parsed.problems });
      continue;
    }
    const other = ids.get(parsed.procedure.id);
    if (other) {
      errors.push({
        file,
        problems: [
          {
            path: 'id',
            line: null,
            code: 'other',
            params: {},
            message: `id "${parsed.procedure.id}" is already used by ${other}`
          }
        ]
      });
      continue;
    }
    ids.set(parsed.procedure.id, file);
    entries.push({ file, source, procedure: parsed.procedure });
  }
  return { entries, procedures: entries.map((e) => e.procedure), errors };
}
