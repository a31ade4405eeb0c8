import { Scalar, type CustomScalar } from '@nestjs/graphql';
import { Kind, type ObjectFieldNode, type ValueNode } from 'graphql';

/**
 * Any JSON value — segment rules and journey steps are JSON documents a
 * front end builds. Inline literals are turned into plain values; variables
 * arrive as parsed JSON already. Their meaning is checked by the services.
 */
@Scalar('JSON')
export class JsonScalar implements CustomScalar<unknown, unknown> {
  parseValue(value: unknown): unknown {
    return value;
  }
  serialize(value: unknown): unknown {
    return value;
  }
  parseLiteral(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
    return literal(ast, variables ?? {});
  }
}

function literal(ast: ValueNode, variables: Record<string, unknown>): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literal(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f: ObjectFieldNode) => [f.name.value, literal(f.value, variables)]));
    case Kind.VARIABLE:
      return variables[ast.name.value];
    default:
      return undefined;
  }
}
