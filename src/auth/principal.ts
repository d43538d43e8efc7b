import { DomainError } from "../errors/domain-error";

export const ROLES = ["reader", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: an API key's owner. Anonymous callers have no principal. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

export type Permission = "catalogue:write" | "catalogue:write-registry";

const GRANTS: Record<Role, readonly Permission[]> = {
  reader: [],
  editor: ["catalogue:write"],
  admin: ["catalogue:write", "catalogue:write-registry"],
};

export function can(principal: Principal | null, permission: Permission): boolean {
  return principal !== null && GRANTS[principal.role].includes(permission);
}

/** UNAUTHENTICATED without a key, FORBIDDEN when the key's role lacks the permission. */
export function requirePermission(principal: Principal | null, permission: Permission): Principal {
  if (!principal) throw new DomainError("UNAUTHENTICATED", "This operation needs an API key (Authorization: Bearer <key>)");
  if (!can(principal, permission)) {
    throw new DomainError("FORBIDDEN", `The role ${principal.role} may not do this`, { requiredPermission: permission });
  }
  return principal;
}
