// The OData $filter subset the double evaluates: `field eq|ne literal`, `and`, `or`, `not`, parentheses and
// `search.in(field, 'a,b'[, 'delimiters'])`. Malformed filters answer the service's syntax error; valid OData
// the double does not implement (gt/lt, lambdas, geo and search.ismatch functions, complex fields) throws
// UnsupportedFeature so the test sees a violation.
import { filterSyntax, noSuchProperty, notFilterable, UnsupportedFeature } from "./errors.js";
import type { IndexModel } from "./index-model.js";

export type Predicate = (document: Record<string, unknown>) => boolean;

type Token =
  | { kind: "punct"; text: "(" | ")" | ","; at: number }
  | { kind: "string"; value: string; at: number }
  | { kind: "number"; value: number; at: number }
  | { kind: "ident"; text: string; at: number };

const UNSUPPORTED_OPERATORS = new Set(["gt", "ge", "lt", "le", "has", "in"]);
const UNSUPPORTED_FUNCTIONS = /^(search\.ismatch|search\.ismatchscoring|geo\.distance|geo\.intersects)$/i;

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const ch = filter.charAt(i);
    if (/\s/u.test(ch)) {
      i++;
    } else if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ kind: "punct", text: ch, at: i++ });
    } else if (ch === "'") {
      const start = i++;
      let value = "";
      for (;;) {
        if (i >= filter.length) throw filterSyntax(filter, start);
        if (filter[i] === "'") {
          if (filter[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += filter[i++];
      }
      tokens.push({ kind: "string", value, at: start });
    } else {
      const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(filter.slice(i));
      const ident = /^[A-Za-z_][\w./]*/.exec(filter.slice(i));
      if (number) {
        tokens.push({ kind: "number", value: Number(number[0]), at: i });
        i += number[0].length;
      } else if (ident) {
        tokens.push({ kind: "ident", text: ident[0], at: i });
        i += ident[0].length;
      } else {
        throw filterSyntax(filter, i);
      }
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(
    private readonly filter: string,
    private readonly tokens: Token[],
    private readonly model: IndexModel,
  ) {}

  parse(): Predicate {
    const predicate = this.or();
    const rest = this.tokens[this.position];
    if (rest) throw filterSyntax(this.filter, rest.at);
    return predicate;
  }

  private peekWord(): string | undefined {
    const token = this.tokens[this.position];
    return token?.kind === "ident" ? token.text.toLowerCase() : undefined;
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw filterSyntax(this.filter, this.filter.length);
    return token;
  }

  private expect(text: "(" | ")" | ","): void {
    const token = this.next();
    if (token.kind !== "punct" || token.text !== text) throw filterSyntax(this.filter, token.at);
  }

  private or(): Predicate {
    let left = this.and();
    while (this.peekWord() === "or") {
      this.position++;
      const [a, b] = [left, this.and()];
      left = (document) => a(document) || b(document);
    }
    return left;
  }

  private and(): Predicate {
    let left = this.unary();
    while (this.peekWord() === "and") {
      this.position++;
      const [a, b] = [left, this.unary()];
      left = (document) => a(document) && b(document);
    }
    return left;
  }

  private unary(): Predicate {
    if (this.peekWord() === "not") {
      this.position++;
      const inner = this.unary();
      return (document) => !inner(document);
    }
    return this.primary();
  }

  private primary(): Predicate {
    const token = this.next();
    if (token.kind === "punct" && token.text === "(") {
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    if (token.kind !== "ident") throw filterSyntax(this.filter, token.at);
    const following = this.tokens[this.position];
    if (following?.kind === "punct" && following.text === "(") return this.call(token.text, token.at);
    if (token.text === "true" || token.text === "false") return () => token.text === "true";
    return this.comparison(token.text, token.at);
  }

  private field(name: string, at: number): string {
    if (name.includes("/")) throw new UnsupportedFeature(`complex field paths in $filter ('${name}')`);
    const field = this.model.field(name);
    if (!field) {
      if (/^[A-Za-z_]\w*$/.test(name)) throw noSuchProperty(name, "$filter");
      throw filterSyntax(this.filter, at);
    }
    if (!field.filterable) throw notFilterable(name);
    if (field.type.startsWith("Collection("))
      throw new UnsupportedFeature(`collection fields in $filter ('${name}')`);
    return name;
  }

  private call(name: string, at: number): Predicate {
    if (name.toLowerCase() !== "search.in") {
      if (UNSUPPORTED_FUNCTIONS.test(name) || name.includes("/")) {
        throw new UnsupportedFeature(`the $filter function or lambda '${name}(...)'`);
      }
      throw filterSyntax(this.filter, at);
    }
    this.expect("(");
    const fieldToken = this.next();
    if (fieldToken.kind !== "ident") throw filterSyntax(this.filter, fieldToken.at);
    const field = this.field(fieldToken.text, fieldToken.at);
    this.expect(",");
    const values = this.next();
    if (values.kind !== "string") throw filterSyntax(this.filter, values.at);
    let delimiters = " ,";
    const after = this.next();
    if (after.kind === "punct" && after.text === ",") {
      const custom = this.next();
      if (custom.kind !== "string") throw filterSyntax(this.filter, custom.at);
      delimiters = custom.value;
      this.expect(")");
    } else if (after.kind !== "punct" || after.text !== ")") {
      throw filterSyntax(this.filter, after.at);
    }
    const allowed = new Set(
      values.value.split(new RegExp(`[${delimiters.replace(/[\]\\^-]/g, "\\$&")}]`)).filter(Boolean),
    );
    return (document) => allowed.has(String(document[field]));
  }

  private comparison(name: string, at: number): Predicate {
    const operator = this.next();
    if (operator.kind !== "ident") throw filterSyntax(this.filter, operator.at);
    const op = operator.text.toLowerCase();
    const field = this.field(name, at);
    if (UNSUPPORTED_OPERATORS.has(op)) throw new UnsupportedFeature(`the $filter operator '${op}'`);
    if (op !== "eq" && op !== "ne") throw filterSyntax(this.filter, operator.at);
    const literal = this.next();
    let value: unknown;
    if (literal.kind === "string" || literal.kind === "number") value = literal.value;
    else if (literal.kind === "ident" && ["true", "false", "null"].includes(literal.text))
      value = JSON.parse(literal.text);
    else throw filterSyntax(this.filter, literal.at);
    const equal = (document: Record<string, unknown>) => (document[field] ?? null) === value;
    return op === "eq" ? equal : (document) => !equal(document);
  }
}

/** Compiles a $filter against an index; throws the service's 400 for bad filters. */
export function compileFilter(filter: string, model: IndexModel): Predicate {
  if (filter.trim() === "") return () => true;
  return new Parser(filter, tokenize(filter), model).parse();
}
