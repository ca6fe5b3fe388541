import type { WorldPipeline } from '../world.ts';

/**
 * Fixed vocabularies for the generator. The Sales pipeline uses HubSpot's default stage ids as
 * keys so the HubSpot surface can serve them unchanged; the Salesforce surface renders labels.
 */

export const PIPELINES: readonly WorldPipeline[] = [
  {
    key: 'sales',
    label: 'Sales Pipeline',
    stages: [
      {
        key: 'appointmentscheduled',
        label: 'Appointment Scheduled',
        order: 0,
        isClosed: false,
        isWon: false,
        probability: 0.2,
      },
      {
        key: 'qualifiedtobuy',
        label: 'Qualified To Buy',
        order: 1,
        isClosed: false,
        isWon: false,
        probability: 0.4,
      },
      {
        key: 'presentationscheduled',
        label: 'Presentation Scheduled',
        order: 2,
        isClosed: false,
        isWon: false,
        probability: 0.6,
      },
      {
        key: 'decisionmakerboughtin',
        label: 'Decision Maker Bought-In',
        order: 3,
        isClosed: false,
        isWon: false,
        probability: 0.8,
      },
      {
        key: 'contractsent',
        label: 'Contract Sent',
        order: 4,
        isClosed: false,
        isWon: false,
        probability: 0.9,
      },
      { key: 'closedwon', label: 'Closed Won', order: 5, isClosed: true, isWon: true, probability: 1 },
      { key: 'closedlost', label: 'Closed Lost', order: 6, isClosed: true, isWon: false, probability: 0 },
    ],
  },
  {
    key: 'renewals',
    label: 'Renewals',
    stages: [
      {
        key: 'renewal_review',
        label: 'Renewal Review',
        order: 0,
        isClosed: false,
        isWon: false,
        probability: 0.5,
      },
      {
        key: 'renewal_proposal',
        label: 'Renewal Proposal',
        order: 1,
        isClosed: false,
        isWon: false,
        probability: 0.7,
      },
      {
        key: 'renewal_negotiation',
        label: 'Negotiation',
        order: 2,
        isClosed: false,
        isWon: false,
        probability: 0.85,
      },
      { key: 'renewal_won', label: 'Renewed', order: 3, isClosed: true, isWon: true, probability: 1 },
      { key: 'renewal_lost', label: 'Churned', order: 4, isClosed: true, isWon: false, probability: 0 },
    ],
  },
];

export const INDUSTRIES = [
  'COMPUTER_SOFTWARE',
  'FINANCIAL_SERVICES',
  'HOSPITAL_HEALTH_CARE',
  'RETAIL',
  'MANUFACTURING',
  'LOGISTICS_AND_SUPPLY_CHAIN',
  'EDUCATION_MANAGEMENT',
  'TELECOMMUNICATIONS',
  'INSURANCE',
  'CONSTRUCTION',
] as const;

export const TEAMS = ['Enterprise', 'Mid-Market', 'SMB', 'EMEA', 'Renewals'] as const;

export const SENIOR_TITLES = [
  'Chief Executive Officer',
  'CFO',
  'Chief Technology Officer',
  'VP of Sales',
  'VP Engineering',
  'Vice President, Operations',
  'Director of IT',
  'Director, Procurement',
  'Head of Finance',
] as const;

export const JUNIOR_TITLES = [
  'Sales Manager',
  'Software Engineer',
  'Procurement Specialist',
  'Operations Analyst',
  'IT Manager',
  'Project Manager',
  'Office Manager',
  'Business Analyst',
  'Account Coordinator',
] as const;

export const CONTACT_ROLES = [
  'Decision Maker',
  'Economic Buyer',
  'Influencer',
  'Technical Buyer',
  'Evaluator',
] as const;

/** Qualification picklist, from least to most qualified. */
export const DECISION_PROCESS = ['unknown', 'identified', 'documented', 'signed_off'] as const;

export const EMAIL_SUBJECTS = [
  'Following up on our call',
  'Proposal and pricing',
  'Next steps',
  'Security questionnaire',
  'Implementation timeline',
  'Quick question',
  'Contract redlines',
  'Intro and agenda',
] as const;

export const EMAIL_BODIES = [
  'Thanks for your time today. Summary and next steps below.',
  'Attached is the updated proposal with the options we discussed.',
  'Could you share the timeline for the decision on your side?',
  'Checking in to see whether you had a chance to review.',
  'Our legal team has a few comments on section 4.',
] as const;

export const CALL_TITLES = ['Discovery call', 'Check-in call', 'Pricing call', 'Follow-up call'] as const;

export const MEETING_TITLES = [
  'Discovery meeting',
  'Product demo',
  'Joint planning session',
  'Executive alignment',
  'Technical deep dive',
  'Mutual action plan review',
] as const;

export const NOTE_BODIES = [
  'Customer shared their current process and pain points in detail.',
  'Champion confirmed budget owner and approval steps.',
  'Discussed integration requirements with their IT team.',
  'Buyer mentioned a competing evaluation.',
  'Short call, no new information.',
] as const;

export const TASK_SUBJECTS = [
  'Send proposal',
  'Follow up on contract',
  'Book demo',
  'Prepare ROI case',
] as const;

/** Names with odd encodings, as real CRMs hold them (mojibake, emoji, right-to-left text). */
export const ODD_NAMES = [
  'MÃ¼ller GmbH â€“ Renewal',
  'Ã‰tienne FranÃ§ois deal',
  '🚀 Rocket expansion 🚀',
  'صفقة التوسع',
  'עסקת חידוש',
  'Zoë\u200b Quiñones',
] as const;
