import type { z } from 'zod';
import { AdminHttpError, type FieldError } from './admin-error.ts';

/** `connection.auth.accessToken`, `targets[0].amount`; `(root)` for the body itself. */
function issuePath(path: readonly PropertyKey[]): string {
  const text = path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
  return text === '' ? '(root)' : text;
}

function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    path: issuePath(issue.path),
    // zod says "expected nonoptional, received undefined" for a missing field; say it plainly.
    message:
      issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
        ? 'is required'
        : issue.message,
  }));
}

/**
 * Parse request data with a zod schema; on failure one VALIDATION_FAILED naming every bad field
 * (never the values, which may be secrets).
 */
export function validate<S extends z.ZodType>(schema: S, data: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const fields = fieldErrors(result.error.issues);
  throw new AdminHttpError('VALIDATION_FAILED', `Invalid ${what}: ${fields.length} problem(s)`, { fields });
}
