import { describe, expect, it } from 'vitest';
import { digestMessage } from '../../../src/scoring/digest-message.ts';
import { type ChangeDeal, computeWhatChanged } from '../../../src/scoring/what-changed.ts';

const AS_OF = Date.parse('2026-11-16T09:00:00Z');

function deal(id: string, name: string, reason: string): ChangeDeal {
  return {
    id,
    name,
    ownerId: 'ann',
    createdAt: '2026-09-01T00:00:00Z',
    amount: 1000,
    closeDate: '2027-01-20',
    closeDateChanges: [{ at: '2026-11-12T09:00:00Z', from: '2026-12-20', to: '2027-01-20' }],
    amountChanges: [],
    band: 'at_risk',
    reason,
    scoreWeekAgo: 55,
  };
}

describe('the digest as a Slack message (docs/DIGEST.md)', () => {
  it('escapes CRM text for mrkdwn, so a deal name cannot mention @channel or forge a link', () => {
    // Slack: &, < and > are control characters in mrkdwn and must be escaped (api.slack.com
    // "Formatting text for app surfaces", Escaping text); <!channel> would notify everyone.
    const doc = computeWhatChanged([deal('a', '<!channel> & <https://evil.example|Acme>', 'No reply <b>')], {
      asOf: AS_OF,
      timezone: 'UTC',
      bands: { healthy: 70, watch: 40 },
      owners: [{ id: 'ann', name: 'Ann <3' }],
    });
    const msg = digestMessage('acme', '2026-W47', doc, doc.groups[1]!);
    const all = JSON.stringify(msg.blocks) + msg.text;
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://');
    expect(all).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|Acme&gt;');
    expect(msg.text).toContain('for Ann &lt;3');
  });

  it("keeps within Block Kit's limits: header text 150 characters, section text 3000", () => {
    const long = 'x'.repeat(2_000);
    const doc = computeWhatChanged(
      Array.from({ length: 6 }, (_, i) => deal(`d${i}`, `${long}${i}`, long)),
      {
        asOf: AS_OF,
        timezone: 'UTC',
        bands: { healthy: 70, watch: 40 },
        owners: [{ id: 'ann', name: 'A'.repeat(300) }],
      },
    );
    const msg = digestMessage('acme', '2026-W47', doc, doc.groups[1]!);
    const header = msg.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const sections = msg.blocks.filter((b) => b.type === 'section') as { text: { text: string } }[];
    expect(sections.length).toBeGreaterThan(2);
    for (const s of sections) expect(s.text.text.length).toBeLessThanOrEqual(3_000);
  });
});
