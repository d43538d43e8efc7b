import { DomainError } from "../errors/domain-error";

export type NodeType = "StatusCode";
const NODE_TYPES: readonly NodeType[] = ["StatusCode"];

/** Relay convention: base64 of "Type:key". Opaque to clients, stable across databases. */
export function toGlobalId(type: NodeType, key: string | number): string {
  return Buffer.from(`${type}:${key}`).toString("base64");
}

export function fromGlobalId(id: string): { type: NodeType; key: string } {
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(id) ? Buffer.from(id, "base64").toString("utf8") : "";
  const match = /^([A-Za-z]+):(.+)$/.exec(decoded);
  if (!match || !NODE_TYPES.includes(match[1] as NodeType)) {
    throw new DomainError("BAD_USER_INPUT", "Invalid id: not an id issued by this API");
  }
  return { type: match[1] as NodeType, key: match[2] };
}
