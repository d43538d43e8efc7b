/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Every value of errors[].extensions.code this API returns. Each has a fixed httpStatus (see errorCodes). */
export type ErrorCode =
  /** HTTP 400. The HTTP request cannot be read as a GraphQL request: the body is not JSON, or the query string could be read two ways. */
  | 'BAD_REQUEST'
  /** HTTP 422. An argument or variable is invalid: out of range, malformed, or a bad cursor or id. */
  | 'BAD_USER_INPUT'
  /** HTTP 409. The write conflicts with the current state, for example the code already exists. */
  | 'CONFLICT'
  /** HTTP 403. The credentials are valid but their role does not allow this operation. */
  | 'FORBIDDEN'
  /** HTTP 504. The database did not answer within the query time limit. */
  | 'GATEWAY_TIMEOUT'
  /** HTTP 410. The entry existed but has been retired. */
  | 'GONE'
  /** HTTP 400. The query document is not valid GraphQL syntax. */
  | 'GRAPHQL_PARSE_FAILED'
  /** HTTP 422. The query does not validate against the schema (unknown field, wrong argument type). */
  | 'GRAPHQL_VALIDATION_FAILED'
  /** HTTP 500. An unexpected failure. Details are logged under the request id, never sent. */
  | 'INTERNAL_SERVER_ERROR'
  /** HTTP 422. The request is readable but is not a well-formed GraphQL-over-HTTP request: no query, or variables, extensions or operationName of the wrong type. */
  | 'INVALID_GRAPHQL_REQUEST'
  /** HTTP 423. The entry is locked against this kind of change for the caller's role. */
  | 'LOCKED'
  /** HTTP 405. The HTTP method or transport is not allowed here (a mutation over GET or over a WebSocket, or PUT): see the Allow header. */
  | 'METHOD_NOT_ALLOWED'
  /** HTTP 406. The Accept header allows neither application/graphql-response+json nor application/json; or a subscription was asked for as a single result: subscriptions are streams, served with Accept: multipart/mixed;subscriptionSpec="1.0" or text/event-stream, or over graphql-ws. */
  | 'NOT_ACCEPTABLE'
  /** HTTP 404. No entry exists for the requested code or id. */
  | 'NOT_FOUND'
  /** HTTP 422. The operation to run could not be chosen (operationName missing or unknown). */
  | 'OPERATION_RESOLUTION_FAILURE'
  /** HTTP 413. The request body is larger than the configured limit. */
  | 'PAYLOAD_TOO_LARGE'
  /** HTTP 404. The persisted query hash is unknown: resend the request with the full query. */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** HTTP 404. The operation is not in the server's trusted documents and its policy (TRUSTED_DOCUMENTS_POLICY) requires it: send a document the app was built with, by its hash. */
  | 'PERSISTED_QUERY_NOT_IN_LIST'
  /** HTTP 400. The request used automatic persisted queries in a way this server does not support. */
  | 'PERSISTED_QUERY_NOT_SUPPORTED'
  /** HTTP 412. The expected version does not match the current version of the entry. */
  | 'PRECONDITION_FAILED'
  /** HTTP 428. The write must say which version it expects to replace. */
  | 'PRECONDITION_REQUIRED'
  /** HTTP 422. The operation's computed cost is over the limit; extensions give cost and maxCost. Ask for fewer or smaller pages. */
  | 'QUERY_TOO_COMPLEX'
  /** HTTP 422. The operation nests fields deeper than the limit; extensions give depth and maxDepth. */
  | 'QUERY_TOO_DEEP'
  /** HTTP 429. The client's cost budget for this window is spent, or it failed authentication too often: retry after the time given. */
  | 'RATE_LIMITED'
  /** HTTP 431. The request headers are larger than the server accepts. */
  | 'REQUEST_HEADER_FIELDS_TOO_LARGE'
  /** HTTP 408. The request did not finish arriving in time (headers, then body): the connection is closed. Retry on a faster link. */
  | 'REQUEST_TIMEOUT'
  /** HTTP 503. The database cannot be reached or is busy right now: retry later. */
  | 'SERVICE_UNAVAILABLE'
  /** HTTP 422. The operation uses more field aliases (fragments expanded) than the limit. */
  | 'TOO_MANY_ALIASES'
  /** HTTP 422. A field or fragment carries more directives than the limit. */
  | 'TOO_MANY_DIRECTIVES'
  /** HTTP 422. The operation selects more root fields (fragments expanded) than the limit: split it. */
  | 'TOO_MANY_ROOT_FIELDS'
  /** HTTP 422. The document selects more fields and fragment spreads, every spread expanded, than the limit (a fragment used or not). */
  | 'TOO_MANY_SELECTIONS'
  /** HTTP 429. The WebSocket connection already has the most subscriptions allowed, or the client address the most subscription connections (WebSockets and HTTP streams): complete or close one first. */
  | 'TOO_MANY_SUBSCRIPTIONS'
  /** HTTP 422. The query document has more lexical tokens than the limit; nothing was parsed past it. */
  | 'TOO_MANY_TOKENS'
  /** HTTP 401. The operation needs credentials and none (or no valid ones) were sent. */
  | 'UNAUTHENTICATED'
  /** HTTP 415. The request body is not JSON (Content-Type must be application/json). */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** HTTP 414. The request URL (a GET query) is longer than the configured limit: send it as a POST. */
  | 'URI_TOO_LONG'
  /** HTTP 422. The input is well-formed but breaks a rule; the extensions list each field and constraint. */
  | 'VALIDATION_FAILED';

