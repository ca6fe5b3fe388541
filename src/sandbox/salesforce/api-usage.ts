/**
 * The org's rolling 24-hour API request allocation, reported in `Sforce-Limit-Info` and
 * `/limits`. Salesforce counts org-wide; the sandbox counts every authenticated data API call.
 */
export class ApiUsage {
  used: number;
  max: number;

  constructor(max: number, used = 0) {
    this.max = max;
    this.used = used;
  }

  /** Count one call; false (and not counted) when the allocation is used up. */
  take(): boolean {
    if (this.used >= this.max) return false;
    this.used += 1;
    return true;
  }

  header(): string {
    return `api-usage=${this.used}/${this.max}`;
  }
}

/** Enterprise Edition: 100,000 plus 1,000 per Salesforce licence (CRM-FACTS.md). */
export function enterpriseAllocation(licences: number): number {
  return 100_000 + 1_000 * licences;
}
