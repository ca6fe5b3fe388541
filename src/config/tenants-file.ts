import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { strictObject, type Tenant, TenantSchema } from '../domain/index.ts';
import { AppError } from '../shared/app-error.ts';
import { formatIssues } from './format-issues.ts';

const TenantsFileSchema = strictObject({ tenants: z.array(TenantSchema) }).superRefine((file, ctx) => {
  const seen = new Map<string, number>();
  file.tenants.forEach((tenant, index) => {
    const first = seen.get(tenant.id);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenants', index, 'id'],
        message: `duplicate tenant id "${tenant.id}" (also tenants[${first}])`,
      });
    } else {
      seen.set(tenant.id, index);
    }
  });
});

function invalid(source: string, lines: string[]): AppError {
  return new AppError('CONFIG_INVALID', `Invalid tenants file ${source}:\n  ${lines.join('\n  ')}`, {
    details: { source, problems: lines },
  });
}

/**
 * Validate parsed tenants-file content; throws CONFIG_INVALID naming every bad field. Secrets given
 * by reference (the digest's signing secret variable) must be set in `env`.
 */
export function parseTenants(
  content: unknown,
  source = '(inline)',
  env: Record<string, string | undefined> = process.env,
): Tenant[] {
  const result = TenantsFileSchema.safeParse(content);
  if (!result.success) throw invalid(source, formatIssues(result.error.issues));
  const missing: string[] = [];
  result.data.tenants.forEach((t, i) => {
    const name = t.digest?.enabled ? t.digest.signingSecretEnv : undefined;
    if (name !== undefined && !env[name]) {
      missing.push(
        `tenants[${i}].digest.signingSecretEnv: the environment variable ${name} is not set (it holds the signing secret)`,
      );
    }
  });
  if (missing.length > 0) throw invalid(source, missing);
  return result.data.tenants;
}

/** Read a YAML or JSON tenants file (YAML is a superset of JSON, so one parser reads both). */
export async function loadTenantsFile(path: string): Promise<Tenant[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw invalid(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  let content: unknown;
  try {
    content = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw invalid(path, [`not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseTenants(content, path);
}