/** The grouping of the original catalogue document: popular, less popular, or not listed there. */
export type Popularity =
  /** Listed among the less popular codes. */
  | 'LESS_POPULAR'
  /** Not listed in the original document (the rest of the registry, unofficial codes, and custom codes). */
  | 'OTHER'
  /** Listed among the popular codes: the ones most APIs use. */
  | 'POPULAR';

/** What a write did. */
export type RevisionAction =
  /** Created by a curator. */
  | 'CREATE'
  /** Un-retired, or rolled back to the content of an earlier version (a rollback to a retired version is a RETIRE): its event's RESTORED. */
  | 'RESTORE'
  /** Retired (soft-deleted), or rolled back to a retired version: statusCode(code) answers GONE. */
  | 'RETIRE'
  /** Written by the seed at start (first insert, or a newer seed revision). */
  | 'SEED'
  /** Fields changed by a curator. */
  | 'UPDATE';

export type ClientErrorsPageQueryVariables = Exact<{
  after?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type ClientErrorsPageQuery = { __typename: 'Query', statusCodes: { __typename: 'StatusCodeConnection', totalCount: number, edges: Array<{ __typename: 'StatusCodeEdge', cursor: string, node: { __typename: 'StatusCode', id: string, code: number, reasonPhrase: string, popularity: Popularity, cacheableByDefault: boolean } }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } };

export type EntryWithRelatedQueryVariables = Exact<{
  code: number;
}>;


export type EntryWithRelatedQuery = { __typename: 'Query', statusCode: { __typename: 'StatusCode', id: string, code: number, reasonPhrase: string, description: string, version: number, updatedAt: string, specification: { __typename: 'Specification', document: string, section: string | null, url: string }, related: Array<{ __typename: 'StatusCode', id: string, code: number, reasonPhrase: string }>, history: { __typename: 'StatusCodeRevisionConnection', edges: Array<{ __typename: 'StatusCodeRevisionEdge', node: { __typename: 'StatusCodeRevision', version: number, action: RevisionAction, at: string, changes: Array<{ __typename: 'FieldChange', field: string, from: string | number | boolean | null | { [key: string]: unknown } | unknown[] | null, to: string | number | boolean | null | { [key: string]: unknown } | unknown[] | null }> } }> } } | null };

export type ErrorTableQueryVariables = Exact<{ [key: string]: never; }>;


export type ErrorTableQuery = { __typename: 'Query', errorCodes: Array<{ __typename: 'ErrorCodeInfo', code: ErrorCode, httpStatus: number, description: string, statusCode: { __typename: 'StatusCode', code: number, reasonPhrase: string } | null }> };

export type UpdateDescriptionMutationVariables = Exact<{
  code: number;
  expectedVersion: number;
  description: string;
}>;


export type UpdateDescriptionMutation = { __typename: 'Mutation', updateStatusCode: { __typename: 'StatusCode', id: string, version: number, description: string, updatedAt: string, updatedBy: string | null } };


export const ClientErrorsPageDocument = {"__meta__":{"hash":"sha256:5f42c4ab994f06c80c30e2681a1f441e67f654bf40b8ca0d410f81d8c6c85668"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientErrorsPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"statusCodes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"class"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"CLIENT_ERROR"}]}},{"kind":"ObjectField","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"field"},"value":{"kind":"EnumValue","value":"CODE"}},{"kind":"ObjectField","name":{"kind":"Name","value":"direction"},"value":{"kind":"EnumValue","value":"ASC"}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"reasonPhrase"}},{"kind":"Field","name":{"kind":"Name","value":"popularity"}},{"kind":"Field","name":{"kind":"Name","value":"cacheableByDefault"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<ClientErrorsPageQuery, ClientErrorsPageQueryVariables>;
export const EntryWithRelatedDocument = {"__meta__":{"hash":"sha256:84fa5674ee748644c53e24b90d1b9c9b382356c917cd773291430be0c7cc40a5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"EntryWithRelated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"code"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"statusCode"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"code"},"value":{"kind":"Variable","name":{"kind":"Name","value":"code"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"reasonPhrase"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"specification"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"document"}},{"kind":"Field","name":{"kind":"Name","value":"section"}},{"kind":"Field","name":{"kind":"Name","value":"url"}}]}},{"kind":"Field","name":{"kind":"Name","value":"related"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"reasonPhrase"}}]}},{"kind":"Field","name":{"kind":"Name","value":"history"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"3"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"changes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<EntryWithRelatedQuery, EntryWithRelatedQueryVariables>;
export const ErrorTableDocument = {"__meta__":{"hash":"sha256:292949aee3a59fc54f284bbe92c36392ebb8e522c1d6291d85c4174420a03f8e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ErrorTable"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"errorCodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"httpStatus"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"statusCode"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"reasonPhrase"}}]}}]}}]}}]} as unknown as DocumentNode<ErrorTableQuery, ErrorTableQueryVariables>;
export const UpdateDescriptionDocument = {"__meta__":{"hash":"sha256:e5a68471d4a48d92fc586d28aaa74069ae379f85256e920c49793fc3338a69c8"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateDescription"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"code"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"description"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"updateStatusCode"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"code"},"value":{"kind":"Variable","name":{"kind":"Name","value":"code"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}},{"kind":"Argument","name":{"kind":"Name","value":"patch"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"description"},"value":{"kind":"Variable","name":{"kind":"Name","value":"description"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}}]}}]}}]} as unknown as DocumentNode<UpdateDescriptionMutation, UpdateDescriptionMutationVariables>;