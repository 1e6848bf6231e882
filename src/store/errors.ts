/** The store was migrated by a newer release; this one must not write to it. */
export class NewerSchemaError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the store's schema is version ${found}, newer than this release knows (${known}): run the newer release or restore a backup`,
    );
    this.name = 'NewerSchemaError';
  }
}
