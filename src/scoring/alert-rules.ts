// Alert rules (INDICATORS.md, "Alerts"): which warnings a scored deal raises. Pure: the job layer
// decides what is new (one open alert per deal and kind), caps per owner and creates the tasks.

import {
  type AlertKind,
  type Band,
  type HealthResult,
  type IndicatorResult,
  REP_ACTION_LABELS,
  type RepActionKey,
} from '../domain/index.ts';
import type { ScoringContext } from './context.ts';
import type { DealInput } from './deal-input.ts';
import { DAY_MS } from './time.ts';

export interface AlertCandidate {
  kind: AlertKind;
  reason: string;
  suggestedAction: string;
}

export interface AlertRuleOptions {
  /** Buyer silence counts as alarming at this multiple of the deal's normal reply gap. Default 3. */
  silenceFactor?: number;
  /** Stalled when the stage age reaches this multiple of the stage's median. Default 2. */
  stallFactor?: number;
}

const BAND_RANK: Record<Band, number> = { healthy: 0, watch: 1, at_risk: 2 };

function indicator(result: HealthResult, key: string): IndicatorResult | undefined {
  return result.indicators.find((i) => i.key === key);
}

/**
 * The suggested action of an alert: the action with the largest estimated lift among those that
 * answer this alert (`relevant`, empty: any), with its lift; the rule's own advice when the model
 * estimates none of them helps this deal (or the result has no actions).
 */
function suggestion(result: HealthResult, relevant: readonly RepActionKey[], advice: string): string {
  const action = result.actions?.find((a) => relevant.length === 0 || relevant.includes(a.key));
  if (!action) return advice;
  const unit = result.winProbability === null ? 'points of health score' : 'points of win probability';
  return `${REP_ACTION_LABELS[action.key]} (estimated +${action.lift} ${unit}). ${advice}`;
}

/** True when the deal is in the second half of its pipeline's open stages. */
function isLateStage(input: DealInput): boolean {
  const stages = input.pipeline?.openStages;
  if (!stages || stages.length === 0 || input.stageId === null) return false;
  const index = stages.indexOf(input.stageId);
  return index >= 0 && index >= Math.ceil(stages.length / 2);
}

/**
 * The alerts a deal's current result warrants. `previousBand` is the band of the deal's last
 * result (null for a first score): a band alert is a transition, not a state.
 */
export function detectAlerts(
  result: HealthResult,
  input: DealInput,
  ctx: ScoringContext,
  previousBand: Band | null,
  options: AlertRuleOptions = {},
): AlertCandidate[] {
  if (input.isClosed) return [];
  const out: AlertCandidate[] = [];
  const late = isLateStage(input);

  if (previousBand !== null && BAND_RANK[result.band] > BAND_RANK[previousBand]) {
    out.push({
      kind: 'band_worsened',
      reason:
        `Health fell from ${previousBand.replace('_', ' ')} to ${result.band.replace('_', ' ')} (score ${Math.round(result.score)}). ${result.reasons[0] ?? ''}`.trim(),
      suggestedAction: suggestion(
        result,
        [],
        'Review the reasons with the buyer and agree on the next step.',
      ),
    });
  }

  const comm = indicator(result, 'open_communication');
  const gap = ctx.norms.replyGapDays().value;
  const silentDays = comm?.value;
  if (
    comm &&
    comm.confidence >= 0.5 &&
    typeof silentDays === 'number' &&
    silentDays >= Math.max(7, (options.silenceFactor ?? 3) * gap)
  ) {
    out.push({
      kind: 'buyer_silent',
      reason: comm.evidence,
      suggestedAction: suggestion(
        result,
        ['buyer_reply', 'multi_contact_meeting'],
        'Reach the buyer through another contact or channel; confirm the deal is still active.',
      ),
    });
  }

  const planning = indicator(result, 'joint_planning');
  if (late && planning && planning.value === null) {
    out.push({
      kind: 'late_stage_no_meeting',
      reason: `Late stage with no meeting booked. ${planning.evidence}`,
      suggestedAction: suggestion(
        result,
        ['multi_contact_meeting', 'fresh_next_step'],
        'Book a joint planning meeting with the buyer and agree a mutual close plan.',
      ),
    });
  }

  const trust = indicator(result, 'trust');
  if (late && trust && trust.value !== null && trust.value <= 1) {
    out.push({
      kind: 'single_threaded_late',
      reason: trust.evidence,
      suggestedAction: suggestion(
        result,
        ['senior_contact', 'multi_contact_meeting'],
        'Engage a second buyer contact, ideally the decision maker or economic buyer.',
      ),
    });
  }

  if (!Number.isNaN(input.closeDate) && input.closeDate < ctx.asOf - DAY_MS) {
    const days = Math.floor((ctx.asOf - input.closeDate) / DAY_MS);
    out.push({
      kind: 'close_date_passed',
      reason: `Close date passed ${days} day${days === 1 ? '' : 's'} ago and the deal is still open.`,
      suggestedAction: suggestion(
        result,
        ['fresh_next_step'],
        'Update the close date with the buyer, or close the deal as lost.',
      ),
    });
  }

  const age = indicator(result, 'stage_age');
  if (age && typeof age.value === 'number' && input.stageId !== null && age.confidence > 0) {
    const norm = ctx.norms.stageDays(input.pipelineId, input.stageId).value;
    if (age.value >= (options.stallFactor ?? 2) * Math.max(1, norm)) {
      out.push({
        kind: 'stalled_in_stage',
        reason: age.evidence,
        suggestedAction: suggestion(
          result,
          ['fresh_next_step', 'multi_contact_meeting', 'senior_contact'],
          'Identify what blocks the next stage and agree it with the buyer.',
        ),
      });
    }
  }
  return out;
}
