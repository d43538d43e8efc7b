import type { SourceExcerptRecord, SpecificationRecord, UnofficialUseRecord } from "../status-code.model";

/**
 * Codes no registry lists but logs and clients meet every day, each meaning with the vendor
 * documentation (or source) that states it and the words that state it (excerpt): a test checks
 * that each excerpt has the code, and the vendor's name where it gives one. Only meanings a
 * source states go in: a code with no such source (598) is left out rather than guessed, and a
 * name the vendor does not give is a label, never a reasonPhrase.
 */
export interface UnofficialSeed {
  /** The entry's name: its first use's reasonPhrase, or its label (Title Case may differ; a test checks). */
  reasonPhrase: string;
  /** Names in common use that no source of a use gives (kept searchable). */
  formerNames?: readonly string[];
  description: string;
  typicalHeaders: readonly string[];
  relatedCodes: readonly number[];
  uses: readonly UnofficialUseRecord[];
  /** A response with it may carry content; default true. */
  bodyAllowed?: boolean;
}

/** When the sources below were read. */
export const READ_ON = "2026-12-05";

const STORED = "the search tool's stored copy";

function excerpt(text: string, provenance: string): SourceExcerptRecord {
  return { text, readOn: READ_ON, provenance };
}
/** A use whose vendor names the code: the name is its label too. */
function named(origin: string, reasonPhrase: string, description: string, reference: string, quote: SourceExcerptRecord): UnofficialUseRecord {
  return { origin, reasonPhrase, label: reasonPhrase, description, reference, excerpt: quote };
}
/** A use whose vendor gives the code no name: the label is ours. */
function unnamed(origin: string, label: string, description: string, reference: string, quote: SourceExcerptRecord): UnofficialUseRecord {
  return { origin, reasonPhrase: null, label, description, reference, excerpt: quote };
}

// nginx: its source names 494 and 499 by constant; its documentation numbers 444 and 495-497 without a name.
const NGINX_SOURCE = "https://github.com/nginx/nginx/blob/master/src/http/ngx_http_request.h";
const NGINX_SOURCE_READ =
  "nginx/nginx on GitHub, src/http/ngx_http_request.h at commit 3f6f7824d4e2 (2026-08-21), read from the fetched snapshot (a comment's lines joined, its markers removed)";
const NGINX_SSL_ERRORS = "https://nginx.org/en/docs/http/ngx_http_ssl_module.html#errors";
const NGINX_DOCS_READ = (file: string) =>
  `nginx.org's documentation source, nginx/nginx.org on GitHub, xml/en/docs/http/${file} at commit 3924a7f8334b (2026-07-22), read from the fetched snapshot (XML markup removed; a list item's tag and text joined by a line break); nginx.org could not be reached from here`;
const nginxNamed = (reasonPhrase: string, description: string, quote: string) =>
  named("nginx", reasonPhrase, description, NGINX_SOURCE, excerpt(quote, NGINX_SOURCE_READ));
const nginxSsl = (label: string, description: string, quote: string) =>
  unnamed("nginx", label, description, NGINX_SSL_ERRORS, excerpt(quote, NGINX_DOCS_READ("ngx_http_ssl_module.xml, section Error Processing")));

// Cloudflare: one page per error, whose heading names it.
const CLOUDFLARE_5XX = "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors";
const CLOUDFLARE_COMMITS: Record<number, string> = {
  520: "0df0f1c53bfe",
  521: "0ddc958fb7f1",
  522: "0309c8bed23a",
  523: "25ff63eb52ed",
  524: "24bbba12673f",
  525: "41b60846207a",
  526: "0f863c170a33",
  530: "61fb059e8e9a",
};
const cloudflareRead = (code: number) =>
  `cloudflare/cloudflare-docs on GitHub, src/content/docs/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-${code}.mdx at commit ${CLOUDFLARE_COMMITS[code]}, ${STORED} (code index; Markdown markup removed, heading and sentence joined by a line break); developers.cloudflare.com could not be reached from here`;
const cloudflare = (code: number, reasonPhrase: string, description: string, quote: string): UnofficialUseRecord =>
  named("Cloudflare", reasonPhrase, description, `${CLOUDFLARE_5XX}/error-${code}/`, excerpt(quote, cloudflareRead(code)));

// AWS: the troubleshooting page heads its sections "HTTP 460" and so on; only 561 has a name.
const ALB_ERRORS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html";
const ALB_READ =
  "awsdocs/elb-application-load-balancers-user-guide on GitHub (the guide's source until AWS archived it in 2023), doc_source/load-balancer-troubleshooting.md at commit 42119c0b861c (2023-04-06), read from the fetched snapshot (Markdown escapes removed, heading and paragraph joined by a line break); docs.aws.amazon.com could not be reached from here";
