/**
 * Reads a procedure file (YAML, which includes JSON) and validates it. Each problem names the
 * path inside the file, the line where it is, and what is wrong, so a site manager can fix it.
 */
import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import { procedureSchema, type Procedure } from './schema';
import { classifyIssue, type ProcedureProblem } from './problems';

export type { ProcedureProblem } from './problems';

/**
 * Procedure files have no use for many aliases: a cap lower than the reader's default (100)
 * refuses expansion bombs early. The server also reads files in a worker with a time limit.
 */
const maxAliases = 50;

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
  const result = procedureSchema.safeParse(doc.toJS({ maxAliasCount: maxAliases }));
  if (result.success) return { ok: true, procedure: result.data };
  const problem = (keys: Key[], found: Pick<ProcedureProblem, 'code' | 'params'>, message: string): ProcedureProblem => ({
    path: keys.length ? keys.join('.') : '(file)',
    line: lineOf(doc, keys, lineCounter),
    ...found,
    message
  });
  return {
    ok: false,
    problems: result.error.issues.flatMap((issue) => {
      const keys = issue.path as Key[];
      // An unknown field is shown at its own line, one problem per field.
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((key) =>
          problem([...keys, key], { code: 'unknown_field', params: { field: key } }, `Unrecognized key: "${key}"`)
        );
      return [problem(keys, classifyIssue(issue, doc.hasIn(keys)), issue.message)];
    })
  };
}

/** A step in a path inside the file: a field name, or an index in a list. */
type Key = string | number;

/** The line of the deepest node of `keys` that exists in the document. */
function lineOf(doc: ReturnType<typeof parseDocument>, keys: Key[], lineCounter: LineCounter): number | null {
  for (let depth = keys.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(keys.slice(0, depth), true);
    if (isNode(node) && (node as Node).range) return lineCounter.linePos((node as Node).range![0]).line;
  }
  return null;
}

export function formatProblems(file: string, problems: ProcedureProblem[]): string {
  return problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path}: ${p.message}`).join('\n');
}
