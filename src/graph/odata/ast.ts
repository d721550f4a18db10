export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number } // integers and decimals; never NaN/Infinity/unsafe integers
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; value: string; epochMs: number } // unquoted DateTimeOffset; epochMs = UTC millis
  | { kind: 'guid'; value: string }; // unquoted GUID literal, lower-cased

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { kind: 'and' | 'or'; items: FilterNode[] } // n-ary, flattened
  | { kind: 'not'; operand: FilterNode }
  // Inside a lambda, paths are relative to the range variable: '' is the variable itself, 'id' is t/id.
  | { kind: 'compare'; op: CompareOp; property: string; value: Literal }
  | { kind: 'function'; name: 'startswith' | 'endswith' | 'contains'; property: string; value: Literal }
  | { kind: 'any'; collection: string; predicate: FilterNode };