const ALB = "AWS Elastic Load Balancing (Application Load Balancer)";
const alb = (anchor: string, reasonPhrase: string | null, label: string, description: string, quote: string): UnofficialUseRecord => ({
  origin: ALB,
  reasonPhrase,
  label,
  description,
  reference: `${ALB_ERRORS}#${anchor}`,
  excerpt: excerpt(quote, ALB_READ),
});

// Shopify: one table of response codes.
const SHOPIFY_CODES = "https://shopify.dev/docs/api/usage/response-codes";
const SHOPIFY_READ =
  "shopify.dev could not be reached from here, and the search tool's stored copies of the page (pages corpus) end before these rows; the row is quoted from a public Markdown copy of the page's table (code index, file id 7767052687), cells joined by ' | ', and agrees with another public copy of the same rows";

export const UNOFFICIAL: Record<number, UnofficialSeed> = {
  294: {
    reasonPhrase: "Partial Success",
    description:
      "The GraphQL over HTTP specification's code for an application/graphql-response+json response that has both data and errors: a server SHOULD use it then (a partial success). The specification defines it itself, not the IETF, and recommends it only with that media type; clients read the body and ignore the status, so it serves intermediaries (logs, metrics).",
    typicalHeaders: ["Content-Type"],
    relatedCodes: [200, 207],
    uses: [
      named(
        "GraphQL over HTTP specification (GraphQL Foundation)",
        "Partial Success",
        "A GraphQL response with both the data entry (even if null) and the errors entry SHOULD be answered 294 (a 2xx: the request itself did not fail). A legacy client that accepts only application/json gets the same status with Content-Type: application/json. A client should read data and errors from the body whatever the status.",
        "https://graphql.github.io/graphql-over-http/draft/#sec-Status-Codes",
        excerpt(
          "If the _GraphQL response_ contains both the {data} entry (even if it is {null}) and the {errors} entry, then the server SHOULD reply with a `294` status code. … None of those quite fit GraphQL's needs, so we recommend using custom code \"294 Partial Success\".",
          "graphql/graphql-over-http on GitHub, spec/GraphQLOverHTTP.md at commit e1e46e7b3a07 (2026-08-06), sections Status Codes and Partial success, read from the fetched snapshot (the draft's Markdown source, markup kept, soft line breaks collapsed); graphql.github.io could not be reached from here",
        ),
      ),
    ],
  },
  419: {
    reasonPhrase: "Page Expired",
    description: "Laravel's answer to a form post whose CSRF token does not match the session's, typically a form left open until the session expired.",
    typicalHeaders: ["Content-Type"],
    relatedCodes: [403, 401],
    uses: [
      named(
        "Laravel",
        "Page Expired",
        "The framework's exception handler turns a TokenMismatchException (the CSRF token sent with a POST, PUT, PATCH or DELETE does not match the session's) into an HttpException with status 419, and renders its 419 error view, titled \"Page Expired\". Reload the form to get a fresh token, or send the X-CSRF-TOKEN header from JavaScript.",
        "https://github.com/laravel/framework/blob/13.x/src/Illuminate/Foundation/Exceptions/views/419.blade.php",
        excerpt(
          "@section('title', __('Page Expired'))\n@section('code', '419')",
          "laravel/framework on GitHub, branch 13.x at commit bd71b45fb7e6 (2026-08-21), src/Illuminate/Foundation/Exceptions/views/419.blade.php, read from the fetched snapshot; the mapping is Handler.php's \"$e instanceof TokenMismatchException => new HttpException(419, $e->getMessage(), $e)\" in the same commit",
        ),
      ),
    ],
  },
  420: {
    reasonPhrase: "Enhance Your Calm",
    description: "Two unrelated vendor meanings: Twitter's old rate-limit answer, and Spring's deprecated Method Failure. New APIs use 429 for rate limits and 424 for failed dependencies.",
    typicalHeaders: [],
    relatedCodes: [429, 424],
    uses: [
      named(
        "Twitter (X) API v1",
        "Enhance Your Calm",
        "Returned by Twitter's version 1 Search and Trends APIs when the client was rate limited; API v1.1 returns 429 instead. Twitter's Streaming API also answered 420 to a client that reconnected too often, and its guide \"Connecting to a streaming endpoint\" said to back off exponentially, starting with a one-minute wait and doubling it with each attempt.",
        "https://dev.twitter.com/docs/error-codes-responses",
        excerpt(
          "420 | Enhance Your Calm | Returned by the version 1 Search and Trends APIs when you are being rate limited.",
          "Twitter's \"Error Codes & Responses\" page is gone and no stored copy of it was found; its table row is quoted as public source files copy it, word for word and alike in several of them (code index), cells joined by ' | '. The Streaming API's back-off advice was read in a stored copy of a blog post quoting developer.twitter.com/en/docs/tweets/filter-realtime/guides/connecting; the stored copy of that page itself ends before the advice",
        ),
      ),
      named(
        "Spring Framework",
        "Method Failure",
        "HttpStatus.METHOD_FAILURE, deprecated: a WebDAV draft's (draft-ietf-webdav-protocol-06) code for a method that failed because another one failed. RFC 2518 Section 10.5 (1999) standardised 424 Failed Dependency for that instead, and RFC 4918 kept it; use 424.",
        "https://docs.spring.io/spring-framework/docs/current/javadoc-api/org/springframework/http/HttpStatus.html#METHOD_FAILURE",
        excerpt(
          'METHOD_FAILURE(420, Series.CLIENT_ERROR, "Method Failure")',
          "spring-projects/spring-framework on GitHub, spring-web/src/main/java/org/springframework/http/HttpStatus.java at commit 002040239d2c, the search tool's stored copy (code index); docs.spring.io could not be reached from here",
        ),
      ),
    ],
  },
  430: {
    reasonPhrase: "Shopify Security Rejection",
    description: "Shopify: the request was rejected because it looked malicious. Shopify's Storefront API answers it to traffic its bot protection flags.",
    typicalHeaders: [],
    relatedCodes: [403, 429],
    uses: [
      named(
        "Shopify",
        "Shopify Security Rejection",
        "The request was not accepted because it might be malicious, and Shopify rejected it to protect the app. Check what the app sends (for server-side Storefront API calls, the buyer's IP header) and how fast; ask Shopify support if it persists.",
        SHOPIFY_CODES,
        excerpt(
          "430 Shopify Security Rejection | The request was not accepted because the request might be malicious, and Shopify has responded by rejecting it to protect the app from any possible attacks.",
          SHOPIFY_READ,
        ),
      ),
    ],
  },
  440: {
    reasonPhrase: "Login Timeout",
    formerNames: ["Login Time-out"],
    description: "Microsoft Exchange Server 2007 Outlook Web Access: the logon failed on a permissions or authentication problem in IIS (the page says \"440 Login Timeout\").",
    typicalHeaders: [],
    relatedCodes: [401, 403],
    uses: [
      named(
        "Microsoft Exchange Server 2007 (Outlook Web Access)",
        "Login Timeout",
        "Outlook Web Access shows \"440 Login Timeout\" when a user logs on and a permissions or authentication issue exists in IIS or in the IIS metabase, or when the Guests group (to which the IUSR account belongs) is denied logon on the Exchange server. Microsoft's steps: re-create the Outlook Web Access virtual directories, then resynchronize the IUSR and IWAM passwords.",
        "https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-2007/dd789741(v=exchg.80)",
        excerpt(
          "This topic provides information about how to troubleshoot a \"440 Login Timeout\" error message. A Microsoft Office Outlook Web Access user may receive this error when trying to log on to Microsoft Exchange Server 2007.",
          `${STORED} (pages corpus) of the same article at technet.microsoft.com/en-us/library/dd789741(v=EXCHG.80).aspx; learn.microsoft.com could not be reached from here`,
        ),
      ),
    ],
  },
  444: {
    reasonPhrase: "No Response",
    description: "nginx closed the connection without sending anything. It appears only in nginx's access log: the client sees a dropped connection, not a status.",
    typicalHeaders: [],
    relatedCodes: [499, 403],
    bodyAllowed: false,
    uses: [
      unnamed(
        "nginx",
        "No Response",
        "\"return 444;\" in a server or location block closes the connection without sending a response header, typically to drop unwanted or malicious requests (unknown Host, scanners). Nothing reaches the client. nginx gives the code no name (its source calls it NGX_HTTP_CLOSE).",
        "https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return",
        excerpt(
          "Stops processing and returns the specified code to a client. The non-standard code 444 closes a connection without sending a response header.",
          NGINX_DOCS_READ("ngx_http_rewrite_module.xml, directive return"),
        ),
      ),
    ],
  },
  449: {
    reasonPhrase: "Retry With",
    description: "Microsoft's WebDAV client extension: the request lacked information, and the client must repeat it with the information the server asked for.",
    typicalHeaders: [],
    relatedCodes: [400],
    uses: [
      named(
        "Microsoft (WebDAV client extensions, IIS)",
        "Retry With",
        "The server cannot satisfy the request because the client gave too little information. The response carries an Ms-Echo-Request header; a client that supports the extension repeats the request with an Ms-Echo-Reply header. (The specification's ABNF spells the reason phrase \"Reply With\".)",
        "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wdv/83ecf19f-e0f8-4706-aae5-ba618f52f100",
        excerpt(
          "The 449 Retry With status code indicates that the request cannot be satisfied because insufficient information was provided by the client.",
          `${STORED} (docs corpus) of [MS-WDV] section 2.2.6, "449 Retry With Status Code", at this address; learn.microsoft.com could not be reached from here`,
        ),
      ),
    ],
  },
  460: {
    reasonPhrase: "Client Closed Connection",
    description: "AWS Application Load Balancer: the client closed the connection before the load balancer's idle timeout elapsed. Only in the access log. AWS gives the code no name.",
    typicalHeaders: [],
    relatedCodes: [499, 408],
    bodyAllowed: false,
    uses: [
      alb(
        "http-460-issues",
        null,
        "Client Closed Connection",
        "The load balancer received a request, but the client closed the connection before the idle timeout period elapsed. Check that the client's timeout is longer than the load balancer's idle timeout, or make the target answer sooner.",
        "HTTP 460\nThe load balancer received a request from a client, but the client closed the connection with the load balancer before the idle timeout period elapsed.",
      ),
    ],
  },
  463: {
    reasonPhrase: "Too Many Forwarded IP Addresses",
    description: "AWS Application Load Balancer: the request's X-Forwarded-For header lists more IP addresses than the limit of 30. AWS gives the code no name.",
    typicalHeaders: [],
    relatedCodes: [400, 431],
    uses: [
      alb(
        "http-463-issues",
        null,
        "Too Many Forwarded IP Addresses",
        "The load balancer received an X-Forwarded-For request header with too many IP addresses (the upper limit is 30). Look for a proxy loop, or a client that appends to the header without bound.",
        "HTTP 463\nThe load balancer received an X-Forwarded-For request header with too many IP addresses. The upper limit for IP addresses is 30.",
      ),
    ],
  },
  464: {
    reasonPhrase: "Incompatible Protocol Version",
    description: "AWS Application Load Balancer: the request's protocol does not match the target group's protocol version (HTTP/1.1, HTTP/2 or gRPC). AWS gives the code no name.",
    typicalHeaders: [],
    relatedCodes: [505, 426],
    uses: [
      alb(
        "http-464-issues",
        null,
        "Incompatible Protocol Version",
        "The load balancer received a request whose protocol is incompatible with the target group's protocol version, for example HTTP/1.1 to a gRPC target group. Match the target group's protocol version to what clients send.",
        "HTTP 464\nThe load balancer received an incoming request protocol that is incompatible with the version config of the target group protocol.",
      ),
    ],
  },
  494: {
    reasonPhrase: "Request Header Too Large",
    description:
      "nginx's internal code for request header fields larger than large_client_header_buffers allows (or more header lines than it accepts); the client receives 400 \"Request Header Or Cookie Too Large\". A request line that is too long gets 414 instead.",
    typicalHeaders: [],
    relatedCodes: [431, 400, 414],
    uses: [
      nginxNamed(
        "Request Header Too Large",
        "NGX_HTTP_REQUEST_HEADER_TOO_LARGE: a request header field (often a cookie) did not fit the large_client_header_buffers, or the request had too many header lines. It shows in logs and error_page rules; the response sent is a 400. A request line that is too long is a 414 (NGX_HTTP_REQUEST_URI_TOO_LARGE), not a 494. Raise the buffers or send smaller cookies.",
        "#define NGX_HTTP_REQUEST_HEADER_TOO_LARGE  494",
      ),
    ],
  },
  495: {
    reasonPhrase: "SSL Certificate Error",
    description: "nginx: the client's TLS certificate failed verification. Usable in error_page; the client receives 400.",
    typicalHeaders: [],
    relatedCodes: [496, 401],
    uses: [
      nginxSsl(
        "SSL Certificate Error",
        "An error occurred during the client certificate verification (ssl_verify_client). nginx answers 400 unless an error_page redirects the 495; check the client certificate's chain against ssl_client_certificate.",
        "495\nan error has occurred during the client certificate verification;",
      ),
    ],
  },
  496: {
    reasonPhrase: "SSL Certificate Required",
    description: "nginx: a client certificate is required and the client did not present one. Usable in error_page; the client receives 400.",
    typicalHeaders: [],
    relatedCodes: [495, 401],
    uses: [
      nginxSsl(
        "SSL Certificate Required",
        "The client did not present the required certificate (ssl_verify_client on). nginx answers 400 unless an error_page redirects the 496; configure the client to send its certificate.",
        "496\na client has not presented the required certificate;",
      ),
    ],
  },
  497: {
    reasonPhrase: "HTTP Request Sent to HTTPS Port",
    description: "nginx: a plain HTTP request arrived on a port that expects TLS. Often redirected to https with error_page 497.",
    typicalHeaders: [],
    relatedCodes: [400, 301],
    uses: [
      nginxSsl(
        "HTTP Request Sent to HTTPS Port",
        "A regular request has been sent to the HTTPS port. nginx answers 400 unless an error_page handles 497, commonly with a redirect to the https URL.",
        "497\na regular request has been sent to the HTTPS port.",
      ),
    ],
  },
  498: {
    reasonPhrase: "Invalid Token",
    description:
      "Esri ArcGIS: the request carried a token the service does not accept, typically one that has expired (Esri: a token allows access for a few seconds up to two weeks); ArcGIS answers with a JSON error body. Its sibling 499 is for a request that carries no token. A new API answers an expired or invalid access token with 401 and a WWW-Authenticate error=\"invalid_token\" (RFC 6750) instead.",
    typicalHeaders: [],
    relatedCodes: [499, 401],
    uses: [
      named(
        "Esri ArcGIS",
        "Invalid Token",
        "ArcGIS services refuse a request whose token is no longer valid with error 498 \"Invalid Token\". Tokens allow access for a limited time, from a few seconds up to two weeks, so a URL saved with a token appended (Esri's article: images in a publicly shared Story Map Journal) breaks once it expires. The service answers with a JSON error object (error.code 498, message \"Invalid token.\") in the body; Esri's own REST client treats 498 like 499, as an authentication error. Generate a new token and send the request with it.",
        "https://support.esri.com/en-us/knowledge-base/bug-error-code-498-invalid-token-returned-when-viewing--000016034",
        excerpt(
          'Error Code 498 "Invalid Token" returned when viewing images in the Story Map Journal app … This issue is due to tokens that are appended to the image URL once edits on a publicly shared application have been saved. Tokens allow access to a specific item for a given period of time, which can range from a few seconds up to two weeks.',
          `${STORED} (pages corpus) of this Esri knowledge-base article, 000016034, last published 2024-04-24: its title, then the first two sentences of its cause (\" … \" marks the text left out); support.esri.com could not be reached from here. The JSON error body is the one Esri's REST client tests with: Esri/arcgis-rest-js on GitHub, packages/arcgis-rest-request/test/mocks/errors.ts at commit 1bbe7e66a5da (ArcGISOnlineAuthError: code 498, message \"Invalid token.\"); its packages/arcgis-rest-request/src/utils/check-for-errors.ts at commit 3c9a0f074215 throws ArcGISAuthError for code 498 or 499, each read in ${STORED} (code index)`,
        ),
      ),
    ],
  },
  499: {
    reasonPhrase: "Client Closed Request",
    description:
      "Best known as nginx's log entry for a client that closed the connection before the response was sent (nothing is sent); ArcGIS uses the same number for a request that needs a token, and answers it with a JSON error body.",
    typicalHeaders: [],
    relatedCodes: [460, 408, 498, 401],
    uses: [
      nginxNamed(
        "Client Closed Request",
        "NGX_HTTP_CLIENT_CLOSED_REQUEST: the client closed the connection while nginx was still processing the request (often waiting on an upstream). Only in the access log; nothing is sent. Look for client timeouts shorter than the upstream's response time.",
        "HTTP does not define the code for the case when a client closed the connection while we are processing its request so we introduce own code to log such situation when a client has closed the connection before we even try to send the HTTP header to it\n#define NGX_HTTP_CLIENT_CLOSED_REQUEST     499",
      ),
      named(
        "Esri ArcGIS",
        "Token Required",
        "ArcGIS services refuse a request for a secured layer or service that carries no token with error 499, which ArcGIS clients report as \"Authentication token required. (status code 499)\". The service answers with a JSON error object (error.code 499) in the body. Sign in or request a token and send it with the request.",
        "https://support.esri.com/en-us/knowledge-base/error-authentication-token-required-status-code-499-000022899",
        excerpt(
          "Authentication token required. (status code 499)",
          `${STORED} (pages corpus) of this Esri knowledge-base article, 000022899, last published 2020-08-05; support.esri.com could not be reached from here`,
        ),
      ),
    ],
  },
  509: {
    reasonPhrase: "Bandwidth Limit Exceeded",
    description:
      "Bandwidth Limit Exceeded: not in any registry, but named by Spring's HttpStatus and, as an Apache bandwidth-limiting extension (bw/limited), by Ruby's net/http. Hosting control panels show a page of that name when a site used up its bandwidth allowance, but their documentation found does not state the code.",
    typicalHeaders: [],
    relatedCodes: [503, 429],
    uses: [
      named(
        "Spring Framework",
        "Bandwidth Limit Exceeded",
        "HttpStatus.BANDWIDTH_LIMIT_EXCEEDED, a server error with no reference in Spring's documentation. A server that sends it has run out of its bandwidth allowance for the period; retry after it resets.",
        "https://docs.spring.io/spring-framework/docs/current/javadoc-api/org/springframework/http/HttpStatus.html#BANDWIDTH_LIMIT_EXCEEDED",
        excerpt(
          'BANDWIDTH_LIMIT_EXCEEDED(509, Series.SERVER_ERROR, "Bandwidth Limit Exceeded")',
          "spring-projects/spring-framework on GitHub, spring-web/src/main/java/org/springframework/http/HttpStatus.java at commit 002040239d2c, the search tool's stored copy (code index); docs.spring.io could not be reached from here",
        ),
      ),
      named(
        "Ruby net/http (Apache bw/limited extension)",
        "Bandwidth Limit Exceeded",
        "Ruby's net/http notes 509 as an Apache bandwidth-limiting extension's code among its server errors, but defines no response class for it: a 509 arrives as a generic Net::HTTPServerError.",
        "https://github.com/ruby/net-http/blob/master/lib/net/http/responses.rb",
        excerpt(
          "# 509 Bandwidth Limit Exceeded - Apache bw/limited extension",
          "ruby/net-http on GitHub, lib/net/http/responses.rb at commit 69f6f6dedd56 (2026-06-24), read from the fetched snapshot",
        ),
      ),
    ],
  },
  520: {
    reasonPhrase: "Web Server Returns an Unknown Error",
    formerNames: ["Web Server Returned an Unknown Error"],
    description: "Cloudflare: the origin answered with something empty, unknown or unexpected (a reset connection, headers too large, an empty response).",
    typicalHeaders: [],
    relatedCodes: [502, 521],
    uses: [
      cloudflare(
        520,
        "Web server returns an unknown error",
        "The origin returned an empty, unknown or unexpected response to Cloudflare: a crashed origin, a firewall blocking Cloudflare's IPs, headers over 128 KB, or an empty reply. Check the origin's error logs for the request.",
        "Error 520: web server returns an unknown error\nThis error occurs when the origin server returns an empty, unknown, or unexpected response to Cloudflare.",
      ),
    ],
  },
  521: {
    reasonPhrase: "Web Server Is Down",
    description: "Cloudflare: the origin refused the connection, because it is offline or blocks Cloudflare's addresses.",
    typicalHeaders: [],
    relatedCodes: [502, 522, 503],
    uses: [
      cloudflare(
        521,
        "Web server is down",
        "The origin web server refused the connection from Cloudflare: it is offline, or a firewall blocks Cloudflare's IP ranges. Start the web server and allow Cloudflare's IP ranges.",
        "Error 521: web server is down\nError 521 occurs when the origin web server refuses connections from Cloudflare.",
      ),
    ],
  },
  522: {
    reasonPhrase: "Connection Timed Out",
    description: "Cloudflare: the TCP connection to the origin could not be established in time.",
    typicalHeaders: [],
    relatedCodes: [504, 524, 521],
    uses: [
      cloudflare(
        522,
        "Connection timed out",
        "Cloudflare timed out contacting the origin web server: no SYN+ACK within 19 seconds, or the origin did not acknowledge the request within 90 seconds of connecting. Check that the origin is up, not overloaded, and not blocking or rate-limiting Cloudflare's IP ranges.",
        "Error 522: connection timed out\nError 522 occurs when Cloudflare times out contacting the origin web server.",
      ),
    ],
  },
  523: {
    reasonPhrase: "Origin Is Unreachable",
    description: "Cloudflare could not reach the origin at all, for example because its DNS records point at a wrong or unroutable address.",
    typicalHeaders: [],
    relatedCodes: [502, 530],
    uses: [
      cloudflare(
        523,
        "Origin is unreachable",
        "Cloudflare cannot contact the origin web server, typically because a network device between them has no route to the origin's IP address, or the A/AAAA records in the Cloudflare DNS settings are wrong. Check those records and the routing to the origin.",
        "Error 523: origin is unreachable\nThis error occurs when Cloudflare cannot contact your origin web server.",
      ),
    ],
  },
  524: {
    reasonPhrase: "A Timeout Occurred",
    description: "Cloudflare connected to the origin, but the origin did not send an HTTP response before Cloudflare's proxy read timeout (120 seconds by default).",
    typicalHeaders: [],
    relatedCodes: [504, 522],
    uses: [
      cloudflare(
        524,
        "A timeout occurred",
        "Cloudflare made a TCP connection to the origin, but the origin did not reply with an HTTP response within the Proxy Read Timeout (120 seconds by default; Enterprise plans can raise it to 6,000). Make long-running work asynchronous (202 and a status resource) or speed up the origin.",
        "Error 524: a timeout occurred\nError 524 indicates that Cloudflare successfully connected to the origin web server, but the origin did not provide an HTTP response before the default 120 seconds Proxy Read Timeout.",
      ),
    ],
  },
  525: {
    reasonPhrase: "SSL Handshake Failed",
    description: "Cloudflare could not complete a TLS handshake with the origin (Full or Full strict SSL mode).",
    typicalHeaders: [],
    relatedCodes: [526, 502],
    uses: [
      cloudflare(
        525,
        "SSL handshake failed",
        "The TLS handshake between Cloudflare and the origin failed: no valid certificate, port 443 not open, no SNI support, or no cipher suite in common. Install a valid certificate on the origin and allow modern cipher suites.",
        "Error 525: SSL handshake failed\nThis error indicates that the SSL handshake between Cloudflare and the origin web server failed.",
      ),
    ],
  },
  526: {
    reasonPhrase: "Invalid SSL Certificate",
    description: "Cloudflare (Full strict SSL mode) could not validate the origin's certificate: expired, self-signed, or for another host name.",
    typicalHeaders: [],
    relatedCodes: [525, 502],
    uses: [
      cloudflare(
        526,
        "Invalid SSL certificate",
        "With SSL set to Full (strict), Cloudflare could not validate the origin's certificate: expired, revoked, self-signed, or not covering the requested host name. Install a valid certificate (or a Cloudflare Origin CA certificate) on the origin.",
        "Error 526: invalid SSL certificate\nThis error indicates that Cloudflare is unable to verify the SSL certificate on your origin server, preventing a secure connection from being established.",
      ),
    ],
  },
  529: {
    reasonPhrase: "Service Is Overloaded",
    description: "Qualys SSL Labs' API: the service is overloaded, through no fault of the client. SSL Labs asks clients to wait about 30 minutes, randomized, before trying again.",
    typicalHeaders: [],
    relatedCodes: [503, 429],
    uses: [
      unnamed(
        "Qualys SSL Labs API",
        "Service Is Overloaded",
        "The SSL Labs assessment API answers 529 when the service is overloaded, a condition not caused by the client (429 is for a client over its limits). Sleep for several minutes (about 30, randomized so that clients do not all return at once), then try again.",
        "https://github.com/ssllabs/ssllabs-scan/blob/master/ssllabs-api-docs-v3.md",
        excerpt(
          "If the server is overloaded (a condition that is not a result of the client's behaviour), the 529 status code will be used instead.",
          "ssllabs/ssllabs-scan on GitHub, ssllabs-api-docs-v3.md at commit 0849fe060e18, the search tool's stored copy (code index), section Access Rate and Rate Limiting; its list of error status codes says \"529 - the service is overloaded\"",
        ),
      ),
    ],
  },
  530: {
    reasonPhrase: "Origin DNS Error",
    description: "Cloudflare answers 530 together with a 1xxx error shown in the body (such as 1016 Origin DNS error); the 1xxx code says what went wrong.",
    typicalHeaders: [],
    relatedCodes: [523, 502],
    uses: [
      unnamed(
        "Cloudflare",
        "Origin DNS Error",
        "Cloudflare cannot resolve the origin hostname. HTTP 530 comes with a Cloudflare 1xxx error in the page body (for example 1016 Origin DNS error); look up that 1xxx code for the cause. Cloudflare's page gives 530 no name of its own.",
        `${CLOUDFLARE_5XX}/error-530/`,
        excerpt(
          "Error 530\nThis error indicates that Cloudflare is unable to resolve the origin hostname, preventing it from establishing a connection to the origin server.",
          cloudflareRead(530),
        ),
      ),
    ],
  },
  540: {
    reasonPhrase: "Temporarily Disabled",
    description: "Shopify: the requested endpoint is temporarily disabled and will be back shortly.",
    typicalHeaders: [],
    relatedCodes: [503],
    uses: [
      named(
        "Shopify",
        "Temporarily Disabled",
        "The requested endpoint isn't available now: Shopify has disabled it for a while and will bring it back online shortly. Retry later; check Shopify's status page if it lasts.",
        SHOPIFY_CODES,
        excerpt("540 Temporarily Disabled | The requested endpoint isn't currently available. It has been temporarily disabled, and will be back online shortly.", SHOPIFY_READ),
      ),
    ],
  },
  561: {
    reasonPhrase: "Unauthorized",
    description: "AWS Application Load Balancer with user authentication: the identity provider returned an error code when authenticating the user.",
    typicalHeaders: [],
    relatedCodes: [401, 502],
    uses: [
      alb(
        "http-561-issues",
        "Unauthorized",
        "Unauthorized",
        "A listener rule authenticates users, but the identity provider (IdP) returned an error code when authenticating the user. Check the access log's error reason code, the IdP, and the rule's authentication settings (issuer, endpoints, client id and secret).",
        "HTTP 561: Unauthorized\nYou configured a listener rule to authenticate users, but the IdP returned an error code when authenticating the user.",
      ),
    ],
  },
  599: {
    reasonPhrase: "No HTTP Response Received",
    formerNames: ["Network Connect Timeout Error"],
    description:
      "Not a status any server is documented to send here: Tornado's HTTP client reports 599 itself when it received no HTTP response at all (a timeout, a closed connection). The name \"Network Connect Timeout Error\", widely cited for proxies that send 599 after a connect timeout behind them, is kept as a former name: no proxy's documentation stating it was found.",
    typicalHeaders: [],
    relatedCodes: [504, 408],
    bodyAllowed: false,
    uses: [
      unnamed(
        "Tornado (Python HTTP client)",
        "No HTTP Response Received",
        "Tornado's HTTPClientError has code 599 when no HTTP response was received: a timeout raises HTTPTimeoutError (message \"Timeout\"), a closed stream HTTPStreamClosedError (\"Stream closed\"), a libcurl failure CurlError. It is the client's own code, not a server's: retry later, or raise the timeouts.",
        "https://www.tornadoweb.org/en/stable/httpclient.html#tornado.httpclient.HTTPClientError",
        excerpt(
          "Error code 599 is used when no HTTP response was received, e.g. for a timeout.",
          "tornadoweb/tornado on GitHub, tornado/httpclient.py at commit e530031405e2 (2026-07-08, after v6.5.1), the HTTPClientError docstring that the reference renders, read from the fetched snapshot (line break collapsed); tornado/simple_httpclient.py of the same commit raises HTTPTimeoutError and HTTPStreamClosedError with 599",
        ),
      ),
    ],
  },
};

