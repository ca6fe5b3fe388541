// The built-in indicators (IndicatorFn each); combine.ts calls them in CORE_INDICATOR_KEYS order.

import { access } from './access.ts';
import { amountAndStageRegression } from './amount-and-stage-regression.ts';
import { closeDateIntegrity } from './close-date-integrity.ts';
import { industryUnderstanding } from './industry-understanding.ts';
import { jointPlanning } from './joint-planning.ts';
import { knowledgeSharing } from './knowledge-sharing.ts';
import { nextStep } from './next-step.ts';
import { openCommunication } from './open-communication.ts';
import { satisfaction } from './satisfaction.ts';
import { stageAge } from './stage-age.ts';
import { trust } from './trust.ts';

export type { IndicatorFn } from './indicator.ts';
export {
  access,
  amountAndStageRegression,
  closeDateIntegrity,
  industryUnderstanding,
  jointPlanning,
  knowledgeSharing,
  nextStep,
  openCommunication,
  satisfaction,
  stageAge,
  trust,
};
