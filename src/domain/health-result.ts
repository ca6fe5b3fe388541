import { z } from 'zod';
import { CrmIdSchema, IsoDateTimeSchema } from './crm.ts';

/** The built-in indicators (see ../shared/design/INDICATORS.md), in the order they are evaluated and reported. */
export const CORE_INDICATOR_KEYS = [
  'open_communication',
  'access',
  'knowledge_sharing',
  'joint_planning',
  'industry_understanding',
  'satisfaction',
  'trust',
  'stage_age',
  'close_date_integrity',
  'amount_and_stage_regression',
  'next_step',
] as const;

/** Keys of the leading indicators; qualification fields add `field:<name>`. */
const IndicatorKeySchema = z.union([z.enum(CORE_INDICATOR_KEYS), z.templateLiteral(['field:', z.string()])]);

/** One indicator's verdict on one deal, with the evidence a rep reads as a reason. */
const IndicatorResultSchema = z.object({
  key: IndicatorKeySchema,
  label: z.string(),
  /** The measured quantity in its own unit (days, count, share); null when there was no data. */
  value: z.number().nullable(),
  /** 0 = bad, 1 = good. */
  subScore: z.number().min(0).max(1),
  /** 0 = no data to judge, 1 = plenty of data. */
  confidence: z.number().min(0).max(1),
  /** Readable evidence, e.g. "No buyer reply in 12 days, usually 3". */
  evidence: z.string(),
});
export type IndicatorResult = z.infer<typeof IndicatorResultSchema>;

const BandSchema = z.enum(['healthy', 'watch', 'at_risk']);
export type Band = z.infer<typeof BandSchema>;

const TrendSchema = z.enum(['improving', 'steady', 'declining']);

/**
 * The rep-controllable actions whose effect on the deal the engine estimates (issue 18, "what would
 * raise this deal"). The order is the stored code of each action: append only.
 */
export const REP_ACTION_KEYS = [
  'multi_contact_meeting',
  'senior_contact',
  'buyer_reply',
  'fresh_next_step',
] as const;
export type RepActionKey = (typeof REP_ACTION_KEYS)[number];

/** What each action asks of the rep, as shown on explain and in alert tasks. */
export const REP_ACTION_LABELS: Record<RepActionKey, string> = {
  multi_contact_meeting: 'Hold a meeting with two or more buyer contacts',
  senior_contact: 'Engage a senior buyer contact (a decision maker)',
  buyer_reply: 'Get a reply from the buyer',
  fresh_next_step: 'Agree and record a fresh next step',
};

/** One action and its estimated lift: points of win probability (or of score on the prior model). */
const RepActionSchema = z.object({
  key: z.enum(REP_ACTION_KEYS),
  lift: z.number(),
});
export type RepAction = z.infer<typeof RepActionSchema>;
export type Trend = z.infer<typeof TrendSchema>;

/** What the engine says about one open deal as of one moment; what is written back to the CRM. */
export const HealthResultSchema = z.object({
  dealId: CrmIdSchema,
  asOf: IsoDateTimeSchema,
  score: z.number().min(0).max(100),
  band: BandSchema,
  /** Calibrated win probability 0..1 when the tenant has a fitted model; null on prior weights. */
  winProbability: z.number().min(0).max(1).nullable(),
  /** Overall confidence 0..1, from the indicators' confidences. */
  confidence: z.number().min(0).max(1),
  indicators: z.array(IndicatorResultSchema),
  /**
   * Each indicator's contribution to the score in the model in use, aligned with `indicators`:
   * coefficient x feature on a logistic model, the path contribution (log-odds) on a boosted-trees
   * model, prior weight x feature before a model (docs/SCORING.md).
   * Below 0 pulls the score down; the reasons are the three most negative. Absent on old results.
   */
  contributions: z.array(z.number()).optional(),
  /** The top three reasons as readable text, worst first. */
  reasons: z.array(z.string()).max(3),
  /** Against the result of about 7 days ago; null when there is none. */
  trend: TrendSchema.nullable(),
  modelVersion: z.string(),
  /**
   * What would raise this deal: the rep-controllable actions with a positive estimated lift, best
   * first (at most three). Absent on results scored before it existed.
   */
  actions: z.array(RepActionSchema).max(3).optional(),
});
export type HealthResult = z.infer<typeof HealthResultSchema>;
