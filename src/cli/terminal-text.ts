import { stripVTControlCharacters } from 'node:util';

/**
 * Text from AWS, Slack or a config file reaches the terminal only through these. Escape sequences
 * (CSI, OSC hyperlinks and titles, DCS...) are removed whole by Node's own ANSI matcher; what is left
 * of C0/C1 control characters is dropped (a lone ESC, a CR that would overwrite the line, a C1 CSI),
 * and so are the bidi embeddings, overrides and isolates that reorder a line's visible text.
 */
const controls = /\p{Cc}/gu;
const bidiControls = /[\u202A-\u202E\u2066-\u2069]/g;

/** One line of output: a tab or line break inside a value becomes a space, so it cannot fake a line. */
export function terminalInline(text: string): string {
  return stripVTControlCharacters(text.replace(/[\t\n]/g, ' '))
    .replace(controls, '')
    .replace(bidiControls, '');
}

/** Several lines (messages, CSV): line breaks (LF or CRLF) stay, the rest as in `terminalInline`. */
export function terminalLines(text: string): string {
  return text
    .split(/(\r?\n)/)
    .map((part, i) => (i % 2 === 1 ? part : terminalInline(part)))
    .join('');
}

/**
 * JSON output stays exact data, but DEL, C1 controls and bidi controls (which JSON.stringify leaves raw)
 * are written as \\u escapes so a terminal showing it does not act on them.
 */
export function terminalJson(json: string): string {
  return json.replace(
    /[\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g,
    (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
