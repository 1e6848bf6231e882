import type { KnownBlock, SectionBlock } from '@slack/types';
import type { Button, Doc, Inline, Line } from '../../document/doc.ts';
import { limits } from '../limits.ts';
import { escapeMrkdwn, inertFormatting, truncate } from '../mrkdwn.ts';

function inline(part: Inline): string {
  if (typeof part === 'string') return escapeMrkdwn(part);
  if ('bold' in part) return part.bold ? `*${escapeMrkdwn(inertFormatting(part.bold, '*'))}*` : '';
  if ('code' in part) return part.code ? `\`${escapeMrkdwn(inertFormatting(part.code, '`'))}\`` : '';
  // Only our own https links are ever links; the label is escaped and may not close the link.
  if (!/^https:\/\/[^\s<>|]+$/.test(part.link)) return escapeMrkdwn(part.text);
  return `<${part.link}|${escapeMrkdwn(part.text).replaceAll('|', '¦')}>`;
}

export function lineMrkdwn(line: Line): string {
  return line.map(inline).join('');
}

/** Splits text into chunks of at most `max` characters, at line breaks where it can. */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const piece = [...line].length > max ? truncate(line, max) : line;
    const candidate = current ? `${current}\n${piece}` : piece;
    if ([...candidate].length > max) {
      chunks.push(current);
      current = piece;
    } else {
      current = candidate;
    }
  }
  if (current) chunks.push(current);
  return chunks.filter((c) => c.trim() !== '');
}

function sections(lines: readonly Line[]): SectionBlock[] {
  const text = lines.map(lineMrkdwn).join('\n');
  return splitText(text, limits.sectionText).map((chunk) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: chunk },
  }));
}

function buttonElement(button: Button) {
  return {
    type: 'button' as const,
    text: { type: 'plain_text' as const, text: truncate(button.text, limits.buttonText), emoji: true },
    action_id: button.action.slice(0, limits.actionId),
    value: button.value.slice(0, limits.buttonValue),
  };
}

/** Renders a command's document as Block Kit, every block within Slack's per-block limits. */
export function docToBlocks(doc: Doc): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (const block of doc) {
    switch (block.type) {
      case 'heading':
        blocks.push({
          type: 'header',
          text: { type: 'plain_text', text: truncate(block.text, limits.headerText), emoji: true },
        });
        break;
      case 'text': {
        const parts = sections(block.lines);
        const last = parts.at(-1);
        if (block.button && last) last.accessory = buttonElement(block.button);
        blocks.push(...parts);
        break;
      }
      case 'list':
        blocks.push(...sections(block.items.map((item) => ['• ', ...item])));
        break;
      case 'fields':
        for (let i = 0; i < block.fields.length; i += limits.sectionFields) {
          blocks.push({
            type: 'section',
            fields: block.fields.slice(i, i + limits.sectionFields).map((f) => ({
              type: 'mrkdwn',
              text: truncate(
                `*${escapeMrkdwn(inertFormatting(f.label, '*'))}*\n${lineMrkdwn(f.value)}`,
                limits.fieldText,
              ),
            })),
          });
        }
        break;
      case 'note': {
        const texts = block.lines.map(lineMrkdwn).filter((t) => t.trim() !== '');
        for (let i = 0; i < texts.length; i += limits.contextElements) {
          blocks.push({
            type: 'context',
            elements: texts
              .slice(i, i + limits.contextElements)
              .map((t) => ({ type: 'mrkdwn', text: truncate(t, limits.sectionText) })),
          });
        }
        break;
      }
      case 'divider':
        blocks.push({ type: 'divider' });
        break;
      case 'button':
        blocks.push({ type: 'actions', elements: [buttonElement(block)] });
        break;
      case 'image':
        blocks.push({
          type: 'image',
          slack_file: { id: block.slackFileId },
          alt_text: truncate(block.altText, 2000),
        } as KnownBlock);
        break;
    }
  }
  return blocks;
}

export function blockTextLength(block: KnownBlock): number {
  return JSON.stringify(block).length;
}

/**
 * Splits blocks into messages of at most 50 blocks and ~11k characters each: the first is the
 * parent message, the rest go into its thread, so nothing is silently cut.
 */
export function paginateBlocks(blocks: readonly KnownBlock[]): KnownBlock[][] {
  const pages: KnownBlock[][] = [];
  let page: KnownBlock[] = [];
  let size = 0;
  for (const block of blocks) {
    const length = blockTextLength(block);
    if (
      page.length > 0 &&
      (page.length >= limits.blocksPerMessage || size + length > limits.messageBlocksText)
    ) {
      pages.push(page);
      page = [];
      size = 0;
    }
    page.push(block);
    size += length;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/** The plain-text fallback Slack shows in notifications; mrkdwn-escaped, short. */
export function fallbackText(doc: Doc): string {
  const first = doc.find((b) => b.type === 'heading' || b.type === 'text');
  if (!first) return 'fsbp';
  const text = first.type === 'heading' ? escapeMrkdwn(first.text) : lineMrkdwn(first.lines[0] ?? []);
  return truncate(text, limits.messageText);
}
