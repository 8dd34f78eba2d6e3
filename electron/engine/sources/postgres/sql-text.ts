// Quoting for the SQL that Airlock writes itself: identifiers are always quoted so no name can change a statement's meaning.

/** Quotes an identifier whatever it contains (spaces, quotes, reserved words, newlines). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A schema-qualified name, both parts quoted. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A string literal for standard_conforming_strings = on (the only mode Airlock runs in). */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A role name in GRANT/REVOKE/OWNER TO: PUBLIC is a keyword, every other role is an identifier. */
export function roleName(role: string | null): string {
  return role === null ? 'PUBLIC' : ident(role);
}

/** "schema.name" as people write it, for messages and table selection (not for SQL). */
export function displayName(schema: string, name: string): string {
  return `${schema}.${name}`;
}
