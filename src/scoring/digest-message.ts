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
/** Block Kit limits: a header's text 150 characters, a section's text 3000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3_000;
/** CRM text in one line, before escaping (which may lengthen it). */
const NAME_MAX = 120;
const REASON_MAX = 160;

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

const money = (n: number) => Math.round(n).toLocaleString('en-US');
const band = (b: string) => b.replace('_', ' ');

/** Slack mrkdwn treats &, < and > as control characters: escape them in CRM text. */
function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A section with as many lines as fit in Block Kit's limit (the rest summed up in a last line). */
function section(title: string, lines: string[]): Record<string, unknown> {
  let text = `*${title}*`;
  for (let i = 0; i < lines.length; i++) {
    const rest = lines.length - i;
    // Room is kept for the "and N more" line.
    if (text.length + 1 + lines[i]!.length > SECTION_MAX - 40) {
      text += `\n…and ${rest} more lines`;
      break;
    }
    text += `\n${lines[i]}`;
  }
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

const nameOf = (s: string) => esc(clip(s, NAME_MAX));
const reasonOf = (s: string) => esc(clip(s, REASON_MAX));

export function digestMessage(
  tenantId: string,
  week: string,
  doc: WhatChangedDocument,
  group: WhatChangedGroup,
): DigestMessage {
  const who = group.ownerId === null ? 'the team' : nameOf(group.name);
  const g = group;
  const summary =
    `${g.movedOut.count} moved out of ${doc.period.label}, ${g.pushed.count} close dates pushed ` +
    `(${g.pushed.days} days), ${g.amountCut.count} amounts cut (${money(g.amountCut.amount)}), ` +
    `${g.newAtRisk.count} new at risk, ${g.bandChanges.count} band changes`;
  const text = `Pipeline health, what changed this week for ${who}: ${summary}`;
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clip(`What changed: ${group.ownerId === null ? 'Team' : group.name}`, HEADER_MAX),
      },
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
    (d) => `${nameOf(d.name)}: ${d.from} → ${d.to ?? 'no close date'}`,
  );
  list(
    'Close dates pushed',
    g.pushed.deals,
    g.pushed.count,
    (d) => `${nameOf(d.name)}: +${d.days} days (${d.to})`,
  );
  list(
    'Amounts cut',
    g.amountCut.deals,
    g.amountCut.count,
    (d) => `${nameOf(d.name)}: ${money(d.from)} → ${money(d.to)}`,
  );
  list(
    'New at risk',
    g.newAtRisk.deals,
    g.newAtRisk.count,
    (d) => `${nameOf(d.name)}${d.reason ? `: ${reasonOf(d.reason)}` : ''}`,
  );
  list(
    'Band changes',
    g.bandChanges.deals,
    g.bandChanges.count,
    (d) => `${nameOf(d.name)}: ${band(d.from)} → ${band(d.to)}${d.reason ? ` (${reasonOf(d.reason)})` : ''}`,
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
