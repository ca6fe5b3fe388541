import { getGlobalDispatcher } from 'undici';

/**
 * End every HTTP request still open through the process's fetch dispatcher and close its pooled
 * connections. Called by a stopping worker after its jobs have ended, so nothing waits for these
 * requests any more: a lookup a cancelled step had started and no longer awaited (the HubSpot
 * account lookup, shared by the steps of a tenant) otherwise kept the process alive until its
 * request deadline (CRM_REQUEST_TIMEOUT_MS, up to 10 minutes) when the CRM did not answer.
 *
 * Node's `fetch` and the undici package share one global dispatcher (undici's `setGlobalDispatcher`
 * docs: "shared among compatible undici modules, including undici that is bundled internally with
 * node.js"). After this call `fetch` fails: only for a process that is about to exit. The HubSpot
 * SDK's requests (node:http agents) and jsforce's (its own dispatcher) end with their job's signal.
 */
export async function destroyHttpTransports(): Promise<void> {
  await getGlobalDispatcher()
    .destroy()
    .catch(() => {});
}
