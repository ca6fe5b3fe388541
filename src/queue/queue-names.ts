/**
 * Queue names and the BullMQ key prefix. The prefix is wrapped in a hash tag (`{ph}`) so every key
 * of a queue lands in one Redis Cluster slot, as BullMQ requires on a cluster.
 */
export const QUEUES = {
  /** Every step of every tenant's cycle (sync, score, write-back, alert, finalize). */
  cycle: 'cycle',
  /** Jobs created by the per-tenant schedulers; each starts a cycle (or a training run). */
  schedule: 'schedule',
  /** Model training runs. */
  train: 'train',
} as const;

export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}
