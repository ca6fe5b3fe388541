// The file `import` writes and `demo --world` / `sandbox --world` read: the world plus the
// qualification fields, named as the chosen CRM will show them.

import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { CrmKind } from '../domain/index.ts';
import { customFieldName } from '../sandbox/salesforce/render-world.ts';
import type { SandboxWorld } from '../sandbox/world.ts';
import type { ImportedField } from './export-importer.ts';

const WorldFileSchema = z.object({
  format: z.literal('pipeline-health-world-v1'),
  crm: z.enum(['hubspot', 'salesforce']),
  source: z.string(),
  /** Tenant.scoring.qualificationFields for this CRM (Salesforce: the `__c` API names). */
  qualificationFields: z.array(
    z.object({ field: z.string(), label: z.string(), kind: z.enum(['category', 'boolean', 'number']) }),
  ),
  /** Salesforce: SalesforceConnection.extraFields to pull them. */
  extraFields: z.array(z.string()),
  world: z
    .object({
      now: z.string(),
      owners: z.array(z.unknown()),
      pipelines: z.array(z.unknown()).min(1),
      companies: z.array(z.unknown()),
      contacts: z.array(z.unknown()),
      deals: z.array(z.unknown()),
      activities: z.array(z.unknown()),
      targets: z.array(z.unknown()),
    })
    .loose(),
});

export interface WorldFile {
  format: 'pipeline-health-world-v1';
  crm: CrmKind;
  source: string;
  qualificationFields: { field: string; label: string; kind: 'category' | 'boolean' | 'number' }[];
  extraFields: string[];
  world: SandboxWorld;
}

/** The qualification fields as the CRM names them (the sandbox renders a world the same way). */
export function tenantFieldsFor(
  crm: CrmKind,
  fields: readonly ImportedField[],
): Pick<WorldFile, 'qualificationFields' | 'extraFields'> {
  const name = (f: string) => (crm === 'salesforce' ? customFieldName(f) : f);
  return {
    qualificationFields: fields.map((f) => ({ field: name(f.field), label: f.label, kind: f.kind })),
    extraFields: crm === 'salesforce' ? fields.map((f) => name(f.field)) : [],
  };
}

export async function writeWorldFile(path: string, file: WorldFile): Promise<void> {
  await writeFile(path, JSON.stringify(file));
}

/** Reads and checks a world file (shape of the envelope; the world itself came from `import`). */
export async function readWorldFile(path: string): Promise<WorldFile> {
  const parsed = WorldFileSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${path} is not a world file written by \`pipeline-health import\`: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data as unknown as WorldFile;
}
