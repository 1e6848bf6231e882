import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlsDir } from '../../src/paths.ts';

export function readControlFile(id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(controlsDir, `${id}.json`), 'utf8'));
}

/** A temporary controls folder holding the given entries, for loader tests. */
export function tempControls(entries: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-controls-'));
  for (const [file, content] of Object.entries(entries)) {
    writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}
