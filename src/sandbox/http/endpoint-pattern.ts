import type { FastifyRequest } from 'fastify';

/**
 * The endpoint name recorded for a call: method plus the route pattern, with object-type
 * parameters filled in and id parameters shown as `{name}`, e.g.
 * "POST /crm/v3/objects/deals/batch/update" or "GET /crm/v3/objects/deals/{id}".
 * `keepParams` lists the route parameters whose value is part of the name.
 */
export function endpointPattern(request: FastifyRequest, keepParams: ReadonlySet<string>): string {
  const route = request.routeOptions.url;
  if (route === undefined) return `${request.method} ${request.url.split('?')[0] ?? request.url}`;
  const params = (request.params ?? {}) as Record<string, string>;
  const path = route.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) =>
    keepParams.has(name) ? (params[name] ?? `{${name}}`) : `{${name}}`,
  );
  return `${request.method} ${path}`;
}
