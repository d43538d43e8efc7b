import type { SpecificationRecord, UnofficialUseRecord } from "../status-code.model";

/**
 * Codes no registry lists but logs and clients meet every day, each meaning with the vendor
 * documentation (or source) that states it. Only meanings a reference states go in: a code
 * with no such reference (598, say) is left out rather than guessed.
 */
export interface UnofficialSeed {
  reasonPhrase: string;
  description: string;
  typicalHeaders: readonly string[];
  relatedCodes: readonly number[];
  uses: readonly UnofficialUseRecord[];
  /** A response with it may carry content; default true. */
  bodyAllowed?: boolean;
}

const NGINX_SSL_ERRORS = "https://nginx.org/en/docs/http/ngx_http_ssl_module.html#errors";
const NGINX_SOURCE = "https://github.com/nginx/nginx/blob/master/src/http/ngx_http_request.h";
const CLOUDFLARE_5XX = "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors";
const ALB_ERRORS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html";

const nginx = (reasonPhrase: string, description: string, reference: string): UnofficialUseRecord => ({
  origin: "nginx",
  reasonPhrase,
  description,
  reference,
});
const cloudflare = (code: number, reasonPhrase: string, description: string): UnofficialUseRecord => ({
  origin: "Cloudflare",
  reasonPhrase,
  description,
  reference: `${CLOUDFLARE_5XX}/error-${code}/`,
});
const alb = (anchor: string, reasonPhrase: string, description: string): UnofficialUseRecord => ({
  origin: "AWS Elastic Load Balancing (Application Load Balancer)",
  reasonPhrase,
  description,
  reference: `${ALB_ERRORS}#${anchor}`,
});

