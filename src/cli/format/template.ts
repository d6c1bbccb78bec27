/**
 * Go's text/template (as of Go 1.19, which built Podman 4.3.1) over plain JS values, with
 * Podman's extra functions (common/pkg/report DefaultFuncs: join json lower pad split title
 * truncate upper). The value model is value.ts's; printing is fmt.ts's.
 *
 * Lexing, parsing and execution follow Go's structure closely because the error texts are
 * part of the interface: `template: NAME:LINE: MSG` for parse errors and
 * `template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG` for execution errors, with COL
 * the byte offset in the line of the node Go blames.
 *
 * Known differences from Go 1.19: numbers are one type, so `lt 1 1.5` compares instead of
 * failing with "incompatible types", float verbs accept integral numbers, and an integral
 * float literal such as `1e15` prints as an int; complex literals are rejected; a parse error
 * at the very end of a format that lacked a final newline is reported one line lower than
 * Podman does; `call`'s first argument is the only place a function-valued field is not
 * called as a method.
 */
import { formatValue, quote } from './fmt.ts';
import { BUILTINS, PODMAN_FUNCS } from './template-funcs.ts';
import type { FuncDef, ParamType } from './template-funcs.ts';
import { Parser, TemplateError, lex, nodeString } from './template-syntax.ts';
import type { AnyNode, ArgNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, PipeNode, TemplateNode, VariableNode } from './template-syntax.ts';
import { hasField, isTrue, kindOf, sortedEntries, typeName } from './value.ts';

export { TemplateError };

export interface Template {
  readonly name: string;
  /** Runs the template over data; throws TemplateError. */
  execute(data: unknown): string;
}

export type TemplateFuncs = Record<string, Function>;

export function parseTemplate(name: string, text: string, funcs: TemplateFuncs = {}): Template {
  const defs = new Map<string, FuncDef>(BUILTINS);
  for (const [k, v] of Object.entries(PODMAN_FUNCS)) defs.set(k, v);
  for (const [k, fn] of Object.entries(funcs)) defs.set(k, { variadic: 'any', call: (args) => fn(...args) as unknown });
  const trees = new Map<string, ListNode>();
  const root = new Parser(name, lex(text), defs, trees).parseRoot();
  const src = new Source(name, text);
  return {
    name,
    execute(data: unknown): string {
      const st = new ExecState(src, name, trees, defs, data);
      try {
        st.walk(data, root);
      } catch (err) {
        if (err instanceof TemplateError) throw new TemplateError(err.message, st.out.join(''));
        throw err;
      }
      return st.out.join('');
    },
  };
}

// Execution

const MISSING: unique symbol = Symbol('missing');
type Final = unknown | typeof MISSING;

const BREAK: unique symbol = Symbol('break');
const CONTINUE: unique symbol = Symbol('continue');

const MAX_DEPTH = 1000;

/** Maps node positions to `name:line:col` the way Go's ErrorContext does (col in bytes). */
class Source {
  readonly name: string;
  readonly text: string;

  constructor(name: string, text: string) {
    this.name = name;
    this.text = text;
  }

  location(pos: number): string {
    const before = this.text.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = Buffer.byteLength(before.slice(nl + 1), 'utf8');
    return `${this.name}:${line}:${col}`;
  }
}

interface Variable {
  readonly name: string;
  value: unknown;
}

class ExecState {
  readonly out: string[] = [];
  private vars: Variable[];
  private node: AnyNode | undefined;
  private depth = 0;
  private tmplName: string;
  private readonly src: Source;
  private readonly trees: Map<string, ListNode>;
  private readonly funcs: Map<string, FuncDef>;

  constructor(src: Source, name: string, trees: Map<string, ListNode>, funcs: Map<string, FuncDef>, data: unknown) {
    this.src = src;
    this.tmplName = name;
    this.trees = trees;
    this.funcs = funcs;
    this.vars = [{ name: '$', value: data }];
  }

  errorf(msg: string): never {
    if (this.node === undefined) throw new TemplateError(`template: ${this.tmplName}: ${msg}`);
    const where = this.src.location(this.node.pos);
    throw new TemplateError(`template: ${where}: executing ${quote(this.tmplName)} at <${nodeString(this.node)}>: ${msg}`);
  }

  private at(n: AnyNode): void {
    this.node = n;
  }

  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'text':
        this.out.push(node.text);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const val = this.evalPipeline(dot, node.pipe);
        if (isTrue(val)) this.walk(node.type === 'with' ? val : dot, node.list);
        else if (node.elseList) this.walk(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const bodyMark = this.vars.length;
      const oneIteration = (index: unknown, elem: unknown): void => {
        if (r.pipe.decl.length > 0) this.vars[this.vars.length - 1].value = elem;
        if (r.pipe.decl.length > 1) this.vars[this.vars.length - 2].value = index;
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = bodyMark;
        }
      };
      const k = kindOf(val);
      let iterated = false;
      if (k === 'slice') {
        (val as unknown[]).forEach((elem, i) => oneIteration(i, elem));
        iterated = (val as unknown[]).length > 0;
      } else if (k === 'map' || k === 'object') {
        const entries = sortedEntries(val as object);
        for (const [key, elem] of entries) oneIteration(key, elem);
        iterated = entries.length > 0;
      } else if (k !== 'invalid' && k !== 'nil') {
        this.errorf(`range can't iterate over ${formatValue(val, 'v')}`);
      }
      if (!iterated && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.vars.length = mark;
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    const saved = { vars: this.vars, name: this.tmplName };
    this.vars = [{ name: '$', value: newDot }];
    this.tmplName = t.name;
    this.depth++;
    try {
      this.walk(newDot, tree);
    } finally {
      this.depth--;
      this.vars = saved.vars;
      this.tmplName = saved.name;
    }
  }

