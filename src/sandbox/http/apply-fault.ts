import type { FastifyReply, FastifyRequest } from 'fastify';
import { decideFault, type FaultDecision, type FaultPlan } from '../fault-plan.ts';

/** A surface's own rendering of an injected error (each CRM has its own error body and headers). */
interface FaultResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** How a surface answers injected faults. */
export interface FaultResponder {
  /** The response for an injected error status (e.g. 503). */
  error(status: number): FaultResponse;
  /** The response for an injected rate-limit refusal. */
  rateLimit(): FaultResponse;
}

/**
 * Apply the fault plan to one request: wait `latencyMs`, then decide and act. Returns the decision;
 * for anything but `none` the request is finished (answered, left hanging, or its socket destroyed)
 * and the caller must not answer it. Hanging sockets end when the server closes
 * (start fastify with `forceCloseConnections: true`).
 */
export async function applyFault(
  plan: FaultPlan,
  request: FastifyRequest,
  reply: FastifyReply,
  responder: FaultResponder,
  random: () => number = Math.random,
): Promise<FaultDecision> {
  if (plan.latencyMs > 0) await sleep(plan.latencyMs);
  const decision = decideFault(plan, random);
  switch (decision.kind) {
    case 'none':
      return decision;
    case 'drop':
      reply.hijack();
      request.raw.socket.destroy();
      return decision;
    case 'hang':
      // Never answer: the client must time out on its own.
      reply.hijack();
      return decision;
    case 'rate_limit':
      send(reply, responder.rateLimit());
      return decision;
    case 'error':
      send(reply, responder.error(decision.status));
      return decision;
  }
}

function send(reply: FastifyReply, response: FaultResponse): void {
  if (response.headers) reply.headers(response.headers);
  void reply.code(response.status).send(response.body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