/** Vendor meanings of registered codes: the entry keeps its IANA data and gains the use. */
export const REGISTERED_USES: Record<number, readonly UnofficialUseRecord[]> = {
  451: [
    named(
      "Microsoft Exchange ActiveSync",
      "Redirect",
      "Exchange ActiveSync answers 451 when the device connects to a server that cannot reach the user's mailbox, or a better one exists. The X-MS-Location header names the URL to use for all later requests; without it, run Autodiscover again.",
      "https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-ashttp/a907164a-907c-48b4-b2ef-44a06867f03f",
      excerpt(
        "If the client is attempting to connect to the wrong server (that is, a server that cannot access the user's mailbox), or if there is a more efficient server to use to reach the user's mailbox, then a 451 Redirect error is returned.",
        `${STORED} (docs corpus) of [MS-ASHTTP] section 3.1.5.2.2, "HTTP Error 451", at this address; learn.microsoft.com could not be reached from here`,
      ),
    ),
  ],
  508: [
    named(
      "CloudLinux (mod_hostinglimits)",
      "Resource Limit Is Reached",
      "On CloudLinux shared hosting, Apache's mod_hostinglimits answers 508 (its LVEErrorCode, 508 by default) when a site reaches its entry-processes limit, the number of concurrent requests entering its LVE; the default page says \"Resource Limit Is Reached. The website is temporarily unable to serve your request as it exceeded resource limit. Please try again later.\" Retry later, or ask the host to raise the limit. Not WebDAV's Loop Detected.",
      "https://docs.cloudlinux.com/cloudlinuxos/cloudlinux_os_components/",
      excerpt(
        "Error code to display once entry is rejected due to maxEntryProcs … Default | 508 … The message that will be displayed by default is: … Resource Limit Is Reached.",
        "cloudlinux/cloudlinux-documentation on GitHub, docs/cloudlinuxos/cloudlinux_os_components/README.md at commit 44a4d9688d5c (2026-06-09), directive LVEErrorCode of mod_hostinglimits, read from the fetched snapshot (a table row's cells joined by ' | ', elisions marked ' … '); docs.cloudlinux.com could not be reached from here",
      ),
    ),
  ],
};

/** An unofficial code's specification: the documentation of its first (main) use. */
export function specificationOfUse(use: UnofficialUseRecord): SpecificationRecord {
  const anchor = use.reference.indexOf("#");
  return {
    document: `${use.origin} documentation`,
    section: anchor >= 0 ? use.reference.slice(anchor + 1).slice(0, 40) : null,
    url: use.reference,
  };
}
