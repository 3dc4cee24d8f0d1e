// What the HTTP edge needs from the application: one method per implemented operation (wired in app.ts).
import type {
  CreateDatastoreInput,
  CreateDatastoreOutput,
  DatastoreId,
  DatastoreProperties,
  DeleteDatastoreOutput,
  ListDatastoresInput,
  ListDatastoresOutput,
  Principal,
  RequestContext,
  Tags,
} from '../../api/index.js';

export interface ApiHandlers {
  createDatastore(input: CreateDatastoreInput, context: RequestContext): Promise<CreateDatastoreOutput>;
  getDatastore(datastoreId: DatastoreId, context: RequestContext): Promise<DatastoreProperties>;
  listDatastores(input: ListDatastoresInput, context: RequestContext): Promise<ListDatastoresOutput>;
  deleteDatastore(datastoreId: DatastoreId, context: RequestContext): Promise<DeleteDatastoreOutput>;
  tagResource(resourceArn: string, tags: Tags, context: RequestContext): Promise<void>;
  listTagsForResource(resourceArn: string, context: RequestContext): Promise<Tags>;
  untagResource(resourceArn: string, tagKeys: readonly string[], context: RequestContext): Promise<void>;
}

/** The request as SigV4 sees it: raw path and query, headers, raw body bytes. */
export interface AuthenticationRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface Authenticator {
  /** Resolves the caller or throws the matching authentication error. */
  authenticate(request: AuthenticationRequest): Promise<Principal>;
}
