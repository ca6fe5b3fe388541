import type { RecordStore } from './record-store.ts';
import type { SfField, SfObject } from './salesforce-schema.ts';

export type AccessLevel = 'none' | 'read' | 'edit';

/**
 * Field-level security for the API user. Fields created through the Tooling API are invisible
 * until a permission set with FieldPermissions for them is assigned to the user, exactly the
 * step a real install has to take (and the one people forget).
 */
export class FieldAccess {
  readonly #store: RecordStore;
  readonly #userId: string;

  constructor(store: RecordStore, userId: string) {
    this.#store = store;
    this.#userId = userId;
  }

  level(object: SfObject, field: SfField): AccessLevel {
    if (!field.needsGrant) return 'edit';
    const schema = this.#store.schema;
    const assignments = schema.get('PermissionSetAssignment');
    const permissions = schema.get('FieldPermissions');
    if (assignments === undefined || permissions === undefined) return 'none';
    const sets = new Set<string>();
    for (const a of this.#store.table(assignments).values()) {
      if (a.AssigneeId === this.#userId && a.IsDeleted !== true) sets.add(String(a.PermissionSetId));
    }
    const wanted = `${object.name}.${field.name}`.toLowerCase();
    let level: AccessLevel = 'none';
    for (const p of this.#store.table(permissions).values()) {
      if (p.IsDeleted === true || !sets.has(String(p.ParentId))) continue;
      if (String(p.Field).toLowerCase() !== wanted) continue;
      if (p.PermissionsEdit === true) return 'edit';
      if (p.PermissionsRead === true) level = 'read';
    }
    return level;
  }

  canRead(object: SfObject, field: SfField): boolean {
    return this.level(object, field) !== 'none';
  }
}
