// TagRepository on SQLite: one row per (resource, key).
import type Database from 'better-sqlite3';
import type { Tags } from '../../api/index.js';
import type { TagMergeResult, TagRepository } from '../../tagging/index.js';

type Db = Database.Database;

/** Deletes a resource's tags; with `includeChildren`, also those of "<key>/..." (a data store's image sets). */
export function deleteResourceTags(db: Db, resourceKey: string, includeChildren: boolean): void {
  db.prepare('DELETE FROM tags WHERE resource_key = ?').run(resourceKey);
  // '/' < '0' in byte order, so this range is exactly the keys that start with "<resourceKey>/" and uses the primary key.
  if (includeChildren) db.prepare('DELETE FROM tags WHERE resource_key > ? AND resource_key < ?').run(`${resourceKey}/`, `${resourceKey}0`);
}

export class SqliteTagRepository implements TagRepository {
  private readonly listStatement;
  private readonly mergeTransaction;
  private readonly removeTransaction;

  constructor(db: Db) {
    this.listStatement = db.prepare<[string], { tag_key: string; tag_value: string }>(
      'SELECT tag_key, tag_value FROM tags WHERE resource_key = ? ORDER BY tag_key',
    );
    const upsert = db.prepare(
      'INSERT INTO tags (resource_key, tag_key, tag_value) VALUES (?, ?, ?) ON CONFLICT (resource_key, tag_key) DO UPDATE SET tag_value = excluded.tag_value',
    );
    const count = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM tags WHERE resource_key = ?');
    const remove = db.prepare('DELETE FROM tags WHERE resource_key = ? AND tag_key = ?');
    this.mergeTransaction = db.transaction((resourceKey: string, tags: Tags, maxTags: number): TagMergeResult => {
      for (const [key, value] of Object.entries(tags)) upsert.run(resourceKey, key, value);
      const total = count.get(resourceKey)!.n;
      if (total > maxTags) throw new TooManyTags(total); // rolls the transaction back
      return { kind: 'ok' };
    });
    this.removeTransaction = db.transaction((resourceKey: string, keys: readonly string[]) => {
      for (const key of keys) remove.run(resourceKey, key);
    });
  }

  async listTags(resourceKey: string): Promise<Tags> {
    const tags: Tags = {};
    for (const row of this.listStatement.all(resourceKey)) tags[row.tag_key] = row.tag_value;
    return tags;
  }

  async mergeTags(resourceKey: string, tags: Tags, maxTags: number): Promise<TagMergeResult> {
    try {
      return this.mergeTransaction.immediate(resourceKey, tags, maxTags);
    } catch (error) {
      if (error instanceof TooManyTags) return { kind: 'too-many', total: error.total };
      throw error;
    }
  }

  async removeTags(resourceKey: string, keys: readonly string[]): Promise<void> {
    this.removeTransaction.immediate(resourceKey, keys);
  }
}

class TooManyTags extends Error {
  constructor(readonly total: number) {
    super(`too many tags: ${total}`);
  }
}
