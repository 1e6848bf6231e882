import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/cli/render-text.ts';
import { terminalJson, terminalLines } from '../../src/cli/terminal-text.ts';
import { bold, code, heading, link, list, note, text } from '../../src/document/doc.ts';
import { hostileStrings, hostileValues } from './corpus.ts';

/** Anything a terminal acts on besides a line feed: C0/C1 controls (ESC, CR, BEL, C1 CSI...), bidi. */
const actionable = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const inert = (out: string) => !actionable.test(out.replaceAll('\n', ''));
/** Our own colour codes only: SGR bold/dim/cyan and their resets. */
const ownSgr = new RegExp(`${String.fromCharCode(27)}\\[(?:1|2|22|36|39)m`, 'g');

function everyWay(value: string) {
  return [
    heading(value),
    text([value, ' ', bold(value), ' ', code(value), ' ', link('https://docs.aws.amazon.com/x', value)]),
    { type: 'fields' as const, fields: [{ label: value, value: [value] }] },
    list([[value]]),
    note([value]),
  ];
}

describe('terminal output of hostile AWS, Slack and config text', () => {
  it.each(Object.entries(hostileStrings))('%s prints inert, with and without colour', (_name, value) => {
    for (const color of [false, true]) {
      const out = renderText(everyWay(value), { color });
      const withoutOwnColour = out.replace(ownSgr, '');
      expect(inert(withoutOwnColour)).toBe(true);
      // Five blocks, five lines: a line break inside a value cannot add (fake) lines.
      expect(out.split('\n')).toHaveLength(5 + 1);
    }
  });

  it('keeps the readable part of the text', () => {
    const out = renderText([text([hostileStrings.ansi as string])]);
    expect(out).toBe('RED click \n');
    expect(renderText([text([hostileStrings.rtlOverride as string])])).toBe('txt.exe iso emb\n');
    expect(renderText([text([hostileStrings.carriageReturn as string])])).toBe('harmlessS3.1 PASSED\n');
  });

  it('CSV keeps its CRLF rows and quoted line breaks but loses escape sequences', () => {
    const csv = `a,b\r\n"x\ny","\u001b]0;pwned\u0007t\u202Eitle"\r\n`;
    expect(terminalLines(csv)).toBe('a,b\r\n"x\ny","title"\r\n');
  });

  it('JSON stays exact data: C1 and bidi controls become \\u escapes', () => {
    for (const value of hostileValues) {
      const json = terminalJson(JSON.stringify({ value }));
      expect(inert(json)).toBe(true);
      expect(JSON.parse(json)).toEqual({ value });
    }
  });
});
