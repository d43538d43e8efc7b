import { hostname } from "node:os";

/** OTEL_TRACES_SAMPLER's values, as the OpenTelemetry specification names them. */
export const TRACES_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

export interface TracingConfig {
  /** Where spans are POSTed (OTLP over HTTP, protobuf): the traces endpoint itself. */
  tracesUrl: string;
  serviceName: string;
  /** service.instance.id: which replica a span comes from (OTEL_RESOURCE_ATTRIBUTES may set it). */
  instanceId: string;
  resourceAttributes: Record<string, string>;
  sampler: (typeof TRACES_SAMPLERS)[number];
  /** The ratio of the ratio samplers (1 unless OTEL_TRACES_SAMPLER_ARG says otherwise). */
  ratio: number;
  /** How long finished spans wait to be sent in one batch. */
  scheduleDelayMs: number;
}

interface OtelEnv {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_SDK_DISABLED: "true" | "false";
  OTEL_TRACES_EXPORTER: "otlp" | "none";
  OTEL_SERVICE_NAME: string;
  OTEL_RESOURCE_ATTRIBUTES?: string;
  OTEL_TRACES_SAMPLER: TracingConfig["sampler"];
  OTEL_TRACES_SAMPLER_ARG?: number;
  OTEL_BSP_SCHEDULE_DELAY: number;
}

/**
 * Tracing is on when an OTLP endpoint is set (and OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none
 * do not turn it off). As the specification says: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used
 * as it is, OTEL_EXPORTER_OTLP_ENDPOINT gets `/v1/traces` appended.
 */
export function tracingOf(e: OtelEnv): TracingConfig | undefined {
  if (e.OTEL_SDK_DISABLED === "true" || e.OTEL_TRACES_EXPORTER === "none") return undefined;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base.replace(/\/+$/, "")}/v1/traces`);
  if (!tracesUrl) return undefined;
  const resourceAttributes = resourceAttributesOf(e.OTEL_RESOURCE_ATTRIBUTES);
  return {
    tracesUrl,
    serviceName: e.OTEL_SERVICE_NAME,
    instanceId: resourceAttributes["service.instance.id"] ?? `${hostname()}:${process.pid}`,
    resourceAttributes,
    sampler: e.OTEL_TRACES_SAMPLER,
    ratio: e.OTEL_TRACES_SAMPLER_ARG ?? 1,
    scheduleDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
  };
}

/** `key=value,key=value`, values percent-encoded (the W3C Baggage octet rules the spec refers to). */
function resourceAttributesOf(value: string | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of value?.split(",") ?? []) {
    const eq = pair.indexOf("=");
    attributes[pair.slice(0, eq).trim()] = safeDecode(pair.slice(eq + 1).trim());
  }
  return attributes;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
