import type { Catalog } from '../catalog/catalog.ts';
import type { CommandContext } from './define.ts';

/**
 * The catalog as AWS has it (controls AWS added shown with AWS's text, controls AWS dropped marked
 * retired). `cached` uses the store's copy whatever its age and never calls AWS; `current` reads
 * AWS's list when the copy is older than a day. Without a config or a store: the catalog files.
 */
export async function liveCatalogOf(ctx: CommandContext, how: 'cached' | 'current'): Promise<Catalog> {
  try {
    const services = await ctx.services.controls?.();
    if (!services) return ctx.catalog;
    return await (how === 'cached' ? services.catalog.cached() : services.catalog.current());
  } catch {
    return ctx.catalog;
  }
}
