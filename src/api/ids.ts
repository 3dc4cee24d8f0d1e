// Identifier formats of the service: 32 lower-case hex characters (AWS issues UUIDs without dashes).
import { randomBytes } from 'node:crypto';

export type DatastoreId = string & { readonly __brand: 'DatastoreId' };
export type ImageSetId = string & { readonly __brand: 'ImageSetId' };
export type ImageFrameId = string & { readonly __brand: 'ImageFrameId' };
export type JobId = string & { readonly __brand: 'JobId' };

export const ID_PATTERN = /^[0-9a-z]{32}$/;

export function newId<T extends string>(): T {
  return randomBytes(16).toString('hex') as T;
}
