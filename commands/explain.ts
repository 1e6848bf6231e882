import { z } from 'zod';
import type { Control } from '../src/catalog/schema.ts';
import { retiredLine } from '../src/document/control-lines.ts';
import { bold, code, type Doc, heading, link, note, text } from '../src/document/doc.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';
import { requireControl } from '../src/subcommand/targets.ts';

const Args = z
  .object({ positionals: z.array(z.string()), flags: z.object({}).loose() })
  .refine((a) => a.positionals.length === 1, 'args.explainOne')
  .transform((a) => ({ controlId: a.positionals[0] as string }));

export const explain = defineSubcommand({
  name: 'explain',
  flags: {},
  args: Args,
  async run(args, ctx) {
    const control = requireControl(ctx.catalog, args.controlId);
    const doc = perLanguage(ctx, (t, lang): Doc => {
      const facts = [
        bold(t('labels.severity')),
        ` ${t(`severity.${control.severity}`)}   `,
        bold(t('labels.service')),
        ` ${control.service}   `,
        bold(t('labels.configRule')),
        ' ',
        control.configRule ? code(control.configRule) : t('labels.none'),
      ];
      return [
        heading(`${control.id} ${control.title[lang]}`),
        text(facts),
        ...(control.deprecated ? [note(retiredLine(control, t))] : []),
        text([bold(t('labels.summary'))], [control.summary[lang]]),
        text([bold(t('labels.remediation'))], ...control.remediation[lang].split('\n').map((l) => [l])),
        note(
          [link(control.links[lang], t('explain.docs'))],
          ...idNote(control, t('explain.securityControlId')),
          ...(control.aliases.length > 0
            ? [
                [
                  `${t('catalog.aliases')}: `,
                  ...control.aliases.flatMap((a, i) => (i ? [', ', code(a)] : [code(a)])),
                ],
              ]
            : []),
        ),
      ];
    });
    return { doc, json: control, visibility: 'private' };
  },
});

/** "Retired", and what took over where AWS names a successor. */
function idNote(control: Control, label: string) {
  return control.securityControlId === control.id ? [] : [[`${label}: `, code(control.securityControlId)]];
}
