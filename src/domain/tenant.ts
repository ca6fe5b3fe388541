import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { crmUrlProblem } from './crm-hosts.ts';
import { closestName } from './did-you-mean.ts';
import { CORE_INDICATOR_KEYS } from './health-result.ts';
import { strictObject } from './strict-object.ts';

/** True when `tz` is an IANA time zone this runtime knows (e.g. "Europe/Brussels"). */
function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function isCron(expr: string): boolean {
  try {
    CronExpressionParser.parse(expr);
    return true;
  } catch {
    return false;
  }
}

const secret = z.string().min(1, 'must not be empty');

export const HubSpotAuthSchema = z.discriminatedUnion('type', [
  /** Private-app token: does not expire. */
  strictObject({ type: z.literal('private_app'), accessToken: secret }),
  /** Public app: access tokens expire after 30 minutes and are refreshed with the refresh token. */
  strictObject({
    type: z.literal('oauth'),
    clientId: secret,
    clientSecret: secret,
    refreshToken: secret,
  }),
]);

const SalesforceAuthSchema = z.discriminatedUnion('type', [
  strictObject({
    type: z.literal('refresh_token'),
    clientId: secret,
    clientSecret: secret.optional(),
    refreshToken: secret,
  }),
  /** JWT bearer: we sign the assertion with the connected app's private key (PEM). */
  strictObject({
    type: z.literal('jwt_bearer'),
    clientId: secret,
    username: secret,
    privateKey: secret.refine((k) => k.includes('PRIVATE KEY'), 'must be a PEM private key'),
  }),
  strictObject({ type: z.literal('client_credentials'), clientId: secret, clientSecret: secret }),
]);

export const HubSpotConnectionSchema = strictObject({
  crm: z.literal('hubspot'),
  auth: HubSpotAuthSchema,
  /** API host; the embedded sandbox or https://api.hubapi.com. */
  basePath: z.url().default('https://api.hubapi.com'),
  /** Allows http(s) on loopback only (sandbox, tests); without it basePath must be a HubSpot host. */
  developmentTarget: z.boolean().optional(),
  /** Deal pipelines to score; empty means all. */
  pipelines: z.array(z.string().min(1)).default([]),
  /** Extra deal properties to pull into Deal.fields (qualification fields and the like). */
  extraProperties: z
    .array(z.string().regex(/^[A-Za-z0-9_]+$/, 'must be a property internal name'))
    .default([]),
});

export const SalesforceConnectionSchema = strictObject({
  crm: z.literal('salesforce'),
  auth: SalesforceAuthSchema,
  loginUrl: z.url().default('https://login.salesforce.com'),
  /** Allows http(s) on loopback only (sandbox, tests); without it loginUrl must be a Salesforce host. */
  developmentTarget: z.boolean().optional(),
  apiVersion: z
    .string()
    .regex(/^\d{2}\.0$/, 'must look like "62.0"')
    .default('62.0'),
  /** Stop a cycle before it would pass this share of the org's daily API allocation. */
  dailyBudgetShare: z.number().gt(0).max(1).default(0.5),
  /** Extra Opportunity fields to pull (qualification fields and the like). */
  extraFields: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a field API name')).default([]),
  /**
   * Let the schema bootstrap assign the `Pipeline_Health` permission set (API name) to the
   * integration user. Needs "Assign Permission Sets" for that user; without it bootstrap goes on and
   * reports the one-time step an admin takes instead. Default false: an admin assigns it.
   */
  assignPermissionSet: z.boolean().default(false),
});

const ConnectionSchema = z
  .discriminatedUnion('crm', [HubSpotConnectionSchema, SalesforceConnectionSchema])
  .superRefine((connection, ctx) => {
    // Credentials go to this host on every run: only the CRM's documented hosts (crm-hosts.ts).
    const [field, url] =
      connection.crm === 'hubspot' ? ['basePath', connection.basePath] : ['loginUrl', connection.loginUrl];
    const problem = crmUrlProblem(connection.crm, url, connection.developmentTarget === true);
    if (problem !== null) ctx.addIssue({ code: 'custom', path: [field], message: problem });
  });
type Connection = z.infer<typeof ConnectionSchema>;

export const ScheduleSchema = strictObject({
  /** Full recalculation, cron in the tenant's time zone. Default nightly at 02:00 local. */
  nightly: z.string().refine(isCron, 'must be a valid cron expression').default('0 2 * * *'),
  /** Incremental sync interval in minutes; 0 turns it off. */
  incrementalEveryMinutes: z.number().int().min(0).max(1440).default(15),
});

const BandThresholdsSchema = z
  .object({
    /** Score at or above which a deal is healthy. */
    healthy: z.number().min(0).max(100).default(70),
    /** Score at or above which (and below healthy) a deal is on watch; below it is at risk. */
    watch: z.number().min(0).max(100).default(40),
  })
  .refine((b) => b.healthy > b.watch, { message: 'healthy must be greater than watch', path: ['healthy'] });

