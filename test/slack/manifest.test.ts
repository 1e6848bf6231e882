import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../src/paths.ts';

describe('manifest.yaml', () => {
  const manifest = parse(readFileSync(join(packageRoot, 'manifest.yaml'), 'utf8'));

  it('declares the one /fsbp command, escaped so mentions arrive as inert IDs', () => {
    expect(manifest.features.slash_commands).toEqual([
      expect.objectContaining({ command: '/fsbp', should_escape: true }),
    ]);
  });

  it('asks for the scopes the bot uses and no more', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      [
        'channels:read',
        'chat:write',
        'chat:write.public',
        'commands',
        'files:write',
        'groups:read',
        'usergroups:read',
        'users:read',
      ].sort(),
    );
  });

  it('has a Home tab and subscribes to app_home_opened only', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
  });

  it('enables interactivity and Socket Mode', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });
});
