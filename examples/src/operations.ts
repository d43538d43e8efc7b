import { graphql } from "./gql";

/** A filtered, ordered page of client errors, with what a UI needs to page on. */
export const ClientErrorsPage = graphql(`
  query ClientErrorsPage($after: String, $search: String) {
    statusCodes(
      filter: { class: [CLIENT_ERROR], search: $search }
      orderBy: { field: CODE, direction: ASC }
      first: 10
      after: $after
    ) {
      totalCount
      edges {
        cursor
        node { id code reasonPhrase popularity cacheableByDefault }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

/** One entry with the codes it is confused with, and when it last changed. */
export const EntryWithRelated = graphql(`
  query EntryWithRelated($code: Int!) {
    statusCode(code: $code) {
      id code reasonPhrase description version updatedAt
      specification { document section url }
      related { id code reasonPhrase }
      history(first: 3) { edges { node { version action at changes { field from to } } } }
    }
  }
`);

/** This API's error table: every extensions.code with its HTTP status. */
export const ErrorTable = graphql(`
  query ErrorTable {
    errorCodes { code httpStatus description statusCode { code reasonPhrase } }
  }
`);

/** A curator's edit, guarded by the version it read. */
export const UpdateDescription = graphql(`
  mutation UpdateDescription($code: Int!, $expectedVersion: Int!, $description: String!) {
    updateStatusCode(code: $code, expectedVersion: $expectedVersion, patch: { description: $description }) {
      id version description updatedAt updatedBy
    }
  }
`);
