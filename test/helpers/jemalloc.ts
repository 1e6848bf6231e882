import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's libjemalloc2 (what the Docker image preloads), wherever the architecture puts it; null if absent. */
export function jemallocPath(): string | null {
  for (const dir of readdirSync('/usr/lib', { withFileTypes: true })) {
    const file = join('/usr/lib', dir.name, 'libjemalloc.so.2');
    if (dir.isDirectory() && dir.name.endsWith('-linux-gnu') && existsSync(file)) return file;
  }
  return null;
}
