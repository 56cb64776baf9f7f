/**
 * HitRegistry port: what the statistic-hits rules know of a tenant beyond its apps —
 * the users hits may name (`GET /api/dam/users`) and the medias' metadata. Kept beside
 * the catalog (the same database), read through the per-tenant cache in hit-snapshots.ts.
 */

/** A user the statistic-hits API knows (`GET /api/dam/users`). */
export interface HitUser {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

export const MEDIA_KINDS = ['video', 'audio', 'image', 'document', 'other'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** A media's metadata, for the rules on play hits. */
export interface Media {
  id: string;
  kind: MediaKind;
  /** Length in seconds, for videos (and audio) when known. */
  durationSeconds: number | null;
}

export interface HitRegistry {
  /** Sorted by id. */
  listUsers(tenantId: string): Promise<HitUser[]>;
  /** Adds the user or replaces what is known of it. */
  putUser(tenantId: string, user: HitUser): Promise<HitUser>;
  /** False when there was no such user. */
  removeUser(tenantId: string, id: string): Promise<boolean>;
  /** Sorted by id. */
  listMedias(tenantId: string): Promise<Media[]>;
  putMedia(tenantId: string, media: Media): Promise<Media>;
  removeMedia(tenantId: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}
