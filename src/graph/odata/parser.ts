import type { CompareOp, FilterNode, Literal } from './ast.js';
import { ODataError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

export const MAX_NESTING_DEPTH = 32;
export const MAX_TERMS = 200;

type FunctionName = 'startswith' | 'endswith' | 'contains';

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS: ReadonlySet<string> = new Set<FunctionName>(['startswith', 'endswith', 'contains']);
// Words that can never be a property or range-variable name (compared lower-cased).
const RESERVED: ReadonlySet<string> = new Set([
  ...COMPARE_OPS, 'and', 'or', 'not', 'any', 'all', 'in', 'has', 'add', 'sub', 'mul', 'div', 'divby', 'mod', 'true', 'false', 'null',
]);

/** ASCII-only lower-casing, so e.g. the Kelvin sign never folds onto `k`. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Parses the `$filter` subset Microsoft Graph accepts on audit-log endpoints.
 * Throws only ODataError. Keywords, operators and function names match
 * case-insensitively (as Graph does); property names are returned as written.
 */
export function parseFilter(text: string): FilterNode {
  try {
    return new Parser(tokenize(text)).parse();
  } catch (err) {
    if (err instanceof ODataError) throw err;
    // Defensive: a bug here must still surface as a 400, never a 500 with internals.
    throw new ODataError(`internal parser error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

class Parser {
  private pos = 0;
  private depth = 0;
  private terms = 0;
  /** Range variable of the enclosing lambda, if any. */
  private rangeVar: string | undefined;

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.parseOr();
    const tok = this.peek();
    if (tok.type !== 'eof') throw this.error(tok, 'unexpected trailing input');
    return node;
  }

  private parseOr(): FilterNode {
    const items = [this.parseAnd()];
    while (this.atKeyword('or')) {
      this.pos++;
      items.push(this.parseAnd());
    }
    return combine('or', items);
  }

  private parseAnd(): FilterNode {
    const items = [this.parseUnary()];
    while (this.atKeyword('and')) {
      this.pos++;
      items.push(this.parseUnary());
    }
    return combine('and', items);
  }

  private parseUnary(): FilterNode {
    if (this.atKeyword('not')) {
      this.pos++;
      return this.nested(() => ({ kind: 'not', operand: this.parseUnary() }));
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterNode {
    const tok = this.next();
    if (tok.type === '(') {
      return this.nested(() => {
        const inner = this.parseOr();
        this.expect(')');
        return inner;
      });
    }
    if (tok.type !== 'ident') throw this.error(tok, 'expected a property, function or "("');
    if (this.peek().type === '(') return this.parseFunction(tok);
    const { path, lambda } = this.parsePath(tok);
    if (lambda) return this.parseLambda(path, lambda);
    return this.parseComparison(path);
  }

  private parseFunction(nameTok: Token & { type: 'ident' }): FilterNode {
    const name = asciiLower(nameTok.text);
    if (!FUNCTIONS.has(name)) throw this.error(nameTok, `unsupported function ${nameTok.text}`);
    this.expect('(');
    const first = this.next();
    if (first.type !== 'ident') throw this.error(first, 'function argument must be a property');
    const { path, lambda } = this.parsePath(first);
    if (lambda) throw this.error(lambda, 'lambda inside function');
    this.expect(',');
    const value = this.literal();
    this.expect(')');
    this.countTerm(nameTok);
    return { kind: 'function', name: name as FunctionName, property: path, value };
  }

  private parseComparison(property: string): FilterNode {
    const opTok = this.next();
    const op = opTok.type === 'ident' ? asciiLower(opTok.text) : '';
    if (!COMPARE_OPS.has(op)) throw this.error(opTok, 'expected a comparison operator');
    const value = this.literal();
    this.countTerm(opTok);
    return { kind: 'compare', op: op as CompareOp, property, value };
  }

  private parseLambda(collection: string, anyTok: Token): FilterNode {
    if (this.rangeVar !== undefined) throw this.error(anyTok, 'nested lambda');
    this.expect('(');
    const varTok = this.next();
    if (varTok.type !== 'ident' || RESERVED.has(asciiLower(varTok.text))) throw this.error(varTok, 'expected a range variable');
    this.expect(':');
    return this.nested(() => {
      this.rangeVar = varTok.text;
      const predicate = this.parseOr();
      this.rangeVar = undefined;
      this.expect(')');
      return { kind: 'any', collection, predicate };
    });
  }

  /**
   * Reads `seg(/seg)*`. Stops before `/any`, returning the `any` token so the
   * caller can parse the lambda. Inside a lambda the path must start with the
   * range variable and is returned relative to it.
   */
  private parsePath(first: Token & { type: 'ident' }): { path: string; lambda?: Token } {
    const segments = [first.text];
    while (this.peek().type === '/') {
      this.pos++;
      const seg = this.next();
      if (seg.type !== 'ident') throw this.error(seg, 'expected a path segment');
      const lower = asciiLower(seg.text);
      if (lower === 'any' && this.peek().type === '(') {
        return { path: this.resolvePath(segments, first), lambda: seg };
      }
      if (RESERVED.has(lower)) throw this.error(seg, `unsupported path segment ${seg.text}`);
      segments.push(seg.text);
    }
    return { path: this.resolvePath(segments, first) };
  }

  private resolvePath(segments: string[], first: Token): string {
    if (RESERVED.has(asciiLower(segments[0]!))) throw this.error(first, `unexpected keyword ${segments[0]}`);
    if (this.rangeVar === undefined) return segments.join('/');
    if (segments[0] !== this.rangeVar) throw this.error(first, 'inside a lambda, paths must start with the range variable');
    return segments.slice(1).join('/');
  }

  private literal(): Literal {
    const tok = this.next();
    if (tok.type === 'literal') return tok.value;
    if (tok.type === 'ident') {
      switch (asciiLower(tok.text)) {
        case 'true':
          return { kind: 'boolean', value: true };
        case 'false':
          return { kind: 'boolean', value: false };
        case 'null':
          return { kind: 'null' };
      }
    }
    throw this.error(tok, 'expected a literal');
  }

  /** Runs `fn` one nesting level deeper (parentheses, `not`, lambdas). */
  private nested<T>(fn: () => T): T {
    if (++this.depth > MAX_NESTING_DEPTH) throw this.error(this.peek(), `nesting deeper than ${MAX_NESTING_DEPTH}`);
    const result = fn();
    this.depth--;
    return result;
  }

  private countTerm(tok: Token): void {
    if (++this.terms > MAX_TERMS) throw this.error(tok, `more than ${MAX_TERMS} terms`);
  }

  private atKeyword(word: string): boolean {
    const tok = this.peek();
    return tok.type === 'ident' && asciiLower(tok.text) === word;
  }

  private expect(type: Token['type']): void {
    const tok = this.next();
    if (tok.type !== type) throw this.error(tok, `expected "${type}"`);
  }

  private peek(): Token {
    return this.tokens[this.pos]!; // the token list always ends with eof
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.type !== 'eof') this.pos++;
    return tok;
  }

  private error(tok: Token, reason: string): ODataError {
    return new ODataError(`${reason} at ${tok.pos}`);
  }
}

/** Builds an n-ary and/or node, splicing in same-kind children (e.g. from parentheses). */
function combine(kind: 'and' | 'or', items: FilterNode[]): FilterNode {
  if (items.length === 1) return items[0]!;
  return { kind, items: items.flatMap((item) => (item.kind === kind ? item.items : [item])) };
}