const QualificationFieldSchema = strictObject({
  /** CRM property / field API name. */
  field: z.string().min(1),
  label: z.string().min(1),
  kind: z.enum(['category', 'boolean', 'number']).default('category'),
});

export const ScoringConfigSchema = strictObject({
  /**
   * Override of the band thresholds. Absent: derived from the tenant's history at training (see
   * docs/SCORING.md: base win rate with a model, prior-score distribution without), else 70 / 40.
   */
  bands: BandThresholdsSchema.optional(),
  /** Weight overrides by indicator key; unnamed indicators keep the survey-derived priors. */
  weights: z.record(z.string(), z.number().min(0)).default({}),
  qualificationFields: z.array(QualificationFieldSchema).default([]),
}).superRefine((scoring, ctx) => {
  // A weight for an indicator that does not exist would be silently ignored: refuse it.
  const known = [...CORE_INDICATOR_KEYS, ...scoring.qualificationFields.map((f) => `field:${f.field}`)];
  for (const key of Object.keys(scoring.weights)) {
    if (known.includes(key)) continue;
    const hint = closestName(key, known);
    ctx.addIssue({
      code: 'custom',
      path: ['weights', key],
      message: `unknown indicator "${key}"${hint === undefined ? '' : ` (did you mean "${hint}"?)`}; weights name a built-in indicator or field:<qualification field>`,
    });
  }
});

const AlertConfigSchema = strictObject({
  enabled: z.boolean().default(true),
  dailyCapPerOwner: z.number().int().min(0).default(10),
  webhookUrl: z.url().optional(),
  /**
   * CRM user id that receives alert tasks of deals whose owner is inactive (left the company) and
   * has no active manager in the CRM. Unset: such alerts are reported as reassigned to nobody.
   */
  fallbackOwnerId: z.string().min(1).optional(),
});

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The weekly "what changed" digest (docs/DIGEST.md): Slack-compatible JSON, HMAC-signed, sent at
 * most once per owner/team and ISO week, retried with backoff.
 */
const DigestConfigSchema = strictObject({
  enabled: z.boolean().default(true),
  /** https anywhere; plain http only on loopback (a local receiver, tests). Never logged. */
  webhookUrl: z.url().refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  }, 'must be an https URL (plain http only on loopback)'),
  /**
   * The environment variable that holds the signing secret (a reference, not the secret itself,
   * so the secret is never in the tenants file, Redis or the admin API).
   */
  signingSecretEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable, e.g. PH_DIGEST_SECRET_ACME'),
  /** Send each owner with changes their own digest as well as the team's. Default true. */
  owners: z.boolean().default(true),
  /** The week's digest is due from this local weekday (1 = Monday .. 7 = Sunday) and hour. Default Monday 08:00. */
  sendFrom: strictObject({
    weekday: z.number().int().min(1).max(7).default(1),
    hour: z.number().int().min(0).max(23).default(8),
  }).default({ weekday: 1, hour: 8 }),
  retry: strictObject({
    /** Attempts per digest in all (across cycles of the week). Default 6. */
    attempts: z.number().int().min(1).max(20).default(6),
    /** The first retry's delay; each next one doubles. Default 2000 ms. */
    initialDelayMs: z.number().int().min(1).default(2_000),
    /**
     * The longest wait inside one run (default 60 s): a longer backoff or Retry-After is kept
     * for the next run of the week instead of holding the step.
     */
    maxDelayMs: z.number().int().min(1).default(60_000),
  }).default({ attempts: 6, initialDelayMs: 2_000, maxDelayMs: 60_000 }),
});
export type DigestConfig = z.infer<typeof DigestConfigSchema>;

const TenantTargetSchema = strictObject({
  ownerId: z.string().nullable().default(null),
  periodStart: z.iso.date(),
  periodEnd: z.iso.date(),
  amount: z.number().nonnegative(),
});

/** One tenant: a CRM account/org, its credentials, schedule and scoring configuration. */
export const TenantSchema = strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (at most 63)'),
  name: z.string().min(1),
  connection: ConnectionSchema,
  timezone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as "Europe/Brussels"')
    .default('UTC'),
  schedule: ScheduleSchema.default({ nightly: '0 2 * * *', incrementalEveryMinutes: 15 }),
  scoring: ScoringConfigSchema.default({
    weights: {},
    qualificationFields: [],
  }),
  alerts: AlertConfigSchema.default({ enabled: true, dailyCapPerOwner: 10 }),
  /** Revenue targets used when the CRM has no goals/quotas. */
  targets: z.array(TenantTargetSchema).default([]),
  /** The weekly digest webhook; absent: no digest. */
  digest: DigestConfigSchema.optional(),
});
export type Tenant = z.infer<typeof TenantSchema>;
type TenantInput = z.input<typeof TenantSchema>;
