/**
 * Reads a procedure file (YAML, which includes JSON) and validates it. Each problem names the
 * path inside the file, the line where it is, and what is wrong, so a site manager can fix it.
 */
import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import { procedureSchema, type Procedure } from './schema';
import { classifyIssue, type ProcedureProblem } from './problems';

export type { ProcedureProblem } from './problems';

export type ParsedProcedure = { ok: true; procedure: Procedure } | { ok: false; problems: ProcedureProblem[] };

export function parseProcedure(source: string): ParsedProcedure {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: '(file)',
        line: lineCounter.linePos(e.pos[0]).line,
        code: e.code === 'DUPLICATE_KEY' ? 'duplicate_key' : 'yaml',
        params: {},
        message: e.message.split('\n')[0]!
      }))
    };
  }
  const data: unknown = doc.toJS();
  const result = procedureSchema.safeParse(data);
  if (result.success) return { ok: true, procedure: result.data };
  return {
    ok: false,
    problems: result.error.issues.flatMap((issue) => {
      const path = issue.path.map(String);
      // An unknown field is shown at its own line, one problem per field.
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...path, key]) : [path];
      return paths.map((at) => {
        const { code, params } = classifyIssue(issue, valueAt(data, at) !== undefined);
        const single = issue.code === 'unrecognized_keys' ? { field: at.at(-1)! } : params;
        const message = issue.code === 'unrecognized_keys' ? `Unrecognized key: "${at.at(-1)}"` : issue.message;
        return { path: at.length ? at.join('.') : '(file)', line: lineOf(doc, at, lineCounter), code, params: single, message };
      });
    })
  };
}

function valueAt(data: unknown, path: string[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The line of the deepest node of `path` that exists in the document. */
function lineOf(doc: ReturnType<typeof parseDocument>, path: string[], lineCounter: LineCounter): number | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const keys = path.slice(0, depth).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(keys, true);
    if (isNode(node) && (node as Node).range) return lineCounter.linePos((node as Node).range![0]).line;
  }
  return null;
}

export function formatProblems(file: string, problems: ProcedureProblem[]): string {
  return problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path}: ${p.message}`).join('\n');
}
