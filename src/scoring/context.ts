// Everything scoring needs besides the deal: the moment ("as of"), norms, weights, bands and model.
// Built once per batch; scoring a deal then only reads it.

import type { IndicatorResult, ScoringConfigSchema } from '../domain/index.ts';
import type { z } from 'zod';
import type { ActivityStats } from './activity-stats.ts';
import { type BandThresholds, FIXED_BANDS } from './bands.ts';
import type { DealInput } from './deal-input.ts';
import { toEpochMs } from './deal-input.ts';
import { PRIOR_MODEL, type ScoringModel } from './model.ts';
import { type CompiledEnsemble, compileEnsemble } from './tree-ensemble.ts';
import { defaultNorms, type Norms, type PreparedNorms, prepareNorms } from './norms.ts';
import { CORE_INDICATOR_KEYS, REASON_PRIORITY, resolveWeights } from './weights.ts';

/**
 * A qualification-field indicator (`field:<name>`, issue 9) plugged in from outside. The engine
 * weighs and reports it like a built-in one; the weight comes from Tenant.scoring.weights[key],
 * else DEFAULT_FIELD_WEIGHT. `stats` is a reused object: read it during `evaluate`, never keep it.
 * `input.fields` holds the record's current values (no history): for training, an implementation
 * must not read a value that may have been set after `input.asOf`.
 */
export interface ExtraIndicator {
  readonly key: `field:${string}`;
  evaluate(input: DealInput, stats: ActivityStats, ctx: ScoringContext): IndicatorResult;
  /**
   * Training only (out-of-fold target encoding): the same indicator learned without the outcomes
   * of the given deals, judging from every remaining outcome whatever the moment. Absent: the
   * indicator is used as it is.
   */
  outOfFold?(excludedDealIds: ReadonlySet<string>): ExtraIndicator;
}

export type { BandThresholds };

export interface ScoringContextOptions {
  /** The moment to score as of (ISO string or epoch ms). Required: the engine has no clock. */
  asOf: string | number;
  /** The tenant's learned norms. Default: {@link defaultNorms} (every default in use). */
  norms?: Norms | undefined;
  /**
   * Tenant.scoring (bands and weight overrides). Bands: the tenant's, else the model's derived
   * bands (bands.ts), else healthy >= 70, watch >= 40.
   */
  scoring?: Partial<Pick<z.infer<typeof ScoringConfigSchema>, 'bands' | 'weights'>> | undefined;
  /** The tenant's model. Default: the prior model (no win probability). */
  model?: ScoringModel | null | undefined;
  extraIndicators?: readonly ExtraIndicator[] | undefined;
  /** Score change (points) below which the trend is "steady". Default 5. */
  trendDeadZone?: number | undefined;
  /** Indicators below this confidence are not used as reasons. Default 0.4. */
  reasonMinConfidence?: number | undefined;
}

export interface ScoringContext {
  readonly asOf: number;
  readonly asOfIso: string;
  readonly norms: PreparedNorms;
  readonly bands: BandThresholds;
  readonly model: ScoringModel;
  readonly extraIndicators: readonly ExtraIndicator[];
  /** Keys of every indicator produced, core first, then extras. */
  readonly keys: readonly string[];
  /** Weight per key, aligned with `keys`. */
  readonly weights: Float64Array;
  /** Reason order among equal contributions, aligned with `keys` (lower first). */
  readonly reasonRank: Int32Array;
  /**
   * Per key, the factor that turns its model feature into its contribution to the score: the
   * model's coefficient on a logistic model (0 for keys it does not use), the weight on the prior;
   * unused on a trees model (its contributions are path contributions, per deal).
   */
  readonly contributionFactors: Float64Array;
  /** A trees model's ensemble compiled into typed arrays (null for other kinds). */
  readonly ensemble: CompiledEnsemble | null;
  /** For each model feature, its position in `keys` (-1 when the deal has no such indicator). */
  readonly modelFeatureIndex: Int32Array;
  readonly trendDeadZone: number;
  readonly reasonMinConfidence: number;
}

export function createScoringContext(options: ScoringContextOptions): ScoringContext {
  const asOf = toEpochMs(options.asOf);
  const extraIndicators = options.extraIndicators ?? [];
  const keys: string[] = [...CORE_INDICATOR_KEYS, ...extraIndicators.map((e) => e.key)];
  const model = options.model ?? PRIOR_MODEL;
  const bands = { ...(options.scoring?.bands ?? model.bands ?? FIXED_BANDS) };
  const weights = resolveWeights(keys, options.scoring?.weights);
  if (!(bands.healthy > bands.watch)) throw new RangeError('bands: healthy must be greater than watch');
  return {
    asOf,
    asOfIso: new Date(asOf).toISOString(),
    norms: prepareNorms(options.norms ?? defaultNorms()),
    bands: { healthy: bands.healthy, watch: bands.watch },
    model,
    extraIndicators,
    keys,
    weights,
    reasonRank: Int32Array.from(keys, (k) => {
      const r = (REASON_PRIORITY as readonly string[]).indexOf(k);
      return r >= 0 ? r : REASON_PRIORITY.length;
    }),
    modelFeatureIndex: Int32Array.from(model.features, (f) => keys.indexOf(f)),
    contributionFactors:
      model.kind === 'logistic'
        ? Float64Array.from(keys, (k) => {
            const j = model.features.indexOf(k);
            return j >= 0 ? model.coefficients[j]! : 0;
          })
        : model.kind === 'trees'
          ? new Float64Array(keys.length)
          : weights,
    ensemble: model.kind === 'trees' && model.ensemble ? compileEnsemble(model.ensemble) : null,
    trendDeadZone: options.trendDeadZone ?? 5,
    reasonMinConfidence: options.reasonMinConfidence ?? 0.4,
  };
}

/** The same context at another moment (training scores each deal as of its own cut-off). */
export function withAsOf(ctx: ScoringContext, asOf: number): ScoringContext {
  return { ...ctx, asOf, asOfIso: new Date(asOf).toISOString() };
}
