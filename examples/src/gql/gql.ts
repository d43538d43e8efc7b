/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ClientErrorsPage($after: String, $search: String) {\n    statusCodes(\n      filter: { class: [CLIENT_ERROR], search: $search }\n      orderBy: { field: CODE, direction: ASC }\n      first: 10\n      after: $after\n    ) {\n      totalCount\n      edges {\n        cursor\n        node { id code reasonPhrase popularity cacheableByDefault }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ClientErrorsPageDocument,
    "\n  query EntryWithRelated($code: Int!) {\n    statusCode(code: $code) {\n      id code reasonPhrase description version updatedAt\n      specification { document section url }\n      related { id code reasonPhrase }\n      history(first: 3) { edges { node { version action at changes { field from to } } } }\n    }\n  }\n": typeof types.EntryWithRelatedDocument,
    "\n  query ErrorTable {\n    errorCodes { code httpStatus description statusCode { code reasonPhrase } }\n  }\n": typeof types.ErrorTableDocument,
    "\n  mutation UpdateDescription($code: Int!, $expectedVersion: Int!, $description: String!) {\n    updateStatusCode(code: $code, expectedVersion: $expectedVersion, patch: { description: $description }) {\n      id version description updatedAt updatedBy\n    }\n  }\n": typeof types.UpdateDescriptionDocument,
};
const documents: Documents = {
    "\n  query ClientErrorsPage($after: String, $search: String) {\n    statusCodes(\n      filter: { class: [CLIENT_ERROR], search: $search }\n      orderBy: { field: CODE, direction: ASC }\n      first: 10\n      after: $after\n    ) {\n      totalCount\n      edges {\n        cursor\n        node { id code reasonPhrase popularity cacheableByDefault }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ClientErrorsPageDocument,
    "\n  query EntryWithRelated($code: Int!) {\n    statusCode(code: $code) {\n      id code reasonPhrase description version updatedAt\n      specification { document section url }\n      related { id code reasonPhrase }\n      history(first: 3) { edges { node { version action at changes { field from to } } } }\n    }\n  }\n": types.EntryWithRelatedDocument,
    "\n  query ErrorTable {\n    errorCodes { code httpStatus description statusCode { code reasonPhrase } }\n  }\n": types.ErrorTableDocument,
    "\n  mutation UpdateDescription($code: Int!, $expectedVersion: Int!, $description: String!) {\n    updateStatusCode(code: $code, expectedVersion: $expectedVersion, patch: { description: $description }) {\n      id version description updatedAt updatedBy\n    }\n  }\n": types.UpdateDescriptionDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientErrorsPage($after: String, $search: String) {\n    statusCodes(\n      filter: { class: [CLIENT_ERROR], search: $search }\n      orderBy: { field: CODE, direction: ASC }\n      first: 10\n      after: $after\n    ) {\n      totalCount\n      edges {\n        cursor\n        node { id code reasonPhrase popularity cacheableByDefault }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query ClientErrorsPage($after: String, $search: String) {\n    statusCodes(\n      filter: { class: [CLIENT_ERROR], search: $search }\n      orderBy: { field: CODE, direction: ASC }\n      first: 10\n      after: $after\n    ) {\n      totalCount\n      edges {\n        cursor\n        node { id code reasonPhrase popularity cacheableByDefault }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EntryWithRelated($code: Int!) {\n    statusCode(code: $code) {\n      id code reasonPhrase description version updatedAt\n      specification { document section url }\n      related { id code reasonPhrase }\n      history(first: 3) { edges { node { version action at changes { field from to } } } }\n    }\n  }\n"): (typeof documents)["\n  query EntryWithRelated($code: Int!) {\n    statusCode(code: $code) {\n      id code reasonPhrase description version updatedAt\n      specification { document section url }\n      related { id code reasonPhrase }\n      history(first: 3) { edges { node { version action at changes { field from to } } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ErrorTable {\n    errorCodes { code httpStatus description statusCode { code reasonPhrase } }\n  }\n"): (typeof documents)["\n  query ErrorTable {\n    errorCodes { code httpStatus description statusCode { code reasonPhrase } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateDescription($code: Int!, $expectedVersion: Int!, $description: String!) {\n    updateStatusCode(code: $code, expectedVersion: $expectedVersion, patch: { description: $description }) {\n      id version description updatedAt updatedBy\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateDescription($code: Int!, $expectedVersion: Int!, $description: String!) {\n    updateStatusCode(code: $code, expectedVersion: $expectedVersion, patch: { description: $description }) {\n      id version description updatedAt updatedBy\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;