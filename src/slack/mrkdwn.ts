/**
 * Escapes the three characters Slack treats as control sequences, so user or AWS text can never
 * become a mention (`<!channel>`), a user link or a URL. Nothing else is HTML-encoded.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Formatting characters inside bold/code spans would end them early; swap them for look-alikes. */
export function inertFormatting(text: string, marker: '*' | '`'): string {
  return text.replaceAll(marker, marker === '*' ? '∗' : 'ˋ');
}

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
