// The domain layer: types and zod schemas shared by every other layer. Imports nothing internal.
export * from './account.ts';
export * from './activity.ts';
export * from './alert.ts';
export * from './contact.ts';
export * from './crm.ts';
export * from './deal.ts';
export * from './health-result.ts';
export * from './pipeline.ts';
export * from './quarantined-record.ts';
export * from './stage-change.ts';
export * from './tenant.ts';
export * from './health-fields.ts';
export * from './crm-hosts.ts';
export * from './zoned-day.ts';
export * from './did-you-mean.ts';
export * from './strict-object.ts';
export * from './crm-account.ts';
