import type { CompareOp, FilterNode, Literal } from './ast.js';
import { ODataError } from './errors.js';
import { isGuid } from '../../lib/guid.js';
import { asciiLower } from './parser.js';

export type FieldType = 'string' | 'int' | 'datetime' | 'guid' | 'boolean' | 'enum';

export interface FieldSpec {
  type: FieldType;
  ops: ReadonlyArray<CompareOp | 'startswith' | 'endswith' | 'contains'>;
  enumValues?: readonly string[];
}

/** Keys: '' for the element itself (string collections), or e.g. 'id', 'displayName' for complex elements. */
export interface CollectionSpec {
  element: Record<string, FieldSpec>;
}

export interface FilterSpec {
  fields: Record<string, FieldSpec>;
  collections: Record<string, CollectionSpec>;
  allowOr?: boolean;
  allowNot?: boolean;
}

/**
 * Checks a parsed filter against an endpoint's spec and returns a new tree with
 * canonical property/collection names and literals coerced to the field types.
 */
export function validateFilter(node: FilterNode, spec: FilterSpec): FilterNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      if (node.kind === 'or' && !spec.allowOr) throw new ODataError('"or" is not supported here');
      return { kind: node.kind, items: node.items.map((item) => validateFilter(item, spec)) };
    case 'not':
      if (!spec.allowNot) throw new ODataError('"not" is not supported here');
      return { kind: 'not', operand: validateFilter(node.operand, spec) };
    case 'compare': {
      const [property, field] = lookup(spec.fields, node.property);
      checkOp(field, node.op, property);
      if (node.value.kind === 'null') {
        if (node.op !== 'eq' && node.op !== 'ne') throw new ODataError(`null used with ${node.op} on ${property}`);
        return { kind: 'compare', op: node.op, property, value: node.value };
      }
      return { kind: 'compare', op: node.op, property, value: coerce(field, node.value, property) };
    }
    case 'function': {
      const [property, field] = lookup(spec.fields, node.property);
      checkOp(field, node.name, property);
      if (node.value.kind !== 'string') throw new ODataError(`${node.name} needs a string argument`);
      const value = field.type === 'guid' ? asciiLower(node.value.value) : node.value.value;
      return { kind: 'function', name: node.name, property, value: { kind: 'string', value } };
    }
    case 'any': {
      const [collection, coll] = lookup(spec.collections, node.collection);
      // Lambda paths are relative to the range variable, so the element spec becomes the field set.
      const inner: FilterSpec = { fields: coll.element, collections: {}, allowOr: spec.allowOr, allowNot: spec.allowNot };
      return { kind: 'any', collection, predicate: validateFilter(node.predicate, inner) };
    }
  }
}

/**
 * Case-insensitive (ASCII) lookup returning the canonical key. Iterates own
 * entries only, so names like `__proto__` or `constructor` never resolve.
 */
function lookup<T>(table: Record<string, T>, name: string): [string, T] {
  const wanted = asciiLower(name);
  for (const [key, value] of Object.entries(table)) {
    if (asciiLower(key) === wanted) return [key, value];
  }
  throw new ODataError(`unknown property ${name}`);
}

function checkOp(field: FieldSpec, op: FieldSpec['ops'][number], property: string): void {
  if (!field.ops.includes(op)) throw new ODataError(`${op} is not supported on ${property}`);
}

function coerce(field: FieldSpec, value: Literal, property: string): Literal {
  const mismatch = (): ODataError => new ODataError(`${value.kind} literal does not match ${field.type} field ${property}`);
  switch (field.type) {
    case 'string':
      if (value.kind === 'string') return value;
      if (value.kind === 'guid') return { kind: 'string', value: value.value };
      throw mismatch();
    case 'guid':
      if (value.kind === 'guid') return { kind: 'string', value: value.value };
      if (value.kind === 'string' && isGuid(value.value)) return { kind: 'string', value: asciiLower(value.value) };
      throw mismatch();
    case 'int':
      // Edm.Int32, as the properties are (status/errorCode): a wider literal is a bad filter, not a database error
      if (value.kind === 'number' && Number.isInteger(value.value) && value.value >= -2_147_483_648 && value.value <= 2_147_483_647) return value;
      throw mismatch();
    case 'datetime':
      if (value.kind === 'datetime') return value;
      throw mismatch();
    case 'boolean':
      if (value.kind === 'boolean') return value;
      throw mismatch();
    case 'enum': {
      if (value.kind !== 'string') throw mismatch();
      const wanted = asciiLower(value.value);
      const canonical = field.enumValues?.find((v) => asciiLower(v) === wanted);
      if (canonical === undefined) throw new ODataError(`${value.value} is not a valid value for ${property}`);
      return { kind: 'string', value: canonical };
    }
  }
}
