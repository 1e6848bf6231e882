import type { Doc, Inline, Line } from '../document/doc.ts';
import { terminalInline as safe } from './terminal-text.ts';

export interface TextStyle {
  color: boolean;
}

const ansi = {
  bold: ['\x1b[1m', '\x1b[22m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  cyan: ['\x1b[36m', '\x1b[39m'],
} as const;

function wrap(style: TextStyle, kind: keyof typeof ansi, value: string): string {
  return style.color ? `${ansi[kind][0]}${value}${ansi[kind][1]}` : value;
}

/** Every string is data from AWS, Slack or a config: made inert before our own colours are added. */
function inline(part: Inline, style: TextStyle): string {
  if (typeof part === 'string') return safe(part);
  if ('bold' in part) return wrap(style, 'bold', safe(part.bold));
  if ('code' in part) return wrap(style, 'cyan', safe(part.code));
  return `${safe(part.text)} <${safe(part.link)}>`;
}

function line(parts: Line, style: TextStyle): string {
  return parts.map((p) => inline(p, style)).join('');
}

/** Renders a command's document for a terminal; colour only when stdout is a TTY. */
export function renderText(doc: Doc, style: TextStyle = { color: false }): string {
  const out: string[] = [];
  for (const block of doc) {
    switch (block.type) {
      case 'heading':
        out.push(wrap(style, 'bold', safe(block.text)));
        break;
      case 'text':
        out.push(...block.lines.map((l) => line(l, style)));
        break;
      case 'fields':
        out.push(...block.fields.map((f) => `${safe(f.label)}: ${line(f.value, style)}`));
        break;
      case 'list':
        out.push(...block.items.map((l) => `  ${line(l, style)}`));
        break;
      case 'note':
        out.push(...block.lines.map((l) => wrap(style, 'dim', line(l, style))));
        break;
      case 'divider':
        out.push('');
        break;
      case 'button':
        // Buttons act in Slack only; the terminal has the matching command instead.
        break;
      case 'image':
        out.push(wrap(style, 'dim', `[${block.altText}]`));
        break;
    }
  }
  return `${out.join('\n')}\n`;
}
