import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { subcommands } from '../../commands/index.ts';
import { packageRoot } from '../../src/paths.ts';

function sources(dir: string): string[] {
  const full = join(packageRoot, dir);
  return readdirSync(full).flatMap((name) => {
    const path = join(full, name);
    if (statSync(path).isDirectory()) return sources(relative(packageRoot, path));
    return name.endsWith('.ts') ? [relative(packageRoot, path)] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(join(packageRoot, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] as string);
}

function offenders(files: string[], forbidden: RegExp): string[] {
  return files.flatMap((f) =>
    imports(f)
      .filter((i) => forbidden.test(i))
      .map((i) => `${f} -> ${i}`),
  );
}

describe('layer boundaries', () => {
  const slack = /^@slack\//;
  const aws = /^@aws-sdk\//;

  it('keeps Bolt and the AWS SDK out of commands, the domain and the catalog', () => {
    const domain = [
      ...sources('commands'),
      ...sources('src/document'),
      ...sources('src/subcommand'),
      ...sources('src/engine'),
      ...sources('src/catalog'),
      ...sources('src/config'),
      ...sources('src/digest'),
      ...sources('src/suppression'),
      ...sources('src/jobs'),
      ...sources('src/organization'),
    ];
    expect(offenders(domain, slack)).toEqual([]);
    expect(offenders(domain, aws)).toEqual([]);
  });

  it('imports Bolt only in src/slack and the AWS SDK only in src/aws', () => {
    const all = sources('src').concat(sources('commands'));
    expect(
      offenders(
        all.filter((f) => !f.startsWith('src/slack/')),
        slack,
      ),
    ).toEqual([]);
    expect(
      offenders(
        all.filter((f) => !f.startsWith('src/aws/')),
        aws,
      ),
    ).toEqual([]);
  });

  it('never lets the domain reach up into commands or the surfaces', () => {
    const domain = [
      ...sources('src/engine'),
      ...sources('src/catalog'),
      ...sources('src/aws'),
      ...sources('src/store'),
      ...sources('src/digest'),
      ...sources('src/suppression'),
      ...sources('src/jobs'),
      ...sources('src/organization'),
    ];
    expect(offenders(domain, /commands\/|\/slack\/|\/cli\/|\/document\/|\/subcommand\//)).toEqual([]);
  });

  it('keeps the shared document model and subcommand kit below commands and the surfaces', () => {
    const kit = [...sources('src/document'), ...sources('src/subcommand')];
    expect(offenders(kit, /commands\/|\/slack\/|\/cli\/|^\.\.\/app\.ts$/)).toEqual([]);
  });
});

describe('the command registry', () => {
  it('holds only subcommands in commands/ (plus the registry itself)', () => {
    const files = readdirSync(join(packageRoot, 'commands'));
    const notSubcommands = files.filter(
      (f) =>
        f !== 'index.ts' &&
        !(
          f.endsWith('.ts') &&
          /defineSubcommand\(|createHelp\(/.test(readFileSync(join(packageRoot, 'commands', f), 'utf8'))
        ),
    );
    expect(notSubcommands).toEqual([]);
  });

  it('registers every module in commands/ that defines a subcommand, and nothing else', () => {
    const files = readdirSync(join(packageRoot, 'commands'))
      .filter((f) => f.endsWith('.ts'))
      .filter((f) =>
        /defineSubcommand\(|createHelp\(/.test(readFileSync(join(packageRoot, 'commands', f), 'utf8')),
      )
      .filter((f) => f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''));
    expect(subcommands.map((c) => c.name).sort()).toEqual(files.sort());
  });

  it('has usage and summary texts for every command in both languages', async () => {
    const { createI18n } = await import('../../src/i18n/index.ts');
    const i18n = createI18n();
    for (const lang of ['ja', 'en']) {
      for (const c of subcommands) {
        expect(i18n.exists(`commands.${c.name}.usage`, { lng: lang }), `${lang} ${c.name}`).toBe(true);
        expect(i18n.exists(`commands.${c.name}.summary`, { lng: lang }), `${lang} ${c.name}`).toBe(true);
      }
    }
  });
});
