import type { z } from 'zod';

/** One line per bad field: `tenants[1].connection.auth.refreshToken: must not be empty`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const path = issue.path
      .map((part, index) =>
        typeof part === 'number'
          ? `[${part}]`
          : index === 0 && prefix === ''
            ? String(part)
            : `.${String(part)}`,
      )
      .join('');
    const where = `${prefix}${path}` || '(root)';
    return `${where}: ${issue.message}`;
  });
}
