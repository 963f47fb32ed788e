/**
 * Roles of the admin API. `viewer` reads everything; `admin` also changes things (retry,
 * cancel, the number directory, tokens). Ordered so a higher role includes the lower.
 */
export const API_ROLES = ['viewer', 'admin'] as const;

export type ApiRole = (typeof API_ROLES)[number];

/** True when a caller holding `held` may do what needs `needed`. */
export function roleAllows(held: ApiRole, needed: ApiRole): boolean {
  return API_ROLES.indexOf(held) >= API_ROLES.indexOf(needed);
}

export function isApiRole(value: string): value is ApiRole {
  return (API_ROLES as readonly string[]).includes(value);
}
