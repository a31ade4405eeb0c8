import { badUserInput } from '@rapport/auth';
import { Kind, visit, type ASTNode, type DocumentNode, type GraphQLError } from 'graphql';

const NUL = '\u0000';

/**
 * PostgreSQL refuses NUL in text ("invalid byte sequence for encoding UTF8"),
 * so a NUL in any string argument would fail deep inside a write as an
 * internal error. Refusing it before execution makes it the caller's error
 * for every operation of every subgraph, naming the argument that carried it.
 */
export function findNulCharacter(document: DocumentNode, variables: Record<string, unknown>): GraphQLError | null {
  const usedAs = new Map<string, string>();
  let found: string | null = null;
  visit(document, {
    Variable(node, _key, parent, _path, ancestors) {
      const declaration = parent && !Array.isArray(parent) && (parent as ASTNode).kind === Kind.VARIABLE_DEFINITION;
      if (!declaration && !usedAs.has(node.name.value))
        usedAs.set(node.name.value, argumentPath([...ancestors, parent]) ?? node.name.value);
    },
    StringValue(node, _key, parent, _path, ancestors) {
      if (!found && node.value.includes(NUL)) found = argumentPath([...ancestors, parent]) ?? 'query';
    },
  });
  if (found) return nulError(found);
  for (const [name, value] of Object.entries(variables)) {
    const path = nulPath(value, usedAs.get(name) ?? name);
    if (path) return nulError(path);
  }
  return null;
}

function nulError(path: string): GraphQLError {
  const error = badUserInput(path, 'must not contain a NUL character (\\u0000)');
  error.extensions.http = { status: 400 };
  return error;
}

function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = nulPath(inner, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** `argument.field.field`: the enclosing argument and input-object fields of a value, as the validators name fields. */
function argumentPath(ancestors: readonly (ASTNode | readonly ASTNode[] | undefined)[]): string | null {
  const names: string[] = [];
  for (const ancestor of ancestors) {
    if (!ancestor || Array.isArray(ancestor)) continue;
    const node = ancestor as ASTNode;
    if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) names.push(node.name.value);
  }
  return names.length ? names.join('.') : null;
}
