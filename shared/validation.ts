/** Turns a zod failure into an AppError that names each wrong field. */
import type { z } from 'zod';
import { AppError, type ErrorIssue } from './errors';

function issuesOf(error: z.ZodError): ErrorIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
    message: issue.message
  }));
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new AppError('invalid_payload', `Invalid ${what}: ${summary}`, issues);
}
