/**
 * A small neutral document model. Commands return it; the CLI renders it as text and the Slack
 * surface as Block Kit. Plain strings are data, never markup, so each renderer escapes them its own
 * way and no user or AWS text can become a mention or a link.
 */
export type Inline =
  | string
  | { readonly bold: string }
  | { readonly code: string }
  | { readonly link: string; readonly text: string };

export type Line = readonly Inline[];

/** A button; `value` is a short key the surface resolves, never raw AWS data. */
export interface Button {
  readonly text: string;
  readonly action: string;
  readonly value: string;
}

export type Block =
  | { readonly type: 'heading'; readonly text: string }
  /** `button` sits beside the text (Slack: a section accessory); terminals leave it out. */
  | { readonly type: 'text'; readonly lines: readonly Line[]; readonly button?: Button }
  | { readonly type: 'fields'; readonly fields: readonly { label: string; value: Line }[] }
  | { readonly type: 'list'; readonly items: readonly Line[] }
  | { readonly type: 'note'; readonly lines: readonly Line[] }
  | { readonly type: 'divider' }
  /** An image uploaded to Slack (its file ID); terminals show the alt text. */
  | { readonly type: 'image'; readonly slackFileId: string; readonly altText: string }
  | ({ readonly type: 'button' } & Button);

export type Doc = readonly Block[];

export function heading(text: string): Block {
  return { type: 'heading', text };
}

export function text(...lines: Line[]): Block {
  return { type: 'text', lines };
}

export function note(...lines: Line[]): Block {
  return { type: 'note', lines };
}

export function list(items: Line[]): Block {
  return { type: 'list', items };
}

export const divider: Block = { type: 'divider' };

export function bold(value: string): Inline {
  return { bold: value };
}

export function code(value: string): Inline {
  return { code: value };
}

export function link(url: string, label: string): Inline {
  return { link: url, text: label };
}

/** Joins per-language documents (Japanese first) with a divider between them. */
export function joinDocs(docs: readonly Doc[]): Doc {
  const out: Block[] = [];
  docs.forEach((doc, i) => {
    if (i > 0) out.push(divider);
    out.push(...doc);
  });
  return out;
}

/** Plain text of a line, for fallbacks and logs. */
export function lineText(line: Line): string {
  return line
    .map((part) =>
      typeof part === 'string' ? part : 'bold' in part ? part.bold : 'code' in part ? part.code : part.text,
    )
    .join('');
}

/**
 * Posts one document as a channel message (a thread reply when `threadTs` is given) and returns its
 * ts. `beforeSend` runs right before each Slack call (after any wait for Slack's pace) and stops
 * the post by throwing.
 */
export interface DocPoster {
  post(channel: string, doc: Doc, threadTs?: string, beforeSend?: () => Promise<void>): Promise<string>;
  /** Uploads a PNG privately (not shared to a channel) and returns its file ID for an image block. */
  uploadImage?(png: Buffer, title: string): Promise<string>;
}