export const UNOFFICIAL: Record<number, UnofficialSeed> = {
  419: {
    reasonPhrase: "Page Expired",
    description: "Laravel's answer to a form post whose CSRF token does not match the session's, typically a form left open until the session expired.",
    typicalHeaders: ["Content-Type"],
    relatedCodes: [403, 401],
    uses: [
      {
        origin: "Laravel",
        reasonPhrase: "Page Expired",
        description:
          "The framework's exception handler turns a TokenMismatchException (the CSRF token sent with a POST, PUT, PATCH or DELETE does not match the session's) into a 419. Reload the form to get a fresh token, or send the X-CSRF-TOKEN header from JavaScript.",
        reference: "https://github.com/laravel/framework/blob/11.x/src/Illuminate/Foundation/Exceptions/Handler.php",
      },
    ],
  },
  420: {
    reasonPhrase: "Enhance Your Calm",
    description: "Two unrelated vendor meanings: Twitter's old rate-limit answer, and Spring's deprecated Method Failure. New APIs use 429 for rate limits and 424 for failed dependencies.",
    typicalHeaders: [],
    relatedCodes: [429, 424],
    uses: [
      {
        origin: "Twitter (X) API v1",
        reasonPhrase: "Enhance Your Calm",
        description:
          "Sent by Twitter's version 1 Search and Trends APIs from January 2010 when a client exceeded its rate limit. Back off (Twitter advised waiting and doubling the wait) before retrying; API v1.1 replaced it with 429.",
        reference: "https://groups.google.com/group/twitter-api-announce/browse_thread/thread/3f3b0fd38deb9b0f",
      },
      {
        origin: "Spring Framework",
        reasonPhrase: "Method Failure",
        description:
          "HttpStatus.METHOD_FAILURE, deprecated: a WebDAV draft's code for a method that failed because another failed. RFC 4918 standardised 424 Failed Dependency instead; use 424.",
        reference: "https://docs.spring.io/spring-framework/docs/current/javadoc-api/org/springframework/http/HttpStatus.html#METHOD_FAILURE",
      },
    ],
  },
  440: {
    reasonPhrase: "Login Time-out",
    description: "Microsoft IIS and Exchange (Outlook Web Access): the client's session expired or its logon failed, and it must log on again.",
    typicalHeaders: [],
    relatedCodes: [401, 419],
    uses: [
      {
        origin: "Microsoft IIS / Exchange Outlook Web Access",
        reasonPhrase: "Login Time-out",
        description:
          "Outlook Web Access shows \"440 Login Timeout\" when the logon session expired, or when IIS permissions or authentication settings stop the logon. Log on again; if it persists, check the IIS authentication settings of the OWA virtual directories.",
        reference: "https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-2007/dd789741(v=exchg.80)",
      },
    ],
  },
  444: {
    reasonPhrase: "No Response",
    description: "nginx closed the connection without sending anything. It appears only in nginx's access log: the client sees a dropped connection, not a status.",
    typicalHeaders: [],
    relatedCodes: [499, 403],
    bodyAllowed: false,
    uses: [
      nginx(
        "No Response",
        "\"return 444;\" in a server or location block closes the connection without sending a response header, typically to drop unwanted or malicious requests (unknown Host, scanners). Nothing reaches the client.",
        "https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return",
      ),
    ],
  },
  449: {
    reasonPhrase: "Retry With",
    description: "Microsoft's WebDAV client extension: the request lacked information, and the client must repeat it with the information the server asked for.",
    typicalHeaders: [],
    relatedCodes: [400],
    uses: [
      {
        origin: "Microsoft (WebDAV client extensions, IIS)",
        reasonPhrase: "Retry With",
        description:
          "The server cannot satisfy the request because the client gave too little information. The response carries an Ms-Echo-Request header; a client that supports the extension repeats the request with an Ms-Echo-Reply header.",
        reference: "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wdv/83ecf19f-e0f8-4706-aae5-ba618f52f100",
      },
    ],
  },
  460: {
    reasonPhrase: "Client Closed Connection",
    description: "AWS Application Load Balancer: the client closed the connection before the load balancer's idle timeout elapsed. Only in the access log.",
    typicalHeaders: [],
    relatedCodes: [499, 408],
    bodyAllowed: false,
    uses: [
      alb(
        "http-460-issues",
        "Client Closed Connection",
        "The load balancer received a request, but the client closed the connection before the idle timeout period elapsed. Check that the client's timeout is longer than the load balancer's idle timeout, or make the target answer sooner.",
      ),
    ],
  },
  463: {
    reasonPhrase: "Too Many Forwarded IP Addresses",
    description: "AWS Application Load Balancer: the request's X-Forwarded-For header lists more IP addresses than the limit of 30.",
    typicalHeaders: [],
    relatedCodes: [400, 431],
    uses: [
      alb(
        "http-463-issues",
        "Too Many Forwarded IP Addresses",
        "The load balancer received an X-Forwarded-For request header with too many IP addresses (the upper limit is 30). Look for a proxy loop, or a client that appends to the header without bound.",
      ),
    ],
  },
  464: {
    reasonPhrase: "Incompatible Protocol Version",
    description: "AWS Application Load Balancer: the request's protocol does not match the target group's protocol version (HTTP/1.1, HTTP/2 or gRPC).",
    typicalHeaders: [],
    relatedCodes: [505, 426],
    uses: [
      alb(
        "http-464-issues",
        "Incompatible Protocol Version",
        "The load balancer received a request whose protocol is incompatible with the target group's protocol version, for example HTTP/1.1 to a gRPC target group. Match the target group's protocol version to what clients send.",
      ),
    ],
  },
  494: {
    reasonPhrase: "Request Header Too Large",
    description: "nginx's internal code for a request line or header larger than large_client_header_buffers allows; the client receives 400 \"Request Header Or Cookie Too Large\".",
    typicalHeaders: [],
    relatedCodes: [431, 400],
    uses: [
      nginx(
        "Request Header Too Large",
        "NGX_HTTP_REQUEST_HEADER_TOO_LARGE: a request header or cookie exceeded the large_client_header_buffers limit. It shows in logs and error_page rules; the response sent is a 400. Raise the buffers or send smaller cookies.",
        NGINX_SOURCE,
      ),
    ],
  },
  495: {
    reasonPhrase: "SSL Certificate Error",
    description: "nginx: the client's TLS certificate failed verification. Usable in error_page; the client receives 400.",
    typicalHeaders: [],
    relatedCodes: [496, 401],
    uses: [
      nginx(
        "SSL Certificate Error",
        "An error occurred during the client certificate verification (ssl_verify_client). nginx answers 400 unless an error_page redirects the 495; check the client certificate's chain against ssl_client_certificate.",
        NGINX_SSL_ERRORS,
      ),
    ],
  },
  496: {
    reasonPhrase: "SSL Certificate Required",
    description: "nginx: a client certificate is required and the client did not present one. Usable in error_page; the client receives 400.",
    typicalHeaders: [],
    relatedCodes: [495, 401],
    uses: [
      nginx(
        "SSL Certificate Required",
        "The client did not present the required certificate (ssl_verify_client on). nginx answers 400 unless an error_page redirects the 496; configure the client to send its certificate.",
        NGINX_SSL_ERRORS,
      ),
    ],
  },
  497: {
    reasonPhrase: "HTTP Request Sent to HTTPS Port",
    description: "nginx: a plain HTTP request arrived on a port that expects TLS. Often redirected to https with error_page 497.",
    typicalHeaders: [],
    relatedCodes: [400, 301],
    uses: [
      nginx(
        "HTTP Request Sent to HTTPS Port",
        "A regular request has been sent to the HTTPS port. nginx answers 400 unless an error_page handles 497, commonly with a redirect to the https URL.",
        NGINX_SSL_ERRORS,
      ),
    ],
  },
  499: {
    reasonPhrase: "Client Closed Request",
    description: "Best known as nginx's log entry for a client that closed the connection before the response was sent; ArcGIS Server uses the same number for \"Token Required\".",
    typicalHeaders: [],
    relatedCodes: [460, 408, 401],
    bodyAllowed: false,
    uses: [
      nginx(
        "Client Closed Request",
        "NGX_HTTP_CLIENT_CLOSED_REQUEST: the client closed the connection while nginx was still processing the request (often waiting on an upstream). Only in the access log; nothing is sent. Look for client timeouts shorter than the upstream's response time.",
        NGINX_SOURCE,
      ),
      {
        origin: "Esri ArcGIS",
        reasonPhrase: "Token Required",
        description:
          "ArcGIS services answer \"Authentication token required. (status code 499)\" when a secured layer or service is requested without a token. Sign in or request a token and send it with the request.",
        reference: "https://support.esri.com/en-us/knowledge-base/error-authentication-token-required-status-code-499-000022899",
      },
    ],
  },
  509: {
    reasonPhrase: "Bandwidth Limit Exceeded",
    description: "Shared hosting (Apache with cPanel's bandwidth limits): the site used up its bandwidth allowance for the period and is not served until it resets or is raised.",
    typicalHeaders: [],
    relatedCodes: [503, 429],
    uses: [
      {
        origin: "cPanel (Apache shared hosting)",
        reasonPhrase: "Bandwidth Limit Exceeded",
        description:
          "A hosting account that exceeds the bandwidth limit set in WHM is suspended from serving its sites, which answer with a \"Bandwidth Limit Exceeded\" page until the next period or a higher limit.",
        reference: "https://docs.cpanel.net/whm/account-functions/limit-bandwidth-usage/",
      },
    ],
  },
  520: {
    reasonPhrase: "Web Server Returned an Unknown Error",
    description: "Cloudflare: the origin answered with something empty, unknown or unexpected (a reset connection, headers too large, an empty response).",
    typicalHeaders: [],
    relatedCodes: [502, 521],
    uses: [
      cloudflare(
        520,
        "Web server is returning an unknown error",
        "The origin returned an empty, unknown or unexpected response to Cloudflare: a crashed origin, a firewall resetting connections, headers over the size limit, or an empty reply. Check the origin's error logs for the request.",
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
        "Cloudflare timed out contacting the origin web server: the TCP handshake did not complete, or the origin did not acknowledge the request. Check that the origin is up, not overloaded, and not blocking or rate-limiting Cloudflare's IP ranges.",
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
        "Cloudflare cannot reach the origin web server, commonly because the DNS records for the origin changed or are wrong, or a routing problem lies between Cloudflare and the origin. Check the A/AAAA records in the Cloudflare DNS settings.",
      ),
    ],
  },
  524: {
    reasonPhrase: "A Timeout Occurred",
    description: "Cloudflare connected to the origin, but the origin did not send an HTTP response before Cloudflare's proxy read timeout (100 seconds by default).",
    typicalHeaders: [],
    relatedCodes: [504, 522],
    uses: [
      cloudflare(
        524,
        "A timeout occurred",
        "Cloudflare made a TCP connection to the origin, but the origin did not reply with an HTTP response before the connection timed out. Make long-running work asynchronous (202 and a status resource) or speed up the origin.",
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
        "The TLS handshake between Cloudflare and the origin failed: no certificate or no matching cipher suites on the origin, or TLS not enabled on port 443. Install a valid certificate on the origin and allow modern cipher suites.",
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
      ),
    ],
  },
  530: {
    reasonPhrase: "Origin DNS Error",
    description: "Cloudflare answers 530 together with a 1xxx error shown in the body (such as 1016 Origin DNS error); the 1xxx code says what went wrong.",
    typicalHeaders: [],
    relatedCodes: [523, 502],
    uses: [
      cloudflare(
        530,
        "Origin DNS error (with a 1xxx error)",
        "HTTP 530 is returned with an accompanying Cloudflare 1xxx error in the page body, for example 1016 when Cloudflare cannot resolve the origin's DNS name. Look up the 1xxx code for the cause.",
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
        "A listener rule authenticates users, but the identity provider (IdP) returned an error code when authenticating the user. Check the IdP and the rule's authentication settings (issuer, endpoints, client id and secret).",
      ),
    ],
  },
  599: {
    reasonPhrase: "Network Connect Timeout Error",
    description: "Not sent by servers: HTTP clients such as Tornado's report 599 when no HTTP response was received at all, for example after a timeout.",
    typicalHeaders: [],
    relatedCodes: [504, 408],
    bodyAllowed: false,
    uses: [
      {
        origin: "Tornado (Python HTTP client)",
        reasonPhrase: "Network Connect Timeout Error",
        description:
          "HTTPClientError uses code 599 when no HTTP response was received, for example on a connection or request timeout. It is the client's own code: retry later, or raise the timeouts.",
        reference: "https://www.tornadoweb.org/en/stable/httpclient.html#tornado.httpclient.HTTPClientError",
      },
    ],
  },
};

/** Vendor meanings of registered codes: the entry keeps its IANA data and gains the use. */
export const REGISTERED_USES: Record<number, readonly UnofficialUseRecord[]> = {
  451: [
    {
      origin: "Microsoft Exchange ActiveSync",
      reasonPhrase: "Redirect",
      description:
        "Exchange ActiveSync answers 451 when the device connects to a server that cannot reach the user's mailbox, or a better one exists. The X-MS-Location header names the URL to use for all later requests; without it, run Autodiscover again.",
      reference: "https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-ashttp/a907164a-907c-48b4-b2ef-44a06867f03f",
    },
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
