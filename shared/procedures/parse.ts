/**
 * Reads a procedure file (YAML, which includes JSON) and validates it. Each problem names the
 * path inside the file, the line where it is, and what is wrong, so a site manager can fix it.
 */
import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import { procedureSchema, type Procedure } from './schema';

export interface ProcedureProblem {
  /** Dotted path inside the file, e.g. `steps.3.when.question`; `(file)` for the whole file. */
  path: string;
  /** 1-based line in the file, when it can be located. */
  line: number | null;
  message: string;
}

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
        message: e.message.split('\n')[0]!
      }))
    };
  }
  const result = procedureSchema.safeParse(doc.toJS());
  if (result.success) return { ok: true, procedure: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      return { path: path.length ? path.join('.') : '(file)', line: lineOf(doc, path, lineCounter), message: issue.message };
    })
  };
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
