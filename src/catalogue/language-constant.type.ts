import { Field, ObjectType, registerEnumType } from "type-graphql";

/** The languages whose names for status codes the catalogue records (scripts/language-constants.ts). */
export enum Runtime {
  NODE = "NODE",
  PYTHON = "PYTHON",
  GO = "GO",
  JAVA = "JAVA",
  RUST = "RUST",
}

registerEnumType(Runtime, {
  name: "Runtime",
  description: "A language whose standard library (or, for Rust, the http crate) names status codes.",
  valuesConfig: {
    NODE: { description: "Node.js: http.STATUS_CODES (reason phrases only; Node has no constant names)." },
    PYTHON: { description: "Python: http.HTTPStatus, e.g. HTTPStatus.TOO_EARLY." },
    GO: { description: "Go: net/http, e.g. http.StatusTooEarly, with http.StatusText." },
    JAVA: { description: "Java (the JDK): java.net.HttpURLConnection, e.g. HttpURLConnection.HTTP_NOT_FOUND (no reason phrases)." },
    RUST: { description: "Rust: the http crate, e.g. StatusCode::TOO_EARLY, with canonical_reason()." },
  },
});

@ObjectType({ description: "How one language names a status code, as its library printed it (scripts/language-constants.ts), with the version read." })
export class LanguageConstant {
  @Field(() => Runtime, { description: "The language." })
  runtime!: Runtime;

  @Field({ description: 'The version read: Node, Python, Go or Java\'s own; for Rust, the http crate\'s (e.g. "1.5.0").' })
  version!: string;

  @Field(() => String, { nullable: true, description: 'How code names it, e.g. "http.StatusTooEarly"; null where the language has no constant (Node).' })
  symbol!: string | null;

  @Field(() => String, { nullable: true, description: "The reason phrase the library gives; null where it gives none (Java)." })
  reasonPhrase!: string | null;
}