  private printValue(n: AnyNode, v: unknown): void {
    this.at(n);
    if (v === undefined) this.out.push('<no value>');
    else if (typeof v === 'function') this.errorf(`can't print ${nodeString(n)} of type func`);
    else this.out.push(formatValue(v, 'v'));
  }

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value);
      else this.vars.push({ name: v.ident[0], value });
    }
    return value;
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0];
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
      default:
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return first.value;
      case 'string':
        return first.text;
    }
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[], final: Final, rawFunc = false): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final, rawFunc);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final, rawFunc = false): unknown {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'any', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final, rawFunc);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[], final: Final, rawFunc = false): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final, rawFunc);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: AnyNode, ident: string[], args: ArgNode[], final: Final, rawFunc: boolean): unknown {
    for (let i = 0; i < ident.length - 1; i++) receiver = this.evalField(dot, ident[i], node, [], MISSING, receiver, false);
    return this.evalField(dot, ident[ident.length - 1], node, args, final, receiver, rawFunc);
  }

  private evalField(dot: unknown, name: string, node: AnyNode, args: ArgNode[], final: Final, receiver: unknown, rawFunc: boolean): unknown {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver instanceof Map) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      return receiver.get(name);
    }
    const k = kindOf(receiver);
    if ((k === 'object' || k === 'struct' || k === 'time') && hasField(receiver as object, name)) {
      const v = (receiver as Record<string, unknown>)[name];
      if (typeof v === 'function') {
        if (rawFunc) return v;
        const method: FuncDef = { variadic: 'any', call: (a) => (v as (...x: unknown[]) => unknown).apply(receiver, a) };
        return this.evalCall(dot, method, name, node, args, final);
      }
      if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
      return v;
    }
    this.errorf(`can't evaluate field ${name} in type ${typeName(receiver)}`);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: AnyNode, args: ArgNode[], final: Final): unknown {
    this.at(node);
    const def = this.funcs.get(node.ident);
    if (def === undefined) this.errorf(`${quote(node.ident)} is not a defined function`);
    return this.evalCall(dot, def, node.ident, cmd, args, final);
  }

  private evalCall(dot: unknown, def: FuncDef, name: string, node: AnyNode, allArgs: ArgNode[], final: Final): unknown {
    const args = allArgs.slice(1);
    const params = def.params ?? [];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    if (def.variadic !== undefined) {
      if (numIn < params.length) this.errorf(`wrong number of args for ${name}: want at least ${params.length} got ${args.length}`);
    } else if (numIn !== params.length) {
      this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
    if (def.lazy) {
      let v: unknown;
      for (const a of args) {
        v = this.evalArg(dot, 'any', a);
        if (isTrue(v) === (def.lazy === 'or')) return v;
      }
      return final !== MISSING ? final : v;
    }
    const argv: unknown[] = [];
    const typeAt = (i: number): ParamType => (i < params.length ? params[i] : (def.variadic ?? 'any'));
    args.forEach((a, i) => argv.push(this.evalArg(dot, typeAt(i), a)));
    if (final !== MISSING) argv.push(this.validateType(final, typeAt(numIn - 1)));
    try {
      return def.call(argv);
    } catch (err) {
      this.at(node);
      this.errorf(`error calling ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private evalArg(dot: unknown, type: ParamType, n: ArgNode): unknown {
    this.at(n);
    const rawFunc = type === 'func';
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, type);
      case 'nil':
        if (type === '[]string') return [];
        if (type === 'any' || type === 'func') return null;
        return this.errorf(`cannot assign nil to ${type}`);
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING, rawFunc), type);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, [], MISSING, rawFunc), type);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), type);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, [], MISSING), type);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], MISSING, rawFunc), type);
      default:
    }
    switch (type) {
      case 'string':
        if (n.type === 'string') return n.text;
        return this.errorf(`expected string; found ${nodeString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return typeof n.value === 'bigint' ? Number(n.value) : n.value;
        return this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'bool':
        if (n.type === 'bool') return n.value;
        return this.errorf(`expected bool; found ${nodeString(n)}`);
      case '[]string':
      case 'func':
        return this.errorf(`can't handle ${nodeString(n)} for arg of type ${type}`);
      case 'any':
        switch (n.type) {
          case 'bool':
            return n.value;
          case 'number':
            return n.value;
          case 'string':
            return n.text;
        }
    }
  }

  private validateType(v: unknown, type: ParamType): unknown {
    const k = kindOf(v);
    switch (type) {
      case 'any':
      case 'func':
        return v;
      case 'string':
        if (k === 'string') return v;
        break;
      case 'int':
        if (k === 'int') return typeof v === 'bigint' ? Number(v) : v;
        break;
      case 'bool':
        if (k === 'bool') return v;
        break;
      case '[]string':
        if (k === 'invalid' || k === 'nil') return [];
        if (k === 'slice' && (v as unknown[]).every((x) => typeof x === 'string')) return v;
        break;
    }
    if (k === 'invalid') this.errorf(`invalid value; expected ${type}`);
    this.errorf(`wrong type for value; expected ${type}; got ${typeName(v)}`);
  }
}
