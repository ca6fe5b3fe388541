// The weekly digest as a Slack-compatible message: `text` (the notification and fallback line) and
// `blocks` (Block Kit: header, one section per kind of change, a context line). Pure.

import type { WhatChangedDocument, WhatChangedGroup } from './what-changed.ts';

export interface DigestMessage {
  text: string;
  blocks: Record<string, unknown>[];
  /** Not read by Slack; for receivers that route or deduplicate. */
  metadata: { tenantId: string; period: string; recipient: string; ownerId: string | null };
}

/** Listed deals per section in the message (the counts cover all). */
const LISTED = 5;

const money = (n: number) => Math.round(n).toLocaleString('en-US');
const band = (b: string) => b.replace('_', ' ');

/** Slack mrkdwn treats &, < and > as control characters: escape them in CRM text. */
function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function section(title: string, lines: string[]): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text: [`*${title}*`, ...lines].join('\n') } };
}

export function digestMessage(
  tenantId: string,
  week: string,
  doc: WhatChangedDocument,
  group: WhatChangedGroup,
): DigestMessage {
  const who = group.ownerId === null ? 'the team' : esc(group.name);
  const g = group;
  const summary =
    `${g.movedOut.count} moved out of ${doc.period.label}, ${g.pushed.count} close dates pushed ` +
    `(${g.pushed.days} days), ${g.amountCut.count} amounts cut (${money(g.amountCut.amount)}), ` +
    `${g.newAtRisk.count} new at risk, ${g.bandChanges.count} band changes`;
  const text = `Pipeline health, what changed this week for ${who}: ${summary}`;
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: `What changed: ${group.ownerId === null ? 'Team' : group.name}` },
    },
    section('Summary', [summary]),
  ];
  const list = <T>(title: string, items: T[], count: number, line: (d: T) => string) => {
    if (count === 0) return;
    const more = count > LISTED ? [`…and ${count - LISTED} more`] : [];
    blocks.push(section(title, [...items.slice(0, LISTED).map((d) => `• ${line(d)}`), ...more]));
  };
  list(
    `Moved out of ${doc.period.label}`,
    g.movedOut.deals,
    g.movedOut.count,
    (d) => `${esc(d.name)}: ${d.from} → ${d.to ?? 'no close date'}`,
  );
  list(
    'Close dates pushed',
    g.pushed.deals,
    g.pushed.count,
    (d) => `${esc(d.name)}: +${d.days} days (${d.to})`,
  );
  list(
    'Amounts cut',
    g.amountCut.deals,
    g.amountCut.count,
    (d) => `${esc(d.name)}: ${money(d.from)} → ${money(d.to)}`,
  );
  list(
    'New at risk',
    g.newAtRisk.deals,
    g.newAtRisk.count,
    (d) => `${esc(d.name)}${d.reason ? `: ${esc(d.reason)}` : ''}`,
  );
  list(
    'Band changes',
    g.bandChanges.deals,
    g.bandChanges.count,
    (d) => `${esc(d.name)}: ${band(d.from)} → ${band(d.to)}${d.reason ? ` (${esc(d.reason)})` : ''}`,
  );
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `Week ${week}, changes since ${doc.since.slice(0, 10)} (as of ${doc.asOf})` },
    ],
  });
  return {
    text,
    blocks,
    metadata: { tenantId, period: week, recipient: group.ownerId ?? 'team', ownerId: group.ownerId },
  };
}
