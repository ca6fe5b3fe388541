// The per-tenant win model: a versioned, serialisable plain-JSON object. `prior-v1` means no fitted
// model (too few closed deals): scores use the prior weights and winProbability stays null.

import { z } from 'zod';
import type { IndicatorResult } from '../domain/index.ts';
import { TreeEnsembleSchema } from './tree-ensemble.ts';

const PRIOR_MODEL_VERSION = 'prior-v1';

export const ScoringModelSchema = z
  .object({
    /**
     * `prior-v1`, or `fit-<hash>` for a fitted model (the hash covers the kind, the features and the
     * coefficients or trees).
     */
    version: z.string().min(1),
    /** `logistic`: sigmoid(intercept + coefficients · features); `trees`: the boosted `ensemble`. */
    kind: z.enum(['prior', 'logistic', 'trees']),
    /** Indicator keys: the model's feature columns (aligned with `coefficients` on a logistic model). */
    features: z.array(z.string()),
    /** Logistic: the intercept; trees: 0 (the ensemble carries its base). */
    intercept: z.number(),
    /** Logistic: one per feature; trees: empty. */
    coefficients: z.array(z.number()),
    /** Trees only: the ensemble over `features` (its split features index `features`). */
    ensemble: TreeEnsembleSchema.optional(),
    /** How an indicator becomes a feature; see {@link indicatorFeature}. */
    featureTransform: z.literal('confidence-centred-v1'),
    /** What the fit used (null for the prior model). */
    trainedOn: z
      .object({
        won: z.number().int().nonnegative(),
        lost: z.number().int().nonnegative(),
        leadDays: z.number().nonnegative(),
        l2: z.number().nonnegative(),
      })
      .nullable(),
    /**
     * Default band thresholds derived from the tenant's history (see bands.ts); absent: 70 / 40.
     * Tenant.scoring.bands overrides them.
     */
    bands: z.object({ healthy: z.number(), watch: z.number(), basis: z.string() }).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.kind === 'trees') {
      if (!m.ensemble)
        ctx.addIssue({ code: 'custom', path: ['ensemble'], message: 'a trees model needs its ensemble' });
      else if (m.ensemble.trees.some((t) => t.feature.some((f) => f >= m.features.length)))
        ctx.addIssue({
          code: 'custom',
          path: ['ensemble'],
          message: 'a split names a feature the model lacks',
        });
    } else if (m.ensemble) {
      ctx.addIssue({ code: 'custom', path: ['ensemble'], message: 'only a trees model has an ensemble' });
    }
    if (m.kind === 'logistic' && m.coefficients.length !== m.features.length)
      ctx.addIssue({ code: 'custom', path: ['coefficients'], message: 'one coefficient per feature' });
  });
export type ScoringModel = z.infer<typeof ScoringModelSchema>;

export const PRIOR_MODEL: ScoringModel = Object.freeze({
  version: PRIOR_MODEL_VERSION,
  kind: 'prior',
  features: [],
  intercept: 0,
  coefficients: [],
  featureTransform: 'confidence-centred-v1',
  trainedOn: null,
}) as ScoringModel;

/**
 * The model feature of an indicator: its sub-score centred on 0.5, scaled to -1..1 and multiplied
 * by its confidence, so an indicator without data contributes 0 (neither good nor bad).
 */
export function indicatorFeature(ind: Pick<IndicatorResult, 'subScore' | 'confidence'>): number {
  return ind.confidence * (ind.subScore - 0.5) * 2;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** FNV-1a 32-bit hash as 8 hex digits (stable model versions). */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
