/**
 * Strings an attacker would try: a channel member typing into `/fsbp` or a modal, someone with
 * `securityhub:BatchImportFindings` writing finding fields, an operator pasting into the config.
 * Each surface test pushes all of them through and scans what reaches Slack or the terminal.
 */
export const hostileStrings: Readonly<Record<string, string>> = {
  channelMention: '<!channel> please re-authenticate',
  hereMention: '<!here|here>',
  everyone: '<!everyone>',
  userMention: '<@U0123ABC> approved this',
  channelLink: 'see <#C0123ABC|general>',
  subteam: '<!subteam^S0123ABC|@security>',
  link: '<https://evil.example|S3.1 – re-authenticate>',
  bareUrlLink: '<https://evil.example>',
  preEscaped: '&lt;!channel&gt; &amp;lt;',
  markdown: '*bold* _it_ ~s~ `code` ```block``` > quote',
  controlChars: 'a\u0000b\u0007c\u0008d\u001be\u007ff\u009bg',
  ansi: '\u001b[31mRED\u001b[0m \u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007 \u001b[2J',
  carriageReturn: 'harmless\rS3.1 PASSED',
  rtlOverride: 'txt.\u202Eexe\u202C \u2066iso\u2069 \u202Aemb\u202C',
  zeroWidth: 'S3\u200B.1\u200C\u200D\u2060\uFEFF',
  loneHighSurrogate: 'abc\uD800def',
  loneLowSurrogate: '\uDC00tail',
  huge: `${'A'.repeat(39_990)}<!channel>`,
  csvFormula: '=HYPERLINK("https://evil.example","click")',
  csvFormulaPlus: "+cmd|' /C calc'!A0",
  csvFormulaAt: "@SUM(1+1)*cmd|' /C calc'!A0",
  sql: "'; DROP TABLE suppressions; --",
  yamlFunction: '!!js/function "function () { process.exit(1) }"',
  yamlBinary: '!!binary aGVsbG8=',
  newlines: 'line one\nline two\n*fake heading*',
  emojiAndJa: '抑制 🚨 <!channel>',
};

export const hostileValues = Object.values(hostileStrings);

/** Mrkdwn control sequences Slack would act on: any `<` starting one is a live mention or link. */
const liveMrkdwn = /<[!@#]|<https?:|<mailto:/i;

/** Every string value in a JSON value with its path, so a failure names the field. */
export function textFields(value: unknown, path = '$'): { path: string; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => textFields(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => textFields(v, `${path}.${k}`));
  }
  return [];
}

/** Block Kit and view text fields that Slack renders as mrkdwn (or plain text it might link). */
function isRenderedText(path: string): boolean {
  return /\.(text|title|label|hint|placeholder|description|alt_text)(\.text)?$/.test(path);
}

/**
 * Rendered text fields holding a live mention or a link not made by the bot itself. The bot's own
 * links are `<https://...|label>` built from its catalog and permalinks: allowed only to known hosts.
 */
export function liveMarkup(
  value: unknown,
  ownHosts: readonly string[] = ['docs.aws.amazon.com', 'console.aws.amazon.com'],
): { path: string; text: string }[] {
  return textFields(value).filter(({ path, text }) => {
    if (!isRenderedText(path)) return false;
    const stripped = text.replace(/<https:\/\/([^/|>]+)[^|>]*\|[^>]*>/g, (whole, host: string) =>
      ownHosts.some((h) => host === h || host.endsWith(`.${h}`)) ? '' : whole,
    );
    return liveMrkdwn.test(stripped);
  });
}
