import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rules of docs/ARCHITECTURE.md: who may import whom. Nothing imports upward.
const ROOT = resolve(import.meta.dirname, '../../..');
const ALLOWED: Record<string, string[]> = {
  'src/domain': ['src/domain'],
  'src/shared': ['src/shared'],
  'src/config': ['src/config', 'src/domain', 'src/shared'],
  'src/scoring': ['src/scoring', 'src/domain'],
  'src/sandbox': ['src/sandbox', 'src/domain'],
  'src/import': ['src/import', 'src/domain', 'src/sandbox', 'src/shared'],
  connectors: ['connectors', 'src/domain', 'src/shared'],
  'src/store': ['src/store', 'src/domain', 'src/shared'],
  jobs: ['jobs', 'src/domain', 'src/scoring', 'src/store', 'src/shared', 'connectors/crm-connector.ts'],
  'src/queue': ['src/queue', 'jobs', 'src/store', 'src/domain', 'src/shared'],
  'src/admin': ['src/admin', 'src/store', 'src/queue', 'src/domain', 'src/shared', 'src/config'],
  'src/cli': ['*'],
};

function layerOf(file: string): string | undefined {
  return Object.keys(ALLOWED).find((layer) => file === layer || file.startsWith(`${layer}/`));
}

function tsFiles(dir: string): string[] {
  const abs = join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const rel = join(dir, name);
    return statSync(join(ROOT, rel)).isDirectory() ? tsFiles(rel) : rel.endsWith('.ts') ? [rel] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function relativeImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (spec?.startsWith('.')) out.push(relative(ROOT, resolve(ROOT, dirname(file), spec)));
  }
  return out;
}

describe('architecture layers', () => {
  const files = ['src', 'connectors', 'jobs'].flatMap(tsFiles);

  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('has no upward or sideways imports', () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      if (layer === undefined) {
        violations.push(`${file}: not in any known layer`);
        continue;
      }
      const allowed = ALLOWED[layer] ?? [];
      if (allowed.includes('*')) continue;
      for (const target of relativeImports(file)) {
        if (!allowed.some((a) => target === a || target.startsWith(`${a}/`))) {
          violations.push(`${file} -> ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('flags a forbidden import (the rule can fail)', () => {
    const layer = layerOf('src/scoring/combine.ts');
    expect(layer).toBe('src/scoring');
    const allowed = ALLOWED[layer ?? ''] ?? [];
    expect(allowed.some((a) => 'src/store/state.ts'.startsWith(`${a}/`))).toBe(false);
  });
});
