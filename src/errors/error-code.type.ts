import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { ERROR_CODES, ERROR_TABLE, ErrorCode } from "./error-codes";

registerEnumType(ErrorCode, {
  name: "ErrorCode",
  description: "Every value of errors[].extensions.code this API returns. Each has a fixed httpStatus (see errorCodes).",
  valuesConfig: Object.fromEntries(
    ERROR_CODES.map((c) => [c, { description: `HTTP ${ERROR_TABLE[c].httpStatus}. ${ERROR_TABLE[c].description}` }]),
  ),
});

@ObjectType({ description: "One row of the error table: a code, its HTTP status, and what it means." })
export class ErrorCodeInfo {
  @Field(() => ErrorCode, { description: "The value of extensions.code." })
  code!: ErrorCode;

  @Field(() => Int, { description: "The value of extensions.httpStatus for this code." })
  httpStatus!: number;

  @Field({ description: "What it means and what a client should do." })
  description!: string;

  @Field(() => Int, { nullable: true, description: "The WebSocket close code of a graphql-ws connection ended for this reason (4403 a bad or revoked key, 4429 a flood); null for codes that end no connection." })
  webSocketCloseCode?: number | null;
}
