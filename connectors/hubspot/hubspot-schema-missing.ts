/**
 * True when HubSpot refused a write because a property does not exist: 400 VALIDATION_ERROR with
 * `errors[].code` PROPERTY_DOESNT_EXIST (the whole batch fails). Matches HubSpot's error code,
 * never its message text.
 */
export function isHubSpotPropertyMissing(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth += 1) {
    const raw = (current as { body?: unknown }).body;
    const body = typeof raw === 'string' ? safeJson(raw) : raw;
    const errors = (body as { errors?: unknown } | null | undefined)?.errors;
    if (
      Array.isArray(errors) &&
      errors.some((e) => (e as { code?: unknown })?.code === 'PROPERTY_DOESNT_EXIST')
    )
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
