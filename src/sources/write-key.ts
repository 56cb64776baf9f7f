import { randomBytes } from 'node:crypto';
import { newId } from '../domain/ids.ts';
import type { SourceKind } from './source-registry.port.ts';

/**
 * A new write key: 32 base64url characters after a prefix that names its kind, so a key
 * pasted into the wrong SDK is recognisable. 192 bits of randomness.
 */
export function newWriteKey(kind: SourceKind): string {
  return `${kind === 'segment' ? 'wks' : 'phc'}_${randomBytes(24).toString('base64url')}`;
}

export const newSourceId = (): string => newId('src');
